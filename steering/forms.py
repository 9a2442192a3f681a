import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontend.forms import MAX_ID
from frontend.widgets import date_picker, datetime_picker
from needs_registry.models import Status
from steering.models import AgendaItem, DecisionStance, Publicity, Seat

DATE = date_picker()
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class NominationForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=None)
    seat = forms.ChoiceField(label=_("Seat"), choices=Seat)
    starts_on = forms.DateField(label=_("Term starts"), widget=DATE)
    ends_on = forms.DateField(label=_("Term ends"), widget=DATE, required=False)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda user: (
            f"{user.public_name} ({user.organisation})"
        )


class NominationEndForm(forms.Form):
    ends_on = forms.DateField(label=_("Term ends"), widget=DATE)


class MeetingForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("document title", "Title"), max_length=200)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    starts_at = forms.TimeField(label=_("Starts at"), widget=TIME, required=False)
    ends_at = forms.TimeField(label=_("Ends at"), widget=TIME, required=False)
    location = forms.CharField(
        label=_("Place"),
        max_length=300,
        required=False,
        help_text=_("A room, an address, or the link to a remote meeting."),
    )


class AgendaItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AgendaItem.Kind, initial="need")
    need = forms.CharField(
        label=_("Need awaiting decision"),
        required=False,
        max_length=200,
        help_text=_("Type a need's number or words of its title."),
        # A plain text field the page's script turns into a combobox (site.js).
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-need-combobox": ""}),
    )
    title = forms.CharField(
        label=pgettext_lazy("document title", "Title"),
        max_length=200,
        required=False,
        help_text=_("A need's item takes the need's title when this is left empty."),
    )
    proposal = forms.CharField(
        label=_("Proposal"), required=False, max_length=8000, widget=forms.Textarea({"rows": 3})
    )
    publicity = forms.ChoiceField(label=_("Publicity"), choices=Publicity, initial="public")

    def clean_need(self) -> int | None:
        """The need's number: "12", "#12" or "#12 Title" as the search box fills it."""
        value = self.cleaned_data["need"].strip()
        if not value:
            return None
        match = re.match(r"#?(\d{1,12})\b", value)
        if match is None or int(match.group(1)) > MAX_ID:
            raise forms.ValidationError(_("Choose a need from the list or type its number."))
        return int(match.group(1))

    def clean(self):
        data = super().clean()
        if data.get("kind") == AgendaItem.Kind.NEED and not data.get("need"):
            self.add_error("need", _("Choose the need to decide on."))
        if data.get("kind") != AgendaItem.Kind.NEED and not data.get("title"):
            self.add_error("title", _("Give the item a title."))
        return data


class AttendanceForm(forms.Form):
    """For each city: who sat for it (its representative or deputy), or nobody."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            choices = [("", pgettext_lazy("attendance", "Not represented"))]
            choices.extend(
                (str(n.person_id), f"{n.person.public_name} ({n.get_seat_display()})")
                for n in (row.representative, row.deputy)
                if n is not None
            )
            self.fields[f"city_{row.city.pk}"] = forms.ChoiceField(
                label=row.city.name, required=False, choices=choices
            )

    def chosen(self) -> dict[int, int | None]:
        return {
            int(name.removeprefix("city_")): int(value) if value else None
            for name, value in self.cleaned_data.items()
        }


class DecisionForm(forms.Form):
    item = forms.TypedChoiceField(label=_("Agenda item"), coerce=int)
    text = forms.CharField(
        label=_("Decision"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    resulting_status = forms.ChoiceField(
        label=_("Resulting status of the need"),
        choices=[("", _("No change")), *Status.choices],
        required=False,
        help_text=_("Only for an item about a need."),
    )

    def __init__(self, *args, items=(), cities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(item.pk, str(item)) for item in items]
        self.cities = list(cities)
        for city in self.cities:
            self.fields[f"stance_{city.pk}"] = forms.ChoiceField(
                label=_("Stance of %(city)s") % {"city": city.name},
                required=False,
                choices=[("", _("Not recorded")), *DecisionStance.Stance.choices],
            )
            self.fields[f"dissent_{city.pk}"] = forms.CharField(
                label=_("Dissent of %(city)s") % {"city": city.name},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 1}),
            )

    def stances(self) -> dict[int, str]:
        return {
            city.pk: self.cleaned_data[f"stance_{city.pk}"]
            for city in self.cities
            if self.cleaned_data.get(f"stance_{city.pk}")
        }

    def dissents(self) -> dict[int, str]:
        return {
            city.pk: self.cleaned_data[f"dissent_{city.pk}"]
            for city in self.cities
            if self.cleaned_data.get(f"dissent_{city.pk}", "").strip()
        }


class MinutesForm(forms.Form):
    text = forms.CharField(
        label=_("Minutes"), max_length=100_000, widget=forms.Textarea(attrs={"rows": 14})
    )
    publicity = forms.ChoiceField(label=_("Publicity"), choices=Publicity, initial="public")


class MinutesAttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attachment"))


class MinutesApproveForm(forms.Form):
    at_meeting = forms.TypedChoiceField(label=_("Approved at the meeting"), coerce=int)

    def __init__(self, *args, meetings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["at_meeting"].choices = [(m.pk, str(m)) for m in meetings]


class BallotForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("document title", "Title"), max_length=200)
    proposal = forms.CharField(
        label=_("Proposal"), max_length=8000, widget=forms.Textarea(attrs={"rows": 4})
    )
    need = forms.IntegerField(
        label=_("Number of the need (if the decision is about one)"),
        required=False,
        min_value=1,
        max_value=MAX_ID,
    )
    closes_at = forms.DateTimeField(label=_("Voting closes"), widget=datetime_picker())
    publicity = forms.ChoiceField(label=_("Publicity"), choices=Publicity, initial="members")
    deputies_may_vote = forms.BooleanField(
        label=_("Deputies may vote for their city"), required=False, initial=True
    )


class BallotVoteForm(forms.Form):
    stance = forms.ChoiceField(
        label=_("Your city's vote"),
        choices=[
            (DecisionStance.Stance.FOR, DecisionStance.Stance.FOR.label),
            (DecisionStance.Stance.AGAINST, DecisionStance.Stance.AGAINST.label),
            (DecisionStance.Stance.ABSTAINED, DecisionStance.Stance.ABSTAINED.label),
        ],
        widget=forms.RadioSelect,
    )
    dissent = forms.CharField(
        label=_("Dissent (if voting against or abstaining)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
