"""allauth's hooks, delegating to ``accounts.services``.

Sign-in is through the consortium IAM only. Accounts are keyed on the IAM's
``sub`` (allauth's social account uid), never joined by e-mail. The IAM's
claims are re-applied at every sign-in.
"""

import contextvars
import logging
import time
from typing import Any

import jwt
import requests
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import translation

from accounts import iam, oidc, services
from accounts import sessions as lifetime
from accounts.claims import merged_claims
from accounts.middleware import reader_language
from accounts.models import AuditEntry, User

logger = logging.getLogger(__name__)

# The raw ID token of the token response being handled: allauth keeps only its
# decoded claims, and relying-party logout needs the token itself.
_raw_id_token: contextvars.ContextVar[str] = contextvars.ContextVar("raw_id_token", default="")


def _remember_id_token(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    if response.request.method != "POST" or not response.ok:
        return
    try:
        token = response.json().get("id_token")
    except (ValueError, AttributeError):
        token = None
    _raw_id_token.set(token if isinstance(token, str) else "")


def refusal_response(request, refusal: services.SignInRefused, status: int = 403):
    return render(
        request,
        "accounts/sign_in_refused.html",
        {"reason": refusal.reason, "organisation": refusal.organisation},
        status=status,
    )


def user_display(user: User) -> str:
    """How allauth names a member (``ACCOUNT_USER_DISPLAY``): by name, never the IAM's id."""
    return user.public_name


class AccountAdapter(DefaultAccountAdapter):
    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        """allauth's messages in the language of the page that shows them.

        The sign-in message is written while the IAM's answer is handled, before
        the member's own language applies; it is shown on the next page, which
        is in the member's language.
        """
        user = (message_context or {}).get("user") or getattr(request, "user", None)
        with translation.override(reader_language(request, user)):
            super().add_message(
                request, level, message_template, message_context, extra_tags, message
            )

    def is_open_for_signup(self, request) -> bool:
        # Accounts are made by the IAM sign-in only (or, for development, when
        # local passwords are explicitly enabled).
        return not settings.SOCIALACCOUNT_ONLY

    def post_login(self, request, user, *, signal_kwargs=None, **kwargs):
        response = super().post_login(request, user, signal_kwargs=signal_kwargs, **kwargs)
        sociallogin = (signal_kwargs or {}).get("sociallogin")
        if sociallogin is not None:
            id_token = _raw_id_token.get()
            claims = _token_claims(id_token)
            if claims.get("sub") != sociallogin.account.uid:
                id_token, claims = "", sociallogin.account.extra_data.get("id_token") or {}
            tokens = iam.sign_in_tokens()
            services.sign_in_session_record(
                user=user,
                session_key=request.session.session_key or "",
                subject=sociallogin.account.uid,
                id_token=id_token,
                sid=str(claims.get("sid") or ""),
                tokens=tokens if id_token and tokens.id_token == id_token else None,
            )
            now = time.time()
            lifetime.lifetime_start(
                request.session, now, iam_due=now + settings.IAM_RECHECK_SECONDS
            )
        return response


def _token_claims(id_token: str) -> dict[str, Any]:
    if not id_token:
        return {}
    try:
        # Verified in pre_social_login; read here only to pair it with its account.
        return jwt.decode(id_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}


def _profile(sociallogin) -> services.IAMProfile:
    """The IAM profile of this sign-in, resolved once."""
    profile = getattr(sociallogin, "_iam_profile", None)
    if profile is None:
        profile = services.iam_profile_from_claims(
            subject=sociallogin.account.uid,
            claims=merged_claims(sociallogin.account.extra_data),
        )
        sociallogin._iam_profile = profile
    return profile


def _verify_id_token(request, sociallogin) -> None:
    """Check the ID token of this sign-in (signature, issuer, audience, lifetime,
    nonce) and that it names the subject the userinfo names; refuse otherwise.

    allauth decodes the ID token without checking its signature and sends no
    nonce; ``accounts.provider`` sends one and keeps it in the sign-in's state.
    Also refuses any process but signing in (connecting a second account).
    """
    uid = sociallogin.account.uid
    if sociallogin.state.get("process") != AuthProcess.LOGIN:
        refusal = services.SignInRefused("connect_not_offered")
        services.audit_record(
            action=AuditEntry.Action.SIGN_IN_REFUSED, target=f"sub:{uid}", summary=refusal.reason
        )
        raise ImmediateHttpResponse(refusal_response(request, refusal, status=400))
    try:
        claims = oidc.validate_id_token(
            _raw_id_token.get(), nonce=str(sociallogin.state.get("nonce") or "")
        )
        if claims["sub"] != uid:
            raise oidc.InvalidIDToken("the ID token and the userinfo name different subjects")
    except oidc.ProviderUnavailable as error:
        logger.warning("IAM unavailable while checking an ID token: %s", error)
        raise ImmediateHttpResponse(
            render(request, "accounts/provider_unavailable.html", status=503)
        ) from error
    except oidc.InvalidIDToken as error:
        logger.warning("Refused an ID token: %s", error)
        services.audit_record(
            action=AuditEntry.Action.SIGN_IN_REFUSED,
            target=f"sub:{uid}",
            summary=f"invalid ID token: {error}",
        )
        raise ImmediateHttpResponse(
            render(request, "socialaccount/authentication_error.html", status=401)
        ) from error
    sociallogin.account.extra_data["id_token"] = claims


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_requests_session(self):
        session = super().get_requests_session()
        session.hooks["response"].append(_remember_id_token)
        session.hooks["response"].append(iam.remember_token_response)
        return session

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return True

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        return True

    def pre_social_login(self, request, sociallogin) -> None:
        """Refuse before anything is written when the ID token does not hold
        or the IAM names no active member."""
        _verify_id_token(request, sociallogin)
        try:
            profile = _profile(sociallogin)
            if (
                not sociallogin.is_existing
                and User.objects.filter(email__iexact=profile.email).exists()
            ):
                raise services.SignInRefused("email_in_use")
        except services.SignInRefused as refusal:
            services.audit_record(
                action=AuditEntry.Action.SIGN_IN_REFUSED,
                target=f"sub:{sociallogin.account.uid}",
                summary=refusal.reason,
                data={"organisation": refusal.organisation},
            )
            raise ImmediateHttpResponse(refusal_response(request, refusal)) from refusal
        if sociallogin.is_existing:
            services.user_apply_iam_profile(user=sociallogin.user, profile=profile, is_new=False)

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        try:
            profile = _profile(sociallogin)
        except services.SignInRefused:
            # pre_social_login refuses it before anything is saved.
            return user
        user.username = services.username_for_subject(profile.subject)
        user.email = profile.email
        user.display_name = profile.display_name
        user.organisation = profile.organisation
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        return services.user_apply_iam_profile(
            user=user, profile=_profile(sociallogin), is_new=True
        )

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        logger.warning("IAM sign-in failed: %s %r", error, exception)
        services.audit_record(
            action=AuditEntry.Action.SIGN_IN_REFUSED,
            summary=f"{error}: {exception!r}"[:500],
        )
        return super().on_authentication_error(
            request, provider, error=error, exception=exception, extra_context=extra_context
        )
