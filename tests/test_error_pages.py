"""The 400, 403, 404 and 500 pages: in the member's language, in the site's frame, and
saying what to do next."""

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import translation

from frontend.views import server_error
from needs_registry import selectors
from tests.test_access_matrix import world  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

TEXTS = {
    "fi": {
        400: "Pyyntöä ei voitu lukea",
        403: "Ei käyttöoikeutta",
        404: "Sivua ei löytynyt",
        500: "Jokin meni vikaan",
        "next": "Mitä voit tehdä",
        "front": "Siirry etusivulle",
        "search": "Hae palvelusta",
        "contact": "kerro kaupunkisi ICT-vastaavalle",
        "year": "Kentän ”year” arvon on oltava kokonaisluku väliltä 1990–2200.",
    },
    "sv": {
        400: "Begäran kunde inte läsas",
        403: "Ingen åtkomst",
        404: "Sidan hittades inte",
        500: "Något gick fel",
        "next": "Vad du kan göra",
        "front": "Gå till startsidan",
        "search": "Sök i tjänsten",
        "contact": "berätta för din stads IKT-ansvariga",
        "year": "Värdet i fältet ”year” måste vara ett heltal från 1990 till 2200.",
    },
    "en": {
        400: "The request could not be read",
        403: "No access",
        404: "Page not found",
        500: "Something went wrong",
        "next": "What you can do",
        "front": "Go to the front page",
        "search": "Search the platform",
        "contact": "tell your city's ICT lead",
        "year": "“year” must be a whole number from 1990 to 2200.",
    },
}
LANGUAGES = sorted(TEXTS)


def client_in(language: str, w=None, kind: str | None = None, **kwargs) -> Client:
    client = Client(**kwargs)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if kind:
        client.force_login(w["users"][kind])
    return client


def assert_helpful(body: str, language: str, status) -> None:
    texts = TEXTS[language]
    assert f'<html lang="{language}">' in body
    assert texts[status] in body
    assert texts["next"] in body
    assert texts["front"] in body
    assert texts["search"] in body
    assert texts["contact"] in body
    assert 'action="/search/"' in body
    assert 'class="site-header"' in body  # the site's frame and style
    assert "site.css" in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_400_names_what_was_wrong(world, language):  # noqa: F811
    response = client_in(language, world, "expert_a").get("/needs/reports/yearly/?year=abc")
    assert response.status_code == 400
    body = response.content.decode()
    assert_helpful(body, language, 400)
    assert TEXTS[language]["year"] in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_403(world, language):  # noqa: F811
    response = client_in(language, world, "expert_b").get(f"/needs/{world['need'].pk}/edit/")
    assert response.status_code == 403
    assert_helpful(response.content.decode(), language, 403)


@pytest.mark.parametrize("language", LANGUAGES)
def test_404(world, language):  # noqa: F811
    response = client_in(language).get("/forum/t/999999/")
    assert response.status_code == 404
    assert_helpful(response.content.decode(), language, 404)


@pytest.mark.parametrize("language", LANGUAGES)
def test_404_of_a_page_outside_the_forum(world, language):  # noqa: F811
    response = client_in(language).get("/no-such-page/")
    assert response.status_code == 404
    assert_helpful(response.content.decode(), language, 404)


@pytest.mark.parametrize("language", LANGUAGES)
def test_500_when_a_view_fails(world, language, monkeypatch):  # noqa: F811
    def fail(**kwargs):
        raise RuntimeError("the report broke")

    monkeypatch.setattr(selectors, "yearly_summary", fail)
    client = client_in(language, world, "expert_a", raise_request_exception=False)
    response = client.get("/needs/reports/yearly/")
    assert response.status_code == 500
    body = response.content.decode()
    assert_helpful(body, language, 500)
    assert "the report broke" not in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_500_renders_without_the_database_or_the_request(language, django_assert_num_queries):
    request = RequestFactory().get("/")  # no session, no user, no middleware
    with translation.override(language), django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert_helpful(response.content.decode(), language, 500)


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("fi", "Lomaketta ei voitu lähettää"),
        ("sv", "Formuläret kunde inte skickas"),
        ("en", "The form could not be sent"),
    ],
)
def test_a_form_without_its_security_token_gets_the_sites_page(language, heading):
    client = Client(enforce_csrf_checks=True, headers={"accept-language": language})

    response = client.post("/search/", {"q": "x"})

    assert response.status_code == 403
    page = response.content.decode()
    assert heading in page
    assert TEXTS[language]["next"] in page
