"""The floor: a bare asyncio `websockets` broadcast server on 127.0.0.1.

A client sending "pub:<text>" has <text> sent to every other connected client.
Usage: python -m bench.floor_server PORT
"""

import asyncio
import sys

import websockets

clients: set = set()


async def handler(socket):
    clients.add(socket)
    try:
        async for message in socket:
            if isinstance(message, str) and message.startswith("pub:"):
                websockets.broadcast(clients - {socket}, message[4:])
    finally:
        clients.discard(socket)


async def main(port: int):
    # Without compression, as Daphne serves: both send the same bytes.
    async with websockets.serve(
        handler, "127.0.0.1", port, max_queue=None, ping_interval=None, compression=None
    ):
        print("READY", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
