"""Shared fixtures: real OpenID providers over HTTP, and signing in through them."""

import json
import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

BASE_DIR = Path(__file__).resolve().parent.parent
DEMO_USERS = json.loads((BASE_DIR / "accounts" / "demo_idp" / "users.json").read_text("utf-8"))
CLIENT_ID = "open-cities-platform"
CLIENT_SECRET = "test-client-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 15.0, process: subprocess.Popen | None = None) -> None:
    """Until ``url`` answers; a ``process`` that should serve it and exits ends the wait."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


@dataclass
class Provider:
    issuer: str
    kind: str
    process: subprocess.Popen | None = None
    browser: requests.Session = field(default_factory=requests.Session)

    def authorize(self, authorize_url: str, subject: str) -> str:
        """Play the user's part at the provider; returns the callback URL it redirects to."""
        if self.kind == "mock":
            response = self.browser.post(
                authorize_url, data={"sub": subject}, allow_redirects=False
            )
            assert response.status_code in (302, 303), response.text[:500]
            return response.headers["Location"]
        response = self.browser.get(authorize_url, allow_redirects=False)
        location = urljoin(self.issuer, response.headers["Location"])
        if "/interaction/" in location:
            uid = re.search(r"/interaction/([\w-]+)", location).group(1)
            response = self.browser.post(
                f"{self.issuer}/interaction/{uid}/login",
                data={"sub": subject},
                allow_redirects=False,
            )
            location = urljoin(self.issuer, response.headers["Location"])
            while location.startswith(self.issuer):
                response = self.browser.get(location, allow_redirects=False)
                location = urljoin(self.issuer, response.headers["Location"])
        return location

    def set_user(self, subject: str, claims: dict) -> None:
        assert self.kind == "mock"
        response = requests.put(f"{self.issuer}/users/{subject}", json=claims, timeout=5)
        response.raise_for_status()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_node_provider(
    *,
    redirect_uris: list[str],
    post_logout: list[str],
    backchannel: str = "",
    jwks: str = "",
    port: int = 0,
    issuer: str = "",
) -> Provider:
    """The npm provider as a process; ``jwks`` (private JWKS, JSON) gives it signing keys,
    ``issuer`` an address other than the one it listens on (a proxy in front of it)."""
    port = port or free_port()
    issuer = issuer or f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORT": str(port),
        "ISSUER": issuer,
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URIS": ",".join(redirect_uris),
        "POST_LOGOUT_REDIRECT_URIS": ",".join(post_logout),
        "BACKCHANNEL_LOGOUT_URI": backchannel,
        "JWKS": jwks,
    }
    process = subprocess.Popen(
        ["node", str(BASE_DIR / "accounts" / "demo_idp" / "server.mjs")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=None,
    )
    try:
        # Node starting its modules takes seconds, more on a machine busy with other tests.
        wait_for(f"http://127.0.0.1:{port}/health", timeout=60, process=process)
    except RuntimeError:
        process.kill()
        raise
    return Provider(issuer=issuer, kind="node", process=process)


@pytest.fixture(scope="session")
def mock_provider() -> Iterator[Provider]:
    """oidc-provider-mock, served on 127.0.0.1 from a thread."""
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    import oidc_provider_mock
    from werkzeug.serving import make_server

    # It refuses an authorization request without a nonce.
    server = make_server("127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    issuer = f"http://127.0.0.1:{server.server_port}"
    wait_for(f"{issuer}/.well-known/openid-configuration")
    yield Provider(issuer=issuer, kind="mock")
    server.shutdown()


@pytest.fixture
def node_provider() -> Iterator[Provider]:
    """The certified npm `oidc-provider`, with the demo users, for the Django test client."""
    provider = start_node_provider(
        redirect_uris=["http://testserver/accounts/oidc/iam/login/callback/"],
        post_logout=["http://testserver/"],
        backchannel="http://testserver/accounts/oidc/backchannel-logout/",
    )
    yield provider
    provider.stop()


def use_provider(settings, provider: Provider, site: str = "http://testserver") -> None:
    """Point the platform at ``provider`` as its IAM."""
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_POST_LOGOUT_REDIRECT_URIS = [f"{site}/"]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "iam",
                    "name": "Test IAM",
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"server_url": provider.issuer, "oauth_pkce_enabled": True},
                }
            ],
        }
    }
    from django.core.cache import cache

    cache.clear()


