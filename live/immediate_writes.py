"""Websocket frames go to the socket when they are written, not on the loop's next turn.

Twisted's TCP transport never sends from `write()`: it appends to a buffer, registers
the socket with the event loop, sends when the loop next reports it writable, and
then unregisters it. A post reaching 500 viewers pays that for every frame: two
`epoll_ctl` calls, a loop callback and the bookkeeping around them, about 8% of the
served process's time in a 500-viewer fan-out (bench/README.md), and the last
viewer's frame waits until every other frame has been framed and registered.
asyncio's own transports send at once when nothing is queued; Twisted has no option
for it, so this wraps the transport's `write` to do the same.

Only sockets that have become websockets take the short way, and only while nothing
of theirs is queued, so the order of bytes never changes. autobahn turns Nagle's
algorithm off on them (`tcpNoDelay`), so a frame sent at once is not held back
waiting for the previous one's acknowledgement. HTTP responses, written in several
pieces that are better coalesced into one segment, keep Twisted's way. Anything
unexpected (a full socket buffer, a partial send, an error) hands the rest to
Twisted's own `write`, whose loop-driven path then finishes or reports it.
"""

import logging
from collections.abc import Callable
from typing import cast

from autobahn.twisted.websocket import WebSocketServerProtocol
from twisted.internet import abstract, tcp
from twisted.internet.interfaces import IReactorFDSet

logger = logging.getLogger(__name__)

_buffered_write: Callable[[tcp.Connection, bytes], None] = tcp.Connection.write
# The transport's state this reads; Twisted is pinned to a release line that has them.
_STATE = (
    "connected",
    "disconnecting",
    "_writeDisconnected",
    "_writeDisconnecting",
    "_tempDataLen",
    "offset",
    "dataBuffer",
)


def _write(self: tcp.Connection, data: bytes) -> None:
    if (
        type(data) is bytes
        and self.connected
        and not self.disconnecting
        and not self._writeDisconnected
        and not self._writeDisconnecting
        and not self._tempDataLen
        and self.offset == len(self.dataBuffer)
        and isinstance(self.protocol, WebSocketServerProtocol)
    ):
        sent = self.writeSomeData(data)
        if type(sent) is int and sent > 0:
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
    missing = [
        name for name in _STATE if not hasattr(abstract.FileDescriptor(reactor=_NO_REACTOR), name)
    ]
    if missing:
        logger.warning("websocket frames stay buffered: Twisted has no %s", ", ".join(missing))
        return
    if tcp.Connection.write is not _write:
        setattr(tcp.Connection, "write", _write)  # noqa: B010 (a method, replaced)
