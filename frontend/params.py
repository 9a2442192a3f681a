"""Typed reading of query parameters and loose form fields.

A request can carry anything in its query string or form: words where numbers
belong, negative or huge numbers, NUL bytes, addresses of other sites. Every
view reads such values through these functions, so a bad value becomes a 400
page that says what was wrong (``InvalidParameter`` is a ``BadRequest``, which
Django answers through ``handler400``), never an exception deeper down.
"""

import re
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import BadRequest
from django.http import HttpRequest, QueryDict
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

# ASCII digits only: str.isdigit() accepts "²" and "١", which int() refuses or misreads.
INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
MAX_PAGE = 100_000
# Years a report or a budget can be about; beyond them the database's dates end.
MIN_YEAR, MAX_YEAR = 1990, 2200


class InvalidParameter(BadRequest):
    """A query parameter or form field that cannot be read; its message is shown."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_int(value: str | None, *, minimum: int | None = None, maximum: int | None = None):
    """The whole number in ``value`` within the bounds, or ``None``."""
    if value is None or not INTEGER.fullmatch(value.strip()):
        return None
    number = int(value.strip())
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        return None
    return number


def _source(request: HttpRequest, post: bool) -> QueryDict:
    return request.POST if post else request.GET


def int_param(
    request: HttpRequest,
    name: str,
    default: int | None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    post: bool = False,
) -> int | None:
    """A whole number parameter; ``default`` when absent or empty, 400 when unreadable."""
    raw = _source(request, post).get(name, "")
    if raw == "":
        return default
    number = parse_int(raw, minimum=minimum, maximum=maximum)
    if number is None:
        if minimum is not None and maximum is not None:
            raise InvalidParameter(
                _("“%(name)s” must be a whole number from %(min)s to %(max)s.")
                % {"name": name, "min": minimum, "max": maximum}
            )
        raise InvalidParameter(_("“%(name)s” must be a whole number.") % {"name": name})
    return number


def page_param(request: HttpRequest, name: str = "page", default: int | None = 1) -> int | None:
    """A page number (``default`` when absent); a page past the end is the paginator's last."""
    return int_param(request, name, default, minimum=1, maximum=MAX_PAGE)


def year_param(request: HttpRequest, name: str, default: int) -> int:
    return int_param(request, name, default, minimum=MIN_YEAR, maximum=MAX_YEAR)


def id_list_param(request: HttpRequest, name: str, *, post: bool = False) -> list[int]:
    """Numbers separated by commas or spaces, such as ``12, 15 18``."""
    numbers = []
    for part in _source(request, post).get(name, "").replace(",", " ").split():
        number = parse_int(part, minimum=1, maximum=2**31 - 1)
        if number is None:
            raise InvalidParameter(
                _("“%(name)s” takes numbers separated by commas.") % {"name": name}
            )
        numbers.append(number)
    return numbers


def choice_param(
    request: HttpRequest, name: str, choices: Iterable[str], default: str = "", *, post=False
) -> str:
    """One of ``choices`` (sort keys, formats, filters); ``default`` when absent, else 400."""
    raw = _source(request, post).get(name, "")
    if raw == "":
        return default
    allowed = set(choices)
    if raw not in allowed:
        raise InvalidParameter(
            _("“%(name)s” must be one of: %(choices)s.")
            % {"name": name, "choices": ", ".join(sorted(c for c in allowed if c))}
        )
    return raw


def text_param(request: HttpRequest, name: str, *, max_length: int, post: bool = False) -> str:
    """Free text of at most ``max_length`` characters (longer is cut); 400 on a NUL
    byte, which no database text column stores."""
    raw = _source(request, post).get(name, "")
    if "\x00" in raw:
        raise InvalidParameter(
            _("“%(name)s” contains a character that cannot be saved.") % {"name": name}
        )
    return raw[:max_length]


def date_param(request: HttpRequest, name: str) -> date | None:
    """A date written as YYYY-MM-DD, or ``None`` when absent."""
    raw = request.GET.get(name, "")
    if raw == "":
        return None
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise InvalidParameter(_("“%(name)s” must be a date such as 2026-03-31.") % {"name": name})


def safe_next(request: HttpRequest, fallback: str = "/", *, post: bool = False) -> str:
    """Where to go after signing in: a path on this site, or ``fallback``.

    Only paths starting with one slash count: a bare word would be taken for a
    view name by ``redirect()``, and another host is an open redirect.
    """
    value = _source(request, post).get("next", "")
    if (
        value.startswith("/")
        and not value.startswith(("//", "/\\"))
        and value.isprintable()
        and len(value) <= 2000
        and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return value
    return fallback
