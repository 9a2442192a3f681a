"""The search service on the database backend (SQLite or PostgreSQL) and its fallback."""

import os

import pytest

from accounts.models import Role
from forum import services as forum_services
from needs_registry import services as need_services
from search import service
from search.backends import SearchFilters
from search.models import PendingIndexUpdate
from tests.conftest import free_port
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory
from tests.queries import CATEGORY_RULES, UNREAD_COUNT

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(django_capture_on_commit_callbacks):
    pori, porvoo = OrganisationFactory(slug="pori"), OrganisationFactory(slug="porvoo")
    expert = UserFactory(organisation=pori, display_name="Liisa Koskinen")
    outsider = UserFactory(organisation=porvoo)
    board_member = UserFactory(organisation=porvoo, roles=[Role.STEERING_GROUP])
    open_category = CategoryFactory(slug="sivistys", domain="education_culture")
    board = CategoryFactory(slug="board", read_roles=[Role.STEERING_GROUP])
    with django_capture_on_commit_callbacks(execute=True):
        library = forum_services.thread_create(
            actor=expert,
            category=open_category,
            title="Kirjastojen aukioloajat",
            body="Miten kirjastojen omatoimiaukiolo on järjestetty?",
            publicity="public",
        )
        forum_services.post_create(
            actor=outsider, thread=library, body="Biblioteket i Borgå har meröppet sedan 2024."
        )
        forum_services.thread_create(
            actor=board_member,
            category=board,
            title="Kirjastoverkon karsinta",
            body="Luottamuksellinen: kirjastoja suljetaan.",
            publicity="confidential",
        )
        draft = need_services.need_create(
            actor=expert,
            data={
                "title": "Kirjastokorttien yhteiskäyttö",
                "problem": "p",
                "desired_outcome": "o",
                "domain": "education_culture",
            },
        )
    return {
        "expert": expert,
        "outsider": outsider,
        "board_member": board_member,
        "library": library,
        "draft": draft,
    }


def titles(page):
    return sorted({hit.title for hit in page})


def test_finnish_inflections_are_found(corpus):
    page = service.search(viewer=corpus["expert"], query="kirjasto")
    assert "Kirjastojen aukioloajat" in titles(page)
    snippets = " ".join(hit.snippet for hit in page)
    assert "<mark>kirjastojen</mark>" in snippets


def test_swedish_forms_are_found(corpus):
    page = service.search(viewer=corpus["expert"], query="biblioteken")
    assert [hit.kind for hit in page] == ["post"]


def test_restricted_threads_and_other_cities_drafts_stay_hidden(corpus):
    outsider = service.search(viewer=corpus["outsider"], query="kirjasto")
    assert "Kirjastoverkon karsinta" not in titles(outsider)
    assert "Kirjastokorttien yhteiskäyttö" not in titles(outsider)
    assert outsider.paginator.count == 2  # the counts do not reveal them either
    assert service.suggest(viewer=corpus["outsider"], query="kirjastoverk") == []

    board = service.search(viewer=corpus["board_member"], query="kirjasto")
    assert "Kirjastoverkon karsinta" in titles(board)
    own_city = service.search(viewer=corpus["expert"], query="kirjastokortti")
    assert "Kirjastokorttien yhteiskäyttö" in titles(own_city)


def test_anonymous_sees_public_threads_only(corpus):
    from django.contrib.auth.models import AnonymousUser

    page = service.search(viewer=AnonymousUser(), query="kirjasto")
    assert titles(page) == ["Kirjastojen aukioloajat"]


def test_filters_narrow_the_results(corpus):
    page = service.search(
        viewer=corpus["expert"], query="kirjasto", filters=SearchFilters(kinds=["thread"])
    )
    assert [hit.kind for hit in page] == ["thread"]
    page = service.search(
        viewer=corpus["expert"], query="kirjasto", filters=SearchFilters(domain="finance")
    )
    assert list(page) == []


def test_search_page_and_suggestions_over_http(client, corpus):
    client.force_login(corpus["outsider"])
    body = client.get("/search/?q=kirjastojen").content.decode()
    assert "Kirjastojen aukioloajat" in body
    assert "karsinta" not in body
    suggestions = client.get("/search/suggest/?q=kirjas").json()["results"]
    assert [s["title"] for s in suggestions] == ["Kirjastojen aukioloajat"]


