"""Browser journeys: Playwright driving Debian's Chromium against a served Daphne,
signing in through the demo OpenID provider."""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import start_node_provider
from tests.realtime.conftest import Daphne, database_url, redis_url

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
AXE = Path(__file__).resolve().parent.parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(config, items):
    # This hook sees every collected test, not only this folder's: touch only browser tests.
    browser_tests = [item for item in items if item.get_closest_marker("browser")]
    if not browser_tests or Path(CHROMIUM).exists():
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(f"{CHROMIUM} is missing and REQUIRE_BROWSER is set")
    skip = pytest.mark.skip(
        reason=f"Chromium not found at {CHROMIUM}: browser tests skipped "
        "(apt-get install -y chromium)"
    )
    for item in browser_tests:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Sync Playwright runs an event loop in this thread; the tests still use the ORM.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    yield instance
    instance.close()
    playwright.stop()


@pytest.fixture
def site(transactional_db):
    """Daphne serving the platform, with the demo OpenID provider and demo data."""
    call_command("seed_demo", verbosity=0)
    env = {"DATABASE_URL": database_url(), "DEBUG": "1"}
    url = redis_url()
    if url:
        env.update({"REDIS_URL": url, "REDIS_PREFIX": f"e2e-{os.getpid()}"})
    from tests.conftest import free_port

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    provider = start_node_provider(
        redirect_uris=[f"{origin}/accounts/oidc/iam/login/callback/"],
        post_logout=[f"{origin}/"],
        backchannel=f"{origin}/accounts/oidc/backchannel-logout/",
    )
    env.update({"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_SECRET": "test-client-secret"})
    server = Daphne(env, port=port)
    yield server
    server.stop()
    provider.stop()


@pytest.fixture
def new_page(browser, request):
    contexts = []

    def make(language="fi"):
        context = browser.new_context(locale=language, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"\W+", "-", request.node.name)
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                page.screenshot(path=str(ARTIFACTS / f"{name}-{n}-{m}.png"), full_page=True)
    for context in contexts:
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def sign_in(page, site, label: str) -> None:
    """Press "Sign in" and pick a demo user at the demo provider."""
    page.goto(f"{site.url}/sign-in/")
    page.locator("main form button[type=submit]").click()
    page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_url(re.compile(re.escape(site.url) + r"/.*"))


def axe_violations(page) -> list[dict]:
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    violations = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    return violations


__all__ = ["axe_violations", "shutil", "sign_in"]
