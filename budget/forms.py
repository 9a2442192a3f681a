from __future__ import annotations

import re
from decimal import Decimal
from typing import cast

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import QuerySet
from django.utils.formats import get_format, number_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

import money
from accounts.models import Organisation
from budget.models import (
    ConsortiumBudget,
    CostKind,
    NeedCost,
    Participation,
    Payer,
    ProcurementPlan,
    SplitMethod,
    YearlyReport,
)
from budget.procurement import ContractType
from frontend.widgets import date_picker

DOTTED_THOUSANDS = re.compile(r"[-+]?\d{1,3}(\.\d{3})+(,\d*)?")


class EuroField(forms.DecimalField):
    """An amount of euros as people write it: ``1 234,50``, ``1234.50``, ``1 234 €``
    (or ``1,234.50`` in English).

    Spaces (also the no-break space Finnish uses between thousands) and the euro
    sign are dropped before the number is read; exponents (``1e9``) are refused
    rather than read as a billion, since nobody means them in a payment.
    """

    default_error_messages = {
        "invalid": _("Write the amount in euros with digits, for example 1,234.50."),
        # Only where the decimal separator is a comma (Finnish, Swedish).
        "dotted_thousands": _(
            "Write thousands with a space and cents after a comma, for example 520 000 or 1 234,50."
        ),
    }

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(money.NBSP, "").replace(" ", "").replace("€", "").strip()
            if value and not all(ch.isdigit() or ch in ".,-+" for ch in value):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            # "520.000" in Finnish or Swedish is 520 000 € written with dots, not 520 €
            # with three decimals: asked again rather than guessed.
            decimal_separator = get_format("DECIMAL_SEPARATOR")
            if decimal_separator == "," and DOTTED_THOUSANDS.fullmatch(value):
                raise forms.ValidationError(
                    self.error_messages["dotted_thousands"], code="dotted_thousands"
                )
            if decimal_separator == ".":
                value = value.replace(",", "")  # English thousands: 1,234.50
        return super().to_python(value)


def _euros(label, required: bool = True, least: str = "0") -> EuroField:
    field = EuroField(
        label=label, localize=True, required=required, max_digits=12, decimal_places=2
    )
    # The bound is said in the reader's own number format ("0,01"), not as
    # Django's MinValueValidator prints a Decimal ("0.01").
    field.validators.append(
        MinValueValidator(
            Decimal(least),
            message=format_lazy(
                _("Give at least {amount} euros."), amount=_formatted(Decimal(least))
            ),
        )
    )
    return field


def _formatted(value: Decimal):
    return lazy(lambda: number_format(value, decimal_pos=2), str)()


class PaymentForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("City"), queryset=Organisation.objects.none(), empty_label=None
    )
    year = forms.TypedChoiceField(label=_("Budget year"), coerce=int)
    amount = _euros(_("Amount (€)"), least="0.01")
    paid_on = forms.DateField(label=_("Paid on"), widget=date_picker())
    reference = forms.CharField(label=_("Reference"), max_length=120, required=False)

    def __init__(self, *args, organisations: QuerySet[Organisation], years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = organisations
        cast(forms.TypedChoiceField, self.fields["year"]).choices = [(y, str(y)) for y in years]


class NeedCostForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of cost"), choices=CostKind.choices)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    payer = forms.ChoiceField(
        label=_("Paid by"),
        choices=Payer.choices,
        help_text=_(
            "Tendering and deployment fall on the cities unless the funder accepts them as "
            "project costs; third-party integrations always do."
        ),
    )
    estimated = _euros(_("Estimated (€)"))
    actual = _euros(_("Actual (€)"), required=False)

    @classmethod
    def for_cost(cls, cost: NeedCost) -> NeedCostForm:
        return cls(
            initial={
                "kind": cost.kind,
                "description": cost.description,
                "payer": cost.payer,
                "estimated": money.euros(cost.estimated_cents),
                "actual": None if cost.actual_cents is None else money.euros(cost.actual_cents),
            }
        )

    def service_data(self) -> dict[str, object]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "description": data["description"],
            "payer": data["payer"],
            "estimated_cents": money.cents(data["estimated"]),
            "actual_cents": None if data["actual"] is None else money.cents(data["actual"]),
        }


