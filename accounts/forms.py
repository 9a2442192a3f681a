from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Language, NotificationEmail, Role


class ProfileForm(forms.Form):
    title = forms.CharField(
        label=pgettext_lazy("person's job title", "Title"), max_length=150, required=False
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=Language)
    notification_email = forms.ChoiceField(
        label=_("E-mail notifications"), choices=NotificationEmail
    )
    expertise = forms.CharField(
        label=_("Expertise"),
        max_length=500,
        required=False,
        help_text=_("Topics you work on, separated by commas."),
    )

    def clean_expertise(self) -> list[str]:
        tags = [tag.strip() for tag in self.cleaned_data["expertise"].split(",")]
        tags = [tag for tag in tags if tag]
        if any(len(tag) > 100 for tag in tags):
            raise forms.ValidationError(_("A topic may be at most 100 characters long."))
        return tags


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, title or topic"), max_length=100, required=False)
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices]
    )
    expertise = forms.CharField(label=_("Expertise"), max_length=100, required=False)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [
            ("", _("All organisations")),
            *[(o.slug, o.name) for o in organisations],
        ]
