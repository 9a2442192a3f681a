"""Serve each signed-in member in their preferred language."""

from django.conf import settings
from django.utils import translation


class PreferredLanguageMiddleware:
    """Use the member's preferred language unless they switched on this browser.

    Runs after ``LocaleMiddleware``: an explicit choice (the language cookie
    set by the switcher) wins, otherwise the profile's language applies.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.preferred_language
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)
