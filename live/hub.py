"""One channel-layer subscriber per process for all the live sockets it serves.

Channels' usual pattern gives every socket a channel of its own and has the
layer copy each group message to every one of them: a task, a copy and a
database-connection check per viewer. With a thousand viewers of one thread
that per-viewer work, not the network, decides how late the last one gets a
post. Here each process (each event loop) has one hub. The hub joins a group
once, receives each group message once and hands it, with the one
pre-serialised websocket message, to every local member of the group; a
member's work per message is a permission check and a write.

A member is any object with ``async deliver(message, outgoing)``: ``message``
is the layer message (its ``group`` says where it was sent), ``outgoing`` the
ASGI ``websocket.send`` message to pass on as it is. Every message sent to a
group a hub may have joined must carry its ``group`` (see
``live.broadcast.group_send``).
"""

import asyncio
import logging
import uuid
import weakref
from typing import Any, Protocol

from channels.layers import BaseChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

# Layers that expire group membership (the in-memory and Redis core layers,
# after a day by default) are told again well before that.
REFRESH_SECONDS = 600
RETRY_SECONDS = 1.0
# A frame goes to its socket as it is handed over (live/immediate_writes.py), so
# the first viewers have a post while the rest are still being served. Letting
# the loop run after each batch keeps the process answering its other sockets
# and requests while a post goes to a thousand viewers.
YIELD_EVERY = 32


class Member(Protocol):
    async def deliver(self, message: dict[str, Any], outgoing: dict[str, Any]) -> None: ...


class Hub:
    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.server_id = uuid.uuid4().hex
        self.channel: str | None = None
        self.groups: dict[str, dict[Member, None]] = {}
        self.lock = asyncio.Lock()
        self.tasks: list[asyncio.Task[None]] = []

    async def join(self, group: str, member: Member) -> None:
        """Add ``member`` to ``group``; returns once the hub receives the group's messages."""
        async with self.lock:
            members = self.groups.get(group)
            if members is None:
                if self.channel is None:
                    await self._start()
                try:
                    await self.layer.group_add(group, self.channel)
                except BaseException:
                    if not self.groups:
                        await self._stop()
                    raise
                members = self.groups[group] = {}
            members[member] = None

    async def leave(self, group: str, member: Member) -> None:
        async with self.lock:
            members = self.groups.get(group)
            if members is None or member not in members:
                return
            del members[member]
            if members:
                return
            del self.groups[group]
            try:
                await self.layer.group_discard(group, self.channel)
            except Exception:
                # A layer that is down has forgotten the group with its connection.
                logger.warning("Leaving live group %s failed", group, exc_info=True)
            if not self.groups:
                await self._stop()

    async def _start(self) -> None:
        self.channel = await self.layer.new_channel()
        self.tasks = [
            asyncio.create_task(self._receive(self.channel)),
            asyncio.create_task(self._refresh(self.channel)),
        ]

    async def _stop(self) -> None:
        tasks, self.tasks, self.channel = self.tasks, [], None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _receive(self, channel: str) -> None:
        while True:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("Live hub could not receive; retrying", exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            await self.dispatch(message)

    async def dispatch(self, message: dict[str, Any]) -> None:
        members = self.groups.get(message.get("group", ""))
        if not members:
            return
        text = message.get("frame")
        outgoing = {"type": "websocket.send", "text": text} if text is not None else {}
        for index, member in enumerate(list(members), 1):
            if index > YIELD_EVERY and member not in members:
                continue  # left while the loop ran between batches
            try:
                await member.deliver(message, outgoing)
            except Exception:
                logger.exception("Live message to one socket failed")
            if index % YIELD_EVERY == 0:
                await asyncio.sleep(0)

    async def _refresh(self, channel: str) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            for group in list(self.groups):
                try:
                    await self.layer.group_add(group, channel)
                except Exception:
                    logger.warning("Live group %s could not be renewed", group, exc_info=True)


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """The hub of the running event loop (one per served process)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(get_channel_layer())
    return hub