def start_sign_in(client) -> str:
    """Press "Sign in" on the platform; returns the provider's authorize URL."""
    response = client.post("/accounts/oidc/iam/login/", {"process": "login", "next": "/"})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def finish_sign_in(client, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(
        parts.path,
        parse_qs(parts.query) and {k: v[0] for k, v in parse_qs(parts.query).items()},
    )


def sign_in(client, provider: Provider, subject: str):
    """The whole sign-in, as a browser would do it; returns the platform's last response."""
    callback = provider.authorize(start_sign_in(client), subject)
    return finish_sign_in(client, callback)


@pytest.fixture
def organisations(db):
    from tests.factories import seed_organisations

    return seed_organisations()


AUDIT_TABLE = "accounts_auditentry"


def _flush_with_audit_log(original):
    """Let the test runner's flush empty the append-only audit log between tests.

    The audit table's triggers refuse DELETE and TRUNCATE (as they must in
    production, where nothing flushes the database); the flush that ends a
    transactional test lifts them for its own transaction only.
    """

    def execute_sql_flush(self, sql_list):
        if not any(AUDIT_TABLE in sql for sql in sql_list):
            return original(self, sql_list)
        if self.connection.vendor == "postgresql":
            before = [f"ALTER TABLE {AUDIT_TABLE} DISABLE TRIGGER USER"]
            after = [f"ALTER TABLE {AUDIT_TABLE} ENABLE TRIGGER USER"]
        elif self.connection.vendor == "sqlite":
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                    [AUDIT_TABLE],
                )
                triggers = cursor.fetchall()
            before = [f'DROP TRIGGER "{name}"' for name, _sql in triggers]
            after = [sql for _name, sql in triggers]
        else:
            before = after = []
        return original(self, [*before, *sql_list, *after])

    return execute_sql_flush


@pytest.fixture(autouse=True, scope="session")
def _audit_log_flushable():
    from django.db.backends.base.operations import BaseDatabaseOperations

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            BaseDatabaseOperations,
            "execute_sql_flush",
            _flush_with_audit_log(BaseDatabaseOperations.execute_sql_flush),
        )
        yield


@pytest.fixture(scope="session")
def django_db_setup(
    request, django_test_environment, django_db_blocker, django_db_keepdb, django_db_createdb
):
    """pytest-django's set-up of the test database, started from a migrated template
    (tests.template_db) instead of migrating afresh in every run."""
    from django.test.utils import setup_databases, teardown_databases

    from tests.template_db import release_test_database, test_database_from_template

    verbosity = request.config.option.verbose
    with django_db_blocker.unblock(), test_database_from_template() as copied:
        # No test asks for a serialized rollback, so nothing is serialized.
        config = setup_databases(
            verbosity=verbosity,
            interactive=False,
            aliases={"default"},
            serialized_aliases=set(),
            keepdb=copied or (django_db_keepdb and not django_db_createdb),
        )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            try:
                release_test_database()
                teardown_databases(config, verbosity=verbosity)
            except Exception as error:
                # As pytest-django does; the next run drops the database before it
                # starts.
                request.node.warn(
                    pytest.PytestWarning(f"The test database was not dropped: {error!r}")
                )


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits, presence and discovery start empty in every test, and so do the
    process's own copies (kept pages, the shell's kept parts)."""
    from django.core.cache import cache, caches

    from forum import fragments

    cache.clear()
    caches["kept"].clear()
    fragments.process_pages.clear()
    fragments.process_rows.clear()


@pytest.fixture
def client():
    """A test client that reads the site in English (the tests' language); see test_languages."""
    from django.conf import settings
    from django.test import Client

    class EnglishClient(Client):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

        def logout(self):
            super().logout()
            self.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    return EnglishClient()


def pytest_terminal_summary(terminalreporter) -> None:
    """The canary suite's count of probes and positive controls, in every CI log."""
    from tests.canary_probe import TALLY

    if TALLY.probes:
        terminalreporter.write_line(TALLY.line())
