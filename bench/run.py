"""Benchmarks of the platform against the floor of its own machine.

Run with `make bench`. Data sets are generated here (seeded, reproducible) in a
database of their own; all traffic goes to 127.0.0.1 and every loop is bounded
in count and time. Prints every figure with its ratio and PASS/FAIL against
the targets, and writes bench/RESULTS.md.
"""

import contextlib
import io
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "RESULTS.md"
QUICK = os.environ.get("BENCH_QUICK") == "1"


def _bench_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        base, _, _name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute("DROP DATABASE IF EXISTS opencities_bench")
            connection.execute("CREATE DATABASE opencities_bench")
        return f"{base}/opencities_bench"
    path = BASE_DIR / "var" / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


os.environ["DATABASE_URL"] = _bench_database()
# Served processes run as in production (DEBUG off); they and this process sign
# sessions with the same key, so a session made here is valid there.
os.environ["SECRET_KEY"] = "bench-only-secret-key-" + "0123456789" * 4
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"

import django  # noqa: E402

django.setup()

# A thousand viewers need more open files than the default soft limit.
import resource  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(_soft, min(_hard, 65536)), _hard))

lines: list[str] = []
verdicts: list[tuple[str, bool]] = []


def say(text: str = "") -> None:
    print(text, flush=True)
    lines.append(text)


