"""The production topology, served on 127.0.0.1 as deploy/README.md describes it.

nginx (configured by ``deploy.nginx``) in front of two Daphne processes and the
task worker, on PostgreSQL and Redis, with ``DEBUG=0``. TLS is terminated in
front of that nginx as in production: here by a second ``listen ... ssl`` server
in the same throwaway nginx, with a self-signed certificate the platform's
processes are told to trust; the demo IAM (the npm ``oidc-provider``) is reached
through it over https too, because without ``DEBUG`` the platform speaks to its
IAM over https only.

Runs when nginx, openssl and node are installed and the tests run on PostgreSQL
with Redis; skipped otherwise, unless ``REQUIRE_PRODUCTION_SMOKE=1`` (CI), which
turns a missing part into a failure.
"""

import asyncio
import json
import os
import pwd
import re
import shutil
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import redis
import requests
import websockets
from django.db import connection
from django_tasks_db.models import DBTaskResult

from deploy.nginx import render_site, render_standalone
from forum import services
from forum.models import Category
from tests.conftest import CLIENT_ID, CLIENT_SECRET, Provider, free_port, start_node_provider
from tests.factories import CategoryFactory, UserFactory, seed_organisations
from tests.realtime.conftest import database_url, redis_url

pytestmark = [pytest.mark.production, pytest.mark.realtime]

BASE_DIR = Path(__file__).resolve().parent.parent.parent
REQUIRED = os.environ.get("REQUIRE_PRODUCTION_SMOKE") == "1"


def missing_parts() -> list[str]:
    missing = [tool for tool in ("nginx", "openssl", "node") if shutil.which(tool) is None]
    if connection.vendor != "postgresql":
        missing.append("PostgreSQL (DATABASE_URL)")
    if redis_url() is None:
        missing.append("Redis (REDIS_URL)")
    return missing


