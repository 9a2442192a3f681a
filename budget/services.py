"""Writes to the budget: setting it up, participants, shared costs, payments, and the
cities' yearly reports.

Every write checks its permission first (``can_manage_budget`` for the budget),
validates, and leaves an entry in the audit log, in one transaction.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

import money
from accounts.models import Organisation, Role, User
from accounts.services import audit_record
from budget import notification_kinds, selectors
from budget.models import (
    BudgetYear,
    ConsortiumBudget,
    KeyWeight,
    NeedCost,
    Participation,
    Payment,
    ProcurementPlan,
    RecurringFee,
    ReportStatus,
    SharedCost,
    YearlyReport,
)
from budget.permissions import (
    can_approve_report,
    can_manage_budget,
    can_manage_need_costs,
    can_prepare_report,
)
from needs_registry.models import Need
from notifications.services import notify


def _check(actor: User) -> None:
    if not can_manage_budget(actor):
        raise PermissionDenied


@transaction.atomic
def budget_create(*, actor: User, **fields: object) -> ConsortiumBudget:
    """Write a budget (name, period, total, external share, split method, caps)."""
    _check(actor)
    budget = ConsortiumBudget(**fields)
    budget.full_clean()
    budget.save()
    audit_record(
        action="budget.create",
        actor=actor,
        target=f"budget:{budget.pk}",
        data={"total_cents": budget.total_cents, "method": budget.method},
    )
    return budget


BUDGET_FIELDS = (
    "name",
    "starts_on",
    "ends_on",
    "total_cents",
    "external_share",
    "funder",
    "method",
    "yearly_cap_cents",
    "project_cap_cents",
    "is_public",
)


@transaction.atomic
def budget_update(*, actor: User, budget: ConsortiumBudget, **fields: object) -> ConsortiumBudget:
    """Change the budget's name, period, total, funding, split method or caps; the
    audit entry keeps what changed from what."""
    _check(actor)
    budget = ConsortiumBudget.objects.select_for_update().get(pk=budget.pk)
    changed = {}
    for name, value in fields.items():
        if name not in BUDGET_FIELDS:
            raise ValueError(f"{name} is not a budget field")
        if getattr(budget, name) != value:
            changed[name] = [str(getattr(budget, name)), str(value)]
            setattr(budget, name, value)
    budget.full_clean()
    budget.save()
    if changed:
        audit_record(
            action="budget.update", actor=actor, target=f"budget:{budget.pk}", data=changed
        )
    return budget


@transaction.atomic
def budget_year_set(*, actor: User, budget: ConsortiumBudget, year: int, cents: int) -> BudgetYear:
    """Name the own share a budget year carries."""
    _check(actor)
    row, _created = BudgetYear.objects.update_or_create(
        budget=budget, year=year, defaults={"own_share_cents": cents}
    )
    row.full_clean()
    audit_record(
        action="budget.year",
        actor=actor,
        target=f"budget:{budget.pk}",
        data={"year": year, "cents": cents},
    )
    return row


@transaction.atomic
def budget_year_clear(*, actor: User, budget: ConsortiumBudget, year: int) -> None:
    """Let a budget year carry the own share by its project months again."""
    _check(actor)
    BudgetYear.objects.filter(budget=budget, year=year).delete()
    audit_record(
        action="budget.year",
        actor=actor,
        target=f"budget:{budget.pk}",
        data={"year": year, "cents": None},
    )


@transaction.atomic
def participation_add(
    *,
    actor: User,
    budget: ConsortiumBudget,
    organisation: Organisation,
    joined_on: date,
    left_on: date | None = None,
    yearly_cap_cents: int | None = None,
    project_cap_cents: int | None = None,
    one_off_cap_cents: int | None = None,
) -> Participation:
    """Add a municipality to the project (or change its dates and caps)."""
    _check(actor)
    participation, _created = Participation.objects.update_or_create(
        budget=budget,
        organisation=organisation,
        defaults={
            "joined_on": joined_on,
            "left_on": left_on,
            "yearly_cap_cents": yearly_cap_cents,
            "project_cap_cents": project_cap_cents,
            "one_off_cap_cents": one_off_cap_cents,
        },
    )
    participation.full_clean()
    audit_record(
        action="budget.participation",
        actor=actor,
        target=f"budget:{budget.pk}",
        data={
            "organisation": organisation.slug,
            "joined_on": joined_on.isoformat(),
            "left_on": left_on.isoformat() if left_on else None,
        },
    )
    return participation


@transaction.atomic
def shared_cost_add(
    *, actor: User, budget: ConsortiumBudget, name: str, amount_cents: int, incurred_on: date
) -> SharedCost:
    """A one-off cost the participants split (the funding application), in one of
    the project's budget years: a cost outside them would fall on nobody."""
    _check(actor)
    if incurred_on.year not in budget.years:
        raise ValidationError(
            {
                "incurred_on": _(
                    "A one-off cost is shared in one of the project's budget years, "
                    "%(first)s–%(last)s."
                )
                % {"first": budget.years[0], "last": budget.years[-1]}
            }
        )
    cost = SharedCost(budget=budget, name=name, amount_cents=amount_cents, incurred_on=incurred_on)
    cost.full_clean()
    cost.save()
    audit_record(
        action="budget.shared_cost",
        actor=actor,
        target=f"budget:{budget.pk}",
        data={"name": name, "amount_cents": amount_cents},
    )
    return cost


