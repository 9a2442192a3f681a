from django.conf import settings
from django.utils.translation import gettext as _

from forum.selectors import open_flag_count
from notifications.selectors import unread_count


def site(request):
    user = getattr(request, "user", None)
    unread = 0
    open_flags = None
    if user is not None and user.is_authenticated:
        unread = unread_count(user=user)
        open_flags = open_flag_count(viewer=user)
    return {
        "site_name": _("Open Cities"),
        "unread_notifications": unread,
        # None for members who are no moderators: no link to the queue at all.
        "open_flags": open_flags,
        "debug": settings.DEBUG,
        # One way in (the IAM): "Sign in" goes straight to it.
        "sign_in_direct": settings.SOCIALACCOUNT_ONLY,
    }
