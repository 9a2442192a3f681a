import hashlib
import logging
from functools import cache

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import etag, require_safe
from django.views.i18n import JavaScriptCatalog

from frontend.accessibility import accessibility_statement_get, statement_default
from frontend.params import InvalidParameter

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@cache
def _javascript_catalogue_version() -> str:
    """A digest of the compiled JavaScript catalogues, which change only with a deploy."""
    digest = hashlib.sha256()
    for locale_path in settings.LOCALE_PATHS:
        for compiled in sorted(locale_path.glob("*/LC_MESSAGES/djangojs.mo")):
            digest.update(compiled.read_bytes())
    return digest.hexdigest()[:16]


def _javascript_catalogue_etag(request: HttpRequest) -> str:
    # The language is in the tag: the catalogue's address is the same in every
    # language, and a browser that switched must not get a 304 for the old one.
    return f"{get_language()}-{_javascript_catalogue_version()}"


# The words of site.js and the other modules, in the reader's language. Only
# the project's own catalogues (LOCALE_PATHS, always read; "frontend" has no
# locale folder of its own): without a package list Django would add every
# installed app's, Wagtail admin's included. The browser asks again on every
# page (no-cache) and gets a 304 while its copy is current.
javascript_catalog = cache_control(no_cache=True)(
    etag(_javascript_catalogue_etag)(JavaScriptCatalog.as_view(packages=["frontend"]))
)


@require_safe
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """The accessibility statement, at the address every page's footer links to.

    The page edited in Wagtail, in the reader's language; its default words
    until someone has created it.
    """
    page = accessibility_statement_get()
    if page is None:
        statement = statement_default(get_language())
        return render(request, statement.get_template(request), {"page": statement})
    return page.specific.serve(request)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """400: the message of a parameter that could not be read, or a general one.

    Only ``InvalidParameter`` messages are shown: they are written for members;
    other exceptions' texts may describe the platform's insides.
    """
    message = exception.message if isinstance(exception, InvalidParameter) else ""
    return render(request, "400.html", {"message": message}, status=400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, rendered without context processors or the request: the database, the
    session or the request itself may be what failed."""
    try:
        body = get_template("500.html").render({"LANGUAGE_CODE": get_language()})
    except Exception:
        # Even the template failed (say, static files not collected): still answer.
        logger.exception("The error page could not be rendered")
        body = "<!doctype html><title>500</title><h1>Server error</h1>"
    return HttpResponseServerError(body)
