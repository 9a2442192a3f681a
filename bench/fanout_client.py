"""Websocket viewers for the fan-out benchmark, run in their own process.

Usage: python -m bench.fanout_client URLS N POSTS MODE [SESSIONS] [THREAD]
  URLS: comma-separated websocket URLs (viewers are spread over them)
  MODE: "platform" (subscribe to THREAD, count post.created) or "floor" (count any message)
  SESSIONS: a file of session keys, one a line: viewer n signs in with line n, so
  each viewer is a member of their own (a thousand keys are too long for argv)
Prints READY, the number connected, the seconds it took and the first failure if
any, when every viewer is connected and subscribed (or the rest have failed);
then, when every viewer has POSTS messages or 60 s pass, one JSON line: receipt
times per viewer and copies received twice. Only then do the viewers disconnect.
"""

import asyncio
import json
import re
import sys
import time
from pathlib import Path

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
    finished: asyncio.Event,
    handshakes: asyncio.Semaphore,
    connected: list,
    receipts: list,
    complete: list,
    duplicates: list,
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
            while (answer := json.loads(await socket.recv()))["type"] != "subscribed":
                if answer["type"] == "error":
                    await socket.close()
                    raise RuntimeError(f"subscription refused: {answer}")
    async with socket:
        connected.append(1)
        times: dict[int, float] = {}
        receipts.append(times)
        await ready.wait()
        receiving = asyncio.create_task(receive(socket, mode, posts, times, complete, duplicates))
        # Stay connected until every viewer is done: closing is not part of delivery.
        await finished.wait()
        receiving.cancel()


async def receive(socket, mode: str, posts: int, times: dict, complete: list, duplicates: list):
    while True:
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
            duplicates.append(key)
            continue
        times[key] = now
        if len(times) == posts:
            complete.append(1)


async def main():
    urls, count, posts, mode = (
        sys.argv[1].split(","),
        int(sys.argv[2]),
        int(sys.argv[3]),
        sys.argv[4],
    )
    sessions = Path(sys.argv[5]).read_text().split() if len(sys.argv) > 5 and sys.argv[5] else []
    if sessions and len(sessions) < count:
        sys.exit(f"{count} viewers need {count} sessions, the file has {len(sessions)}")
    thread = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    ready, finished = asyncio.Event(), asyncio.Event()
    handshakes = asyncio.Semaphore(CONCURRENT_HANDSHAKES)
    started = time.monotonic()
    connected: list = []
    receipts: list = []
    complete: list = []
    duplicates: list = []
    shared = (thread, ready, finished, handshakes, connected, receipts, complete, duplicates)
    tasks = [
        asyncio.create_task(
            viewer(urls[n % len(urls)], posts, mode, sessions[n] if sessions else "", *shared)
        )
        for n in range(count)
    ]
    # Until every viewer is connected, or has failed to (its task is then done).
    deadline = time.monotonic() + 120
    while len(connected) + sum(t.done() for t in tasks) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    ready.set()
    failed = [t.exception() for t in tasks if t.done() and t.exception()]
    why = f" (first failure: {failed[0]!r})" if failed else ""
    print("READY", len(connected), f"{time.monotonic() - started:.1f}{why}", flush=True)
    deadline = time.monotonic() + 60
    while len(complete) < len(connected) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.5)  # a copy sent twice would arrive by now
    errors = [str(t.exception()) for t in tasks if t.done() and t.exception()]
    print(
        json.dumps(
            {
                "receipts": [{str(k): v for k, v in times.items()} for times in receipts],
                "duplicates": len(duplicates),
                "errors": errors[:5],
                "incomplete": len(connected) - len(complete),
            }
        ),
        flush=True,
    )
    finished.set()
    await asyncio.wait(tasks, timeout=30)


if __name__ == "__main__":
    asyncio.run(main())
