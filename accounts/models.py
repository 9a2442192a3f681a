"""People, organisations, roles, sign-in sessions and the audit log."""

import secrets
from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase


class Language(models.TextChoices):
    FINNISH = "fi", "Suomi"
    SWEDISH = "sv", "Svenska"
    ENGLISH = "en", "English"


class Organisation(models.Model):
    """A member city or municipality, or the consortium office."""

    class Kind(models.TextChoices):
        CITY = "city", _("Member city")
        OFFICE = "office", _("Consortium office")

    slug = models.SlugField(_("identifier"), unique=True, help_text=_("As named by the IAM."))
    name_fi = models.CharField(_("name in Finnish"), max_length=120)
    name_sv = models.CharField(_("name in Swedish"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120)
    business_id = models.CharField(_("business ID"), max_length=9, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.CITY)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    is_active = models.BooleanField(_("active member"), default=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering = ["name_fi"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["business_id"],
                condition=~models.Q(business_id=""),
                name="organisation_business_id_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = (translation.get_language() or "fi")[:2]
        return getattr(self, f"name_{language}", None) or self.name_fi

    @property
    def is_city(self) -> bool:
        return self.kind == self.Kind.CITY


class Role(models.TextChoices):
    """Platform roles. Every member is an expert; the others come from the IAM."""

    ICT_LEAD = "ict_lead", _("ICT lead")
    ICT_LEAD_SUBSTITUTE = "ict_lead_substitute", _("ICT lead's substitute")
    STEERING_GROUP = "steering_group", _("Steering group member")
    PROJECT_COORDINATOR = "project_coordinator", _("Project coordinator")
    MODERATOR = "moderator", _("Moderator")
    PLATFORM_ADMIN = "platform_admin", _("Platform admin")


class NotificationEmail(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DAILY = "daily", _("As a daily digest")
    NEVER = "never", _("Never")


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class TaggedExpertise(TaggedItemBase):
    content_object = models.ForeignKey("User", on_delete=models.CASCADE)


class User(AbstractUser):
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    handle = models.SlugField(
        _("handle"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Others mention you as @handle."),
    )
    title = models.CharField(
        pgettext_lazy("person's job title", "title"), max_length=150, blank=True
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language, default=Language.FINNISH
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
    )
    expertise = TaggableManager(
        through=TaggedExpertise,
        verbose_name=_("expertise"),
        blank=True,
        help_text=_("Topics you work on, separated by commas."),
    )
    notification_email = models.CharField(
        _("e-mail notifications"),
        max_length=10,
        choices=NotificationEmail,
        default=NotificationEmail.IMMEDIATE,
    )
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        if self.anonymised_at:
            if self.organisation_id:
                return _("Former member of %(organisation)s") % {"organisation": self.organisation}
            return str(_("Former member"))
        return self.display_name or self.get_full_name() or self.username

    @cached_property
    def role_set(self) -> frozenset[str]:
        """The member's roles, loaded once per request."""
        if not self.pk:
            return frozenset()
        return frozenset(self.roles.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return self.is_active and bool(self.role_set.intersection(roles))

    @property
    def is_moderator(self) -> bool:
        return self.has_role(Role.MODERATOR, Role.PLATFORM_ADMIN) or self.is_superuser

    @property
    def is_platform_admin(self) -> bool:
        return self.has_role(Role.PLATFORM_ADMIN) or self.is_superuser

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in sorted(self.role_set)]


class UserRole(models.Model):
    """A role held by a member, as granted by the IAM at the last sign-in."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=32, choices=Role)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="user_role_unique")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"


class SignInSession(models.Model):
    """Links a platform session to the IAM session it came from.

    Kept for relying-party logout (the ID token is sent back as
    ``id_token_hint``), back-channel logout (the IAM names a ``sid``) and the
    re-check of roles and organisation during the session: the refresh token
    (or, from an IAM that issues none, the access token) asks the IAM again
    every ``IAM_RECHECK_SECONDS``. ``checked_at`` is when that was last
    tried, ``confirmed_at`` when the IAM last answered that the person is
    still who they were; the tokens go with the row when the session ends.
    """

    session_key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_sessions")
    subject = models.CharField(max_length=255)
    sid = models.CharField(max_length=255, blank=True, db_index=True)
    id_token = models.TextField()
    refresh_token = models.TextField(blank=True)
    access_token = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d %H:%M})"


class AuditEntryQuerySet(models.QuerySet):
    """Refuses the bulk writes that would bypass ``AuditEntry.save``/``delete``."""

    def update(self, **kwargs):
        raise PermissionDenied("Audit entries cannot be changed.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise PermissionDenied("Audit entries cannot be changed.")

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        raise PermissionDenied("Audit entries cannot be changed.")

    def delete(self):
        raise PermissionDenied("Audit entries cannot be deleted.")

    delete.alters_data = True
    delete.queryset_only = True

    def _raw_delete(self, using):
        raise PermissionDenied("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """An append-only record of a security-relevant event, fit to settle a dispute.

    Nothing changes or removes an entry once written: ``save``/``delete`` and
    the queryset's bulk ``update``/``delete`` refuse in Python, and database
    triggers (migration ``accounts.0003``) refuse ``UPDATE``, ``DELETE`` and
    ``TRUNCATE`` of the table on PostgreSQL and ``UPDATE``/``DELETE`` on SQLite,
    whatever client writes.

    Who acted is kept twice: ``actor`` (the member's id, without a database
    constraint and with ``DO_NOTHING``, because ``SET_NULL`` would be an
    ``UPDATE`` the trigger refuses and ``PROTECT`` would make a member row
    impossible to remove) and a snapshot taken when the entry is written,
    ``actor_name`` and ``actor_organisation``, so an entry still says who acted
    after the member's row is changed or gone.

    Anonymisation does not rewrite entries: the log is the record for a
    dispute, kept for the legal retention period (GDPR art. 17(3)(b) and (e)),
    and an entry that could be rewritten would prove nothing. So the name
    snapshot is the only personal name an entry holds: summaries and data name
    people and objects by id (``user:42``, ``need:7``) and organisations by
    identifier, never by name; anonymising a member therefore changes nothing
    here, and a member's data download lists the entries about them.
    """

    class Action(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_REFUSED = "sign_in_refused", _("Sign-in refused")
        SIGN_OUT = "sign_out", _("Signed out")
        BACKCHANNEL_LOGOUT = "backchannel_logout", _("Signed out by the IAM")
        ROLES_CHANGED = "roles_changed", _("Roles changed by the IAM")
        ORGANISATION_CHANGED = "organisation_changed", _("Organisation changed by the IAM")
        PROFILE_CHANGED = "profile_changed", _("Profile changed")
        DATA_EXPORTED = "data_exported", _("Personal data downloaded")
        MEMBER_ANONYMISED = "member_anonymised", _("Member anonymised")
        MEMBER_DEACTIVATED = "member_deactivated", _("Member deactivated")
        MEMBER_REACTIVATED = "member_reactivated", _("Member reactivated")
        SESSION_EXPIRED = "session_expired", _("Signed out at the session's time limit")
        IAM_ACCESS_ENDED = "iam_access_ended", _("Signed out: the IAM no longer confirms access")
        MODERATION = "moderation", _("Moderation")
        NEED_EDITED = "need_edited", _("Need edited")
        NEED_DECISION = "need_decision", _("Need decision")
        NEED_TRANSITION = "need_transition", _("Need status changed")
        CITY_POSITION = "city_position", _("City position changed")
        COMMITMENT = "commitment", _("Commitment changed")
        PRODUCTION = "production", _("Production recorded")
        ROUND_CLOSED = "round_closed", _("Prioritisation round closed")
        POINTS_ALLOCATED = "points_allocated", _("Round points allocated")
        MEETING = "meeting", _("Meeting recorded or changed")
        CATEGORY_CHANGED = "category_changed", _("Forum category changed")
        ORGANISATION_EDITED = "organisation_edited", _("Organisation changed")
        EXPORT = "export", _("Export")
        ADMIN_CHANGE = "admin_change", _("Admin change")

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    actor_organisation = models.CharField(_("organisation"), max_length=50, blank=True)
    action = models.CharField(max_length=32, choices=Action, db_index=True)
    target = models.CharField(max_length=200, blank=True, db_index=True)
    summary = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.target}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Audit entries cannot be changed.")
        if self.actor_id is not None and not self.actor_name:
            actor = self.actor
            self.actor_name = (actor.display_name or actor.get_full_name() or actor.username)[:150]
            self.actor_organisation = actor.organisation.slug if actor.organisation_id else ""
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit entries cannot be deleted.")

    @property
    def actor_label(self) -> str:
        """Who acted, as recorded when the entry was written."""
        if not self.actor_name:
            return ""
        if self.actor_organisation:
            return f"{self.actor_name} ({self.actor_organisation})"
        return self.actor_name
