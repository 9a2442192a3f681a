"""A websocket's frames leave at once; HTTP, and whatever cannot leave at once, keep
Twisted's buffer."""

import contextlib
import socket

import pytest
from autobahn.twisted.websocket import WebSocketServerProtocol
from twisted.internet import tcp
from twisted.internet.error import ConnectionLost
from twisted.internet.protocol import Protocol

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
    client.settimeout(2)
    reactor = Reactor()
    made = []

    def connection(protocol):
        transport = tcp.Connection(server, protocol, reactor)
        transport.connected = True
        made.append(transport)
        return transport

    yield connection, client, reactor
    server.close()
    client.close()


def received(client, size):
    data = b""
    while len(data) < size:
        data += client.recv(size - len(data))
    return data


def test_a_websocket_frame_is_on_the_socket_when_write_returns(pair):
    connection, client, reactor = pair
    transport = connection(WebSocketServerProtocol())
    transport.write(b"\x81\x05hello")
    client.setblocking(False)
    assert client.recv(100) == b"\x81\x05hello"
    assert not reactor.writers


def test_an_http_response_waits_for_the_loop_as_before(pair):
    connection, client, reactor = pair
    transport = connection(Protocol())
    transport.write(b"HTTP/1.1 200 OK\r\n")
    transport.write(b"\r\n")
    client.setblocking(False)
    with pytest.raises(BlockingIOError):
        client.recv(100)
    assert reactor.writers == {transport}
    transport.doWrite()
    assert client.recv(100) == b"HTTP/1.1 200 OK\r\n\r\n"
    assert not reactor.writers


def test_what_the_socket_cannot_take_is_queued_and_later_frames_wait_behind_it(pair):
    connection, client, reactor = pair
    transport = connection(WebSocketServerProtocol())
    # More than the socket pair's buffers hold, so part of it must wait for the loop.
    big = bytes(range(256)) * 40_000
    transport.write(big)
    assert reactor.writers == {transport}, "the rest waits for the socket to drain"
    queued = len(transport.dataBuffer) - transport.offset + transport._tempDataLen
    assert 0 < queued < len(big)
    # A frame written now must not overtake the queued bytes.
    transport.write(b"after")
    assert transport._tempDataBuffer[-1] == b"after"

    data = b""
    client.setblocking(False)
    while reactor.writers or len(data) < len(big) + 5:
        with contextlib.suppress(BlockingIOError):
            data += client.recv(1 << 20)
        if reactor.writers:
            transport.doWrite()
    assert data == big + b"after"


def test_a_closed_peer_is_left_to_twisted_to_report(pair):
    connection, client, reactor = pair
    transport = connection(WebSocketServerProtocol())
    client.close()
    transport.write(b"frame")
    # The failed send queues the frame for the loop, whose doWrite reports the loss.
    assert reactor.writers == {transport}
    assert isinstance(transport.doWrite(), ConnectionLost)
