import logging

import requests
from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts import oidc, selectors, services
from accounts.forms import MemberFilterForm, ProfileForm
from accounts.models import AuditEntry
from accounts.ratelimit import rate_limit
from frontend.params import choice_param, page_param, safe_next
from notifications import selectors as notification_selectors

logger = logging.getLogger(__name__)


@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    """The sign-in page: one button that starts the IAM sign-in by POST."""
    next_url = safe_next(request)
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url)
    return render(
        request,
        "accounts/sign_in.html",
        {
            "next": next_url,
            "provider_name": settings.OIDC_PROVIDER_NAME,
            "local_passwords": not settings.SOCIALACCOUNT_ONLY,
        },
    )


@require_POST
@rate_limit("sign_in")
def iam_login(request: HttpRequest, provider_id: str) -> HttpResponse:
    """Start the IAM sign-in; a clear page when the IAM does not answer."""
    try:
        return oidc_views.login(request, provider_id)
    except requests.RequestException as error:
        logger.warning("IAM unavailable at sign-in: %s", error)
        return render(request, "accounts/provider_unavailable.html", status=503)


@never_cache
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out here and at the IAM (relying-party initiated logout)."""
    if request.method != "POST":
        return render(request, "accounts/sign_out.html")
    sign_in_session = services.sign_in_session_end(
        session_key=request.session.session_key or "", user=request.user
    )
    logout(request)
    post_logout = settings.OIDC_POST_LOGOUT_REDIRECT_URIS[0]
    if sign_in_session is None:
        return redirect("/")
    try:
        url = oidc.end_session_url(
            id_token=sign_in_session.id_token, post_logout_redirect_uri=post_logout
        )
    except oidc.ProviderUnavailable:
        url = None
    if url is None:
        messages.warning(
            request,
            _("You are signed out here, but the IAM could not be reached to end its session."),
        )
        return redirect("/")
    return redirect(url)


@csrf_exempt
@require_POST
@rate_limit("backchannel", per_address=True)
def backchannel_logout(request: HttpRequest) -> HttpResponse:
    """OpenID Connect back-channel logout: the IAM ends a session here."""
    token = request.POST.get("logout_token", "")
    if not token:
        return HttpResponseBadRequest("logout_token is required")
    try:
        claims = oidc.validate_logout_token(token)
    except oidc.LogoutTokenReplayed:
        return HttpResponseBadRequest("logout token replayed")
    except oidc.InvalidLogoutToken as error:
        logger.warning("Refused a logout token: %s", error)
        return HttpResponseBadRequest("invalid logout token")
    services.sessions_end_by_iam(subject=str(claims.get("sub", "")), sid=str(claims.get("sid", "")))
    response = HttpResponse(status=200)
    response["Cache-Control"] = "no-store"
    return response


def social_connections(request: HttpRequest) -> HttpResponse:
    """allauth's "connected accounts" page: not offered (one IAM account per member)."""
    raise Http404


@login_required
def member_directory(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisation_list()
    form = MemberFilterForm(request.GET or None, organisations=organisations)
    filters = form.cleaned_data if form.is_valid() else {}
    members = selectors.member_list(
        viewer=request.user,
        organisation=filters.get("organisation", ""),
        role=filters.get("role", ""),
        expertise=filters.get("expertise", ""),
        query=filters.get("q", ""),
    )
    return render(
        request,
        "accounts/member_directory.html",
        {
            "form": form,
            "members": members[:300],
            "topics": selectors.expertise_counts(viewer=request.user),
        },
    )


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member, details = selectors.member_get_for_viewer(viewer=request.user, pk=pk)
    muted = notification_selectors.is_muted(user=request.user, other=member)
    return render(
        request,
        "accounts/member_detail.html",
        {"member": member, "details": details, "muted": muted},
    )


@login_required
@rate_limit("profile", form=ProfileForm)
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            services.profile_update(
                actor=user,
                user=user,
                title=form.cleaned_data["title"],
                preferred_language=form.cleaned_data["preferred_language"],
                notification_email=form.cleaned_data["notification_email"],
                expertise=form.cleaned_data["expertise"],
            )
            messages.success(request, _("Your profile was saved."))
            response = redirect("accounts:member_detail", pk=user.pk)
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
            return response
    else:
        form = ProfileForm(
            initial={
                "title": user.title,
                "preferred_language": user.preferred_language,
                "notification_email": user.notification_email,
                "expertise": ", ".join(tag.name for tag in user.expertise.all()),
            }
        )
    return render(request, "accounts/profile_edit.html", {"form": form})


@login_required
@require_POST
@rate_limit("profile")
def feed_token_renew(request: HttpRequest) -> HttpResponse:
    services.feed_token_renew(user=request.user)
    messages.success(request, _("Your feed address was renewed; the old one no longer works."))
    return redirect("accounts:profile_edit")


@login_required
@rate_limit("export", methods=("GET",))
def my_data(request: HttpRequest) -> HttpResponse:
    """Download everything the platform holds about you, as JSON."""
    data = selectors.member_data(user=request.user)
    services.audit_record(
        action=AuditEntry.Action.DATA_EXPORTED, actor=request.user, target=f"user:{request.user.pk}"
    )
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-open-cities-data.json"'
    return response


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    action = choice_param(request, "action", AuditEntry.Action.values)
    entries = selectors.audit_log(viewer=request.user, action=action)
    page = Paginator(entries, 100).get_page(page_param(request))
    return render(
        request,
        "accounts/audit_log.html",
        {
            "page": page,
            "actions": AuditEntry.Action.choices,
            "action": action,
        },
    )
