from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsRegistryConfig(AppConfig):
    name = "needs_registry"
    verbose_name = _("Needs registry")

    def ready(self) -> None:
        from needs_registry import notification_kinds  # noqa: F401  (registers the app's kinds)
