"""A websocket's frames leave at once; HTTP, bursts, and whatever cannot leave at once
keep Twisted's buffer."""

import asyncio
import contextlib
import socket

import pytest
from autobahn.twisted.websocket import WebSocketServerProtocol
from twisted.internet import tcp
from twisted.internet.error import ConnectionLost
from twisted.internet.interfaces import IPullProducer
from twisted.internet.protocol import Protocol
from zope.interface import implementer

from live.immediate_writes import install


class Reactor:
    """Records which descriptors ask to be told when they can write."""

    def __init__(self):
        self.writers = set()

    def addWriter(self, writer):
        self.writers.add(writer)

    def removeWriter(self, writer):
        self.writers.discard(writer)


@pytest.fixture
def pair():
    install()
    server, client = socket.socketpair()
    client.setblocking(False)
    reactor = Reactor()

    def connection(protocol):
        transport = tcp.Connection(server, protocol, reactor)
        transport.connected = True
        return transport

    yield connection, client, reactor
    server.close()
    client.close()


def waiting(client) -> bytes:
    """What has reached the peer so far."""
    data = b""
    with contextlib.suppress(BlockingIOError):
        while chunk := client.recv(1 << 20):
            data += chunk
    return data


async def test_a_websocket_frame_is_on_the_socket_when_write_returns(pair):
    connection, client, reactor = pair
    transport = connection(WebSocketServerProtocol())
    transport.write(b"\x81\x05hello")
    assert waiting(client) == b"\x81\x05hello"
    assert not reactor.writers


async def test_an_http_response_waits_for_the_loop_as_before(pair):
    connection, client, reactor = pair
    transport = connection(Protocol())
    transport.write(b"HTTP/1.1 200 OK\r\n")
    transport.write(b"\r\n")
    assert waiting(client) == b""
    assert reactor.writers == {transport}
    transport.doWrite()
    assert waiting(client) == b"HTTP/1.1 200 OK\r\n\r\n"
    assert not reactor.writers


async def test_a_burst_to_one_socket_goes_out_together_on_the_next_turn(pair):
    connection, client, reactor = pair
    transport = connection(WebSocketServerProtocol())
    transport.write(b"one;")
    for n in range(2, 6):
        transport.write(f"{n};".encode())
    assert waiting(client) == b"one;", "the first frame of the turn leaves at once"
    assert reactor.writers == {transport}, "the rest wait for the loop"
    transport.doWrite()
    assert waiting(client) == b"2;3;4;5;"
    await asyncio.sleep(0)  # the loop turns
    transport.write(b"next")
    assert waiting(client) == b"next"


async def test_what_the_socket_cannot_take_is_queued_and_later_frames_wait_behind_it(pair):
    connection, client, reactor = pair
    transport = connection(WebSocketServerProtocol())
    # More than the socket pair's buffers hold, so part of it must wait for the loop.
    big = bytes(range(256)) * 40_000
    transport.write(big)
    assert reactor.writers == {transport}, "the rest waits for the socket to drain"
    queued = len(transport.dataBuffer) - transport.offset + transport._tempDataLen
    assert 0 < queued < len(big)
    await asyncio.sleep(0)
    transport.write(b"after")  # a new turn, but it must not overtake the queued bytes
    assert transport._tempDataBuffer[-1] == b"after"

    data = b""
    while reactor.writers or len(data) < len(big) + 5:
        data += waiting(client)
        if reactor.writers:
            transport.doWrite()
    assert data == big + b"after"


async def test_a_closed_peer_is_left_to_twisted_to_report(pair):
    connection, client, reactor = pair
    transport = connection(WebSocketServerProtocol())
    client.close()
    transport.write(b"frame")
    # The failed send queues the frame for the loop, whose doWrite reports the loss.
    assert reactor.writers == {transport}
    assert isinstance(transport.doWrite(), ConnectionLost)


async def test_a_pull_producer_is_asked_until_it_has_written_everything(pair):
    connection, client, reactor = pair
    transport = connection(WebSocketServerProtocol())

    @implementer(IPullProducer)
    class Chunks:
        left = 5

        def resumeProducing(self):
            if self.left:
                self.left -= 1
                transport.write(b"x" * 100)

        def stopProducing(self):
            pass

    transport.registerProducer(Chunks(), False)
    for _ in range(20):
        if reactor.writers:
            transport.doWrite()
    assert waiting(client) == b"x" * 500


def test_outside_an_event_loop_twisted_writes_as_ever(pair):
    connection, client, reactor = pair
    transport = connection(WebSocketServerProtocol())
    transport.write(b"frame")
    assert waiting(client) == b""
    assert reactor.writers == {transport}
    transport.doWrite()
    assert waiting(client) == b"frame"