def verdict(name: str, ok: bool, detail: str) -> None:
    verdicts.append((name, ok))
    say(f"  {'PASS' if ok else 'FAIL'}  {name}: {detail}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed(client: Client, url: str, runs: int) -> tuple[list[float], int]:
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    count = len(queries)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times, count


# Data


def make_world():
    from accounts.models import Organisation, Role, User, UserRole
    from forum.models import Category

    call_command("migrate", verbosity=0)
    with contextlib.redirect_stdout(io.StringIO()):  # the demo's welcome e-mail
        call_command("seed_demo", verbosity=0)
    cities = list(Organisation.objects.filter(kind=Organisation.Kind.CITY))
    viewer = User.objects.get(handle="liisa-koskinen")
    leads = list(User.objects.filter(roles__role=Role.ICT_LEAD).distinct())
    for city in cities:
        if not any(u.organisation_id == city.pk for u in leads):
            user = User.objects.create(
                username=f"bench-lead-{city.slug}",
                email=f"lead@{city.slug}.bench",
                organisation=city,
                handle=f"lead-{city.slug}",
            )
            UserRole.objects.create(user=user, role=Role.ICT_LEAD)
            leads.append(user)
    return {
        "cities": cities,
        "viewer": viewer,
        "leads": leads,
        "category": Category.objects.get(slug="ict"),
    }


def bulk_thread(world, posts: int, title: str):
    from forum.models import Post, Thread

    author = world["viewer"]
    thread = Thread.objects.create(
        category=world["category"],
        title=title,
        author=author,
        organisation=author.organisation,
        post_count=posts,
        last_post_number=posts,
    )
    Post.objects.bulk_create(
        (
            Post(
                thread=thread,
                number=n,
                author=author,
                organisation=author.organisation,
                body=f"Viesti {n}",
                html=f"<p>Viesti {n}: <strong>yhteinen</strong> asia.</p>",
            )
            for n in range(1, posts + 1)
        ),
        batch_size=2000,
    )
    return thread


# Pages


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


# Needs


def bench_needs(world):
    from accounts.models import User
    from needs_registry import services
    from needs_registry.models import CityPosition, CityVote, Need, Status, Support

    say(
        "\n## Needs (5,000 needs, 8 cities, 50,000 votes: 40,000 city votes + 10,000 "
        "personal supports)"
    )
    rng = random.Random(42)
    author = world["leads"][0]
    domains = ["ict", "finance", "hr", "administration", "social_health"]
    statuses = [Status.SUBMITTED, Status.UNDER_REVIEW, Status.ACCEPTED]
    needs = Need.objects.bulk_create(
        (
            Need(
                title=f"Tarve {n}",
                problem="Ongelma",
                desired_outcome="Tulos",
                domain=rng.choice(domains),
                organisation=author.organisation,
                contact=author,
                created_by=author,
                status=rng.choice(statuses),
                submitted_at=timezone.now(),
                one_off_cost_eur=rng.randint(1000, 300000),
                yearly_cost_eur=rng.randint(0, 50000),
                benefit_hours_per_year=rng.randint(0, 5000),
                vote_count=8,
                sharing_count=4,
            )
            for n in range(5000)
        ),
        batch_size=1000,
    )
    cities = world["cities"][:8]
    voter = world["leads"][0]
    CityVote.objects.bulk_create(
        (CityVote(need=need, organisation=city, voter=voter) for need in needs for city in cities),
        batch_size=5000,
    )
    CityPosition.objects.bulk_create(
        (
            CityPosition(need=need, organisation=city, stance="has_need", updated_by=voter)
            for need in needs[:2000]
            for city in cities[:4]
        ),
        batch_size=5000,
    )
    members = [
        User.objects.create(
            username=f"bench-expert-{n}",
            email=f"e{n}@bench",
            organisation=cities[n % 8],
            handle=f"bench-e{n}",
        )
        for n in range(2)
    ]
    Support.objects.bulk_create(
        (Support(need=need, user=member) for need in needs for member in members), batch_size=5000
    )
    client = Client()
    client.force_login(world["leads"][0])
    runs = 10 if QUICK else 20
    times, queries = timed(client, "/needs/board/?sort=benefit", runs)
    say(
        f"  backlog board: {queries} queries, p50 {pct(times, 50):.1f} ms, "
        f"p99 {pct(times, 99):.1f} ms"
    )
    verdict(
        "backlog board under 200 ms p50 at 5,000 needs / 50,000 votes",
        pct(times, 50) < 200,
        f"{pct(times, 50):.1f} ms",
    )
    for fmt in ("csv", "xlsx"):
        start = time.perf_counter()
        response = client.get(f"/needs/board/?format={fmt}&status=")
        elapsed = time.perf_counter() - start
        say(f"  backlog export {fmt}: {elapsed * 1000:.0f} ms, {len(response.content):,} bytes")

    # Concurrent voting: every lead of every city on 25 fresh needs, at once.
    from concurrent.futures import ThreadPoolExecutor

    fresh = Need.objects.bulk_create(
        Need(
            title=f"Äänestys {n}",
            problem="p",
            desired_outcome="o",
            domain="ict",
            organisation=author.organisation,
            contact=author,
            created_by=author,
            status=Status.SUBMITTED,
        )
        for n in range(25)
    )
    leads = world["leads"]

    def vote(pair):
        need, lead = pair
        try:
            services.city_vote_cast(actor=lead, need=need)
        finally:
            connections.close_all()

    pairs = [(need, lead) for need in fresh for lead in leads]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(vote, pairs))
    elapsed = time.perf_counter() - start
    exact = all(
        Need.objects.get(pk=n.pk).vote_count == len({lead.organisation_id for lead in leads})
        for n in fresh
    )
    say(
        f"  concurrent voting: {len(pairs)} votes in {elapsed:.2f} s "
        f"({len(pairs) / elapsed:.0f} votes/s, 8 threads)"
    )
    verdict("concurrent votes leave exact totals", exact, f"{len(fresh)} needs checked")


# Search


