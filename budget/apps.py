import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetConfig(AppConfig):
    name = "budget"
    verbose_name = _("Budget")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from budget import notification_kinds  # noqa: F401  (registers the app's kinds)

        # WeasyPrint logs every step of rendering a report's PDF at INFO.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
