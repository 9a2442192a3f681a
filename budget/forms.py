from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

import money
from accounts.models import Organisation
from budget.models import CostKind, NeedCost, Payer, ProcurementPlan
from budget.procurement import ContractType


class PaymentForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("City"), queryset=Organisation.objects.none(), empty_label=None
    )
    year = forms.TypedChoiceField(label=_("Budget year"), coerce=int)
    amount = forms.DecimalField(
        label=_("Amount (€)"),
        localize=True,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Reference"), max_length=120, required=False)

    def __init__(self, *args, organisations: QuerySet[Organisation], years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["year"].choices = [(year, str(year)) for year in years]  # type: ignore[attr-defined]


def _euros(label, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        localize=True,
        required=required,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
    )


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
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    notice_by = forms.DateField(
        label=_("Contract notice published by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    contract_by = forms.DateField(
        label=_("Contract signed by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
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
