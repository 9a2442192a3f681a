"""Concurrent page load on 127.0.0.1, in a process of its own: HTTP/1.1 keep-alive GETs.

Usage: python -m bench.load_client URL COOKIE CONCURRENCY SECONDS MAX_REQUESTS
Each of CONCURRENCY connections sends GET URL, reads the whole response and
sends the next, until SECONDS pass or MAX_REQUESTS are done in all. Prints one
JSON line: requests done, seconds, errors, latency p50/p99 in ms. A small
client of its own, so that the client's cost stays small beside the server's.
"""

import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


async def fetch(reader, writer, request: bytes) -> int:
    writer.write(request)
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def worker(host, port, request, deadline, budget, results):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < deadline and budget["left"] > 0:
            budget["left"] -= 1
            started = time.perf_counter()
            status = await fetch(reader, writer, request)
            results["latencies"].append((time.perf_counter() - started) * 1000)
            if status != 200:
                results["errors"] += 1
    finally:
        writer.close()


async def main():
    url, cookie, concurrency, seconds, most = sys.argv[1:6]
    parts = urlsplit(url)
    request = (
        f"GET {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\nCookie: sessionid={cookie}\r\n"
        "Accept-Language: fi\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    results = {"latencies": [], "errors": 0}
    budget = {"left": int(most)}
    started = time.monotonic()
    deadline = started + float(seconds)
    await asyncio.gather(
        *(
            worker(parts.hostname, parts.port, request, deadline, budget, results)
            for _ in range(int(concurrency))
        )
    )
    elapsed = time.monotonic() - started
    ordered = sorted(results["latencies"]) or [float("nan")]
    print(
        json.dumps(
            {
                "requests": len(results["latencies"]),
                "seconds": elapsed,
                "errors": results["errors"],
                "p50": ordered[len(ordered) // 2],
                "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