@transaction.atomic
def recurring_fee_add(
    *, actor: User, budget: ConsortiumBudget, name: str, amount_cents: int
) -> RecurringFee:
    """A yearly fee outside the budget (the COSS municipal partnership)."""
    _check(actor)
    fee = RecurringFee(budget=budget, name=name, amount_cents=amount_cents)
    fee.full_clean()
    fee.save()
    audit_record(
        action="budget.fee",
        actor=actor,
        target=f"budget:{budget.pk}",
        data={"name": name, "amount_cents": amount_cents},
    )
    return fee


@transaction.atomic
def key_weight_set(
    *,
    actor: User,
    budget: ConsortiumBudget,
    year: int,
    organisation: Organisation,
    weight: Decimal,
) -> KeyWeight:
    """A city's weight in the agreed key from ``year`` on."""
    _check(actor)
    row, _created = KeyWeight.objects.update_or_create(
        budget=budget, year=year, organisation=organisation, defaults={"weight": weight}
    )
    row.full_clean()
    audit_record(
        action="budget.key_weight",
        actor=actor,
        target=f"budget:{budget.pk}",
        data={"year": year, "organisation": organisation.slug, "weight": str(weight)},
    )
    return row


@transaction.atomic
def payment_record(
    *,
    actor: User,
    budget: ConsortiumBudget,
    organisation: Organisation,
    year: int,
    amount_cents: int,
    paid_on: date,
    reference: str = "",
) -> Payment:
    """Record a city's payment against its computed share for ``year``.

    Preconditions: the actor is a project coordinator; the city takes part in
    the budget; the year is one of the project's; the amount is positive, no
    larger than the whole budget and within the city's yearly cap; the date lies
    between a year before the project and the end of the year after it.
    """
    _check(actor)
    errors = {}
    if not budget.participations.filter(organisation=organisation).exists():
        errors["organisation"] = _("This city does not take part in the project.")
    if year not in budget.years:
        errors["year"] = _("Choose a year of the project.")
    if amount_cents <= 0:
        errors["amount"] = _("Give an amount above zero.")
    elif amount_cents > budget.total_cents:
        errors["amount"] = _(
            "A payment cannot be larger than the whole budget of the project (%(total)s)."
        ) % {"total": money.format_euros(budget.total_cents, get_language() or "fi")}
    elif budget.yearly_cap_cents and not errors:
        paid = (
            budget.payments.filter(organisation=organisation, year=year).aggregate(
                total=Sum("amount_cents")
            )["total"]
            or 0
        )
        if paid + amount_cents > budget.yearly_cap_cents:
            errors["amount"] = _(
                "With this payment the city would pay %(paid)s for %(year)s, more than its "
                "cap of %(cap)s a year."
            ) % {
                "paid": money.format_euros(paid + amount_cents, get_language() or "fi"),
                "year": year,
                "cap": money.format_euros(budget.yearly_cap_cents, get_language() or "fi"),
            }
    # A payment may come in before the project starts or settle it after it
    # ends, but not years away: 2035 for a project of 2026–2029 is a typing slip.
    earliest = date(budget.starts_on.year - 1, 1, 1)
    latest = date(budget.ends_on.year + 1, 12, 31)
    if not earliest <= paid_on <= latest:
        errors["paid_on"] = _("Give a date between %(earliest)s and %(latest)s.") % {
            "earliest": formats.date_format(earliest, "SHORT_DATE_FORMAT"),
            "latest": formats.date_format(latest, "SHORT_DATE_FORMAT"),
        }
    if errors:
        raise ValidationError(errors)
    payment = Payment(
        budget=budget,
        organisation=organisation,
        year=year,
        amount_cents=amount_cents,
        paid_on=paid_on,
        reference=reference,
        recorded_by=actor,
    )
    payment.full_clean(exclude=["recorded_by"])
    payment.save()
    audit_record(
        action="budget.payment",
        actor=actor,
        target=f"budget:{budget.pk}",
        summary=f"payment:{payment.pk}",
        data={"organisation": organisation.slug, "year": year, "amount_cents": amount_cents},
    )
    return payment


