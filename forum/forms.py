from django import forms
from django.utils.translation import gettext_lazy as _

from forum.models import Publicity, ReactionKind
from forum.services import MAX_POST_LENGTH


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MAX_POST_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: **bold**, *italic*, `code`, > quote. Mention people as @handle."),
    )
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)
    attachment = forms.FileField(
        label=_("Attachment"), required=False, help_text=_("Images, PDF or office documents.")
    )


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
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

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=ReactionKind)


class FlagForm(forms.Form):
    reason = forms.CharField(label=_("Why should a moderator look at this?"), max_length=500)


class MoveForm(forms.Form):
    category = forms.ChoiceField(label=_("Move to category"))
