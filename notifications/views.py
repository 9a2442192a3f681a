"""The member's notifications: the list, opening one, marking read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.ratelimit import rate_limit
from frontend.forms import MAX_ID
from frontend.params import parse_int, safe_next
from notifications import selectors, services


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page, items = selectors.notification_page(user=_reader(request), number=request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "notifications": items})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notification: it is marked read and the member goes to what it is about.

    A plain link (GET), as in Discourse and Zulip: marking one's own notification
    read is harmless to repeat and changes nothing anyone else sees.
    """
    shown = selectors.notification_get_for_reader(user=_reader(request), pk=pk)
    if shown.is_unread:
        services.notifications_mark_read(user=_reader(request), ids=[shown.pk])
    url = shown.notification.url
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        url = "/"
    return redirect(url)


@login_required
@require_POST
@rate_limit("notifications")
def notification_mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    shown = selectors.notification_get_for_reader(user=_reader(request), pk=pk)
    services.notifications_mark_read(user=_reader(request), ids=[shown.pk])
    messages.success(request, _("The notification is marked as read."))
    return redirect(_back(request))


@login_required
@require_POST
@rate_limit("notifications")
def notification_mark_all_read(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(user=_reader(request))
    messages.success(request, _("All notifications are marked as read."))
    return redirect(_back(request))


@login_required
@require_GET
def mute_list(request: HttpRequest) -> HttpResponse:
    """The people the member muted, each with a way to take them off the list."""
    people = selectors.muted_people(user=_reader(request))
    return render(request, "notifications/muted.html", {"people": people})


@login_required
@require_POST
@rate_limit("notifications")
def mute_set(request: HttpRequest, pk: int) -> HttpResponse:
    """Mute a member (``on=1``) or take them off the list; back to where the member was."""
    reader = _reader(request)
    person = selectors.mute_target_get(user=reader, pk=pk)
    on = request.POST.get("on") == "1"
    services.mute_set(user=reader, muted=person, on=on)
    name = person.public_name
    messages.success(
        request,
        _("You no longer get notifications from %(name)s.") % {"name": name}
        if on
        else _("You get notifications from %(name)s again.") % {"name": name},
    )
    return redirect(safe_next(request, reverse("notifications:mute_list"), post=True))


def _reader(request: HttpRequest) -> User:
    """The signed-in member (every view here requires one)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _back(request: HttpRequest) -> str:
    """Back to the page of the list the member was on."""
    page = parse_int(request.POST.get("page"), minimum=1, maximum=MAX_ID)
    base = reverse("notifications:list")
    return f"{base}?page={page}" if page is not None else base
