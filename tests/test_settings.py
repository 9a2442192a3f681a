"""Settings from the environment: the embedded default and a production environment."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "production-secret-key-with-enough-entropy-1234567890",
    "ALLOWED_HOSTS": "opencities.example",
    "SITE_URL": "https://opencities.example",
    "OIDC_ISSUER": "https://iam.example/realms/opencities",
    "OIDC_CLIENT_ID": "open-cities-platform",
    "OIDC_CLIENT_SECRET": "secret",
    "DATABASE_URL": "postgres://opencities@db.example:5432/opencities",
    "REDIS_URL": "redis://redis.example:6379/0",
    "EMAIL_HOST": "smtp.example",
    "TASKS_BACKEND": "database",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_a_production_environment():
    result = manage("check", "--deploy", env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_secret_key_and_hosts_are_required_without_debug():
    env = {**PRODUCTION}
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY and ALLOWED_HOSTS must be set" in result.stderr


def test_check_deploy_fails_with_an_http_issuer_without_debug():
    env = {**PRODUCTION, "OIDC_ISSUER": "http://iam.example/realms/opencities"}
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "accounts.E101" in result.stderr
    assert "is not reached over https" in result.stderr


def test_an_http_issuer_is_allowed_with_debug():
    env = {**PRODUCTION, "DEBUG": "1", "OIDC_ISSUER": "http://127.0.0.1:8010"}
    result = manage("check", env=env)
    assert result.returncode == 0, result.stderr


def test_check_deploy_warns_when_logout_tokens_are_remembered_per_process():
    env = {k: v for k, v in PRODUCTION.items() if k != "REDIS_URL"}
    result = manage("check", "--deploy", env=env)
    assert "accounts.W102" in result.stderr + result.stdout


def test_served_over_asgi_the_middleware_runs_in_one_thread():
    # Django runs middleware in the mode of what it wraps. The innermost one is
    # synchronous only, so every one above it runs synchronously too, in the
    # request's one thread; an async-capable one innermost would make each
    # middleware above pass to the event loop and back for its hooks.
    from django.conf import settings
    from django.utils.module_loading import import_string

    chain = [import_string(path) for path in settings.MIDDLEWARE]
    innermost = chain[-1]
    assert not getattr(innermost, "async_capable", False), settings.MIDDLEWARE[-1]
    assert all(getattr(middleware, "sync_capable", True) for middleware in chain)
