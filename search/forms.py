from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from forum.models import Domain
from frontend.widgets import date_picker
from needs_registry.models import Status


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search words"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=pgettext_lazy("what to search", "What"),
        required=False,
        choices=[
            ("", _("Everything")),
            ("thread", _("Threads")),
            ("post", _("Posts")),
            ("need", _("Needs")),
        ],
    )
    domain = forms.ChoiceField(
        label=_("Domain"), required=False, choices=[("", _("All domains")), *Domain.choices]
    )
    need_status = forms.ChoiceField(
        label=_("Need status"), required=False, choices=[("", _("Any status")), *Status.choices]
    )
    organisation = forms.CharField(label=_("Organisation"), max_length=50, required=False)
    tag = forms.CharField(label=_("Tag"), max_length=100, required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=date_picker())
    date_to = forms.DateField(label=_("To"), required=False, widget=date_picker())
