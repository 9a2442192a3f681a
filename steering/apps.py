from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SteeringConfig(AppConfig):
    name = "steering"
    verbose_name = _("Steering group")

    def ready(self) -> None:
        from steering import notification_kinds  # noqa: F401  (registers the app's kinds)
