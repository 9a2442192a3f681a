"""Pages: query counts and server time in-process; throughput served by Daphne directly
and through nginx, as in production."""

import json
import time

from django.test import Client
from django.utils import timezone

from bench.common import (
    QUICK,
    STATIC_ROOT,
    analyze,
    behind_nginx,
    bulk_thread,
    pct,
    say,
    serve,
    start,
    timed,
    verdict,
    warm_up,
)

# Served pages: connections straight to one Daphne process, and through nginx.
DIRECT = 8
THROUGH_NGINX = (8, 64)
SECONDS = 3 if QUICK else 5
MOST = 20_000


def bench_pages(world):
    from forum import list_cache
    from forum.models import Thread

    say("\n## Pages (server time in-process, Django test client)")
    client = Client()
    client.force_login(world["viewer"])
    runs = 20 if QUICK else 50
    minimal, _queries = timed(client, "/healthz", runs)
    say(f"  minimal view /healthz: p50 {pct(minimal, 50):.2f} ms, p99 {pct(minimal, 99):.2f} ms")
    # The member's own kept state (the unread count, the categories' rules) is warm,
    # as on every request after a member's first: each thread's first page is
    # then counted with only its own posts read afresh.
    client.get("/forum/")
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
    in_process = pct(times, 50) / pct(minimal, 50)
    verdict(
        "in-process, the thread page (50 posts shown, 1,000 in the thread) within 4× the "
        "minimal view's time",
        in_process <= 4,
        f"{in_process:.1f}×",
    )
    verdict(
        "thread page query count constant 10 → 1,000 posts",
        counts[10] == counts[1000],
        f"{counts[10]} vs {counts[1000]} queries",
    )
    cold, warm = fragment_cache_effect(client, f"/forum/t/{thread.pk}/?page={last_page}", runs)
    say(
        f"  thread page, 1,000 posts, every post rendered afresh (no fragment cache): p50 "
        f"{pct(cold, 50):.1f} ms; from the fragment cache: p50 {pct(warm, 50):.1f} ms"
    )
    verdict(
        "the fragment cache takes at least a quarter off the thread page's server time",
        pct(warm, 50) <= 0.75 * pct(cold, 50),
        f"{pct(warm, 50) / pct(cold, 50):.2f}× the time without it",
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
    analyze(Thread)
    # Written in bulk, behind the platform's back: the kept lists are let go as a
    # new thread lets them go.
    list_cache.renew()
    times, large_q = timed(client, "/forum/c/ict/?page=100", runs)
    say(
        f"  thread list, 10,000 threads: {large_q} queries, p50 {pct(times, 50):.1f} ms, "
        f"p99 {pct(times, 99):.1f} ms"
    )
    afresh = list_found_afresh(client, "/forum/c/ict/?page=100", runs)
    say(
        "  thread list, 10,000 threads, counted and searched afresh on every view (as "
        f"after a new post anywhere): p50 {pct(afresh, 50):.1f} ms"
    )
    verdict(
        "thread list query count constant at 10,000 threads",
        small_q == large_q,
        f"{small_q} vs {large_q} queries",
    )
    pages = [
        ("minimal view /healthz (one SELECT 1)", "/healthz"),
        ("thread page, 1,000 posts", f"/forum/t/{thread.pk}/?page={last_page}"),
        ("thread list, 10,000 threads", "/forum/c/ict/?page=100"),
        # What each live viewer's page asks for once per new post (forum:thread_fragments):
        # the post rendered for that viewer. A post to a thread with V viewers costs V of these.
        ("live update, one new post for one viewer", f"/forum/t/{thread.pk}/fragments/?after=999"),
    ]
    cookie = client.cookies["sessionid"].value
    with serve(2, {}) as (_servers, ports):
        # Every page is timed in the steady state of a process long in service.
        warm_up(ports, [path for _label, path in pages], cookie)
        say(
            f"  Served by one Daphne process directly (DEBUG off); {DIRECT} keep-alive "
            f"connections from another process, {SECONDS} s (at most {MOST:,} requests) per page:"
        )
        load(f"http://127.0.0.1:{ports[0]}", pages, cookie, DIRECT, "by Daphne")
        manifest = json.loads((STATIC_ROOT / "staticfiles.json").read_text("utf-8"))
        static = f"/static/{manifest['paths']['frontend/site.css']}"
        with behind_nginx(ports) as port:
            for concurrency in THROUGH_NGINX:
                say(
                    f"  Through nginx in front of two Daphne processes, as in production; "
                    f"{concurrency} keep-alive connections, {SECONDS} s (at most {MOST:,} "
                    "requests) per page:"
                )
                served = load(
                    f"http://127.0.0.1:{port}",
                    [*pages, ("static file, site.css (nginx alone)", static)],
                    cookie,
                    concurrency,
                    f"through nginx, {concurrency} connections,",
                )
                if concurrency == 8:
                    judge_served(served, pages)
    return counts


def judge_served(served: dict, pages) -> None:
    """The targets for pages through the topology at 8 connections, against the
    minimal view served the same way in the same run."""
    minimal, thread, threads = (served.get(label) for label, _path in pages[:3])
    if not (minimal and thread and threads):
        verdict("served pages against the minimal view", False, "a page was not measured")
        return
    for label, result, share in (
        ("thread page, 1,000 posts", thread, 0.3),
        ("thread list, 10,000 threads", threads, 0.4),
    ):
        ratio = result["rate"] / minimal["rate"]
        verdict(
            f"through nginx at 8 connections, the {label} at least {share}× the minimal "
            "view's throughput",
            ratio >= share,
            f"{ratio:.2f}× ({result['rate']:.0f} against {minimal['rate']:.0f} requests/s)",
        )
    p99 = thread["p99"] / minimal["p99"]
    verdict(
        "through nginx at 8 connections, the thread page's p99 within 3× the minimal view's",
        p99 <= 3,
        f"{p99:.2f}× ({thread['p99']:.0f} against {minimal['p99']:.0f} ms)",
    )


def list_found_afresh(client: Client, url: str, runs: int) -> list[float]:
    """The list's server time when no kept page of it can be read: its version is
    renewed before each view, as every new post and thread renews it."""
    from forum import list_cache

    times = []
    for _ in range(runs):
        list_cache.renew()
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def fragment_cache_effect(client: Client, url: str, runs: int) -> tuple[list[float], list[float]]:
    """The page's server time with every post rendered afresh, then from the cache.

    The fragments' cache is swapped for Django's dummy cache (which holds
    nothing), not cleared: clearing would empty the whole Redis database. The
    process's own copies of kept pages (``fragments.process_pages``) hold
    nothing either meanwhile: they would serve the page without the cache.
    """
    from django.core.cache.backends.dummy import DummyCache

    from forum import fragments

    shared, process_pages = fragments.cache, fragments.PROCESS_PAGES
    fragments.cache = DummyCache("bench-no-fragments", {})
    fragments.PROCESS_PAGES = 0
    fragments.process_pages.clear()
    try:
        cold, _queries = timed(client, url, runs)
    finally:
        fragments.cache, fragments.PROCESS_PAGES = shared, process_pages
    warm, _queries = timed(client, url, runs)
    return cold, warm


def load(site: str, pages, cookie: str, concurrency: int, how: str) -> dict:
    """Each page in turn under ``concurrency`` connections; every answer must be 200.
    Returns each page's result (with its ``rate``) by label."""
    minimal_rate = None
    served = {}
    for label, path in pages:
        settings = [str(concurrency), str(SECONDS), str(MOST)]
        loader = start(["-m", "bench.load_client", site + path, cookie, *settings])
        try:
            # The last requests may take as long as the client's own limit, after SECONDS.
            out, _err = loader.communicate(timeout=SECONDS + 90)
        finally:
            if loader.poll() is None:
                loader.kill()
                loader.wait()
        result = json.loads(out)
        rate = result["requests"] / result["seconds"]
        served[label] = {**result, "rate": rate}
        minimal_rate = minimal_rate or rate
        ratio = f"{rate / minimal_rate:.2f}× minimal" if minimal_rate else "nothing to compare"
        say(
            f"    {label}: {rate:,.0f} requests/s ({ratio}), "
            f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, errors {result['errors']}"
        )
        failures = "; ".join(result["failures"])
        verdict(
            f"served {how} {label}: every response 200",
            result["errors"] == 0 and result["requests"] > 0,
            f"{result['errors']} errors in {result['requests']:,} answered requests "
            f"(statuses {result['statuses']}){'; ' + failures if failures else ''}",
        )
    return served
