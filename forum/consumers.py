"""The live websocket: delivers thread events, presence, typing and notification counts.

Sockets push; HTTP writes. The client may only subscribe to threads, say it
is typing, and say it is still there. Everything else arrives from services
through the channel layer, already serialised, and is relayed as it is after
a permission check.

Client messages (JSON):
    {"type": "subscribe", "thread": 12, "after": 40}   # resume after seq 40
    {"type": "unsubscribe", "thread": 12}
    {"type": "typing", "thread": 12}
    {"type": "ping"}
"""

import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.cache import cache
from django.http import Http404

from forum import permissions, selectors
from forum.events import ACCESS_CHANGED, thread_group
from live.broadcast import frame as make_frame
from live.broadcast import user_group

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_SESSION_ENDED = 4403
CLOSE_TOO_MANY_MESSAGES = 4429
MAX_SUBSCRIPTIONS = 20
RATE_CAPACITY = 30  # client messages in a burst
RATE_PER_SECOND = 2.0  # sustained
TYPING_INTERVAL = 3.0  # seconds between typing signals of one member in one thread
PRESENCE_TTL = 90  # seconds a viewer stays listed without a ping


class LiveConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        self.threads: dict[int, int] = {}  # thread id -> category id
        self.replaying: dict[int, list[dict]] = {}
        self.readable_categories = await self._readable_categories()
        self.tokens = float(RATE_CAPACITY)
        self.tokens_at = time.monotonic()
        self.last_typing: dict[int, float] = {}
        self.display_name = user.public_name
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if not hasattr(self, "user"):
            return
        for thread_id in list(self.threads):
            await self._leave(thread_id)
        await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)

    # Messages from the browser

    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is not None:
            await self._error("binary_not_supported")
            return
        if not self._take_token():
            await self._error("rate_limited")
            if self.tokens < -RATE_CAPACITY:
                await self.close(code=CLOSE_TOO_MANY_MESSAGES)
            return
        if text_data is None or len(text_data) > settings.WEBSOCKET_MAX_FRAME_BYTES:
            await self._error("frame_too_large")
            return
        try:
            message = json.loads(text_data)
            kind = message["type"]
        except (ValueError, TypeError, KeyError):
            await self._error("malformed")
            return
        handler = {
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "typing": self._typing,
            "ping": self._ping,
        }.get(kind)
        if handler is None:
            await self._error("unknown_type")
            return
        try:
            await handler(message)
        except (ValueError, TypeError, KeyError):
            await self._error("malformed")

    def _take_token(self) -> bool:
        now = time.monotonic()
        self.tokens = min(RATE_CAPACITY, self.tokens + (now - self.tokens_at) * RATE_PER_SECOND)
        self.tokens_at = now
        self.tokens -= 1
        return self.tokens >= 0

    async def _error(self, code: str, **extra):
        await self.send(text_data=make_frame("error", {"code": code, **extra}))

    async def _subscribe(self, message):
        thread_id = int(message["thread"])
        after = int(message.get("after") or 0)
        if thread_id not in self.threads and len(self.threads) >= MAX_SUBSCRIPTIONS:
            await self._error("too_many_subscriptions")
            return
        category_id = await self._thread_category(thread_id)
        if category_id is None:
            await self._error("forbidden", thread=thread_id)
            return
        # Join first, buffer live events while the stored ones are replayed,
        # so nothing falls between the two and nothing comes twice.
        self.replaying[thread_id] = []
        self.threads[thread_id] = category_id
        await self.channel_layer.group_add(thread_group(thread_id), self.channel_name)
        last = after
        for seq, stored in await self._events_after(thread_id, after):
            await self.send(text_data=stored)
            last = seq
        for event in self.replaying.pop(thread_id, []):
            if event["seq"] > last:
                await self.send(text_data=event["frame"])
                last = event["seq"]
        await self.send(text_data=make_frame("subscribed", {"thread": thread_id, "seq": last}))
        await self._presence_update(thread_id, joined=True)

    async def _unsubscribe(self, message):
        thread_id = int(message["thread"])
        if thread_id in self.threads:
            await self._leave(thread_id)

    async def _leave(self, thread_id: int):
        self.threads.pop(thread_id, None)
        self.replaying.pop(thread_id, None)
        await self.channel_layer.group_discard(thread_group(thread_id), self.channel_name)
        await self._presence_update(thread_id, joined=False)

    async def _typing(self, message):
        thread_id = int(message["thread"])
        if thread_id not in self.threads:
            await self._error("not_subscribed", thread=thread_id)
            return
        now = time.monotonic()
        if now - self.last_typing.get(thread_id, 0) < TYPING_INTERVAL:
            return
        self.last_typing[thread_id] = now
        await self.channel_layer.group_send(
            thread_group(thread_id),
            {
                "type": "live.ephemeral",
                "frame": make_frame(
                    "typing",
                    {"thread": thread_id, "user": self.user.pk, "name": self.display_name},
                ),
                "category": self.threads[thread_id],
                "sender": self.channel_name,
            },
        )

    async def _ping(self, message):
        for thread_id in self.threads:
            await self._presence_update(thread_id, joined=True)
        await self.send(text_data=make_frame("pong", {}))

    # Presence: a short-lived list in the cache, announced at most every few seconds.

    async def _presence_update(self, thread_id: int, *, joined: bool, announce: bool = True):
        viewers = await database_sync_to_async(_presence_write)(
            thread_id, self.user.pk, self.display_name, joined
        )
        if announce and viewers is not None:
            await self.channel_layer.group_send(
                thread_group(thread_id),
                {
                    "type": "live.ephemeral",
                    "frame": make_frame("presence", {"thread": thread_id, "viewers": viewers}),
                    "category": self.threads.get(thread_id),
                    "sender": None,
                },
            )

    # Events from the channel layer

    async def live_event(self, event):
        """A stored thread event, or a per-member event; relayed after a permission check."""
        session_key = event.get("session_key")
        if session_key is not None:
            if session_key == self.session_key:
                await self.close(code=CLOSE_SESSION_ENDED)
            return
        category = event.get("category")
        if category is not None and category not in self.readable_categories:
            return
        buffer = self.replaying.get(event.get("thread"))
        if buffer is not None:
            buffer.append(event)
            return
        if event.get("event") == ACCESS_CHANGED:
            await self._recheck_access()
            return
        await self.send(text_data=event["frame"])

    async def live_ephemeral(self, event):
        if event.get("sender") == self.channel_name:
            return
        if event.get("category") not in self.readable_categories:
            return
        await self.send(text_data=event["frame"])

    async def _recheck_access(self):
        self.user = await database_sync_to_async(_reload_user)(self.user.pk)
        if self.user is None or not self.user.is_active:
            await self.close(code=CLOSE_SESSION_ENDED)
            return
        self.readable_categories = await self._readable_categories()
        for thread_id in list(self.threads):
            if await self._thread_category(thread_id) is None:
                await self._leave(thread_id)
                await self._error("forbidden", thread=thread_id)

    # Database reads, through selectors

    @database_sync_to_async
    def _readable_categories(self) -> frozenset[int]:
        from forum.models import Category

        ids = permissions.readable_category_ids(self.user)
        if ids is None:
            return frozenset(Category.objects.values_list("pk", flat=True))
        return frozenset(ids)

    @database_sync_to_async
    def _thread_category(self, thread_id: int) -> int | None:
        try:
            thread = selectors.thread_get_for_viewer(viewer=self.user, pk=thread_id)
        except Http404:
            return None
        return thread.category_id

    @database_sync_to_async
    def _events_after(self, thread_id: int, after: int):
        return selectors.events_after(thread_id=thread_id, seq=after)


def _reload_user(pk: int):
    from accounts.models import User

    return User.objects.select_related("organisation").filter(pk=pk).first()


def _presence_write(thread_id: int, user_id: int, name: str, joined: bool):
    """Record a viewer in the cache; returns the viewer list to announce, or None if throttled."""
    key = f"presence:{thread_id}"
    now = time.time()
    try:
        viewers = cache.get(key) or {}
        viewers = {k: v for k, v in viewers.items() if v[1] > now}
        if joined:
            viewers[user_id] = (name, now + PRESENCE_TTL)
        else:
            viewers.pop(user_id, None)
        cache.set(key, viewers, PRESENCE_TTL)
        if not cache.add(f"{key}:announced", 1, 2) and joined:
            return None
    except Exception:
        logger.warning("Presence could not be recorded", exc_info=True)
        return None
    return sorted({name for name, _expires in viewers.values()})