def bench_search(world):
    from search import service
    from search.backends import DatabaseBackend
    from search.models import SearchDocument
    from search.text import index_terms

    size = 20_000 if QUICK else 100_000
    say(f"\n## Search ({size:,} posts, database backend, {connection.vendor})")
    rng = random.Random(7)
    vocabulary = [
        "kirjasto",
        "kirjastojen",
        "laskutus",
        "laskun",
        "asiakaspalaute",
        "varausjärjestelmä",
        "tunnistautuminen",
        "sote",
        "koulu",
        "päiväkoti",
        "kaavoitus",
        "rakennuslupa",
        "palkanlaskenta",
        "budjetti",
        "arkisto",
        "avoin",
        "lähdekoodi",
        "integraatio",
        "rajapinta",
        "pilvipalvelu",
        "tietosuoja",
        "biblioteket",
        "skola",
        "dagis",
        "faktura",
    ]
    category = world["category"].pk
    restricted = 999_999
    batch = []
    for n in range(size):
        body = " ".join(rng.choice(vocabulary) for _ in range(30))
        batch.append(
            SearchDocument(
                kind="post",
                object_id=10_000_000 + n,
                title=f"Ketju {n % 5000}",
                body=body,
                terms=index_terms(body),
                url="/",
                category_id=restricted if n % 10 == 0 else category,
                publicity="internal",
                author_name="Bench",
                created_at=timezone.now(),
            )
        )
        if len(batch) == 5000:
            SearchDocument.objects.bulk_create(batch)
            batch = []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO search_fts(rowid, terms) SELECT id, terms FROM "
                "search_searchdocument WHERE object_id >= 10000000"
            )
    times = []
    leaks = 0
    for query in [
        "kirjasto",
        "laskutus",
        "asiakaspalaute",
        "rakennuslupa",
        "biblioteket",
        "tietosuoja integraatio",
        "päiväkoti",
        "avoin lähdekoodi",
    ] * (2 if QUICK else 5):
        start = time.perf_counter()
        page = service.search(viewer=world["viewer"], query=query)
        times.append((time.perf_counter() - start) * 1000)
        leaks += sum(1 for hit in page if hit.object_id % 10 == 0 and hit.object_id >= 10_000_000)
    say(
        f"  query p50 {pct(times, 50):.1f} ms, p99 {pct(times, 99):.1f} ms ({DatabaseBackend.name})"
    )
    verdict("search well under a second p99", pct(times, 99) < 1000, f"{pct(times, 99):.1f} ms")
    verdict("no restricted post shown to an outsider", leaks == 0, f"{leaks} leaked")


# Live fan-out