class ProcurementPlanForm(forms.Form):
    contract_type = forms.ChoiceField(label=_("Contract type"), choices=ContractType.choices)
    estimated_value = _euros(_("Estimated contract value (€)"), required=False)
    procuring_organisation = forms.ModelChoiceField(
        label=_("Procuring organisation"),
        queryset=Organisation.objects.filter(is_active=True).order_by("name_fi"),
        required=False,
    )
    market_survey_by = forms.DateField(
        label=_("Market survey by"),
        required=False,
        widget=date_picker(),
    )
    notice_by = forms.DateField(
        label=_("Contract notice published by"),
        required=False,
        widget=date_picker(),
    )
    contract_by = forms.DateField(
        label=_("Contract signed by"),
        required=False,
        widget=date_picker(),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estimated_value"].help_text = _(
            "The whole term, all cities together, excluding VAT. Leave empty to use the "
            "need's estimate."
        )

    @classmethod
    def for_plan(cls, plan: ProcurementPlan | None) -> ProcurementPlanForm:
        if plan is None:
            return cls()
        value = plan.estimated_value_cents
        return cls(
            initial={
                "contract_type": plan.contract_type,
                "estimated_value": None if value is None else money.euros(value),
                "procuring_organisation": plan.procuring_organisation_id,
                "market_survey_by": plan.market_survey_by,
                "notice_by": plan.notice_by,
                "contract_by": plan.contract_by,
                "notes": plan.notes,
            }
        )

    def service_data(self) -> dict[str, object]:
        data = dict(self.cleaned_data)
        value = data.pop("estimated_value")
        data["estimated_value_cents"] = None if value is None else money.cents(value)
        return data


