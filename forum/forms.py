from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organisation, Role
from forum.models import Publicity, ReactionKind
from forum.services import MAX_POST_LENGTH
from frontend.forms import MAX_ID, IdMultipleChoiceField


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
    attachment = forms.FileField(
        label=_("Attachment"), required=False, help_text=_("Images, PDF or office documents.")
    )


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
    attachment = forms.FileField(
        label=_("Attachment"), required=False, help_text=_("Images, PDF or office documents.")
    )

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
