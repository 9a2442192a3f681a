"""The consortium's budget: who takes part when, what is shared, and what was paid.

Amounts are whole cents (``money``); they are rounded to euros only when shown.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organisation
from budget.procurement import ContractType
from budget.shares import Method


class SplitMethod(models.TextChoices):
    PRORATED = Method.PRORATED, _("By months of participation")
    EQUAL = Method.EQUAL, _("Equal shares")
    WEIGHTED = Method.WEIGHTED, _("By an agreed weighted key")


class ConsortiumBudget(models.Model):
    """The project's budget, as the member municipalities decided it."""

    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("project starts on"))
    ends_on = models.DateField(_("project ends on"))
    total_cents = models.BigIntegerField(_("total budget (cents)"))
    external_share = models.DecimalField(
        _("external funding share"),
        max_digits=5,
        decimal_places=4,
        help_text=_("0.5 for 50 %."),
    )
    funder = models.CharField(_("external funder"), max_length=120, blank=True)
    method = models.CharField(
        _("cost split"), max_length=16, choices=SplitMethod, default=SplitMethod.PRORATED
    )
    yearly_cap_cents = models.BigIntegerField(
        _("cap per city a year (cents)"), null=True, blank=True
    )
    project_cap_cents = models.BigIntegerField(
        _("cap per city for the project (cents)"), null=True, blank=True
    )
    is_public = models.BooleanField(_("public in the open data"), default=True)

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The project cannot end before it starts.")})
        if self.external_share is not None and not 0 <= self.external_share <= 1:
            raise ValidationError({"external_share": _("Give a share between 0 and 1.")})

    @property
    def years(self) -> list[int]:
        return list(range(self.starts_on.year, self.ends_on.year + 1))

    @property
    def report_year(self) -> int:
        """The year whose reports are due now: the last year that has begun, within the
        project (the first before it starts, the last after it ends)."""
        today = timezone.localdate().year
        return min(max(today - 1, self.starts_on.year), self.ends_on.year)


class BudgetYear(models.Model):
    """The own share a budget year carries, when the budget names it."""

    budget = models.ForeignKey(ConsortiumBudget, on_delete=models.CASCADE, related_name="year_rows")
    year = models.PositiveSmallIntegerField(_("budget year"))
    own_share_cents = models.BigIntegerField(_("municipalities' own share (cents)"))

    class Meta:
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "year"], name="budget_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.budget} {self.year}"


class Participation(models.Model):
    """A municipality taking part in the project, from when to when, and its caps."""

    budget = models.ForeignKey(
        ConsortiumBudget, on_delete=models.CASCADE, related_name="participations"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="participations"
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    yearly_cap_cents = models.BigIntegerField(_("own cap a year (cents)"), null=True, blank=True)
    project_cap_cents = models.BigIntegerField(
        _("own cap for the project (cents)"), null=True, blank=True
    )
    one_off_cap_cents = models.BigIntegerField(
        _("cap on each one-off cost (cents)"), null=True, blank=True
    )

    class Meta:
        ordering = ["joined_on", "organisation__name_fi"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "organisation"], name="participation_unique")
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class SharedCost(models.Model):
    """A one-off cost split among the participants, such as the funding application."""

    budget = models.ForeignKey(ConsortiumBudget, on_delete=models.CASCADE, related_name="costs")
    name = models.CharField(_("name"), max_length=200)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    incurred_on = models.DateField(_("incurred on"))

    class Meta:
        ordering = ["incurred_on"]

    def __str__(self) -> str:
        return self.name


