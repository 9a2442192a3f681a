from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import AuditEntry, Organisation, User, UserRole


class AuditedAdmin(admin.ModelAdmin):
    """Writes every change made in Django admin to the platform's audit log too."""

    def _audit(self, request, obj, summary: str, message=None) -> None:
        # Objects are named by id, never by str(obj): a member's name must not
        # end up in the append-only log (see AuditEntry).
        services.audit_record(
            action=AuditEntry.Action.ADMIN_CHANGE,
            actor=request.user,
            target=f"{obj._meta.label_lower}:{obj.pk}",
            summary=summary,
            data={"change": message} if isinstance(message, list) else None,
        )

    def log_addition(self, request, obj, message):
        self._audit(request, obj, "added", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, "changed", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "deleted")
        return super().log_deletions(request, queryset)


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name_fi", "slug", "kind", "business_id", "is_active", "joined_on"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name_fi", "name_sv", "name_en", "slug", "business_id"]


class UserRoleInline(admin.TabularInline):
    model = UserRole
    extra = 0
    readonly_fields = ["role", "granted_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(AuditedAdmin):
    list_display = ["display_name", "email", "organisation", "is_active", "last_login"]
    list_filter = ["organisation", "is_active", "roles__role"]
    search_fields = ["display_name", "email", "handle"]
    readonly_fields = [
        "email",
        "display_name",
        "organisation",
        "last_login",
        "date_joined",
        "anonymised_at",
    ]
    fields = [
        "display_name",
        "email",
        "handle",
        "title",
        "organisation",
        "preferred_language",
        "notification_email",
        "is_active",
        "last_login",
        "date_joined",
        "anonymised_at",
    ]
    inlines = [UserRoleInline]
    actions = ["deactivate", "anonymise"]

    def save_model(self, request, obj, form, change):
        """Deactivating or reactivating goes through its service, which signs the member out."""
        if not (change and "is_active" in form.changed_data):
            return super().save_model(request, obj, form, change)
        active = obj.is_active
        obj.is_active = form.initial["is_active"]
        super().save_model(request, obj, form, change)
        if active:
            services.member_reactivate(actor=request.user, user=obj)
        else:
            services.member_deactivate(actor=request.user, user=obj)
        obj.is_active = active

    def delete_model(self, request, obj):
        services.member_delete(actor=request.user, user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.member_delete(actor=request.user, user=user)

    @admin.action(description=_("Deactivate members (signed out everywhere at once)"))
    def deactivate(self, request, queryset):
        for user in queryset:
            services.member_deactivate(actor=request.user, user=user)
        messages.success(request, _("Deactivated %(count)d members.") % {"count": queryset.count()})

    @admin.action(description=_("Anonymise departed members (posts stay as former member)"))
    def anonymise(self, request, queryset):
        for user in queryset:
            services.member_anonymise(actor=request.user, user=user)
        messages.success(request, _("Anonymised %(count)d members.") % {"count": queryset.count()})


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_name", "actor_organisation", "target", "summary"]
    list_filter = ["action"]
    search_fields = ["target", "summary"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