class YearlyReportForm(forms.Form):
    hours_saved = forms.IntegerField(
        label=_("Hours of manual work saved"),
        required=False,
        help_text=_("In the budget year, all services together."),
    )
    euros_saved = EuroField(
        label=_("Euros saved (€)"), localize=True, required=False, max_digits=12, decimal_places=2
    )
    benefits = forms.CharField(
        label=_("Benefits realised"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What went live in your city and what it brought."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def for_report(cls, report: YearlyReport | None) -> YearlyReportForm:
        if report is None:
            return cls()
        cents = report.euros_saved_cents
        return cls(
            initial={
                "hours_saved": report.hours_saved,
                "euros_saved": None if cents is None else money.euros(cents),
                "benefits": report.benefits,
                "notes": report.notes,
            }
        )

    def service_data(self) -> dict[str, object]:
        data = self.cleaned_data
        euros = data["euros_saved"]
        return {
            "hours_saved": data["hours_saved"],
            "euros_saved_cents": None if euros is None else money.cents(euros),
            "benefits": data["benefits"],
            "notes": data["notes"],
        }


class ReportReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for returning"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# ------------------------------------------------------------- the budget's set-up

_DATE = date_picker()


def _cents(value: Decimal | None) -> int | None:
    return None if value is None else money.cents(value)


class BudgetForm(forms.Form):
    """The budget as the municipalities decided it: period, total, funding, caps."""

    name = forms.CharField(label=_("Name"), max_length=200)
    starts_on = forms.DateField(label=_("Project starts on"), widget=_DATE)
    ends_on = forms.DateField(label=_("Project ends on"), widget=_DATE)
    total = _euros(_("Total budget (€)"))
    external_percent = forms.DecimalField(
        label=_("External funding (%)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=6,
        decimal_places=2,
        localize=True,
        help_text=_("The share of the total the external funder pays, e.g. 50."),
    )
    funder = forms.CharField(label=_("External funder"), max_length=120, required=False)
    method = forms.ChoiceField(label=_("Cost split"), choices=SplitMethod.choices)
    yearly_cap = _euros(_("Cap per city a year (€)"), required=False)
    project_cap = _euros(_("Cap per city for the project (€)"), required=False)
    is_public = forms.BooleanField(label=_("Public in the open data"), required=False)

    @classmethod
    def initial_for(cls, budget: ConsortiumBudget) -> dict[str, object]:
        return {
            "name": budget.name,
            "starts_on": budget.starts_on,
            "ends_on": budget.ends_on,
            "total": money.euros(budget.total_cents),
            "external_percent": (budget.external_share * 100).quantize(Decimal("0.01")),
            "funder": budget.funder,
            "method": budget.method,
            "yearly_cap": None
            if budget.yearly_cap_cents is None
            else money.euros(budget.yearly_cap_cents),
            "project_cap": None
            if budget.project_cap_cents is None
            else money.euros(budget.project_cap_cents),
            "is_public": budget.is_public,
        }

    def service_data(self) -> dict[str, object]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "total_cents": money.cents(data["total"]),
            "external_share": data["external_percent"] / 100,
            "funder": data["funder"],
            "method": data["method"],
            "yearly_cap_cents": _cents(data["yearly_cap"]),
            "project_cap_cents": _cents(data["project_cap"]),
            "is_public": data["is_public"],
        }


class ParticipationForm(forms.Form):
    """A municipality taking part, with its dates and its own caps (adding a city
    that already takes part changes its dates and caps)."""

    organisation = forms.ModelChoiceField(
        label=_("City"), queryset=Organisation.objects.none(), empty_label=None
    )
    joined_on = forms.DateField(label=_("Joined on"), widget=_DATE)
    left_on = forms.DateField(label=_("Left on"), widget=_DATE, required=False)
    yearly_cap = _euros(_("Own cap a year (€)"), required=False)
    project_cap = _euros(_("Own cap for the project (€)"), required=False)
    one_off_cap = _euros(_("Own cap on one-off costs (€)"), required=False)

    def __init__(self, *args, organisations: QuerySet[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = organisations

    def clean(self):
        data = super().clean()
        joined, left = data.get("joined_on"), data.get("left_on")
        if joined and left and left < joined:
            self.add_error("left_on", _("A city cannot leave before it joins."))
        return data

    @classmethod
    def initial_for(cls, participation: Participation) -> dict[str, object]:
        def euros(value: int | None) -> Decimal | None:
            return None if value is None else money.euros(value)

        return {
            "organisation": participation.organisation_id,
            "joined_on": participation.joined_on,
            "left_on": participation.left_on,
            "yearly_cap": euros(participation.yearly_cap_cents),
            "project_cap": euros(participation.project_cap_cents),
            "one_off_cap": euros(participation.one_off_cap_cents),
        }

    def service_data(self) -> dict[str, object]:
        data = self.cleaned_data
        return {
            "organisation": data["organisation"],
            "joined_on": data["joined_on"],
            "left_on": data["left_on"],
            "yearly_cap_cents": _cents(data["yearly_cap"]),
            "project_cap_cents": _cents(data["project_cap"]),
            "one_off_cap_cents": _cents(data["one_off_cap"]),
        }


class SharedCostForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    amount = _euros(_("Amount (€)"), least="0.01")
    incurred_on = forms.DateField(label=_("Incurred on"), widget=_DATE)


class RecurringFeeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    amount = _euros(_("Amount a year per city (€)"), least="0.01")


class BudgetYearForm(forms.Form):
    """The own share a budget year carries; empty: by its project months."""

    year = forms.TypedChoiceField(label=_("Budget year"), coerce=int)
    amount = _euros(_("Own share of the year (€)"), required=False)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["year"]).choices = [(y, str(y)) for y in years]
