"""How long a platform session lasts: an idle timeout, an absolute lifetime and
the IAM's re-check, kept in the session's own data.

* ``SESSION_IDLE_SECONDS`` (8 h by default): a session nobody used for that
  long ends. Only page requests count as use; an open live socket does not.
  The last use is written at most once a minute (``ACTIVITY_RESOLUTION``),
  so a page view does not write the session every time.
* ``SESSION_MAX_SECONDS`` (12 h by default): however busy, a session ends
  that long after its sign-in, so a working day needs one sign-in and a
  stolen cookie is worth one day at most.
* ``IAM_RECHECK_SECONDS`` (15 min by default): when the IAM was last asked
  lives in ``SignInSession.checked_at``; the session keeps when the next
  check is due only so that a page view need not read that row.

Pages (``accounts.middleware.SessionLifetimeMiddleware``) and live sockets
(``accounts.middleware.WebsocketSessionMiddleware`` and the live consumer)
apply the same rules through ``accounts.services.session_check``.
"""

import math
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings

STARTED_AT = "lifetime_started_at"
SEEN_AT = "lifetime_seen_at"
IAM_DUE = "iam_check_due"
ACTIVITY_RESOLUTION = 60.0

IDLE = "idle"
MAX_AGE = "max_age"


def lifetime_start(session: Any, now: float, *, iam_due: float | None = None) -> None:
    """A new sign-in: the lifetime and the idle clock start.

    ``iam_due`` is when the IAM is to be asked again; ``None`` for a sign-in
    without the IAM (a local password, Django admin's break-glass account).
    """
    session[STARTED_AT] = now
    session[SEEN_AT] = now
    session[IAM_DUE] = iam_due


def on_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Django's ``user_logged_in``: every way of signing in starts the session's clocks.

    The IAM sign-in then names when its re-check is due (``AccountAdapter.post_login``).
    """
    if request is not None and hasattr(request, "session"):
        lifetime_start(request.session, time.time())


def lifetime_touch(session: Any, now: float) -> None:
    """Note a use of the session (a page request) at most once per ``ACTIVITY_RESOLUTION``.

    A session signed in before these rules, or by a path that does not start
    them (Django admin's own sign-in), starts its clocks at its first use.
    """
    if STARTED_AT not in session:
        session[STARTED_AT] = now
    if now - float(session.get(SEEN_AT) or 0) >= ACTIVITY_RESOLUTION:
        session[SEEN_AT] = now


def lifetime_expired(data: Mapping[str, Any], now: float) -> str:
    """``MAX_AGE`` or ``IDLE`` if the session has outlived a limit, else ``""``."""
    started = float(data.get(STARTED_AT) or now)
    seen = float(data.get(SEEN_AT) or now)
    if now - started >= settings.SESSION_MAX_SECONDS:
        return MAX_AGE
    if now - seen >= settings.SESSION_IDLE_SECONDS:
        return IDLE
    return ""


def lifetime_deadline(data: Mapping[str, Any], now: float) -> float:
    """When the session would end if nobody used it from now on."""
    started = float(data.get(STARTED_AT) or now)
    seen = float(data.get(SEEN_AT) or now)
    return min(started + settings.SESSION_MAX_SECONDS, seen + settings.SESSION_IDLE_SECONDS)


def iam_due(data: Mapping[str, Any]) -> float:
    """When the IAM is next to be asked: ``0`` if unknown, ``inf`` if the session has no IAM."""
    value = data.get(IAM_DUE, 0)
    return math.inf if value is None else float(value)
