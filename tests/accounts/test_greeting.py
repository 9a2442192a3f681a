"""Signing in: one press on "Sign in" reaches the IAM, and the platform greets
the member by name in the language they read."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import finish_sign_in, use_provider

pytestmark = pytest.mark.django_db

HEADER_FORM = re.compile(
    r'<form method="post" action="(?P<action>[^"]+)" class="inline-form sign-in-form">'
    r'<input type="hidden" name="csrfmiddlewaretoken" value="(?P<token>[^"]+)">'
    r'<input type="hidden" name="process" value="login">'
    r'<input type="hidden" name="next" value="(?P<next>[^"]*)">'
)


@pytest.fixture
def iam(settings, mock_provider, organisations):
    use_provider(settings, mock_provider)
    return mock_provider


def press_sign_in(browser: Client, path: str = "/forum/?page=1"):
    """Press the header's "Sign in" on ``path`` as a browser would, CSRF token and all."""
    page = browser.get(path).content.decode()
    form = HEADER_FORM.search(page)
    assert form, "the header has no sign-in form"
    return browser.post(
        form["action"],
        {
            "csrfmiddlewaretoken": form["token"],
            "process": "login",
            "next": form["next"].replace("&amp;", "&"),
        },
    )


def sign_in_from_the_header(browser: Client, iam, subject: str) -> str:
    """The whole sign-in from the header's button; returns the page the member lands on."""
    response = press_sign_in(browser)
    assert response.status_code == 302
    landing = finish_sign_in(browser, iam.authorize(response["Location"], subject))
    assert landing.status_code == 302
    return browser.get(landing["Location"]).content.decode()


def message(page: str) -> str:
    found = re.search(r'<p class="message message-success">(.*?)</p>', page, re.S)
    assert found, "no sign-in message on the page"
    return found[1].strip()


def test_sign_in_goes_straight_to_the_provider_with_csrf(iam):
    browser = Client(enforce_csrf_checks=True)

    response = press_sign_in(browser)

    assert response.status_code == 302
    authorize = urlsplit(response["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}" == iam.issuer
    # Still a POST with the form's token: without it, nothing starts.
    refused = Client(enforce_csrf_checks=True).post(
        "/accounts/oidc/iam/login/", {"process": "login", "next": "/"}
    )
    assert refused.status_code == 403
    assert Client().get("/accounts/oidc/iam/login/").status_code == 405


def test_sign_in_returns_to_the_page_it_was_pressed_on(iam):
    iam.set_user(
        "aino-1", {"email": "aino@pori.example", "name": "Aino Aalto", "municipality": "pori"}
    )
    browser = Client(enforce_csrf_checks=True)

    response = press_sign_in(browser, "/needs/?status=submitted")
    landing = finish_sign_in(browser, iam.authorize(response["Location"], "aino-1"))

    assert landing["Location"] == "/needs/?status=submitted"


def test_with_local_passwords_sign_in_offers_both_ways(iam, settings):
    settings.SOCIALACCOUNT_ONLY = False

    page = Client().get("/forum/").content.decode()

    assert not HEADER_FORM.search(page)
    assert 'href="/sign-in/?next=/forum/"' in page
    sign_in_page = Client().get("/sign-in/").content.decode()
    assert "/accounts/oidc/iam/login/" in sign_in_page
    assert "/accounts/login/" in sign_in_page


@pytest.mark.parametrize(
    ("locale", "browser_language", "switched_to", "greeting"),
    [
        ("sv", "fi", None, "Välkommen, Maja Lindholm. Du är inloggad."),
        ("fi", "sv", None, "Tervetuloa, Maja Lindholm. Olet kirjautunut sisään."),
        ("en", "fi", None, "Welcome, Maja Lindholm. You are signed in."),
        # The switcher's choice on this browser wins over the profile.
        ("fi", "fi", "sv", "Välkommen, Maja Lindholm. Du är inloggad."),
    ],
)
def test_the_greeting_names_the_member_in_their_language(
    iam, locale, browser_language, switched_to, greeting
):
    iam.set_user(
        f"maja-{locale}",
        {
            "email": f"maja.{locale}@porvoo.example",
            "name": "Maja Lindholm",
            "municipality": "porvoo",
            "locale": locale,
        },
    )
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=browser_language)
    if switched_to:
        browser.cookies[settings.LANGUAGE_COOKIE_NAME] = switched_to

    page = sign_in_from_the_header(browser, iam, f"maja-{locale}")

    assert message(page) == greeting
    assert f'<html lang="{switched_to or locale}">' in page
    assert "iam-" not in message(page)
