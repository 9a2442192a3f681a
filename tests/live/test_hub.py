"""The process's live hub: one channel-layer subscription per group, every local socket served."""

import asyncio

import pytest
from channels.layers import get_channel_layer

from live.broadcast import group_send
from live.hub import Hub

pytestmark = pytest.mark.asyncio


class Socket:
    def __init__(self, fail: bool = False):
        self.received: list[str] = []
        self.fail = fail

    async def deliver(self, message, outgoing):
        if self.fail:
            raise RuntimeError("a broken socket")
        self.received.append(outgoing["text"])


class CountingLayer:
    """The configured channel layer (in memory, or Redis in CI), counting group changes."""

    def __init__(self):
        self.layer = get_channel_layer()
        self.added: list[str] = []
        self.discarded: list[str] = []

    async def group_add(self, group, channel):
        self.added.append(group)
        await self.layer.group_add(group, channel)

    async def group_discard(self, group, channel):
        self.discarded.append(group)
        await self.layer.group_discard(group, channel)

    def __getattr__(self, name):
        return getattr(self.layer, name)


async def received(socket: Socket, count: int) -> list[str]:
    async with asyncio.timeout(5):
        while len(socket.received) < count:
            await asyncio.sleep(0.01)
    return socket.received


async def test_one_subscription_per_group_however_many_sockets():
    layer = CountingLayer()
    hub = Hub(layer)
    sockets = [Socket() for _ in range(50)]
    for socket in sockets:
        await hub.join("thread.1", socket)
    assert layer.added == ["thread.1"]

    await group_send("thread.1", {"type": "live.event", "frame": '{"type": "post.created"}'})
    for socket in sockets:
        assert await received(socket, 1) == ['{"type": "post.created"}']

    for socket in sockets:
        await hub.leave("thread.1", socket)
    assert layer.discarded == ["thread.1"]
    assert hub.tasks == []


async def test_a_failing_socket_does_not_stop_the_others():
    hub = Hub(get_channel_layer())
    broken, fine = Socket(fail=True), Socket()
    await hub.join("thread.2", broken)
    await hub.join("thread.2", fine)
    await group_send("thread.2", {"type": "live.event", "frame": "one"})
    await group_send("thread.2", {"type": "live.event", "frame": "two"})
    assert await received(fine, 2) == ["one", "two"]
    await hub.leave("thread.2", broken)
    await hub.leave("thread.2", fine)


async def test_messages_go_only_to_the_group_they_were_sent_to():
    hub = Hub(get_channel_layer())
    first, second = Socket(), Socket()
    await hub.join("thread.3", first)
    await hub.join("thread.4", second)
    await group_send("thread.4", {"type": "live.event", "frame": "for four"})
    assert await received(second, 1) == ["for four"]
    await asyncio.sleep(0.2)
    assert first.received == []
    await hub.leave("thread.3", first)
    await hub.leave("thread.4", second)


async def test_a_layer_that_refuses_the_join_leaves_nothing_behind():
    class DownLayer:
        async def new_channel(self):
            return "hub!1"

        async def group_add(self, group, channel):
            raise ConnectionError("the layer is down")

        async def receive(self, channel):
            await asyncio.Future()

    hub = Hub(DownLayer())
    with pytest.raises(ConnectionError):
        await hub.join("thread.5", Socket())
    assert hub.groups == {}
    assert hub.tasks == []


async def test_a_large_group_lets_the_server_write_to_the_first_sockets_before_the_last():
    # The server writes a socket's frames when its event loop runs; a hub that
    # handed a message to a thousand sockets without letting the loop run would
    # hold every frame back until the last socket had it.
    hub = Hub(get_channel_layer())
    sockets = [Socket() for _ in range(200)]
    for socket in sockets:
        await hub.join("thread.5", socket)
    partway: list[int] = []
    done = asyncio.Event()

    async def watch() -> None:
        while not done.is_set():
            have = sum(1 for socket in sockets if socket.received)
            if 0 < have < len(sockets):
                partway.append(have)
            await asyncio.sleep(0)

    watcher = asyncio.create_task(watch())
    await group_send("thread.5", {"type": "live.event", "frame": "one"})
    await group_send("thread.5", {"type": "live.event", "frame": "two"})
    for socket in sockets:
        # Every socket has both, in the order they were sent.
        assert await received(socket, 2) == ["one", "two"]
    done.set()
    await watcher
    assert partway, "the loop never ran while the group was being served"
    for socket in sockets:
        await hub.leave("thread.5", socket)


async def test_a_socket_that_leaves_while_a_large_group_is_served_gets_nothing_more():
    hub = Hub(get_channel_layer())
    sockets = [Socket() for _ in range(100)]
    leaving = sockets[-1]

    class Leaver(Socket):
        async def deliver(self, message, outgoing):
            await super().deliver(message, outgoing)
            # The last socket closes while the hub is still serving the group.
            asyncio.get_running_loop().create_task(hub.leave("thread.6", leaving))

    first = Leaver()
    for socket in (first, *sockets):
        await hub.join("thread.6", socket)
    await group_send("thread.6", {"type": "live.event", "frame": "one"})
    for socket in (first, *sockets[:-1]):
        assert await received(socket, 1) == ["one"]
    await asyncio.sleep(0.2)
    assert leaving.received == []
    for socket in (first, *sockets[:-1]):
        await hub.leave("thread.6", socket)