def start(args: list[str], env: dict | None = None, output: bool = True) -> subprocess.Popen:
    """Start a helper process; ``output`` pipes its stdout to be read (a pipe nobody
    reads fills up and stops a server that logs, such as Daphne's access log)."""
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE if output else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def wait_http(url: str, timeout: float = 30) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_viewers(urls, count, posts, mode, publish, cookie="", thread=0, servers=(), on_ready=None):
    """Start the viewer process, publish ``posts`` messages, return latency stats.

    The servers' CPU time is taken from the moment every viewer is connected
    and subscribed until every viewer has every post: the cost of the posts
    and their fan-out, not of connecting.
    """
    import json

    viewers = start(
        [
            "-m",
            "bench.fanout_client",
            ",".join(urls),
            str(count),
            str(posts),
            mode,
            cookie,
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
        _ready, connected, connect_seconds = line.split()
        connected = int(connected)
        if connected < count:
            raise RuntimeError(f"only {connected} of {count} viewers connected")
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


@contextlib.contextmanager
def serve(count: int, env: dict[str, str]):
    """``count`` Daphne processes on 127.0.0.1, configured as in production.

    DEBUG is off (no query log), static files come from a collected manifest,
    and background work (search indexing, e-mail) goes to the task queue, not
    into the request. TLS is the proxy's work, so the processes speak plain
    HTTP without redirecting.
    """
    production = {
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(BASE_DIR / "var" / "bench-static"),
        "LOG_LEVEL": "WARNING",
        "TASKS_BACKEND": "database",
        **env,
    }
    if not (BASE_DIR / "var" / "bench-static" / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=BASE_DIR,
            env={**os.environ, **production},
            check=True,
        )
    servers, ports = [], []
    try:
        for _ in range(count):
            port = free_port()
            site = f"http://127.0.0.1:{port}"
            servers.append(
                start(
                    ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                    {**production, "SITE_URL": site, "CSRF_TRUSTED_ORIGINS": site},
                    output=False,
                )
            )
            ports.append(port)
        for port in ports:
            wait_http(f"http://127.0.0.1:{port}/healthz")
        yield servers, ports
    finally:
        for server in servers:
            server.terminate()
            server.wait()


def platform_variant(world, thread, count: int, posts: int, variant: str):
    import json
    import re

    import requests

    from forum.models import ThreadEvent

    redis_url = os.environ.get("REDIS_URL", "")
    if variant != "memory" and not redis_url:
        return None
    env = {}
    if variant == "memory":
        env["REDIS_URL"] = ""
    else:
        env["REDIS_URL"] = redis_url
        env["REDIS_PREFIX"] = f"bench-{os.getpid()}-{variant}-{count}"
    with serve(2 if variant == "two" else 1, env) as (servers, ports):
        viewer_client = Client()
        viewer_client.force_login(world["leads"][1])
        cookie = viewer_client.cookies["sessionid"].value
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
            cookie,
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

    thread = Thread.objects.filter(title="Bench 10").first() or bulk_thread(world, 10, "Bench 10")
    services.post_create(actor=world["viewer"], thread=thread, body="bench 0")
    size = len(ThreadEvent.objects.filter(thread=thread).latest("seq").frame.encode())
    say("\n## Live fan-out (viewers in a separate process)")
    say(
        "  The floor's latency runs from a publisher's websocket message (as long as a\n"
        f"  post.created frame, {size:,} bytes) to each viewer. A platform post is an HTTP\n"
        "  reply request; its latency is given from the moment the post is written (its event\n"
        "  stored, just before commit), which the targets use, and from the request's start.\n"
        "  Server CPU counts from when every viewer is subscribed until every viewer has\n"
        "  every post; the requests' own work is part of it."
    )
    posts = 5 if QUICK else 10
    sizes = (100, 500) if QUICK else (100, 500, 1000)
    for count in sizes:
        base = floor(count, posts, size)
        say(
            f"  N={count} floor (bare websockets): p50 {base['p50']:.1f} ms, p99 "
            f"{base['p99']:.1f} ms, last viewer {base['last']:.1f} ms, "
            f"CPU {base['cpu_us']:.1f} µs/recipient"
        )
        for variant, label in (
            ("memory", "Daphne + in-memory layer"),
            ("redis", "Daphne + Redis pub/sub layer"),
            ("two", "two Daphnes sharing Redis"),
        ):
            try:
                result = platform_variant(world, thread, count, posts, variant)
            except Exception as error:  # a variant that fails is reported, the rest runs
                say(f"  N={count} {label}: failed ({error})")
                continue
            if result is None:
                say(f"  N={count} {label}: skipped (REDIS_URL not set)")
                continue
            written = result["written"]
            ratio = written["last"] / base["last"]
            say(
                f"  N={count} {label}: from the written post p50 {written['p50']:.1f} ms, p99 "
                f"{written['p99']:.1f} ms, last viewer {written['last']:.1f} ms "
                f"({ratio:.1f}× floor); from the request's start p50 {result['p50']:.1f} ms, "
                f"last viewer {result['last']:.1f} ms ({result['last'] / base['last']:.1f}× "
                f"floor; reply request p50 {result['request_ms']:.1f} ms)"
            )
            say(
                f"    CPU {result['cpu_us']:.0f} µs/post/viewer, RSS {result['rss']:.0f} MB, "
                f"missing {result['missing']}, duplicates {result['duplicates']}, "
                f"{count} viewers subscribed in {result['connect_s']:.1f} s"
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
            if count in (500, 1000):
                limit = 3 if count == 500 else 4
                verdict(
                    f"N={count} {label}: last viewer within {limit}× the floor",
                    ratio <= limit,
                    f"{ratio:.1f}×",
                )
            if count == 1000:
                verdict(
                    f"N={count} {label}: server CPU per post per viewer under 100 µs",
                    result["cpu_us"] < 100,
                    f"{result['cpu_us']:.0f} µs",
                )


def main():
    import django as dj

    started = time.time()
    say("# Benchmark results")
    say(
        f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.node()}; "
        f"{os.cpu_count()} cores; Python {platform.python_version()}; Django {dj.__version__}; "
        f"database {connection.vendor}; Redis {'yes' if os.environ.get('REDIS_URL') else 'no'}"
        f"{'; quick run' if QUICK else ''}"
    )
    world = make_world()
    chosen = set(sys.argv[1:])
    sections = (bench_pages, bench_needs, bench_search, bench_fanout)
    for section in sections:
        if chosen and section.__name__.removeprefix("bench_") not in chosen:
            continue
        try:
            section(world)
        except Exception as error:
            say(f"  section {section.__name__} failed: {error!r}")
            verdicts.append((section.__name__, False))
        if not chosen:  # keep what was measured, even if a later section is cut short
            RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    passed = sum(1 for _name, ok in verdicts if ok)
    say(f"\n{passed} of {len(verdicts)} targets met; {time.time() - started:.0f} s")
    if not chosen:
        RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
