from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from forum.models import Domain
from frontend.forms import MAX_ID, IdMultipleChoiceField
from frontend.widgets import datetime_picker
from needs_registry.models import CityPosition, CostSplit, Need, Status, Urgency
from needs_registry.services import NEED_FIELDS


class NeedForm(forms.ModelForm):
    tags = forms.CharField(
        label=_("Tags"), max_length=300, required=False, help_text=_("Separated by commas.")
    )

    class Meta:
        model = Need
        # The fields a member writes; the services accept exactly these.
        fields = NEED_FIELDS
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 5}),
            "desired_outcome": forms.Textarea(attrs={"rows": 4}),
            "affected_processes": forms.Textarea(attrs={"rows": 2}),
            "current_systems": forms.Textarea(attrs={"rows": 2}),
            "open_source_candidates": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=Status)
    reason = forms.CharField(
        label=_("Why"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class MergeForm(forms.Form):
    target = forms.IntegerField(
        label=_("Number of the need to merge into"), min_value=1, max_value=MAX_ID
    )
    reason = forms.CharField(
        label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PositionForm(forms.Form):
    stance = forms.ChoiceField(label=_("Your city's position"), choices=CityPosition.Stance)
    urgency = forms.ChoiceField(
        label=_("Urgency in your city"),
        required=False,
        choices=[("", _("Not given")), *Urgency.choices],
    )
    current_system = forms.CharField(label=_("System in use today"), max_length=200, required=False)
    solution = forms.CharField(
        label=_("If solved already: how, and with what"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    cost_weight = forms.DecimalField(
        label=_("Agreed share (%)"), required=False, min_value=0, max_value=100, decimal_places=2
    )


class CommitmentForm(forms.Form):
    amount_eur = forms.DecimalField(
        label=_("Your city's share (€)"), min_value=0, max_digits=12, decimal_places=2
    )
    budget_year = forms.IntegerField(label=_("Budget year"), min_value=2020, max_value=2100)


class VoteForm(forms.Form):
    comment = forms.CharField(label=_("Comment (public)"), max_length=500, required=False)


class BoardFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=pgettext_lazy("need status", "Status"),
        required=False,
        choices=[("", _("Submitted, under review or accepted")), *Status.choices],
    )
    domain = forms.ChoiceField(
        label=_("Domain"), required=False, choices=[("", _("All domains")), *Domain.choices]
    )
    organisation = forms.ChoiceField(label=_("Submitted by"), required=False)
    unanswered = forms.ChoiceField(label=_("Not yet answered by"), required=False)
    round = forms.ChoiceField(label=_("Prioritisation round"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("votes", _("City votes")),
            ("points", _("Round points")),
            ("sharing", _("Sharing cities")),
            ("benefit", _("Benefit per euro")),
            ("age", _("Oldest first")),
            ("newest", _("Newest first")),
        ],
    )

    def __init__(self, *args, organisations=(), rounds=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(o.slug, o.name) for o in organisations]
        self.fields["organisation"].choices = [("", _("Any city")), *choices]
        self.fields["unanswered"].choices = [("", "–"), *choices]
        self.fields["round"].choices = [("", _("All points")), *[(r.pk, r.title) for r in rounds]]


class RoundForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("document title", "Title"), max_length=200)
    needs = IdMultipleChoiceField(
        label=_("Needs"), queryset=Need.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    points_per_city = forms.IntegerField(
        label=_("Points per city"), min_value=1, max_value=10000, initial=100
    )
    opens_at = forms.DateTimeField(label=_("Opens"), widget=datetime_picker())
    closes_at = forms.DateTimeField(label=_("Closes"), widget=datetime_picker())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["needs"].queryset = Need.objects.filter(
            status__in=[Status.SUBMITTED, Status.UNDER_REVIEW, Status.ACCEPTED]
        ).order_by("title")


__all__ = ["CostSplit"]