class RecurringFee(models.Model):
    """A yearly fee each participant pays outside the project budget (COSS)."""

    budget = models.ForeignKey(ConsortiumBudget, on_delete=models.CASCADE, related_name="fees")
    name = models.CharField(_("name"), max_length=200)
    amount_cents = models.BigIntegerField(_("amount a year (cents)"))

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class KeyWeight(models.Model):
    """A city's weight in the agreed key, from a budget year on (revised yearly)."""

    budget = models.ForeignKey(ConsortiumBudget, on_delete=models.CASCADE, related_name="weights")
    year = models.PositiveSmallIntegerField(_("from budget year"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(_("weight (%)"), max_digits=9, decimal_places=4)

    class Meta:
        ordering = ["year", "organisation__name_fi"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "year", "organisation"], name="key_weight_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}: {self.weight}"


class Payment(models.Model):
    """A city's payment of its cost share, recorded by the project coordinator."""

    budget = models.ForeignKey(ConsortiumBudget, on_delete=models.CASCADE, related_name="payments")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("city"), on_delete=models.PROTECT, related_name="payments"
    )
    year = models.PositiveSmallIntegerField(_("budget year"))
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-paid_on", "-pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"


class CostKind(models.TextChoices):
    DEVELOPMENT = "development", _("Development")
    TENDERING = "tendering", _("Competitive tendering")
    DEPLOYMENT = "deployment", _("Deployment")
    INTEGRATION = "integration", _("Third-party integrations")


class Payer(models.TextChoices):
    PROJECT = "project", _("The project")
    CITIES = "cities", _("The committed cities")


# Who pays a kind of cost unless the funder accepts it as a project cost: the founding
# decisions leave tendering and deployment to the cities unless accepted, and never
# cover third-party integrations.
DEFAULT_PAYER = {
    CostKind.DEVELOPMENT: Payer.PROJECT,
    CostKind.TENDERING: Payer.CITIES,
    CostKind.DEPLOYMENT: Payer.CITIES,
    CostKind.INTEGRATION: Payer.CITIES,
}
NEVER_PROJECT = frozenset({CostKind.INTEGRATION})


class NeedCost(models.Model):
    """One cost of developing a need: its estimate, what it actually came to, who pays."""

    need = models.ForeignKey("needs_registry.Need", on_delete=models.CASCADE, related_name="costs")
    kind = models.CharField(_("kind of cost"), max_length=16, choices=CostKind)
    description = models.CharField(_("description"), max_length=200, blank=True)
    payer = models.CharField(_("paid by"), max_length=8, choices=Payer)
    estimated_cents = models.BigIntegerField(
        _("estimated (cents)"), validators=[MinValueValidator(0)]
    )
    actual_cents = models.BigIntegerField(
        _("actual (cents)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["need", "pk"]
        verbose_name = _("cost of a need")
        verbose_name_plural = _("costs of needs")

    def __str__(self) -> str:
        return f"{self.need_id} {self.kind}"

    def clean(self) -> None:
        if self.kind in NEVER_PROJECT and self.payer == Payer.PROJECT:
            raise ValidationError(
                {"payer": _("Third-party integration costs are not covered by the project.")}
            )


class ProcurementPlan(models.Model):
    """How a need is to be procured: contract type, value, timetable, who procures."""

    need = models.OneToOneField(
        "needs_registry.Need", on_delete=models.CASCADE, related_name="procurement_plan"
    )
    contract_type = models.CharField(
        _("contract type"),
        max_length=16,
        choices=ContractType,
        default=ContractType.GOODS_SERVICES,
    )
    estimated_value_cents = models.BigIntegerField(
        _("estimated contract value (cents)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("The whole term, all cities together, excluding VAT."),
    )
    procuring_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("procuring organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    market_survey_by = models.DateField(_("market survey by"), null=True, blank=True)
    notice_by = models.DateField(_("contract notice published by"), null=True, blank=True)
    contract_by = models.DateField(_("contract signed by"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("procurement plan")
        verbose_name_plural = _("procurement plans")

    def __str__(self) -> str:
        return f"{self.need_id} {self.contract_type}"

    def clean(self) -> None:
        dates = [self.market_survey_by, self.notice_by, self.contract_by]
        known = [d for d in dates if d]
        if known != sorted(known):
            raise ValidationError(
                _("The steps go in order: market survey, contract notice, contract.")
            )


class ReportStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("yearly report status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("yearly report status", "Submitted")
    APPROVED = "approved", pgettext_lazy("yearly report status", "Approved")


class YearlyReport(models.Model):
    """A city's yearly report to the project coordinator: what the project brought it.

    The city writes only the benefits it realised; its share, payments, need costs
    and commitments are read from the budget when the report is shown, and frozen
    into ``snapshot`` when the coordinator approves it.
    """

    budget = models.ForeignKey(ConsortiumBudget, on_delete=models.CASCADE, related_name="reports")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("budget year"))
    hours_saved = models.PositiveIntegerField(
        _("hours of manual work saved"), null=True, blank=True
    )
    euros_saved_cents = models.BigIntegerField(
        _("euros saved (cents)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    benefits = models.TextField(_("benefits realised"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        pgettext_lazy("yearly report status", "status"),
        max_length=10,
        choices=ReportStatus,
        default=ReportStatus.DRAFT,
    )
    return_reason = models.TextField(_("reason for returning"), blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    snapshot = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["year", "organisation__name_fi"]
        verbose_name = _("yearly report")
        verbose_name_plural = _("yearly reports")
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "organisation", "year"], name="yearly_report_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"

    @property
    def is_editable(self) -> bool:
        return self.status == ReportStatus.DRAFT
