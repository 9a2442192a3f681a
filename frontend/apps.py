from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
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
        # The shell's kept parts (base.html) are rendered templates and translations:
        # an edited template or a compiled catalog shows at once under the
        # development server, as Django's own template cache and translations are
        # reset for them (django.template.autoreload, django.utils.translation.reloader).
        # A changed setting (in tests) may change them too.
        autoreload.file_changed.connect(template_changed, dispatch_uid="kept_template_changed")
        setting_changed.connect(forget_kept_parts, dispatch_uid="kept_setting_changed")


def forget_kept_parts(**kwargs: object) -> None:
    if "kept" in settings.CACHES:  # a test's own CACHES may have no such alias
        caches["kept"].clear()


def template_changed(sender: object, file_path: Path, **kwargs: object) -> None:
    if file_path.suffix in {".html", ".mo"}:
        forget_kept_parts()
