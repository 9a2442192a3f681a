from django.conf import settings
from django.utils.translation import gettext as _


def site(request):
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        from forum.selectors import notification_unread_count

        unread = notification_unread_count(user=user)
    return {
        "site_name": _("Open Cities"),
        "unread_notifications": unread,
        "debug": settings.DEBUG,
        # One way in (the IAM): "Sign in" goes straight to it.
        "sign_in_direct": settings.SOCIALACCOUNT_ONLY,
    }
