"""Live fan-out: viewers of one thread against the bare websockets floor."""

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from django.test import Client

from bench.common import (
    QUICK,
    bulk_thread,
    cpu_seconds,
    free_port,
    pct,
    rss_mb,
    say,
    serve,
    signed_in_members,
    start,
    verdict,
)

VARIANTS = (
    ("memory", "Daphne + in-memory layer"),
    ("redis", "Daphne + Redis pub/sub layer"),
    ("two", "two Daphnes sharing Redis"),
)
# Targets (the consortium's, in bench/README.md). Latency runs from the start of the
# reply request. At N=100 the floor's few milliseconds are smaller than the
# request's own work, so there the last viewer is judged in milliseconds.
LAST_VIEWER_MS = {100: 100.0}
LAST_VIEWER_RATIO = {500: 2.0, 1000: 2.0}
CPU_RATIO = 5.0
CPU_JUDGED = (1000,)


class NotRun(Exception):
    """A variant this machine cannot run; still a FAIL, with the reason."""


def run_viewers(
    urls, count, posts, mode, publish, sessions="", thread=0, servers=(), on_ready=None
):
    """Start the viewer process, publish ``posts`` messages, return latency stats.

    The servers' CPU time is taken from the moment every viewer is connected
    and subscribed until every viewer has every post: the cost of the posts
    and their fan-out, not of connecting.
    """

    viewers = start(
        [
            "-m",
            "bench.fanout_client",
            ",".join(urls),
            str(count),
            str(posts),
            mode,
            sessions,
            str(thread),
        ]
    )
    import threading

    # Nothing may hang the benchmark: the viewers are stopped after 240 s whatever happens.
    watchdog = threading.Timer(240, viewers.kill)
    watchdog.start()
    try:
        line = viewers.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(f"viewers did not connect: {line!r}")
        _ready, connected, connect_seconds, *why = line.strip().split(maxsplit=3)
        connected = int(connected)
        if connected < count:
            raise RuntimeError(f"only {connected} of {count} viewers connected {''.join(why)}")
        if on_ready is not None:
            on_ready()
        before = sum(cpu_seconds(pid) for pid in servers)
        sent, requests_ms = publish(posts)
        output = json.loads(viewers.stdout.readline() or "{}")
        used = sum(cpu_seconds(pid) for pid in servers) - before
        viewers.wait(timeout=30)
    finally:
        watchdog.cancel()
        if viewers.poll() is None:
            viewers.kill()
    per_viewer = output.get("receipts", [])
    missing = (count - len(per_viewer)) * posts
    missing += sum(1 for key in sent for r in per_viewer if str(key) not in r)
    return {
        **delivery(sent, per_viewer),
        "receipts": per_viewer,
        "missing": missing,
        "duplicates": output.get("duplicates", 0),
        "cpu_us": used / (posts * count) * 1e6,
        "connect_s": float(connect_seconds),
        "request_ms": statistics.median(requests_ms) if requests_ms else float("nan"),
    }


def delivery(sent: dict, receipts: list[dict]) -> dict:
    """Latency p50/p99 over every receipt, and the median time until the last viewer has a post."""
    latencies, last_viewer = [], []
    for key, sent_at in sent.items():
        arrivals = [r[str(key)] for r in receipts if str(key) in r]
        latencies.extend((a - sent_at) * 1000 for a in arrivals)
        if arrivals:
            last_viewer.append((max(arrivals) - sent_at) * 1000)
    return {
        "p50": pct(latencies, 50),
        "p99": pct(latencies, 99),
        "last": statistics.median(last_viewer) if last_viewer else float("nan"),
    }


def floor(count: int, posts: int, size: int):
    """The bare broadcast server, sending messages as long as the platform's post frames."""
    import asyncio

    import websockets

    port = free_port()
    server = start(["-m", "bench.floor_server", str(port)])
    server.stdout.readline()
    url = f"ws://127.0.0.1:{port}/ws/"

    def publish(n):
        async def go():
            sent = {}
            async with websockets.connect(url) as socket:
                for i in range(n):
                    sent[i] = time.time()
                    head = f"pub:{i}:{sent[i]}:"
                    await socket.send(head + "x" * max(0, size + 4 - len(head)))
                    await asyncio.sleep(0.3)
            return sent, []

        return asyncio.run(go())

    try:
        result = run_viewers([url], count, posts, "floor", publish, servers=[server.pid])
        result.pop("receipts")
        result["rss"] = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait()
    return result


