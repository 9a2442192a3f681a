"""Websocket frames go to the socket when they are written, not on the loop's next turn.

Twisted's TCP transport never sends from `write()`: it appends to a buffer, registers
the socket with the event loop, sends when the loop next reports it writable, and
then unregisters it. A post reaching 500 viewers pays that for every frame: two
`epoll_ctl` calls, a loop callback and the bookkeeping around them, and the last
viewer's frame waits until every other frame has been framed and registered
(bench/README.md: at 1,000 viewers this halved the CPU a post costs). asyncio's own
transports send at once when nothing is queued; Twisted has no option for it, so
this wraps the transport's `write` to do the same.

The short way is taken only

- by sockets that have become websockets: HTTP responses, written in several pieces
  better coalesced into one segment, keep Twisted's way. autobahn turns Nagle's
  algorithm off on websockets (`tcpNoDelay`), so a frame sent at once is not held
  back waiting for the previous one's acknowledgement;
- while nothing of the socket's is queued, so the order of bytes never changes, and
  the connection is neither closing, half-closed, aborted nor speaking Twisted's own
  TLS;
- for a socket's first frame in a turn of the event loop: a burst to one socket (a
  reconnecting viewer's replay of hundreds of frames) goes out as Twisted sends it,
  in one `send` on the next turn, instead of one `send` and one packet per frame;
- without a pull producer, which Twisted asks for more only when its loop-driven
  path empties the buffer (Daphne's HTTP channel stays registered as a streaming
  producer, which a send at once leaves as it was);
- from within a running asyncio event loop (Daphne runs Twisted on one).

Anything else, or what the socket does not take at once (a full buffer, a partial
send, an error), goes to Twisted's own `write`, whose loop-driven path then finishes
or reports it.
"""

import asyncio
import logging
from collections.abc import Callable
from typing import cast

from autobahn.twisted.websocket import WebSocketServerProtocol
from twisted.internet import abstract, tcp
from twisted.internet.interfaces import IReactorFDSet

logger = logging.getLogger(__name__)

_buffered_write: Callable[[tcp.Connection, bytes], None] = tcp.Connection.write
# The transport's state this reads; Twisted is pinned to the release line that has it.
_STATE = (
    "connected",
    "disconnecting",
    "_writeDisconnected",
    "_writeDisconnecting",
    "_tempDataLen",
    "offset",
    "dataBuffer",
    "producer",
    "streamingProducer",
)
_TCP_STATE = ("_aborting", "TLS")

# The sockets that sent at once in this turn of the event loop; emptied when the
# loop turns (one callback per turn, scheduled by the turn's first such send).
_sent_this_turn: set[tcp.Connection] = set()


def _write(self: tcp.Connection, data: bytes) -> None:
    if (
        type(data) is bytes
        and self.connected
        and not self.disconnecting
        and not self._writeDisconnected
        and not self._writeDisconnecting
        and not self._aborting
        and not self.TLS
        and not self._tempDataLen
        and self.offset == len(self.dataBuffer)
        and (self.producer is None or self.streamingProducer)
        and self not in _sent_this_turn
        and isinstance(self.protocol, WebSocketServerProtocol)
    ):
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            sent = self.writeSomeData(data)
            if type(sent) is int and sent > 0:
                if not _sent_this_turn:
                    loop.call_soon(_sent_this_turn.clear)
                _sent_this_turn.add(self)
                if sent == len(data):
                    return
                data = data[sent:]
    _buffered_write(self, data)


# Given to the probe below, so that making it does not install Twisted's default reactor.
_NO_REACTOR = cast(IReactorFDSet, object())


def install() -> None:
    """Make websocket writes immediate in this process (idempotent).

    A Twisted whose transports no longer keep this state keeps its own `write`:
    slower, never wrong.
    """
    probe = abstract.FileDescriptor(reactor=_NO_REACTOR)
    missing = [name for name in _STATE if not hasattr(probe, name)]
    missing += [name for name in _TCP_STATE if not hasattr(tcp.Connection, name)]
    if missing:
        logger.warning("websocket frames stay buffered: Twisted has no %s", ", ".join(missing))
        return
    if tcp.Connection.write is not _write:
        setattr(tcp.Connection, "write", _write)  # noqa: B010 (a method, replaced)
