"""Pages: query counts and server time in-process, throughput served."""

import json

from django.test import Client
from django.utils import timezone

from bench.common import QUICK, bulk_thread, pct, say, serve, start, timed, verdict


def bench_pages(world):
    from forum.models import Thread

    say("\n## Pages (server time in-process, Django test client)")
    client = Client()
    client.force_login(world["viewer"])
    runs = 20 if QUICK else 50
    minimal, _queries = timed(client, "/healthz", runs)
    say(f"  minimal view /healthz: p50 {pct(minimal, 50):.2f} ms, p99 {pct(minimal, 99):.2f} ms")
    counts = {}
    for size in (10, 100, 1000):
        thread = bulk_thread(world, size, f"Bench {size}")
        last_page = (size - 1) // 50 + 1
        times, queries = timed(client, f"/forum/t/{thread.pk}/?page={last_page}", runs)
        counts[size] = queries
        say(
            f"  thread page, {size} posts: {queries} queries, p50 {pct(times, 50):.1f} ms, "
            f"p99 {pct(times, 99):.1f} ms ({pct(times, 50) / pct(minimal, 50):.1f}× minimal)"
        )
    verdict(
        "thread page query count constant 10 → 1,000 posts",
        counts[10] == counts[1000],
        f"{counts[10]} vs {counts[1000]} queries",
    )
    _times, small_q = timed(client, "/forum/c/ict/", runs)
    now = timezone.now()
    Thread.objects.bulk_create(
        (
            Thread(
                category=world["category"],
                title=f"Bench thread {n}",
                author=world["viewer"],
                organisation=world["viewer"].organisation,
                last_activity_at=now,
            )
            for n in range(10_000)
        ),
        batch_size=2000,
    )
    times, large_q = timed(client, "/forum/c/ict/?page=100", runs)
    say(
        f"  thread list, 10,000 threads: {large_q} queries, p50 {pct(times, 50):.1f} ms, "
        f"p99 {pct(times, 99):.1f} ms"
    )
    verdict(
        "thread list query count constant at 10,000 threads",
        small_q == large_q,
        f"{small_q} vs {large_q} queries",
    )
    concurrency, seconds, most = 8, (3 if QUICK else 5), 20_000
    say(
        f"  Served by Daphne as in production (DEBUG off); {concurrency} keep-alive connections "
        f"from another process, {seconds} s (at most {most:,} requests) per page:"
    )
    pages = (
        ("minimal view /healthz (one SELECT 1)", "/healthz"),
        ("thread page, 1,000 posts", f"/forum/t/{thread.pk}/?page={last_page}"),
        ("thread list, 10,000 threads", "/forum/c/ict/?page=100"),
    )
    cookie = client.cookies["sessionid"].value
    with serve(1, {}) as (_servers, ports):
        minimal_rate = None
        for label, path in pages:
            loader = start(
                [
                    "-m",
                    "bench.load_client",
                    f"http://127.0.0.1:{ports[0]}{path}",
                    cookie,
                    str(concurrency),
                    str(seconds),
                    str(most),
                ]
            )
            out, _err = loader.communicate(timeout=seconds + 60)
            load = json.loads(out)
            rate = load["requests"] / load["seconds"]
            minimal_rate = minimal_rate or rate
            say(
                f"    {label}: {rate:,.0f} requests/s ({rate / minimal_rate:.2f}× minimal), "
                f"p50 {load['p50']:.1f} ms, p99 {load['p99']:.1f} ms, errors {load['errors']}"
            )
            verdict(
                f"served {label}: every response 200",
                load["errors"] == 0,
                f"{load['errors']} errors in {load['requests']:,} requests",
            )
    return counts
