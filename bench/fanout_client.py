"""Websocket viewers for the fan-out benchmark, run in their own process.

Usage: python -m bench.fanout_client URLS N POSTS MODE [COOKIE] [THREAD]
  URLS: comma-separated websocket URLs (viewers are spread over them)
  MODE: "platform" (subscribe to THREAD, count post.created) or "floor" (count any message)
Prints READY when every viewer is connected and subscribed, then, when every
viewer has POSTS messages or 60 s pass, one JSON line: receipt times per viewer.
"""

import asyncio
import json
import re
import sys
import time

import websockets

# Viewers open their connections a batch at a time, as people arrive, not as
# one burst that overflows the server's listen backlog.
CONCURRENT_HANDSHAKES = 100
POST_CREATED = re.compile(r'^\{"type": "post\.created", .*?"post": (\d+)')


async def viewer(
    url: str,
    posts: int,
    mode: str,
    cookie: str,
    thread: int,
    ready: asyncio.Event,
    handshakes: asyncio.Semaphore,
    connected: list,
    receipts: list,
):
    origin = url.replace("ws://", "http://").rsplit("/ws/", 1)[0]
    headers = {"Origin": origin}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    async with handshakes:
        socket = await websockets.connect(
            url,
            additional_headers=headers,
            max_queue=None,
            open_timeout=60,
            ping_interval=None,
            compression=None,
        )
        if mode == "platform":
            await socket.send(json.dumps({"type": "subscribe", "thread": thread, "after": 10**12}))
            while json.loads(await socket.recv())["type"] != "subscribed":
                pass
    async with socket:
        connected.append(1)
        times: dict[int, float] = {}
        await ready.wait()
        while len(times) < posts:
            message = await socket.recv()
            now = time.time()
            if mode == "platform":
                # The viewer only needs the post's id: a match, not a parse of the whole frame.
                match = POST_CREATED.match(message)
                if match is None:
                    continue
                key = int(match.group(1))
            else:
                key = int(message.split(":", 1)[0])
            if key in times:
                receipts.append({"duplicate": key})
            times[key] = now
        receipts.append(times)


async def main():
    urls, count, posts, mode = (
        sys.argv[1].split(","),
        int(sys.argv[2]),
        int(sys.argv[3]),
        sys.argv[4],
    )
    cookie = sys.argv[5] if len(sys.argv) > 5 else ""
    thread = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    ready = asyncio.Event()
    handshakes = asyncio.Semaphore(CONCURRENT_HANDSHAKES)
    started = time.monotonic()
    connected: list = []
    receipts: list = []
    shared = (posts, mode, cookie, thread, ready, handshakes, connected, receipts)
    tasks = [asyncio.create_task(viewer(urls[n % len(urls)], *shared)) for n in range(count)]
    deadline = time.monotonic() + 120
    while len(connected) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    ready.set()
    print("READY", len(connected), f"{time.monotonic() - started:.1f}", flush=True)
    done, pending = await asyncio.wait(tasks, timeout=60)
    for task in pending:
        task.cancel()
    errors = [str(t.exception()) for t in done if t.exception()]
    print(
        json.dumps(
            {
                "receipts": [
                    {str(k): v for k, v in r.items()} if "duplicate" not in r else r
                    for r in receipts
                ],
                "errors": errors[:5],
                "incomplete": len(pending),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
