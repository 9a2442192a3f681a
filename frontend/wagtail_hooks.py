"""Wagtail admin as the back office for organisations and forum categories.

Every change made here to an organisation or a category is written to the
audit log, with the fields changed from what to what, through
``accounts.services.back_office_change_record``.
"""

from typing import Any

from django.db import models
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts import services as accounts_services
from accounts.models import AuditEntry, Organisation
from forum import services as forum_services
from forum.models import Category

AUDITED = {
    Organisation: AuditEntry.Action.ORGANISATION_EDITED,
    Category: AuditEntry.Action.CATEGORY_CHANGED,
}


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    icon = "group"
    menu_label = "Organisations"
    list_display = ["name_fi", "slug", "kind", "is_active"]
    search_fields = ["name_fi", "name_sv", "name_en", "slug"]
    add_to_admin_menu = True


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "list-ul"
    menu_label = "Forum categories"
    list_display = ["name_fi", "slug", "domain", "position"]
    search_fields = ["name_fi", "name_sv", "name_en", "slug"]
    add_to_admin_menu = True


register_snippet(OrganisationViewSet)
register_snippet(CategoryViewSet)


def _snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's field values, related objects by id, for comparing before and after."""
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        values[field.attname] = field.value_from_object(instance)
    if instance.pk is not None:
        for field in instance._meta.many_to_many:
            values[field.name] = sorted(o.pk for o in getattr(instance, field.name).all())
    return values


def _audited(instance: Any) -> bool:
    return type(instance) in AUDITED


@hooks.register("before_edit_snippet")
def remember_before_edit(request, instance):
    if request.method == "POST" and _audited(instance):
        request._audit_before = _snapshot(type(instance).objects.get(pk=instance.pk))


@hooks.register("after_edit_snippet")
def audit_edit(request, instance):
    if _audited(instance):
        accounts_services.back_office_change_record(
            actor=request.user,
            action=AUDITED[type(instance)],
            obj=instance,
            verb="changed",
            before=getattr(request, "_audit_before", {}),
            after=_snapshot(instance),
        )


@hooks.register("after_create_snippet")
def audit_create(request, instance):
    if _audited(instance):
        accounts_services.back_office_change_record(
            actor=request.user,
            action=AUDITED[type(instance)],
            obj=instance,
            verb="added",
            after=_snapshot(instance),
        )


@hooks.register("before_delete_snippet")
def remember_before_delete(request, instances):
    if request.method == "POST":
        request._audit_deleting = [
            (instance, instance.pk, _snapshot(instance))
            for instance in instances
            if _audited(instance)
        ]


@hooks.register("after_delete_snippet")
def audit_delete(request, instances):
    for instance, pk, before in getattr(request, "_audit_deleting", []):
        instance.pk = pk
        accounts_services.back_office_change_record(
            actor=request.user,
            action=AUDITED[type(instance)],
            obj=instance,
            verb="deleted",
            before=before,
        )


@hooks.register("after_edit_snippet")
def category_edited(request, instance):
    """A category's read roles or organisations may have changed: every thread
    and post in it is re-indexed, so search follows the new rule."""
    if isinstance(instance, Category):
        forum_services.category_read_rule_changed(actor=request.user, category=instance)
