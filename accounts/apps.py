from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _

from accounts import oidc


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Members and organisations")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.ratelimit import check_rate_limits
        from accounts.sessions import on_sign_in

        checks.register(check_rate_limits)
        checks.register(oidc.check_https_issuer, checks.Tags.security)
        checks.register(oidc.check_shared_cache, checks.Tags.security, deploy=True)

        # Session clocks are plumbing of Django's login, not domain logic:
        # every way of signing in (allauth, Django admin, tests) starts them.
        user_logged_in.connect(on_sign_in, dispatch_uid="accounts.session_lifetime")
