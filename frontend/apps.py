from pathlib import Path

from django.apps import AppConfig
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db.models import fields
from django.utils import autoreload
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
        # The shell's kept parts (base.html) are rendered templates: a template edited
        # under the development server shows at once, as Django's own template cache
        # is reset for it (django.template.autoreload).
        # A changed setting (in tests) may change them too.
        autoreload.file_changed.connect(template_changed, dispatch_uid="kept_template_changed")
        setting_changed.connect(forget_kept_parts, dispatch_uid="kept_setting_changed")


def forget_kept_parts(**kwargs: object) -> None:
    caches["kept"].clear()


def template_changed(sender: object, file_path: Path, **kwargs: object) -> None:
    if file_path.suffix == ".html":
        forget_kept_parts()