COST_FIELDS = ("kind", "description", "payer", "estimated_cents", "actual_cents")
PLAN_FIELDS = (
    "contract_type",
    "estimated_value_cents",
    "procuring_organisation",
    "market_survey_by",
    "notice_by",
    "contract_by",
    "notes",
)


@transaction.atomic
def need_cost_save(
    *, actor: User, need: Need, data: dict[str, object], cost: NeedCost | None = None
) -> NeedCost:
    """Write one cost of a need (new, or ``cost`` changed): its kind, who pays, the
    estimate and the actual amount. Preconditions: ``can_manage_need_costs``;
    ``cost`` belongs to ``need``. Audited."""
    if not can_manage_need_costs(actor, need):
        raise PermissionDenied
    if cost is None:
        cost = NeedCost(need=need)
    elif cost.need_id != need.pk:
        raise PermissionDenied
    for name in COST_FIELDS:
        if name in data:
            setattr(cost, name, data[name])
    cost.recorded_by = actor
    cost.updated_at = timezone.now()
    cost.full_clean(exclude=["recorded_by"])
    cost.save()
    audit_record(
        action="budget.need_cost",
        actor=actor,
        target=f"need:{need.pk}",
        summary=f"cost:{cost.pk}",
        data={
            "kind": cost.kind,
            "payer": cost.payer,
            "estimated_cents": cost.estimated_cents,
            "actual_cents": cost.actual_cents,
        },
    )
    return cost


@transaction.atomic
def procurement_plan_save(*, actor: User, need: Need, data: dict[str, object]) -> ProcurementPlan:
    """Write a need's procurement plan (contract type, value, who procures, the
    timetable, notes). Preconditions: ``can_manage_need_costs``. Audited."""
    if not can_manage_need_costs(actor, need):
        raise PermissionDenied
    plan = ProcurementPlan.objects.select_for_update().filter(need=need).first()
    if plan is None:
        plan = ProcurementPlan(need=need)
    for name in PLAN_FIELDS:
        if name in data:
            setattr(plan, name, data[name])
    plan.updated_by = actor
    plan.updated_at = timezone.now()
    plan.full_clean(exclude=["updated_by"])
    plan.save()
    audit_record(
        action="budget.procurement_plan",
        actor=actor,
        target=f"need:{need.pk}",
        data={"contract_type": plan.contract_type, "value_cents": plan.estimated_value_cents},
    )
    return plan


# ------------------------------------------------------------- yearly reports

REPORT_FIELDS = ("hours_saved", "euros_saved_cents", "benefits", "notes")


def _report_url(report: YearlyReport) -> str:
    return reverse("budget:report_detail", args=[report.year, report.organisation.slug])


def _report_audit(actor: User, report: YearlyReport, action: str) -> None:
    audit_record(
        action=f"budget.report_{action}",
        actor=actor,
        target=f"budget:{report.budget_id}",
        summary=f"report:{report.pk}",
        data={
            "organisation": report.organisation.slug,
            "year": report.year,
            "status": report.status,
        },
    )


def _lock_report(report: YearlyReport) -> YearlyReport:
    return YearlyReport.objects.select_for_update().select_related("organisation").get(pk=report.pk)


