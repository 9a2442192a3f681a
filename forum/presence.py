"""Who is viewing a thread: kept by each process, shared through the cache, announced in batches.

A process knows its own viewers. When they change, it writes its list for the
thread under a cache key of its own (so two processes never overwrite each
other), reads the lists of the other live processes and announces the union to
the thread's group: at most once per ``ANNOUNCE_INTERVAL``, always with the
latest state, so a thousand people opening a thread at once cost a handful of
announcements, not a thousand. Each process renews its lists every
``REFRESH_SECONDS``; the lists of a process that stops expire with their keys.
"""

import asyncio
import logging
import time
import weakref
from typing import Any

from asgiref.sync import sync_to_async
from django.core.cache import cache

from forum.events import thread_group
from live.broadcast import frame, group_send
from live.hub import get_hub

logger = logging.getLogger(__name__)

ANNOUNCE_INTERVAL = 2.0  # seconds between announcements of one process
TTL = 90  # seconds a process's lists outlive its last renewal
REFRESH_SECONDS = 30
MAX_NAMES = 50  # names in one announcement; the count says how many in all
SERVERS_KEY = "presence:servers"


class ThreadPresence:
    def __init__(self, server_id: str):
        self.server_id = server_id
        # thread id -> user id -> [name, sockets of that user here]
        self.viewers: dict[int, dict[int, list[Any]]] = {}
        self.categories: dict[int, int] = {}
        self.dirty: set[int] = set()
        self.last_announced = -ANNOUNCE_INTERVAL
        self.announcer: asyncio.Task[None] | None = None
        self.refresher: asyncio.Task[None] | None = None

    def joined(self, thread_id: int, category_id: int, user_id: int, name: str) -> None:
        users = self.viewers.setdefault(thread_id, {})
        entry = users.setdefault(user_id, [name, 0])
        entry[1] += 1
        self.categories[thread_id] = category_id
        self._changed(thread_id)
        if self.refresher is None:
            self.refresher = asyncio.create_task(self._refresh())

    def left(self, thread_id: int, user_id: int) -> None:
        users = self.viewers.get(thread_id, {})
        entry = users.get(user_id)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            del users[user_id]
        if not users:
            self.viewers.pop(thread_id, None)
        self._changed(thread_id)
        if not self.viewers and self.refresher is not None:
            self.refresher.cancel()
            self.refresher = None

    def _changed(self, thread_id: int) -> None:
        self.dirty.add(thread_id)
        if self.announcer is None:
            self.announcer = asyncio.create_task(self._announce())

    async def _announce(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.dirty:
                wait = self.last_announced + ANNOUNCE_INTERVAL - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                threads, self.dirty = self.dirty, set()
                self.last_announced = loop.time()
                for thread_id, names, count in await self._exchange(threads):
                    await group_send(
                        thread_group(thread_id),
                        {
                            "type": "live.ephemeral",
                            "frame": frame(
                                "presence", {"thread": thread_id, "viewers": names, "count": count}
                            ),
                            "category": self.categories.get(thread_id),
                            "thread": thread_id,
                            "sender": None,
                        },
                    )
                    if thread_id not in self.viewers:
                        self.categories.pop(thread_id, None)
        except Exception:
            logger.warning("Presence could not be announced", exc_info=True)
        finally:
            self.announcer = None

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            try:
                await self._exchange(set(self.viewers))
            except Exception:
                logger.warning("Presence could not be renewed", exc_info=True)

    async def _exchange(self, threads: set[int]) -> list[tuple[int, list[str], int]]:
        mine = {
            thread_id: {
                user_id: entry[0] for user_id, entry in self.viewers.get(thread_id, {}).items()
            }
            for thread_id in threads
        }
        return await sync_to_async(_exchange, thread_sensitive=False)(self.server_id, mine)


def _key(thread_id: int, server_id: str) -> str:
    return f"presence:{thread_id}:{server_id}"


def _exchange(server_id: str, mine: dict[int, dict[int, str]]) -> list[tuple[int, list[str], int]]:
    """Store this process's viewers of each thread; return each thread's viewers everywhere."""
    now = time.time()
    servers = {sid: until for sid, until in (cache.get(SERVERS_KEY) or {}).items() if until > now}
    if servers.get(server_id, 0) < now + TTL - REFRESH_SECONDS:
        servers[server_id] = now + TTL
        cache.set(SERVERS_KEY, servers, TTL)
    cache.set_many({_key(t, server_id): users for t, users in mine.items() if users}, TTL)
    cache.delete_many([_key(t, server_id) for t, users in mine.items() if not users])
    others = cache.get_many([_key(t, sid) for t in mine for sid in servers if sid != server_id])
    result = []
    for thread_id, users in mine.items():
        everyone: dict[Any, str] = dict(users)
        for sid in servers:
            if sid != server_id:
                everyone.update(others.get(_key(thread_id, sid)) or {})
        names = sorted(set(everyone.values()), key=str.casefold)
        result.append((thread_id, names[:MAX_NAMES], len(everyone)))
    return result


_presences: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ThreadPresence]" = (
    weakref.WeakKeyDictionary()
)


def get_presence() -> ThreadPresence:
    """The presence tracker of the running event loop (one per served process)."""
    loop = asyncio.get_running_loop()
    presence = _presences.get(loop)
    if presence is None:
        presence = _presences[loop] = ThreadPresence(get_hub().server_id)
    return presence