def test_duplicate_hints_find_similar_needs(client, corpus, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        need_services.need_transition(
            actor=UserFactory(organisation=corpus["expert"].organisation, roles=[Role.ICT_LEAD]),
            need=corpus["draft"],
            to_status="submitted",
        )
    client.force_login(corpus["outsider"])
    hints = client.get("/needs/similar/?title=Kirjastokortit+yhteiseen+käyttöön").json()
    assert [h["title"] for h in hints["results"]] == ["Kirjastokorttien yhteiskäyttö"]


def test_search_server_down_falls_back_to_the_database(
    corpus, settings, django_capture_on_commit_callbacks
):
    settings.MEILISEARCH_URL = f"http://127.0.0.1:{free_port()}"
    settings.MEILISEARCH_TIMEOUT = 0.5

    page = service.search(viewer=corpus["expert"], query="kirjasto")
    assert "Kirjastojen aukioloajat" in titles(page)
    assert page.backend == "database"
    assert service.health()["backend"] == "database"

    with django_capture_on_commit_callbacks(execute=True):
        forum_services.post_create(
            actor=corpus["expert"], thread=corpus["library"], body="Kirjastoautot kulkevat taas."
        )
    assert PendingIndexUpdate.objects.filter(kind="post").exists()
    assert "Kirjastojen aukioloajat" in titles(
        service.search(viewer=corpus["expert"], query="kirjastoauto")
    )


def test_admin_health_page(client, corpus):
    admin = UserFactory(roles=[Role.PLATFORM_ADMIN])
    client.force_login(admin)
    assert 'data-backend="database"' in client.get("/search/health/").content.decode()
    client.force_login(corpus["expert"])
    assert client.get("/search/health/").status_code == 404


@pytest.mark.skipif(
    not os.environ.get("MEILISEARCH_URL"),
    reason="MEILISEARCH_URL is not set: no Meilisearch server to test against",
)
def test_meilisearch_backend_answers_with_the_same_permissions(corpus, settings):
    settings.MEILISEARCH_URL = os.environ["MEILISEARCH_URL"]
    settings.MEILISEARCH_INDEX_PREFIX = f"test-{os.getpid()}"
    engine = service.meilisearch()
    engine.setup()
    from django.core.management import call_command

    call_command("reindex")
    import time

    time.sleep(2)
    page = service.search(viewer=corpus["outsider"], query="kirjastojen")
    assert page.backend == "meilisearch"
    assert "Kirjastoverkon karsinta" not in titles(page)
    assert "Kirjastojen aukioloajat" in titles(page)


def test_snippets_mark_every_form_and_escape_the_text(corpus, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.post_create(
            actor=corpus["expert"],
            thread=corpus["library"],
            body='<b>Kirjastot</b> & kirjastojen "aukiolo" — kirjastossa <script>x</script>',
        )
    page = service.search(
        viewer=corpus["expert"], query="kirjasto", filters=SearchFilters(kinds=["post"])
    )
    (hit,) = [hit for hit in page if "script" in hit.snippet]
    assert hit.snippet == (
        "&lt;b&gt;<mark>Kirjastot</mark>&lt;/b&gt; &amp; <mark>kirjastojen</mark> "
        "&quot;aukiolo&quot; — <mark>kirjastossa</mark> &lt;script&gt;x&lt;/script&gt;"
    )


def test_search_page_filters_by_organisation_tag_status_and_day(
    client, corpus, django_capture_on_commit_callbacks
):
    from datetime import UTC, datetime

    from forum.models import Post, Thread

    with django_capture_on_commit_callbacks(execute=True):
        forum_services.thread_create(
            actor=corpus["outsider"],
            category=CategoryFactory(slug="liikenne"),
            title="Kirjastoauto Porvoossa",
            body="Kirjastoauto kiertää kylissä.",
            tags=["Liikkuva-palvelu"],
            publicity="public",
        )
    # Started late in the evening by UTC, just after midnight in Helsinki.
    library = corpus["library"]
    evening = datetime(2026, 1, 10, 22, 30, tzinfo=UTC)
    Thread.objects.filter(pk=library.pk).update(created_at=evening)
    Post.objects.filter(thread=library).update(created_at=evening)
    service.index_thread_documents(library.pk)
    client.force_login(corpus["expert"])
    candidates = [
        "Kirjastojen aukioloajat",
        "Kirjastoauto Porvoossa",
        "Kirjastokorttien yhteiskäyttö",
    ]

    def found(**filters):
        body = client.get("/search/", {"q": "kirjasto", **filters}).content.decode()
        return {title for title in candidates if title in body}

    assert found() == set(candidates)
    assert found(organisation="porvoo") == {"Kirjastoauto Porvoossa"}
    assert found(organisation="pori") == {
        "Kirjastojen aukioloajat",
        "Kirjastokorttien yhteiskäyttö",
    }
    assert found(tag="liikkuva") == {"Kirjastoauto Porvoossa"}
    assert found(need_status="draft") == {"Kirjastokorttien yhteiskäyttö"}
    assert found(date_from="2026-01-11", date_to="2026-01-11") == {"Kirjastojen aukioloajat"}
    assert found(date_to="2026-01-10") == set()
    assert found(date_from="2026-01-12") == {
        "Kirjastoauto Porvoossa",
        "Kirjastokorttien yhteiskäyttö",
    }


def test_a_page_past_the_last_still_says_how_many_were_found(corpus):
    page = service.search(viewer=corpus["expert"], query="kirjasto", page=9)
    assert list(page) == []
    assert page.paginator.count == 3


def test_the_count_says_when_more_were_found_than_it_counts(client, corpus, monkeypatch):
    from django.conf import settings

    client.force_login(corpus["expert"])

    def heading() -> str:
        body = client.get("/search/?q=kirjasto").content.decode()
        return body.split('<h2 id="results-heading">')[1].split("</h2>")[0]

    monkeypatch.setattr("search.backends.MAX_RESULTS", 3)
    assert heading() == "3 results"
    monkeypatch.setattr("search.backends.MAX_RESULTS", 2)
    assert heading() == "More than 2 results"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    assert heading() == "Yli 2 tulosta"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    assert heading() == "Fler än 2 träffar"


def test_search_page_queries_do_not_grow_with_the_results(
    client, corpus, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # The session, the member with their roles (one query), the
    # categories' read rules (see tests.queries), the search itself (page and
    # count in one), and the unread notifications in the header (tests.queries).
    client.force_login(corpus["expert"])
    with django_assert_num_queries(3 + UNREAD_COUNT + CATEGORY_RULES):
        assert "Kirjastojen aukioloajat" in client.get("/search/?q=kirjasto").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(30):
            forum_services.post_create(
                actor=corpus["expert"], thread=corpus["library"], body=f"Kirjastossa {n} kävijää."
            )
    with django_assert_num_queries(3 + UNREAD_COUNT + CATEGORY_RULES):
        body = client.get("/search/?q=kirjasto&page=2").content.decode()
    assert "33 results" in body
