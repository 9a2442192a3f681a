"""The steering group: its roster, meetings, decisions and electronic decisions.

Meetings, decisions and stances were first kept in the needs registry; they
moved here with their tables (``db_table``), so rows and their ids stayed.
"""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organisation
from downloads.storage import RandomName
from needs_registry.models import Need, Status


class Seat(models.TextChoices):
    REPRESENTATIVE = "representative", _("Representative")
    DEPUTY = "deputy", _("Deputy")


class Publicity(models.TextChoices):
    """Who may read an agenda item, its decision, or minutes."""

    PUBLIC = "public", pgettext_lazy("steering publicity", "Public")
    MEMBERS = "members", pgettext_lazy("steering publicity", "Consortium members")
    STEERING = "steering", pgettext_lazy("steering publicity", "Steering group only")


class Nomination(models.Model):
    """A city's nomination of a person to its seat in the steering group, for a term.

    The nomination is the city's word; the person also needs the steering group
    role from the IAM to act in the seat.
    """

    # Set by steering.selectors.roster: whether the person holds the IAM's steering group role.
    has_iam_role: bool

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="steering_nominations",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="steering_nominations",
    )
    seat = models.CharField(_("seat"), max_length=16, choices=Seat)
    starts_on = models.DateField(_("term starts"))
    ends_on = models.DateField(_("term ends"), null=True, blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__name_fi", "seat", "-starts_on"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="nomination_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.person} ({self.seat})"

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)


class Meeting(models.Model):
    title = models.CharField(pgettext_lazy("document title", "title"), max_length=200)
    held_on = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    location = models.CharField(_("place"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agenda_published_at = models.DateTimeField(_("agenda published"), null=True, blank=True)
    # The iCalendar SEQUENCE: raised each time a published invitation changes.
    sequence = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "needs_registry_meeting"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d.%m.%Y})"

    def get_absolute_url(self) -> str:
        return reverse("steering:meeting_detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.agenda_published_at is not None


class AgendaItem(models.Model):
    """One item on a meeting's agenda: a need from the backlog or a general matter."""

    class Kind(models.TextChoices):
        NEED = "need", pgettext_lazy("agenda item kind", "Need")
        BUDGET = "budget", pgettext_lazy("agenda item kind", "Budget")
        MEMBERSHIP = "membership", pgettext_lazy("agenda item kind", "Membership")
        PROCUREMENT = "procurement", pgettext_lazy("agenda item kind", "Procurement")
        REPORTS = "reports", pgettext_lazy("agenda item kind", "Reports")
        MINUTES = "minutes", pgettext_lazy("agenda item kind", "Approval of minutes")
        OTHER = "other", pgettext_lazy("agenda item kind", "Other matter")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    number = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.OTHER)
    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    title = models.CharField(pgettext_lazy("document title", "title"), max_length=200)
    proposal = models.TextField(_("proposal"), blank=True)
    publicity = models.CharField(
        _("publicity"), max_length=16, choices=Publicity, default=Publicity.PUBLIC
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "number", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="agenda_item_number"),
            models.CheckConstraint(
                condition=~models.Q(kind="need") | models.Q(need__isnull=False),
                name="agenda_item_need_has_need",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} § {self.title}"


class Attendance(models.Model):
    """Who sat for a city at a meeting: its representative or its deputy."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seat = models.CharField(_("seat"), max_length=16, choices=Seat)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__name_fi"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "organisation"], name="attendance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.person} ({self.seat})"


class Minutes(models.Model):
    """A meeting's minutes, written on the platform and approved at a later meeting."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    text = models.TextField(_("minutes"))
    publicity = models.CharField(
        _("publicity"), max_length=16, choices=Publicity, default=Publicity.PUBLIC
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_at_meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("approved at"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="minutes_approved",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return f"{self.meeting}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class MinutesAttachment(models.Model):
    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="attachments")
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to=RandomName("minutes"), max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("steering:minutes_attachment", args=[self.pk])


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A member's personal calendar address; a new token revokes the old one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="steering_calendar"
    )
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user}"


