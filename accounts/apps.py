from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Members and organisations")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.sessions import on_sign_in

        # Session clocks are plumbing of Django's login, not domain logic:
        # every way of signing in (allauth, Django admin, tests) starts them.
        user_logged_in.connect(on_sign_in, dispatch_uid="accounts.session_lifetime")
