"""What every benchmark section shares: reporting, the generated world, served processes.

Imported after ``bench.run`` has set the environment up and started Django.
"""

import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

BASE_DIR = Path(__file__).resolve().parent.parent
QUICK = os.environ.get("BENCH_QUICK") == "1"
# Collected static files of the served processes, which nginx serves in front of them.
STATIC_ROOT = BASE_DIR / "var" / "bench-static"
PER_THREAD_RUN_TIME = Path("/proc/self/schedstat").exists()
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

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


def signed_in_members(world, count: int) -> list[tuple]:
    """``count`` members spread over the demo's cities, each signed in with a session of
    their own: (member, session key) pairs.

    Made in bulk, so that a thousand take a second: each session holds what
    ``django.contrib.auth.login`` and the platform's sign-in signal
    (``accounts.sessions.lifetime_start``) put there, as ``Client.force_login`` does.
    """
    from datetime import timedelta
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from accounts.models import User
    from accounts.sessions import lifetime_start

    cities = world["cities"]
    have = User.objects.filter(username__startswith="bench-member-").count()
    User.objects.bulk_create(
        (
            User(
                username=f"bench-member-{n}",
                email=f"member-{n}@{cities[n % len(cities)].slug}.bench",
                handle=f"bench-member-{n}",
                display_name=f"Jäsen {n}",
                organisation=cities[n % len(cities)],
                password=make_password(None),
            )
            for n in range(have, count)
        ),
        batch_size=1000,
    )
    members = list(User.objects.filter(username__startswith="bench-member-").order_by("pk")[:count])
    store = import_module(settings.SESSION_ENGINE).SessionStore
    backend = settings.AUTHENTICATION_BACKENDS[0]
    now = time.time()
    expires = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    sessions = []
    for member in members:
        data = {
            SESSION_KEY: str(member.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: member.get_session_auth_hash(),
        }
        lifetime_start(data, now)
        sessions.append(
            store.get_model_class()(
                session_key=get_random_string(32, VALID_KEY_CHARS),
                session_data=store().encode(data),
                expire_date=expires,
            )
        )
    store.get_model_class().objects.bulk_create(sessions, batch_size=1000)
    keys = [session.session_key for session in sessions]
    return list(zip(members, keys, strict=True))


def bulk_thread(world, posts: int, title: str, *, author=None, words: str = "", **fields):
    """A thread of ``posts`` posts, written in bulk: by the demo's viewer in ICT unless
    ``author`` and ``fields`` (``category``, ``publicity``...) say otherwise; each post
    says ``words`` when given."""
    from forum.models import Post, Thread

    author = author or world["viewer"]
    thread = Thread.objects.create(
        **{"category": world["category"], **fields},
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
                body=f"{words} {n}" if words else f"Viesti {n}",
                html=f"<p>{words} {n}</p>"
                if words
                else f"<p>Viesti {n}: <strong>yhteinen</strong> asia.</p>",
            )
            for n in range(1, posts + 1)
        ),
        batch_size=2000,
    )
    analyze(Post, Thread)
    return thread


def analyze(*models) -> None:
    """Refresh the planner's statistics of the tables just filled in bulk, as the
    database's autovacuum does within a minute of such a change in production:
    measured straight after a bulk load, the planner would take a table of
    thousands of rows for an empty one and choose plans no running site uses."""
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def warm_up(ports: list[int], paths: list[str], cookie: str, times: int = 10) -> None:
    """Ask each served process for each page ``times`` times before a page is timed,
    as a process long in service has been: its templates compiled, its pooled
    database connections open and its statements prepared (psycopg prepares one
    the fifth time a connection runs it). Measured cold, a run's slowest answers
    are each process's first."""
    import requests

    with requests.Session() as session:
        session.cookies.set("sessionid", cookie)
        for port in ports:
            for path in paths:
                for _ in range(times):
                    response = session.get(f"http://127.0.0.1:{port}{path}", timeout=60)
                    if response.status_code != 200:
                        raise RuntimeError(f"{path} answered {response.status_code} warming up")


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
    """CPU time used so far by every thread of ``pid``.

    From each thread's run time in nanoseconds (``schedstat``) where the kernel keeps
    it: the process's clock ticks (10 ms each) are too coarse for the floor, whose
    posts cost a few tens of milliseconds in all. A thread that ends takes its time
    with it; the served processes' threads live as long as the process.
    """
    if not PER_THREAD_RUN_TIME:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


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
        "STATIC_ROOT": str(STATIC_ROOT),
        "LOG_LEVEL": "WARNING",
        "TASKS_BACKEND": "database",
        **env,
    }
    if not (STATIC_ROOT / "staticfiles.json").exists():
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


@contextlib.contextmanager
def behind_nginx(ports: list[int]):
    """A throwaway nginx on 127.0.0.1 in front of the Daphne processes on ``ports``, as
    configured for production (``deploy/nginx.py``): it serves the collected static
    files itself and passes everything else on. Yields its port."""
    import pwd
    import tempfile

    from deploy.nginx import render_site, render_standalone

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as folder:
        prefix = Path(folder)
        (prefix / "media").mkdir()
        site = render_site(
            daphnes=[f"127.0.0.1:{daphne}" for daphne in ports],
            static_root=str(STATIC_ROOT),
            media_root=str(prefix / "media"),
            listen=f"127.0.0.1:{port}",
        )
        # Started by root, nginx's workers would run as nobody, who may not read the checkout.
        user = pwd.getpwuid(os.getuid()).pw_name if os.geteuid() == 0 else None
        config = prefix / "nginx.conf"
        config.write_text(render_standalone(prefix, site, user=user), "utf-8")
        nginx = subprocess.Popen(
            [NGINX, "-p", prefix, "-c", config, "-e", prefix / "error.log", "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            try:
                wait_http(f"http://127.0.0.1:{port}/healthz", timeout=15)
            except RuntimeError:
                log = prefix / "error.log"
                raise RuntimeError(
                    f"nginx did not start: {log.read_text()[-500:] if log.exists() else ''}"
                ) from None
            yield port
        finally:
            nginx.terminate()
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()
