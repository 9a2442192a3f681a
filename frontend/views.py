import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache

from frontend.params import InvalidParameter

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


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
