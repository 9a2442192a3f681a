"""The accessibility statement says what the Act on the Provision of Digital
Services (306/2019) requires, in each language, and the consortium edits it in
Wagtail."""

import re

import pytest
from django.test import Client
from wagtail.models import Locale

from frontend import demo
from frontend.models import AccessibilityStatementPage

pytestmark = pytest.mark.django_db

# What a reader must find, per language: the compliance status, a known issue,
# the date of the last assessment and how, the feedback channel with the
# 14-day answer, and the enforcement procedure with Traficom's unit and site.
REQUIRED = {
    "fi": [
        "Tämä palvelu täyttää osittain",
        "Jäsenten lataamat liitteet",
        "Palvelun saavutettavuus arvioitiin viimeksi "
        '<time datetime="2026-12-04">4. joulukuuta 2026</time>',
        "axe-core-työkalulla",
        'href="mailto:platform@open-cities.example"',
        "Vastaamme 14 päivän kuluessa.",
        "Liikenne- ja viestintävirasto Traficomiin",
        "Digitaalisen esteettömyyden ja saavutettavuuden valvontayksikkö",
        'href="https://www.saavutettavuusvaatimukset.fi/"',
        "saavutettavuus@traficom.fi",
    ],
    "sv": [
        "Denna tjänst uppfyller delvis",
        "Bilagor som medlemmarna laddar upp",
        "Tjänstens tillgänglighet bedömdes senast "
        '<time datetime="2026-12-04">4 december 2026</time>',
        "verktyget axe-core",
        'href="mailto:platform@open-cities.example"',
        "Vi svarar inom 14 dagar.",
        "Transport- och kommunikationsverket Traficom",
        "Enheten för tillsyn av digital tillgänglighet",
        'href="https://www.tillganglighetskrav.fi/"',
        "saavutettavuus@traficom.fi",
    ],
    "en": [
        "This service partly meets",
        "Attachments uploaded by members",
        'The service was last assessed on <time datetime="2026-12-04">Dec. 4, 2026</time>',
        "axe-core tool",
        'href="mailto:platform@open-cities.example"',
        "We answer within 14 days.",
        "Finnish Transport and Communications Agency Traficom",
        "Digital Accessibility Supervision Unit",
        'href="https://www.webaccessibility.fi/"',
        "saavutettavuus@traficom.fi",
    ],
}
HEADING = {
    "fi": "Saavutettavuusseloste",
    "sv": "Tillgänglighetsutlåtande",
    "en": "Accessibility statement",
}


def _statement(language: str) -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/accessibility/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def seeded():
    demo.seed(None)  # the demo's home page and its translations, with the statement
    return AccessibilityStatementPage.objects.get(locale=Locale.get_default())


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_statement_has_the_parts_the_law_requires_in_each_language(seeded, language):
    page = _statement(language)
    assert f'<html lang="{language}">' in page
    assert f"<h1>{HEADING[language]}</h1>" in page
    for part in REQUIRED[language]:
        assert part in page, part
    others = [text for code in REQUIRED if code != language for text in REQUIRED[code][:2]]
    assert not [text for text in others if text in page]


def test_statement_is_edited_in_wagtail_per_language(seeded):
    swedish = seeded.get_translation(Locale.objects.get(language_code="sv"))
    swedish.known_issues = "<p>Tabellen över kostnadsandelar saknar rubrikceller.</p>"
    swedish.feedback_phone = "029 123 4567"
    swedish.save_revision().publish()

    page = _statement("sv")
    assert "Tabellen över kostnadsandelar saknar rubrikceller." in page
    assert "Bilagor som medlemmarna laddar upp" not in page
    assert "029 123 4567" in page
    # The Finnish statement keeps its own text.
    finnish = _statement("fi")
    assert "Jäsenten lataamat liitteet" in finnish
    assert "kostnadsandelar" not in finnish


def test_statement_without_known_issues_says_so(seeded):
    seeded.known_issues = ""
    seeded.compliance = AccessibilityStatementPage.Compliance.FULL
    seeded.save_revision().publish()
    page = _statement("fi")
    assert "Tiedossa ei ole saavutettavuusongelmia." in page
    assert "Tämä palvelu täyttää digitaalisten palvelujen" in page
    assert "Jäsenten lataamat liitteet" not in page


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_statement_is_there_before_anyone_creates_the_page(language):
    assert not AccessibilityStatementPage.objects.exists()
    page = _statement(language)
    for part in REQUIRED[language]:
        assert part in page, part


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_page_links_to_the_statement_in_its_footer(seeded, language):
    browser = Client(HTTP_ACCEPT_LANGUAGE=language)
    for path in ["/forum/", "/needs/", "/search/", "/konsortio/", "/accessibility/"]:
        page = browser.get(path).content.decode()
        footer = re.search(r'<footer class="site-footer">.*?</footer>', page, re.S)
        assert footer is not None, path
        assert f'<a href="/accessibility/">{HEADING[language]}</a>' in footer.group(0), path