class Decision(models.Model):
    """The steering group's decision at a meeting, on a need or on a general matter.

    ``agenda_item`` is the section as written in the minutes ("5 §"); ``item``
    the agenda item it decides, whose publicity it follows (decisions recorded
    before agendas existed have none and are public, as they were).
    """

    # Set by the selectors for a viewer: whether they may read what was decided.
    readable: bool

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    need = models.ForeignKey(
        Need, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    agenda_item = models.CharField(_("agenda item"), max_length=20)
    text = models.TextField(_("decision"))
    rationale = models.TextField(_("rationale"), blank=True)
    resulting_status = models.CharField(
        _("resulting status"), max_length=16, choices=Status, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "needs_registry_decision"
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting} {self.agenda_item}: {self.need or self.item}"

    @property
    def publicity(self) -> str:
        # Decisions recorded before agendas existed were shown on their need's page.
        return self.item.publicity if self.item_id else Publicity.PUBLIC


class DecisionStance(models.Model):
    class Stance(models.TextChoices):
        FOR = "for", pgettext_lazy("city's stance in a decision", "For")
        AGAINST = "against", pgettext_lazy("city's stance in a decision", "Against")
        ABSTAINED = "abstained", pgettext_lazy("city's stance in a decision", "Abstained")
        ABSENT = "absent", pgettext_lazy("city's stance in a decision", "Absent")

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="stances")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    stance = models.CharField(max_length=16, choices=Stance)
    dissent = models.TextField(_("dissent"), blank=True)

    class Meta:
        db_table = "needs_registry_decisionstance"
        constraints = [
            models.UniqueConstraint(fields=["decision", "organisation"], name="stance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.stance}"


class Ballot(models.Model):
    """An electronic decision between meetings: a proposal open for a set period."""

    class Result(models.TextChoices):
        PASSED = "passed", pgettext_lazy("electronic decision result", "Passed")
        REJECTED = "rejected", pgettext_lazy("electronic decision result", "Rejected")
        NO_QUORUM = "no_quorum", pgettext_lazy("electronic decision result", "No quorum")

    title = models.CharField(pgettext_lazy("document title", "title"), max_length=200)
    proposal = models.TextField(_("proposal"))
    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ballots",
    )
    publicity = models.CharField(
        _("publicity"), max_length=16, choices=Publicity, default=Publicity.MEMBERS
    )
    deputies_may_vote = models.BooleanField(
        _("deputies may vote for their city"),
        default=True,
        help_text=_("A city's vote is cast once, by its representative or its deputy."),
    )
    opens_at = models.DateTimeField(_("opens"), default=timezone.now)
    closes_at = models.DateTimeField(_("closes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=Result, blank=True)
    # How many member cities there were when it closed: the quorum's base.
    cities_total = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("electronic decision")
        verbose_name_plural = _("electronic decisions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="ballot_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("steering:ballot_detail", args=[self.pk])

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.closed_at is None and self.opens_at <= at < self.closes_at


class BallotVote(models.Model):
    """A city's vote in an electronic decision: once per city, by its representative
    or (where allowed) its deputy."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seat = models.CharField(_("seat"), max_length=16, choices=Seat)
    stance = models.CharField(
        pgettext_lazy("city's stance in a decision", "stance"),
        max_length=16,
        choices=[
            (DecisionStance.Stance.FOR, DecisionStance.Stance.FOR.label),
            (DecisionStance.Stance.AGAINST, DecisionStance.Stance.AGAINST.label),
            (DecisionStance.Stance.ABSTAINED, DecisionStance.Stance.ABSTAINED.label),
        ],
    )
    dissent = models.TextField(_("dissent"), blank=True)
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__name_fi"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "organisation"], name="ballot_vote_once")
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.stance}"
