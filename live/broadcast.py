"""The one helper through which services broadcast live events.

An event is serialised where it is built, so a bad payload fails in the
service, and it is sent only after the surrounding transaction commits, so no
event ever describes a write that rolled back. Consumers relay the
pre-serialised ``frame`` as it is: one serialisation per event, whatever the
number of viewers.
"""

import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

logger = logging.getLogger(__name__)


def frame(event_type: str, payload: dict[str, Any]) -> str:
    return json.dumps({"type": event_type, **payload}, cls=DjangoJSONEncoder)


def broadcast_on_commit(group: str, event_type: str, payload: dict[str, Any], **meta: Any) -> None:
    """Send ``payload`` to ``group`` once the current transaction commits.

    ``meta`` travels beside the frame for the consumer's delivery checks
    (for example the category a thread event belongs to) and is never sent
    to the browser.
    """
    message = {
        "type": "live.event",
        "event": event_type,
        "frame": frame(event_type, payload),
        **meta,
    }

    def send() -> None:
        try:
            async_to_sync(group_send)(group, message)
        except Exception:
            # The write has committed; a reconnecting client catches up from the
            # stored event log, so a lost broadcast must not fail the request.
            logger.exception("Live event to %s could not be sent", group)

    transaction.on_commit(send, robust=True)


async def group_send(group: str, message: dict[str, Any]) -> None:
    """Send ``message`` to ``group`` through the channel layer, naming the group.

    Each process's live hub (``live.hub``) receives a group's message once and
    hands it to its local sockets by that name.
    """
    await get_channel_layer().group_send(group, {**message, "group": group})


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


# A ``session_key`` beside a message to a user group closes that session's
# sockets; this one closes all of the member's sockets.
EVERY_SESSION = "*"
