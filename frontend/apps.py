from django.apps import AppConfig
from django.db.models import fields
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FrontendConfig(AppConfig):
    name = "frontend"
    verbose_name = _("Site")

    def ready(self) -> None:
        # Django 6.1's own label for an empty choice ("- Select an option -")
        # has no Finnish or Swedish translation yet; Django documents this
        # hook for giving it one's own.
        fields.BLANK_CHOICE_LABEL = pgettext_lazy("the empty choice of a list", "— Choose —")
