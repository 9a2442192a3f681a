from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Role
from forum.models import Poll, Publicity, ReactionKind, TrackingLevel
from forum.services import MAX_POST_LENGTH
from forum.services.attachments import MAX_ATTACHMENTS
from frontend.forms import MAX_ID, IdMultipleChoiceField
from frontend.widgets import datetime_picker


class AudienceFields(forms.Form):
    """Who may read a confidential thread: organisations and/or roles."""

    audience_organisations = IdMultipleChoiceField(
        label=_("Confidential: organisations that may read"),
        queryset=Organisation.objects.filter(is_active=True).order_by("name_fi"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Only for confidential threads. Nothing chosen: your own organisation "
            "(in a restricted category: everyone who may read the category). "
            "You must belong to the audience you choose."
        ),
    )
    audience_roles = forms.MultipleChoiceField(
        label=_("Confidential: roles that may read"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, as Django's documentation shows it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _attachment_help() -> str:
    return gettext(
        "Images, PDF or office documents, at most %(count)d. You can also drop "
        "files here or paste pictures into the message."
    ) % {"count": MAX_ATTACHMENTS}


def attachment_field() -> MultipleFileField:
    return MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=lazy(_attachment_help, str)(),
    )


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MAX_POST_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: **bold**, *italic*, `code`, > quote. Mention people as @handle."),
    )
    reply_to = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    attachment = attachment_field()


class ThreadForm(AudienceFields):
    title = forms.CharField(label=pgettext_lazy("document title", "Title"), max_length=200)
    body = forms.CharField(
        label=_("Message"),
        max_length=MAX_POST_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: **bold**, *italic*, `code`, > quote. Mention people as @handle."),
    )
    tags = forms.CharField(
        label=_("Tags"), max_length=300, required=False, help_text=_("Separated by commas.")
    )
    publicity = forms.ChoiceField(label=_("Publicity"), choices=Publicity)
    attachment = attachment_field()

    field_order = [
        "title",
        "body",
        "tags",
        "publicity",
        "audience_organisations",
        "audience_roles",
        "attachment",
    ]

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=ReactionKind)


class TrackingForm(forms.Form):
    level = forms.ChoiceField(choices=TrackingLevel.choices)


# What each level means, in the words the control shows beside it.
TRACKING_HELP = {
    "thread": {
        TrackingLevel.WATCHING: _("You are notified of every new post."),
        TrackingLevel.TRACKING: _(
            "You are notified when someone mentions you or replies to you, and thread lists "
            "show how many posts are new."
        ),
        TrackingLevel.NORMAL: _("You are notified when someone mentions you or replies to you."),
        TrackingLevel.MUTED: _(
            "You are never notified, and the forum's front page leaves the thread out."
        ),
    },
    "category": {
        TrackingLevel.WATCHING: _("You are notified of every new thread and every new post."),
        TrackingLevel.TRACKING: _(
            "You are notified when someone mentions you or replies to you, and thread lists "
            "show how many posts are new."
        ),
        TrackingLevel.NORMAL: _("You are notified when someone mentions you or replies to you."),
        TrackingLevel.MUTED: _(
            "You are never notified of its threads, and the forum's front page leaves them out."
        ),
    },
}


def tracking_choices(on: str) -> list[tuple[str, str, str]]:
    """The levels as the control lists them: value, name and what it means."""
    return [
        (level.value, str(level.label), str(TRACKING_HELP[on][level])) for level in TrackingLevel
    ]


class FlagForm(forms.Form):
    reason = forms.CharField(label=_("Why should a moderator look at this?"), max_length=500)


class ConfirmWidenField(forms.Form):
    confirm_widen = forms.BooleanField(
        label=_("I confirm: more people may read the thread after this change"),
        required=False,
    )


class MoveForm(ConfirmWidenField):
    category = forms.ChoiceField(label=_("Move to category"))

    field_order = ["category", "confirm_widen"]


class AudienceForm(AudienceFields, ConfirmWidenField):
    publicity = forms.ChoiceField(label=_("Publicity"), choices=Publicity)

    field_order = ["publicity", "audience_organisations", "audience_roles", "confirm_widen"]


class PollForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=300)
    options = forms.CharField(
        label=_("Choices"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One choice a line, at least two."),
        max_length=5000,
    )
    kind = forms.ChoiceField(label=_("Answers"), choices=Poll.Kind, initial=Poll.Kind.SINGLE)
    voters = forms.ChoiceField(
        label=_("Who answers"), choices=Poll.Voters, initial=Poll.Voters.PERSON
    )
    results = forms.ChoiceField(label=_("Results"), choices=Poll.Results, initial=Poll.Results.LIVE)
    opens_at = forms.DateTimeField(
        label=_("Opens"),
        required=False,
        widget=datetime_picker(),
        help_text=_("Empty: at once."),
    )
    closes_at = forms.DateTimeField(
        label=_("Closes"),
        required=False,
        widget=datetime_picker(),
        help_text=_("Empty: open until further notice."),
    )

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]
