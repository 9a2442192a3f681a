from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _

from accounts import oidc


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Members and organisations")

    def ready(self) -> None:
        from accounts.ratelimit import check_rate_limits

        checks.register(check_rate_limits)
        checks.register(oidc.check_https_issuer, checks.Tags.security)
        checks.register(oidc.check_shared_cache, checks.Tags.security, deploy=True)