@transaction.atomic
def report_save(
    *,
    actor: User,
    budget: ConsortiumBudget,
    organisation: Organisation,
    year: int,
    data: dict[str, object],
) -> YearlyReport:
    """Write the benefits a city realised in ``year`` (hours and euros saved, what went
    live and what it brought, notes) into its draft report, creating it if need be.

    Preconditions: ``can_prepare_report`` for the city; the city takes part in the
    budget; the year is one of the project's; the report is a draft (never submitted,
    or returned); the amounts are not negative. Audited; sends no event.
    """
    if not can_prepare_report(actor, organisation):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if not budget.participations.filter(organisation=organisation).exists():
        errors["organisation"] = _("This city does not take part in the project.")
    if year not in budget.years:
        errors["year"] = _("Choose a year of the project.")
    hours, cents = data.get("hours_saved"), data.get("euros_saved_cents")
    if isinstance(hours, int) and hours < 0:
        errors["hours_saved"] = _("Give the hours as zero or more.")
    if isinstance(cents, int) and cents < 0:
        errors["euros_saved"] = _("Give the euros as zero or more.")
    if errors:
        raise ValidationError(errors)
    report = (
        YearlyReport.objects.select_for_update()
        .filter(budget=budget, organisation=organisation, year=year)
        .first()
    ) or YearlyReport(budget=budget, organisation=organisation, year=year)
    if not report.is_editable:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "The report has been submitted; it can be changed once the coordinator "
                    "returns it."
                )
            }
        )
    for name in REPORT_FIELDS:
        if name in data:
            setattr(report, name, data[name])
    report.prepared_by = actor
    report.updated_at = timezone.now()
    report.full_clean(exclude=["prepared_by", "approved_by"])
    report.save()
    _report_audit(actor, report, "save")
    return report


@transaction.atomic
def report_submit(*, actor: User, report: YearlyReport) -> YearlyReport:
    """Submit a city's draft report to the project coordinator(s), who are notified.

    Preconditions: ``can_prepare_report``; the report is a draft and says what the
    project brought (``benefits``). Audited.
    """
    report = _lock_report(report)
    if not can_prepare_report(actor, report.organisation):
        raise PermissionDenied
    if not report.is_editable:
        raise ValidationError({NON_FIELD_ERRORS: _("The report has already been submitted.")})
    if not report.benefits.strip():
        raise ValidationError({"benefits": _("Say what went live and what it brought.")})
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.prepared_by = actor
    report.return_reason = ""
    report.save()
    _report_audit(actor, report, "submit")
    coordinators = User.objects.filter(roles__role=Role.PROJECT_COORDINATOR).distinct()
    notify(
        coordinators,
        notification_kinds.REPORT_SUBMITTED,
        actor=actor,
        target=report,
        url=_report_url(report),
    )
    return report


@transaction.atomic
def report_approve(*, actor: User, report: YearlyReport) -> YearlyReport:
    """Approve a submitted report and freeze the figures it is read with (share,
    payments, fees, need cost shares, commitments) into its snapshot, so that it no
    longer changes. The preparer is notified.

    Preconditions: ``can_approve_report``; the report is submitted. Audited.
    """
    if not can_approve_report(actor):
        raise PermissionDenied
    report = _lock_report(report)
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError({NON_FIELD_ERRORS: _("Only a submitted report can be approved.")})
    figures = selectors.report_figures(report.budget, report.organisation, report.year)
    report.snapshot = figures.as_data()
    report.status = ReportStatus.APPROVED
    report.approved_by = actor
    report.approved_at = timezone.now()
    report.save()
    _report_audit(actor, report, "approve")
    if report.prepared_by is not None:
        notify(
            [report.prepared_by],
            notification_kinds.REPORT_APPROVED,
            actor=actor,
            target=report,
            url=_report_url(report),
        )
    return report


@transaction.atomic
def report_return(*, actor: User, report: YearlyReport, reason: str) -> YearlyReport:
    """Return a submitted report to its city as a draft, with the reason, so that it
    can be changed and submitted again. The preparer is notified.

    Preconditions: ``can_approve_report``; the report is submitted; a reason is
    given. Audited (the reason is kept on the report, not in the log).
    """
    if not can_approve_report(actor):
        raise PermissionDenied
    report = _lock_report(report)
    errors: dict[str, str] = {}
    if report.status != ReportStatus.SUBMITTED:
        errors[NON_FIELD_ERRORS] = _("Only a submitted report can be returned.")
    if not reason.strip():
        errors["reason"] = _("Say why the report is returned.")
    if errors:
        raise ValidationError(errors)
    report.status = ReportStatus.DRAFT
    report.return_reason = reason.strip()
    report.submitted_at = None
    report.save()
    _report_audit(actor, report, "return")
    if report.prepared_by is not None:
        notify(
            [report.prepared_by],
            notification_kinds.REPORT_RETURNED,
            actor=actor,
            target=report,
            url=_report_url(report),
        )
    return report
