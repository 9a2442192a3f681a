"""Concurrent page load on 127.0.0.1, in a process of its own: HTTP/1.1 keep-alive GETs.

Usage: python -m bench.load_client URL COOKIE CONCURRENCY SECONDS MAX_REQUESTS
Each of CONCURRENCY connections sends GET URL, reads the whole response and
sends the next, until SECONDS pass or MAX_REQUESTS are done in all; a connection
the server closes (nginx does after 1,000 requests) is opened again. Prints one
JSON line: requests answered, seconds, errors (answers other than 200, and
requests that got no answer), the statuses seen, the first failures, latency
p50/p99 in ms. A small client of its own, so that the client's cost stays small
beside the server's.
"""

import asyncio
import collections
import json
import sys
import time
from urllib.parse import urlsplit

# However slow the server, no request waits longer (nginx's proxy_read_timeout).
REQUEST_TIMEOUT = 60


async def fetch(reader, writer, request: bytes) -> tuple[int, bool]:
    """Send ``request`` and read its whole response: its status, and whether the
    server closes the connection after it."""
    writer.write(request)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed by the server")
    status = int(status_line.split()[1])
    length, chunked, close = 0, False, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            chunked = "chunked" in value
        elif name == "connection":
            close = value == "close"
    if not chunked:
        await reader.readexactly(length)
        return status, close
    while True:
        size = int((await reader.readline()).split(b";")[0], 16)
        await reader.readexactly(size + 2)  # the chunk and its CRLF; the last is empty
        if size == 0:
            return status, close


async def worker(host, port, request, deadline, budget, results):
    connection = None
    try:
        while time.monotonic() < deadline and budget["left"] > 0:
            budget["left"] -= 1
            started = time.perf_counter()
            try:
                if connection is None:
                    connection = await asyncio.open_connection(host, port)
                status, close = await asyncio.wait_for(fetch(*connection, request), REQUEST_TIMEOUT)
            except (
                OSError,
                ValueError,
                IndexError,
                TimeoutError,
                asyncio.IncompleteReadError,
            ) as e:
                results["errors"] += 1
                results["failures"].append(repr(e))
                if connection is not None:
                    connection[1].close()
                connection = None
                continue
            results["latencies"].append((time.perf_counter() - started) * 1000)
            results["statuses"][status] += 1
            if status != 200:
                results["errors"] += 1
            if close:
                connection[1].close()
                connection = None
    finally:
        if connection is not None:
            connection[1].close()


async def main():
    url, cookie, concurrency, seconds, most = sys.argv[1:6]
    parts = urlsplit(url)
    request = (
        f"GET {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\nCookie: sessionid={cookie}\r\n"
        "Accept-Language: fi\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    results = {"latencies": [], "errors": 0, "statuses": collections.Counter(), "failures": []}
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
                "statuses": dict(results["statuses"]),
                "failures": results["failures"][:3],
                "p50": ordered[len(ordered) // 2],
                "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