def platform_variant(world, thread, sessions: str, count: int, posts: int, variant: str):
    """One served variant with ``count`` viewers, each signed in by a line of ``sessions``."""
    import re

    import requests

    from forum.models import ThreadEvent

    redis_url = os.environ.get("REDIS_URL", "")
    if variant != "memory" and not redis_url:
        raise NotRun("REDIS_URL is not set, so there is no Redis layer to measure")
    env = {}
    if variant == "memory":
        env["REDIS_URL"] = ""
    else:
        env["REDIS_URL"] = redis_url
        env["REDIS_PREFIX"] = f"bench-{os.getpid()}-{variant}-{count}"
    with serve(2 if variant == "two" else 1, env) as (servers, ports):
        poster = Client()
        poster.force_login(world["viewer"])
        session = requests.Session()
        session.cookies.set("sessionid", poster.cookies["sessionid"].value)
        site = f"http://127.0.0.1:{ports[0]}"
        page = session.get(f"{site}/forum/t/{thread.pk}/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        # Production marks the cookie Secure; the benchmark talks plain HTTP on loopback.
        session.cookies.set("csrftoken", page.cookies["csrftoken"])
        urls = [f"ws://127.0.0.1:{port}/ws/live/" for port in ports]

        def publish(n):
            sent, took = {}, []
            for i in range(n):
                started = time.time()
                response = session.post(
                    f"{site}/forum/t/{thread.pk}/reply/",
                    data={"csrfmiddlewaretoken": csrf, "body": f"bench {i}"},
                    headers={"Accept": "application/json", "Referer": site + "/"},
                    timeout=30,
                )
                took.append((time.time() - started) * 1000)
                sent[response.json()["post"]] = started
                time.sleep(0.3)
            return sent, took

        subscriptions = {}
        redis_client = None
        if variant != "memory":
            import redis

            redis_client = redis.Redis.from_url(redis_url)
            group_channel = f"{env['REDIS_PREFIX']}__group__thread.{thread.pk}"

            def subscribers() -> int:
                return dict(redis_client.pubsub_numsub(group_channel)).get(
                    group_channel.encode(), 0
                )

            def on_ready():
                subscriptions["connected"] = subscribers()
        else:
            on_ready = None
        result = run_viewers(
            urls,
            count,
            posts,
            "platform",
            publish,
            sessions,
            thread.pk,
            [s.pid for s in servers],
            on_ready,
        )
        result["rss"] = max(rss_mb(s.pid) for s in servers)
        # The moment each post was written (its event stored, just before commit):
        # from there on, the time is the fan-out's.
        written = {}
        for event in ThreadEvent.objects.filter(
            thread=thread, frame__startswith='{"type": "post.created"'
        ).order_by("-seq")[:posts]:
            written[json.loads(event.frame)["post"]] = event.created_at.timestamp()
        result["written"] = delivery(written, result.pop("receipts"))
        if redis_client is not None:
            # Every viewer has disconnected at once: no subscription may stay behind.
            deadline = time.monotonic() + 15
            while subscribers() and time.monotonic() < deadline:
                time.sleep(0.1)
            subscriptions["after"] = subscribers()
            result["subscriptions"] = subscriptions
        return result


def bench_fanout(world):
    from forum import services
    from forum.models import Thread, ThreadEvent
    from forum.permissions import can_read_thread

    thread = Thread.objects.filter(title="Bench 10").first() or bulk_thread(world, 10, "Bench 10")
    services.post_create(actor=world["viewer"], thread=thread, body="bench 0")
    size = len(ThreadEvent.objects.filter(thread=thread).latest("seq").frame.encode())
    posts = 5 if QUICK else 10
    sizes = (100, 500) if QUICK else (100, 500, 1000)
    members = signed_in_members(world, max(sizes))
    unreadable = [member for member, _key in members if not can_read_thread(member, thread)]
    if unreadable:
        raise RuntimeError(f"{len(unreadable)} viewers may not read the thread they watch")
    cities = len({member.organisation_id for member, _key in members})
    say("\n## Live fan-out (viewers in a separate process)")
    say(
        "  The floor's latency runs from a publisher's websocket message (as long as a\n"
        f"  post.created frame, {size:,} bytes) to each viewer. A platform post is an HTTP\n"
        "  reply request; its latency is judged from the request's start (what people wait\n"
        "  for) and also given from the moment the post is written (its event stored, just\n"
        "  before commit). Server CPU counts from when every viewer is subscribed until\n"
        "  every viewer has every post; the requests' own work is part of it.\n"
        "  Each of the N viewers is a member of their own, signed in with a session of their\n"
        f"  own ({len(members):,} members of {cities} cities); each may read the thread."
    )
    with tempfile.TemporaryDirectory(prefix="bench-sessions-") as folder:
        sessions = Path(folder) / "sessions"
        sessions.write_text("".join(f"{key}\n" for _member, key in members))
        for count in sizes:
            fanout_size(world, thread, str(sessions), count, posts, size)


def fanout_size(world, thread, sessions: str, count: int, posts: int, size: int) -> None:
    """The floor and every platform variant at ``count`` viewers, with their verdicts."""
    try:
        base = floor(count, posts, size)
    except Exception as error:
        verdict(f"N={count} floor (bare websockets)", False, f"failed: {error}")
        for _variant, label in VARIANTS:
            verdict(f"N={count} {label}", False, "not run: no floor to compare with")
        return
    say(
        f"  N={count} floor (bare websockets): p50 {base['p50']:.1f} ms, p99 "
        f"{base['p99']:.1f} ms, last viewer {base['last']:.1f} ms, "
        f"CPU {base['cpu_us']:.1f} µs/recipient"
    )
    for variant, label in VARIANTS:
        try:
            result = platform_variant(world, thread, sessions, count, posts, variant)
        except NotRun as reason:
            verdict(f"N={count} {label}", False, f"not run: {reason}")
            continue
        except Exception as error:  # a variant that fails is a FAIL; the rest still runs
            verdict(f"N={count} {label}", False, f"failed: {error}")
            continue
        written = result["written"]
        ratio = result["last"] / base["last"]
        cpu_ratio = result["cpu_us"] / base["cpu_us"]
        say(
            f"  N={count} {label}: from the request's start p50 {result['p50']:.1f} ms, "
            f"p99 {result['p99']:.1f} ms, last viewer {result['last']:.1f} ms ({ratio:.1f}× "
            f"floor; reply request p50 {result['request_ms']:.1f} ms); from the written post "
            f"p50 {written['p50']:.1f} ms, p99 {written['p99']:.1f} ms, last viewer "
            f"{written['last']:.1f} ms ({written['last'] / base['last']:.1f}× floor)"
        )
        say(
            f"    CPU {result['cpu_us']:.0f} µs/post/viewer ({cpu_ratio:.1f}× the floor's per "
            f"recipient), RSS {result['rss']:.0f} MB, missing {result['missing']}, duplicates "
            f"{result['duplicates']}, {count} viewers subscribed in {result['connect_s']:.1f} s"
        )
        verdict(
            f"N={count} {label}: no viewer misses a post or gets one twice",
            result["missing"] == 0 and result["duplicates"] == 0,
            f"missing {result['missing']}, duplicates {result['duplicates']}",
        )
        if "subscriptions" in result:
            held = result["subscriptions"]
            servers = 2 if variant == "two" else 1
            verdict(
                f"N={count} {label}: one Redis subscription per process, none left "
                "after all viewers leave at once",
                held["connected"] == servers and held["after"] == 0,
                f"{held['connected']} while {count} viewers watch, {held['after']} after",
            )
        if count in LAST_VIEWER_MS:
            limit = LAST_VIEWER_MS[count]
            verdict(
                f"N={count} {label}: last viewer within {limit:.0f} ms of the request's start",
                result["last"] <= limit,
                f"{result['last']:.1f} ms",
            )
        if count in LAST_VIEWER_RATIO:
            limit = LAST_VIEWER_RATIO[count]
            verdict(
                f"N={count} {label}: last viewer, from the request's start, within {limit}× "
                "the floor",
                ratio <= limit,
                f"{ratio:.1f}×",
            )
        if count in CPU_JUDGED:
            verdict(
                f"N={count} {label}: server CPU per post per viewer within {CPU_RATIO:.0f}× "
                "the floor's per recipient",
                cpu_ratio <= CPU_RATIO,
                f"{result['cpu_us']:.0f} µs, {cpu_ratio:.1f}× the floor's {base['cpu_us']:.1f} µs",
            )
