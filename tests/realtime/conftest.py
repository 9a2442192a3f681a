"""Served Daphne processes on 127.0.0.1, sharing the test database and Redis."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from tests.conftest import free_port, wait_for

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def redis_url() -> str | None:
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return None
    return url


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    user = settings["USER"] or ""
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"


class Daphne:
    def __init__(self, env: dict[str, str], port: int | None = None, *, wait: bool = True):
        self.port = port or free_port()
        self.env = env
        self.url = f"http://127.0.0.1:{self.port}"
        # A file, not a pipe: a pipe nobody reads fills up and stops the server.
        (BASE_DIR / "var").mkdir(exist_ok=True)
        self.log = (BASE_DIR / "var" / f"daphne-{self.port}.log").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "config.asgi:application",
            ],
            cwd=BASE_DIR,
            env={
                **os.environ,
                **env,
                "ALLOWED_HOSTS": "127.0.0.1",
                "SITE_URL": self.url,
                "CSRF_TRUSTED_ORIGINS": self.url,
            },
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        if wait:
            self.wait()

    def wait(self) -> None:
        """Returns once the server answers."""
        wait_for(f"{self.url}/healthz", timeout=90)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            # Daphne's graceful stop waits for its open sockets' consumers, up to
            # its application close timeout each; on a loaded machine that can run
            # past the wait. The test is over either way.
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def daphnes(transactional_db):
    """Two Daphne processes sharing the test database and a Redis channel layer."""
    url = redis_url()
    if url is None:
        pytest.skip("Redis is not running on 127.0.0.1:6379: set REDIS_URL to run this test")
    env = {
        "DATABASE_URL": database_url(),
        "REDIS_URL": url,
        "REDIS_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        "DEBUG": "1",
    }
    # Started together: each spends seconds importing the platform before it answers.
    servers = [Daphne(env, wait=False), Daphne(env, wait=False)]
    try:
        for server in servers:
            server.wait()
    except BaseException:
        for server in servers:
            server.stop()
        raise
    yield servers
    for server in servers:
        server.stop()
