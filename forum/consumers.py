"""The live websocket: delivers thread events, presence, typing and notification counts.

Sockets push; HTTP writes. The client may only subscribe to threads, say it
is typing, and ping. Everything else arrives from services through the
channel layer, already serialised, and the process's live hub hands it to
each socket, which relays it as it is after a permission check.

The check follows the thread's current state, not what was true at connect:
each thread event carries the thread's ``readers_version`` beside the frame.
A socket relays at once an event whose version it has already checked (the
common case: one comparison). An event with a newer version, sent after the
thread was hidden, moved or its audience changed, is held back with everything
after it while the socket asks the read rule again; then they are relayed in
order, or the subscription ends with ``forbidden``. A client asking for events
older than the log keeps gets a ``reload`` frame.

A page with a thread list (the forum's index, a category) watches it: the
socket then relays ``thread.activity`` of the threads the member may read,
in that category or in all. Whether the member may read a thread is asked
through the same selector as a subscription and remembered per thread and
``readers_version``, so a thread that was hidden, moved or narrowed is asked
about again before its next activity is relayed.

Client messages (JSON):
    {"type": "subscribe", "thread": 12, "after": 40}   # resume after seq 40
    {"type": "unsubscribe", "thread": 12}
    {"type": "typing", "thread": 12}
    {"type": "watch_list", "category": 3}                # or "category": null: every category
    {"type": "unwatch_list"}
    {"type": "ping"}
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, cast

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.http import Http404

from accounts import services as account_services
from accounts.backends import member_with_roles
from forum import permissions, selectors
from forum.events import ACCESS_CHANGED, LISTS_GROUP, RELOAD, thread_group
from forum.presence import get_presence
from live.broadcast import EVERY_SESSION, group_send, user_group
from live.broadcast import frame as make_frame
from live.hub import get_hub

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

# A channel-layer message or a client's JSON message.
Message = dict[str, Any]


def _in_db_thread[**P, R](function: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """``database_sync_to_async`` with the function's types kept (Channels has no types)."""
    return cast(Callable[P, Awaitable[R]], database_sync_to_async(function))


CLOSE_UNAUTHENTICATED = 4401
CLOSE_SESSION_ENDED = 4403
CLOSE_TOO_MANY_MESSAGES = 4429
MAX_SUBSCRIPTIONS = 20
RATE_CAPACITY = 30  # client messages in a burst
RATE_PER_SECOND = 2.0  # sustained
TYPING_INTERVAL = 3.0  # seconds between typing signals of one member in one thread
LISTED_REMEMBERED = 1000  # threads whose read answer a list-watching socket keeps


class LiveConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]  # Channels has no types
    # No channel per socket: the process's hub (live.hub) receives each group
    # message once and hands it to every local socket through deliver().
    channel_layer_alias = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.session_key = self.scope.get("session_key")
        self.live_id = uuid.uuid4().hex
        self.hub = get_hub()
        self.presence = get_presence()
        self.threads: dict[int, int] = {}  # thread id -> category id
        self.readers: dict[int, int] = {}  # thread id -> readers version checked
        # Thread id -> messages held back while access is checked (subscribing
        # or re-checking); a check owns the list it started with.
        self.replaying: dict[int, list[Message]] = {}
        self.background: set[asyncio.Task[object]] = set()
        self.tokens = float(RATE_CAPACITY)
        self.tokens_at = time.monotonic()
        self.last_typing: dict[int, float] = {}
        self.display_name = user.public_name
        self.session_deadline = self.scope.get("session_deadline")
        # The thread list watched: False, or the category id (None: every category).
        self.list_category: int | bool | None = False
        # Thread id -> (readers version asked at, may read) for list activity.
        self.listed: dict[int, tuple[int, bool]] = {}
        await self.hub.join(user_group(user.pk), self)
        # Joined first, then read: a change to the member's access made after this
        # read reaches the socket through their group; one made since the session
        # was read, before the join, is in what is read here.
        fresh = await _in_db_thread(_reload_user)(user.pk)
        if fresh is None or not fresh.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = fresh
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "user"):
            return
        for thread_id in list(self.threads):
            await self._leave(thread_id)
        await self.hub.leave(user_group(self.user.pk), self)
        if self.list_category is not False:
            await self.hub.leave(LISTS_GROUP, self)
        for task in self.background:
            task.cancel()

    async def dispatch(self, message: Message) -> None:
        # Channels' dispatch checks the database connection before every
        # message; this consumer reaches the database only through
        # database_sync_to_async, which does that itself.
        await getattr(self, get_handler_name(message))(message)

    # Messages from the browser

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
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
        handler: Callable[[Message], Awaitable[None]] | None = {
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "typing": self._typing,
            "watch_list": self._watch_list,
            "unwatch_list": self._unwatch_list,
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

    async def _error(self, code: str, **extra: object) -> None:
        await self.send(text_data=make_frame("error", {"code": code, **extra}))

    async def _subscribe(self, message: Message) -> None:
        thread_id = int(message["thread"])
        after = int(message.get("after") or 0)
        if thread_id not in self.threads and len(self.threads) >= MAX_SUBSCRIPTIONS:
            await self._error("too_many_subscriptions")
            return
        # Join first and buffer live events while access is checked and the
        # stored ones are replayed, so nothing falls between the two and
        # nothing comes twice.
        resubscribing = thread_id in self.threads
        buffer = self.replaying[thread_id] = []
        await self.hub.join(thread_group(thread_id), self)
        access = await self._subscription(thread_id, after)
        if access is None:
            if self.replaying.get(thread_id) is buffer:
                del self.replaying[thread_id]
            if resubscribing:
                await self._leave(thread_id)
            else:
                await self.hub.leave(thread_group(thread_id), self)
            await self._error("forbidden", thread=thread_id)
            return
        category_id, readers, stored, current = access
        self.threads[thread_id] = category_id
        self.readers[thread_id] = readers
        if stored is None:
            await self.send(text_data=make_frame(RELOAD, {"thread": thread_id}))
            last = current
        else:
            last = after
            for seq, text in stored:
                await self.send(text_data=text)
                last = seq
        relayed = await self._relay_held(thread_id, buffer, last)
        if relayed is None:
            return
        await self.send(text_data=make_frame("subscribed", {"thread": thread_id, "seq": relayed}))
        if not resubscribing:
            self.presence.joined(thread_id, category_id, self.user.pk, self.display_name)

    async def _relay_held(self, thread_id: int, buffer: list[Message], last: int) -> int | None:
        """Relay the messages held back for a thread, in order, checking access
        again before any sent under a newer readers version than checked.

        Returns the last sequence number relayed, or ``None`` when the
        subscription ended (access lost, or a newer subscribe took over).
        """
        while self.replaying.get(thread_id) is buffer:
            if not buffer:
                del self.replaying[thread_id]
                return last
            message = buffer[0]
            readers = message.get("readers")
            if readers is not None and readers > self.readers.get(thread_id, -1):
                if not await self._check_thread(thread_id, buffer):
                    return None
                # The database had committed the change before the event was
                # sent, so the check has seen at least this version.
                self.readers[thread_id] = max(self.readers[thread_id], readers)
                continue
            buffer.pop(0)
            seq = message.get("seq")
            if message.get("event") == ACCESS_CHANGED or (seq is not None and seq <= last):
                continue
            await self.send(text_data=message["frame"])
            if seq is not None:
                last = seq
        return None

    async def _check_thread(self, thread_id: int, buffer: list[Message]) -> bool:
        """Ask the read rule again about one thread; leaves it when no longer readable."""
        access = await self._thread_access(thread_id)
        if self.replaying.get(thread_id) is not buffer:
            return False
        if access is None:
            await self._leave(thread_id)
            await self._error("forbidden", thread=thread_id)
            return False
        self.threads[thread_id], self.readers[thread_id] = access
        return True

    async def _unsubscribe(self, message: Message) -> None:
        thread_id = int(message["thread"])
        if thread_id in self.threads:
            await self._leave(thread_id)

    async def _leave(self, thread_id: int) -> None:
        if self.threads.pop(thread_id, None) is not None:
            self.presence.left(thread_id, self.user.pk)
        self.readers.pop(thread_id, None)
        self.replaying.pop(thread_id, None)
        await self.hub.leave(thread_group(thread_id), self)

    async def _typing(self, message: Message) -> None:
        thread_id = int(message["thread"])
        if thread_id not in self.threads:
            await self._error("not_subscribed", thread=thread_id)
            return
        now = time.monotonic()
        if now - self.last_typing.get(thread_id, 0) < TYPING_INTERVAL:
            return
        self.last_typing[thread_id] = now
        await group_send(
            thread_group(thread_id),
            {
                "type": "live.ephemeral",
                "frame": make_frame(
                    "typing",
                    {"thread": thread_id, "user": self.user.pk, "name": self.display_name},
                ),
                "thread": thread_id,
                "readers": self.readers[thread_id],
                "sender": self.live_id,
            },
        )

    async def _watch_list(self, message: Message) -> None:
        category = message.get("category")
        category = None if category is None else int(category)
        if self.list_category is False:
            await self.hub.join(LISTS_GROUP, self)
        self.list_category = category
        await self.send(text_data=make_frame("watching", {"category": category}))

    async def _unwatch_list(self, message: Message) -> None:
        if self.list_category is not False:
            self.list_category = False
            await self.hub.leave(LISTS_GROUP, self)

    async def _deliver_listed(self, message: Message, outgoing: Message) -> None:
        """Relay a thread's list activity if the member may read the thread."""
        if self.list_category is False or (
            self.list_category is not None and message.get("category") != self.list_category
        ):
            return
        thread_id = message["listed"]
        readers = message.get("readers", 0)
        known = self.listed.get(thread_id)
        if known is not None and readers <= known[0]:
            if known[1]:
                await self.base_send(outgoing)
            return
        self._in_background(self._relay_listed(message, outgoing))

    async def _relay_listed(self, message: Message, outgoing: Message) -> None:
        thread_id, readers = message["listed"], message.get("readers", 0)
        access = await self._thread_access(thread_id)
        if len(self.listed) >= LISTED_REMEMBERED:
            self.listed.clear()
        # The change was committed before its event was sent: the answer holds
        # for this version, and for a later one the database already had.
        version = max(readers, access[1]) if access is not None else readers
        self.listed[thread_id] = (version, access is not None)
        if access is not None and self.list_category in (None, message.get("category")):
            await self.base_send(outgoing)

    async def _ping(self, message: Message) -> None:
        # Presence lasts as long as the socket; the ping keeps proxies from
        # closing a quiet connection.
        await self.send(text_data=make_frame("pong", {}))

    # Messages from the hub: one call per socket and message, kept small.

    async def deliver(self, message: Message, outgoing: Message) -> None:
        """Relay a group message after its checks; ``outgoing`` is the shared websocket message."""
        if self.session_deadline is not None and time.time() >= self.session_deadline:
            # Idle timeout, lifetime or IAM re-check due: look again, once.
            self.session_deadline = None
            self._in_background(self._session_reverify())
        if message.get("group") == LISTS_GROUP:
            await self._deliver_listed(message, outgoing)
            return
        thread_id = message.get("thread")
        if message["type"] == "live.ephemeral":
            # Typing and presence: only on a subscription that is not being
            # checked, never from this socket, and dropped (not held) when
            # sent under a readers version this socket has not checked.
            if (
                message.get("sender") != self.live_id
                and thread_id in self.threads
                and thread_id not in self.replaying
                and message.get("readers", 0) <= self.readers[thread_id]
            ):
                await self.base_send(outgoing)
            return
        if thread_id is None:
            # The member's own group: session ends, access changes, counts.
            session_key = message.get("session_key")
            if session_key is not None:
                if session_key in (self.session_key, EVERY_SESSION):
                    await self.close(code=CLOSE_SESSION_ENDED)
                return
            if message.get("event") == ACCESS_CHANGED:
                self._in_background(self._recheck_access())
                return
            await self.base_send(outgoing)
            return
        buffer = self.replaying.get(thread_id)
        if buffer is not None:
            buffer.append(message)
            return
        if thread_id not in self.threads:
            return
        readers = message.get("readers")
        if readers is not None and readers > self.readers[thread_id]:
            # Sent after who may read the thread changed: hold it, and what
            # follows, until the read rule has been asked again.
            buffer = self.replaying[thread_id] = [message]
            self._in_background(self._relay_held(thread_id, buffer, 0))
            return
        if message.get("event") == ACCESS_CHANGED:
            return
        await self.base_send(outgoing)

    def _in_background(self, coroutine: Coroutine[Any, Any, object]) -> None:
        task = asyncio.create_task(coroutine)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _session_reverify(self) -> None:
        try:
            # Not in the thread all sockets' reads share: this may wait for the IAM.
            self.session_deadline = await database_sync_to_async(
                account_services.session_reverify, thread_sensitive=False
            )(session_key=self.session_key, now=time.time())
        except account_services.SessionEnded:
            await self.close(code=CLOSE_SESSION_ENDED)

    async def _recheck_access(self) -> None:
        """The member's roles or organisation changed: check every subscription again."""
        user = await _in_db_thread(_reload_user)(self.user.pk)
        if user is None or not permissions.is_member(user):
            await self.close(code=CLOSE_SESSION_ENDED)
            return
        self.user = user
        self.display_name = user.public_name
        self.listed.clear()
        for thread_id in list(self.threads):
            if thread_id in self.replaying:
                continue
            buffer = self.replaying[thread_id] = []
            if await self._check_thread(thread_id, buffer):
                await self._relay_held(thread_id, buffer, 0)

    # Database reads, through selectors

    async def _thread_access(self, thread_id: int) -> tuple[int, int] | None:
        return await _in_db_thread(self._thread_access_now)(thread_id)

    def _thread_access_now(self, thread_id: int) -> tuple[int, int] | None:
        """The thread's category and readers version if the member may read it now."""
        user = _reload_user(self.user.pk)
        if user is None or not user.is_active:
            return None
        self.user = user
        try:
            thread = selectors.thread_get_for_viewer(viewer=user, pk=thread_id)
        except Http404:
            return None
        return thread.category_id, thread.readers_version

    async def _subscription(
        self, thread_id: int, after: int
    ) -> tuple[int, int, list[tuple[int, str]] | None, int] | None:
        return await _in_db_thread(self._subscription_now)(thread_id, after)

    def _subscription_now(
        self, thread_id: int, after: int
    ) -> tuple[int, int, list[tuple[int, str]] | None, int] | None:
        """If the member may read the thread: its category, readers version, the
        stored events after ``after`` (``None`` if pruned) and its last sequence number."""
        try:
            thread = selectors.thread_get_for_viewer(viewer=self.user, pk=thread_id)
        except Http404:
            return None
        stored = selectors.events_after(thread=thread, seq=after)
        return thread.category_id, thread.readers_version, stored, thread.event_seq


def _reload_user(pk: int) -> User | None:
    """The member as the database has them now, with their roles (one query, as a
    request reads them), or None."""
    return member_with_roles(pk)
