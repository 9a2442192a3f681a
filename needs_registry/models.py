"""The shared registry of the cities' common ICT development needs."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from accounts.models import Organisation
from downloads.storage import RandomName
from forum.models import Domain


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("need status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("need status", "Submitted")
    UNDER_REVIEW = "under_review", pgettext_lazy("need status", "Under review")
    ACCEPTED = "accepted", pgettext_lazy("need status", "Accepted to the backlog")
    PRE_STUDY = "pre_study", pgettext_lazy("need status", "Pre-study")
    DEVELOPMENT = "development", pgettext_lazy("need status", "In development")
    PROCUREMENT = "procurement", pgettext_lazy("need status", "In procurement")
    PILOT = "pilot", pgettext_lazy("need status", "Pilot")
    PRODUCTION = "production", pgettext_lazy("need status", "In production")
    REJECTED = "rejected", pgettext_lazy("need status", "Rejected")
    MERGED = "merged", pgettext_lazy("need status", "Merged into another need")


class Urgency(models.TextChoices):
    LOW = "low", pgettext_lazy("urgency", "Low")
    MEDIUM = "medium", pgettext_lazy("urgency", "Medium")
    HIGH = "high", pgettext_lazy("urgency", "High")
    CRITICAL = "critical", pgettext_lazy("urgency", "Critical")


class CostSplit(models.TextChoices):
    EQUAL = "equal", _("Equal shares")
    POPULATION = "population", _("By population")
    AGREED = "agreed", _("Agreed percentages")


class TaggedNeed(TaggedItemBase):
    content_object = models.ForeignKey("Need", on_delete=models.CASCADE)


class Need(models.Model):
    title = models.CharField(pgettext_lazy("document title", "title"), max_length=200)
    problem = models.TextField(_("problem statement"))
    desired_outcome = models.TextField(_("desired outcome"))
    domain = models.CharField(_("domain"), max_length=32, choices=Domain)
    affected_processes = models.TextField(_("affected processes"), blank=True)
    current_systems = models.TextField(_("systems in use today"), blank=True)
    open_source_candidates = models.TextField(_("open-source candidates"), blank=True)
    one_off_cost_eur = models.DecimalField(
        _("estimated one-off cost (€)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    yearly_cost_eur = models.DecimalField(
        _("estimated yearly cost (€)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    contract_years = models.PositiveSmallIntegerField(
        _("contract term (years)"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    benefit_hours_per_year = models.PositiveIntegerField(
        _("estimated benefit (hours of manual work saved per year)"), default=0
    )
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency, default=Urgency.MEDIUM)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("submitting organisation"),
        on_delete=models.PROTECT,
        related_name="submitted_needs",
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact person"),
        on_delete=models.PROTECT,
        related_name="needs_contact",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="needs_created"
    )
    tags = TaggableManager(through=TaggedNeed, verbose_name=_("tags"), blank=True)
    status = models.CharField(
        pgettext_lazy("need status", "status"),
        max_length=16,
        choices=Status,
        default=Status.DRAFT,
        db_index=True,
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_needs"
    )
    depends_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="dependents",
        verbose_name=_("depends on"),
    )
    discussion = models.OneToOneField(
        "forum.Thread", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    origin_thread = models.ForeignKey(
        "forum.Thread", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cost_split = models.CharField(
        _("cost split"), max_length=16, choices=CostSplit, default=CostSplit.EQUAL
    )
    # Recorded when the need is in production.
    maintainer = models.CharField(_("maintainer"), max_length=200, blank=True)
    licence = models.CharField(_("licence"), max_length=100, blank=True)
    repository_url = models.URLField(_("repository"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Denormalised counts kept by the services, for the backlog board.
    vote_count = models.PositiveIntegerField(default=0)
    sharing_count = models.PositiveIntegerField(default=0)
    support_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [models.Index(fields=["status", "-created_at"], name="need_status_created")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="merged") | models.Q(merged_into__isnull=False),
                name="need_merged_has_target",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("needs:need_detail", args=[self.pk])

    @property
    def total_cost_eur(self) -> Decimal:
        """Estimated value over the whole contract term, all cities together (excl. VAT)."""
        return self.one_off_cost_eur + self.yearly_cost_eur * self.contract_years

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT


class Transition(models.Model):
    """One step of a need's lifecycle: who moved it, when and why."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=Status, blank=True)
    to_status = models.CharField(max_length=16, choices=Status)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(pgettext_lazy("why a need's status changed", "reason"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.need}: {self.from_status} -> {self.to_status}"


class CityPosition(models.Model):
    class Stance(models.TextChoices):
        HAS_NEED = "has_need", _("We have this need")
        SOLVED = "solved", _("Already solved here")
        NOT_RELEVANT = "not_relevant", _("Not relevant")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="positions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    stance = models.CharField(
        pgettext_lazy("city's position on a need", "position"), max_length=16, choices=Stance
    )
    urgency = models.CharField(_("urgency here"), max_length=16, choices=Urgency, blank=True)
    current_system = models.CharField(_("system in use today"), max_length=200, blank=True)
    solution = models.TextField(_("how it is solved, and with what"), blank=True)
    cost_weight = models.DecimalField(
        _("agreed share (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    in_production = models.BooleanField(_("in production here"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["need", "organisation"], name="position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} on {self.need}: {self.stance}"


class Commitment(models.Model):
    """A city's financial commitment, recorded apart from its vote."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="commitments")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    amount_eur = models.DecimalField(
        _("share (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    budget_year = models.PositiveSmallIntegerField(
        _("budget year"), validators=[MinValueValidator(2020), MaxValueValidator(2100)]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["need", "organisation", "budget_year"], name="commitment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.amount_eur} € ({self.budget_year})"


class NeedCityHistory(models.Model):
    """One change of a city's position or commitment on a need: who, when, from what to what.

    Written by the services that change ``CityPosition`` and ``Commitment``
    (which keep only their present state) and shown on the need's page.
    ``before`` is empty for a first answer, ``after`` for a removal.
    """

    class Kind(models.TextChoices):
        POSITION = "position", pgettext_lazy("city's position on a need", "Position")
        COMMITMENT = "commitment", _("Commitment")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="city_history")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["need", "-created_at"], name="need_city_history_need")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.kind} on {self.need_id}"

    def _field(self, name: str):
        model = CityPosition if self.kind == self.Kind.POSITION else Commitment
        return model._meta.get_field(name)

    def _display(self, name: str, value) -> str:
        if value in (None, ""):
            return "–"
        if isinstance(value, bool):
            return str(_("yes") if value else _("no"))
        choices = dict(self._field(name).flatchoices)
        return str(choices.get(value, value))

    @property
    def changes(self) -> list[dict[str, str]]:
        """The fields that changed, each with its label and displayed values."""
        names = [n for n in (*self.after, *self.before) if n != "budget_year"]
        rows = []
        for name in dict.fromkeys(names):
            old, new = self.before.get(name), self.after.get(name)
            if old == new:
                continue
            rows.append(
                {
                    "label": str(self._field(name).verbose_name),
                    "before": self._display(name, old),
                    "after": self._display(name, new),
                }
            )
        return rows

    @property
    def budget_year(self):
        return self.after.get("budget_year") or self.before.get("budget_year")


class CityVote(models.Model):
    """A city's current vote on a need: one per city per need."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="votes")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["need", "organisation"], name="city_vote_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} votes for {self.need}"


class VoteRecord(models.Model):
    """The public history of city votes: every cast, change and withdrawal."""

    class Action(models.TextChoices):
        CAST = "cast", _("Voted")
        CHANGED = "changed", _("Changed the vote")
        WITHDRAWN = "withdrawn", _("Withdrew the vote")
        MOVED = "moved", _("Moved by a merge")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="vote_records")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16, choices=Action)
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.organisation} {self.action} {self.need}"


class Support(models.Model):
    """An expert's personal support, shown apart from city votes."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["need", "user"], name="support_unique")]

    def __str__(self) -> str:
        return f"{self.user} supports {self.need}"


class Follow(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["need", "user"], name="follow_unique")]

    def __str__(self) -> str:
        return f"{self.user} follows {self.need}"


class NeedAttachment(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="attachments")
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to=RandomName("needs"), max_length=300)
    # The uploader's name, given back only in Content-Disposition; the stored name is random.
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("needs:attachment_download", args=[self.pk])


class PrioritisationRound(models.Model):
    title = models.CharField(pgettext_lazy("document title", "title"), max_length=200)
    needs = models.ManyToManyField(Need, related_name="rounds", verbose_name=_("needs"))
    points_per_city = models.PositiveIntegerField(
        _("points per city"), validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="round_closes_after"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.closed_at is None and self.opens_at <= at < self.closes_at


class RoundAllocation(models.Model):
    round = models.ForeignKey(
        PrioritisationRound, on_delete=models.CASCADE, related_name="allocations"
    )
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="allocations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveIntegerField()
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "need", "organisation"], name="allocation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.points} to {self.need}"