def wait_until(check, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (requests.RequestException, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer in {timeout} s")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "tls.crt", folder / "tls.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def tls_front(*, listen: int, upstream: int, cert: Path, key: Path) -> str:
    """The TLS terminator in front of the platform's nginx (a load balancer in
    production): it appends the client's address to X-Forwarded-For."""
    return f"""
server {{
    listen 127.0.0.1:{listen} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    location / {{
        proxy_pass http://127.0.0.1:{upstream};
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $http_connection;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto https;
        proxy_read_timeout 1h;
    }}
}}
"""


@dataclass
class Topology:
    site: str
    certificate: Path
    daphne_urls: list[str]
    media_root: Path
    redis_prefix: str
    provider: Provider

    def browser(self) -> requests.Session:
        session = requests.Session()
        # The machine's REQUESTS_CA_BUNDLE would win over session.verify.
        session.trust_env = False
        session.verify = str(self.certificate)
        session.headers["Referer"] = self.site + "/"
        return session

    def sign_in(self, subject: str) -> requests.Session:
        """Sign in through the demo IAM, as a person with a browser does."""
        browser = self.browser()
        # Each person has a browser of their own at the IAM too.
        self.provider.browser.cookies.clear()
        page = browser.get(f"{self.site}/sign-in/")
        assert page.status_code == 200, page.text[:300]
        form = re.search(r'<form method="post" action="([^"]+)"', page.text)
        response = browser.post(
            urljoin(self.site, form.group(1)),
            data={"csrfmiddlewaretoken": csrf_token(page.text), "next": "/"},
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:300]
        callback = self.provider.authorize(response.headers["Location"], subject)
        assert callback.startswith(self.site), callback
        response = browser.get(callback, allow_redirects=False)
        assert response.status_code == 302, response.text[:500]
        assert "sessionid" in browser.cookies
        return browser


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    # A file, not a pipe: a pipe nobody reads fills up and stops the server.
    return subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


@pytest.fixture
def topology(transactional_db, tmp_path, settings, monkeypatch) -> Iterator[Topology]:
    missing = missing_parts()
    if missing:
        message = "the production topology needs " + ", ".join(missing)
        if REQUIRED:
            pytest.fail(message + " (REQUIRE_PRODUCTION_SMOKE=1)")
        pytest.skip(message)

    prefix = tmp_path / "nginx"
    prefix.mkdir()
    cert, key = self_signed_certificate(tmp_path)
    site_port, app_port, idp_port = free_port(), free_port(), free_port()
    daphne_ports = [free_port(), free_port()]
    site = f"https://127.0.0.1:{site_port}"
    issuer = f"https://127.0.0.1:{idp_port}"
    static_root, media_root = tmp_path / "static", Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    redis_prefix = f"smoke-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": site,
        "CSRF_TRUSTED_ORIGINS": site,
        "TRUSTED_PROXY_COUNT": "2",
        "DATABASE_URL": database_url(),
        "DATABASE_POOL_MAX": "4",
        "REDIS_URL": redis_url() or "",
        "REDIS_PREFIX": redis_prefix,
        "TASKS_BACKEND": "database",
        "VAR_DIR": str(tmp_path),
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(media_root),
        "PROTECTED_FILES_ACCEL_PREFIX": "/protected/",
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_POST_LOGOUT_REDIRECT_URIS": site + "/",
        # The self-signed certificate of the TLS front, for calls to the IAM.
        "REQUESTS_CA_BUNDLE": str(cert),
        "SSL_CERT_FILE": str(cert),
        "SECURE_HSTS_SECONDS": "0",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    site_config = render_site(
        daphnes=[f"127.0.0.1:{port}" for port in daphne_ports],
        static_root=str(static_root),
        media_root=str(media_root),
        listen=f"127.0.0.1:{app_port}",
        server_name="127.0.0.1",
    )
    extra = tls_front(listen=site_port, upstream=app_port, cert=cert, key=key)
    provider_port = free_port()
    extra += tls_front(listen=idp_port, upstream=provider_port, cert=cert, key=key)
    (prefix / "nginx.conf").write_text(
        render_standalone(
            prefix,
            site_config,
            extra=extra,
            # The test's folders are private to the user running it.
            user=pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None,
        )
    )

    processes: list[subprocess.Popen] = []
    provider = None
    try:
        subprocess.run(
            ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
            check=True,
            capture_output=True,
        )
        monkeypatch.setenv("PROXY_TRUSTED", "1")
        provider = start_node_provider(
            redirect_uris=[f"{site}/accounts/oidc/iam/login/callback/"],
            post_logout=[f"{site}/"],
            port=provider_port,
            issuer=issuer,
        )
        provider.browser.trust_env = False
        provider.browser.verify = str(cert)
        daphne = [sys.executable, "-m", "daphne", "--proxy-headers", "-b", "127.0.0.1", "-p"]
        processes.extend(
            start(
                [*daphne, str(port), "config.asgi:application"],
                env,
                tmp_path / f"daphne-{port}.log",
            )
            for port in daphne_ports
        )
        processes.append(
            start([sys.executable, "manage.py", "db_worker"], env, tmp_path / "worker.log")
        )
        for port in daphne_ports:
            wait_until(
                lambda port=port: requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok,
                f"Daphne on {port}",
            )
        wait_until(
            lambda: requests.get(f"{site}/healthz", verify=str(cert), timeout=2).ok,
            "nginx in front of Daphne",
        )
        yield Topology(
            site=site,
            certificate=cert,
            daphne_urls=[f"http://127.0.0.1:{port}" for port in daphne_ports],
            media_root=media_root,
            redis_prefix=redis_prefix,
            provider=provider,
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if provider is not None:
            provider.stop()
        pid_file = prefix / "nginx.pid"
        if pid_file.exists():
            subprocess.run(["kill", pid_file.read_text().strip()], check=False)
        for log in [*sorted(tmp_path.glob("*.log")), prefix / "error.log"]:
            if log.exists() and log.stat().st_size:
                print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")


def test_the_platform_runs_as_in_production(topology):
    organisations = seed_organisations()
    # A category only Pori reads: its attachments are for Pori's members alone.
    category = CategoryFactory(slug="pori-internal")
    category.read_organisations.add(organisations["pori"])
    category = Category.objects.get(pk=category.pk)
    author = UserFactory(organisation=organisations["pori"])
    thread = services.thread_create(
        actor=author, category=category, title="Tietoliikennehankinta", body="Aloitus"
    )

    # Two members sign in through the IAM: one of Pori, one of Porvoo.
    pekka = topology.sign_in("ict-lead-pori")
    porvoo = topology.sign_in("ict-lead-porvoo")

    # Static files come from nginx: with DEBUG off Django serves none.
    home = pekka.get(topology.site + "/forum/")
    assert home.status_code == 200
    assert "Pekka" in home.text
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', home.text).group(1)
    assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), stylesheet  # the hashed name
    css = topology.browser().get(topology.site + stylesheet, timeout=10)
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert "public" in css.headers["Cache-Control"]
    direct = requests.get(
        topology.daphne_urls[0] + stylesheet,
        headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"},
        allow_redirects=False,
        timeout=10,
    )
    assert direct.status_code == 404

    # The thread opens for Pekka, and is not there for the member of Porvoo.
    page = pekka.get(f"{topology.site}/forum/t/{thread.pk}/")
    assert page.status_code == 200
    assert "Tietoliikennehankinta" in page.text
    assert porvoo.get(f"{topology.site}/forum/t/{thread.pk}/").status_code == 404

    # Two viewers watch the thread through nginx's /ws/; nginx sends the second
    # socket to the other Daphne (least connections). A post made through
    # either process reaches both viewers.
    colleague = topology.sign_in("expert-pori")
    ssl_context = ssl.create_default_context(cafile=str(topology.certificate))
    ws_url = topology.site.replace("https", "wss") + "/ws/live/"
    group_channel = f"{topology.redis_prefix}__group__thread.{thread.pk}"
    redis_client = redis.Redis.from_url(redis_url())

    def cookie(browser: requests.Session) -> str:
        return f"sessionid={browser.cookies['sessionid']}"

    def reply(body: str, attachment: tuple[str, bytes, str] | None = None) -> int:
        page = pekka.get(f"{topology.site}/forum/t/{thread.pk}/")
        response = pekka.post(
            f"{topology.site}/forum/t/{thread.pk}/reply/",
            data={"csrfmiddlewaretoken": csrf_token(page.text), "body": body},
            files={"attachment": attachment} if attachment else None,
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 201, response.text[:300]
        return response.json()["post"]

    async def watch() -> list[int]:
        sockets = []
        for browser in (pekka, colleague):
            socket = await websockets.connect(
                ws_url,
                ssl=ssl_context,
                additional_headers={"Origin": topology.site, "Cookie": cookie(browser)},
            )
            await socket.send(
                json.dumps({"type": "subscribe", "thread": thread.pk, "after": thread.event_seq})
            )
            async with asyncio.timeout(10):
                while json.loads(await socket.recv())["type"] != "subscribed":
                    pass
            sockets.append(socket)
        # One Redis subscription per Daphne process: the viewers are on both.
        assert dict(redis_client.pubsub_numsub(group_channel))[group_channel.encode()] == 2
        loop = asyncio.get_running_loop()
        posts = [await loop.run_in_executor(None, reply, f"Viesti {n}") for n in range(2)]
        for socket in sockets:
            received = []
            async with asyncio.timeout(10):
                while len(received) < len(posts):
                    event = json.loads(await socket.recv())
                    if event["type"] == "post.created":
                        received.append(event["post"])
            assert received == posts
        for socket in sockets:
            await socket.close()
        return posts

    asyncio.run(watch())

    # The task worker runs what the posts queued (search indexing, notifications).
    wait_until(
        lambda: (
            DBTaskResult.objects.exists()
            and not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
        ),
        "the task worker",
        timeout=60,
    )
    assert not DBTaskResult.objects.filter(status="FAILED").exists()

    # A protected attachment: uploaded through nginx, sent by nginx's internal
    # location to a reader, refused to an outsider and to a direct request.
    picture = b"%PDF-1.4\n% smoke test\n" + os.urandom(64 * 1024).hex().encode() + b"\n%%EOF\n"
    reply("Liitteenä tarjous", ("tarjous.pdf", picture, "application/pdf"))
    page = pekka.get(f"{topology.site}/forum/t/{thread.pk}/")
    link = re.search(r'href="(/forum/attachments/[^"/]+/)"', page.text).group(1)
    download = pekka.get(topology.site + link)
    assert download.status_code == 200
    assert download.content == picture
    assert "X-Accel-Redirect" not in download.headers
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert 'filename="tarjous.pdf"' in download.headers["Content-Disposition"]
    # Django itself answered with headers only: nginx sent the bytes.
    behind = requests.get(
        topology.daphne_urls[0] + link,
        headers={
            "Cookie": cookie(pekka),
            "Host": "127.0.0.1",
            "X-Forwarded-Proto": "https",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert behind.status_code == 200
    assert behind.headers["X-Accel-Redirect"].startswith("/protected/attachments/")
    assert behind.content == b""
    assert porvoo.get(topology.site + link).status_code == 404
    assert topology.browser().get(topology.site + link, allow_redirects=False).status_code in (
        302,
        404,
    )
    stored = behind.headers["X-Accel-Redirect"]
    assert pekka.get(topology.site + stored).status_code == 404
    assert pekka.get(topology.site + stored.replace("/protected/", "/media/")).status_code == 404
