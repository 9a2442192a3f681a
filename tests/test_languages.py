"""Finnish first, Swedish and English complete; the member's language and the switcher."""

import pytest
from django.test import Client

from accounts.models import Language
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_finnish_is_the_default():
    page = Client().get("/forum/").content.decode()
    assert '<html lang="fi">' in page
    assert "Uusimmat keskustelut" in page
    assert "Kirjaudu sisään" in page


def test_browser_language_is_honoured():
    page = Client(HTTP_ACCEPT_LANGUAGE="sv").get("/forum/").content.decode()
    assert '<html lang="sv">' in page
    assert "Senaste diskussionerna" in page


def test_member_preferred_language_applies_and_the_switcher_wins():
    member = UserFactory(
        organisation=OrganisationFactory(slug="porvoo"), preferred_language=Language.SWEDISH
    )
    browser = Client()
    browser.force_login(member)
    assert "Senaste diskussionerna" in browser.get("/forum/").content.decode()
    browser.post("/i18n/setlang/", {"language": "en", "next": "/forum/"})
    assert "Latest discussions" in browser.get("/forum/").content.decode()


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_interface_string_is_translated(language):
    import polib
    from django.conf import settings

    catalogue = polib.pofile(
        str(settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po")
    )
    assert catalogue.percent_translated() == 100
    assert not [entry.msgid for entry in catalogue if "fuzzy" in entry.flags]


@pytest.mark.parametrize(
    ("language", "title"),
    [("fi", "Tietoa konsortiosta"), ("sv", "Om konsortiet"), ("en", "About the consortium")],
)
def test_content_pages_are_served_in_the_readers_language(language, title):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    page = Client(HTTP_ACCEPT_LANGUAGE=language).get("/konsortio/").content.decode()
    assert f"<h1>{title}</h1>" in page
    assert f'<html lang="{language}">' in page
