"""The consortium IAM as allauth sees it: allauth's OpenID Connect provider,
with a fresh nonce on every authorization request and signing in as the only
thing it does.

allauth loads provider classes from the ``provider`` module of each installed
app; this one takes the place of allauth's own (whose app is not installed)
and keeps its URLs and views. The nonce travels in allauth's stashed state
and is checked against the ID token by the social account adapter.
"""

import logging
import secrets

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import oidc

logger = logging.getLogger(__name__)


class IAMProvider(OpenIDConnectProvider):
    package = "allauth.socialaccount.providers.openid_connect"
    # Tokens handed to us by a client app are not accepted: only the code flow.
    supports_token_authentication = False

    def redirect(
        self, request: HttpRequest, process, next_url=None, data=None, **kwargs
    ) -> HttpResponse:
        """Send the browser to the IAM, with a nonce kept for the callback.

        Connecting a second IAM account to a member (allauth's ``connect``
        process) is refused: each member is exactly one IAM subject.
        """
        if process != AuthProcess.LOGIN:
            raise ImmediateHttpResponse(
                render(
                    request,
                    "accounts/sign_in_refused.html",
                    {"reason": "connect_not_offered"},
                    status=400,
                )
            )
        try:
            # Refuses a provider whose discovery names non-https endpoints in production.
            oidc.discovery()
        except oidc.ProviderUnavailable as error:
            logger.warning("IAM unavailable at sign-in: %s", error)
            raise ImmediateHttpResponse(
                render(request, "accounts/provider_unavailable.html", status=503)
            ) from error
        nonce = secrets.token_urlsafe(32)
        auth_params = {**(kwargs.pop("auth_params", None) or self.get_auth_params())}
        auth_params["nonce"] = nonce
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )


provider_classes = [IAMProvider]
