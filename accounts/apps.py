from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Members and organisations")

    def ready(self) -> None:
        from django.core import checks

        from accounts.ratelimit import check_rate_limits

        checks.register(check_rate_limits)
