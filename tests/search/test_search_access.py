"""Search follows the forum's read rule when a thread's readers change: moving,
hiding, publicity and audience, and a category's readers changed in Wagtail."""

import json

import pytest

from accounts.models import Role
from forum import services
from search import service
from search.backends import Access, MeilisearchBackend, SearchFilters
from search.models import SearchDocument
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    pori = OrganisationFactory(slug="pori")
    porvoo = OrganisationFactory(slug="porvoo")
    people = {
        "author": UserFactory(organisation=pori),
        "colleague": UserFactory(organisation=pori),
        "outsider": UserFactory(organisation=porvoo),
        "steering": UserFactory(organisation=porvoo, roles=[Role.STEERING_GROUP]),
        "steering_moderator": UserFactory(
            organisation=pori, roles=[Role.STEERING_GROUP, Role.MODERATOR]
        ),
        "moderator": UserFactory(organisation=porvoo, roles=[Role.MODERATOR]),
    }
    open_category = CategoryFactory(slug="open")
    board = CategoryFactory(slug="board", read_roles=[Role.STEERING_GROUP])
    with django_capture_on_commit_callbacks(execute=True):
        thread = services.thread_create(
            actor=people["author"],
            category=open_category,
            title="Uimahallin remontti",
            body="Uimahallin katto vuotaa",
        )
        services.post_create(
            actor=people["colleague"], thread=thread, body="Uimahallin kustannusarvio nousee"
        )
    return {**people, "open": open_category, "board": board, "thread": thread, "pori": pori}


def found(user, query="uimahallin") -> set[str]:
    """What ``user`` finds, as kinds and titles, through search and suggestions."""
    hits = {(hit.kind, hit.title) for hit in service.search(viewer=user, query=query)}
    hits |= {(hit.kind, hit.title) for hit in service.suggest(viewer=user, query=query)}
    return hits


def fresh(user):
    """The same member as a new request would load them (no cached access)."""
    return type(user).objects.get(pk=user.pk)


def test_a_moved_threads_posts_follow_it(world, django_capture_on_commit_callbacks):
    assert ("post", "Uimahallin remontti") in found(world["outsider"])
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_moderate(
            actor=world["steering_moderator"], thread=world["thread"], category=world["board"]
        )
    assert found(world["outsider"]) == set()
    assert found(world["moderator"]) == set()
    insider = found(world["steering"])
    assert ("post", "Uimahallin remontti") in insider
    assert ("thread", "Uimahallin remontti") in insider


def test_a_hidden_threads_posts_leave_the_results(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_moderate(
            actor=world["steering_moderator"], thread=world["thread"], hidden=True
        )
    assert found(world["outsider"]) == set()
    assert found(world["colleague"]) == set()
    assert ("post", "Uimahallin remontti") in found(world["steering_moderator"])


def test_a_hidden_post_is_found_by_nobody(world, django_capture_on_commit_callbacks):
    post = world["thread"].posts.get(number=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_set_hidden(actor=world["moderator"], post=post, hidden=True)
    for kind in ["author", "moderator", "steering_moderator"]:
        assert not service.search(viewer=world[kind], query="kustannusarvio"), kind
    assert service.search(viewer=world["author"], query="katto")


def test_confidential_threads_are_found_by_their_audience_only(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_audience_set(
            actor=world["author"], thread=world["thread"], publicity="confidential"
        )
    document = SearchDocument.objects.get(kind="post", object_id=world["thread"].posts.last().pk)
    assert f" org:{world['pori'].pk} " in document.audience
    for kind in ["outsider", "moderator", "steering"]:
        assert found(world[kind]) == set(), kind
        assert service.search(viewer=world[kind], query="kustannusarvio").paginator.count == 0
    for kind in ["author", "colleague", "steering_moderator"]:
        assert ("post", "Uimahallin remontti") in found(world[kind]), kind

    with django_capture_on_commit_callbacks(execute=True):
        services.thread_audience_set(
            actor=world["author"],
            thread=world["thread"],
            publicity="confidential",
            roles=[Role.STEERING_GROUP],
            organisations=[world["pori"]],
            confirm_widen=True,
        )
    assert ("post", "Uimahallin remontti") in found(world["steering"])
    assert found(world["outsider"]) == set()


def test_a_category_made_restricted_in_wagtail_reindexes_its_posts(
    client, world, django_capture_on_commit_callbacks
):
    admin = UserFactory(organisation=world["pori"], is_superuser=True, is_staff=True)
    client.force_login(admin)
    category = world["open"]
    url = f"/admin/snippets/forum/category/edit/{category.pk}/"
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "slug": category.slug,
                "name_fi": category.name_fi,
                "name_sv": category.name_sv,
                "name_en": category.name_en,
                "domain": category.domain,
                "position": 0,
                "read_roles": json.dumps([Role.STEERING_GROUP]),
                "start_roles": "[]",
                "default_publicity": "internal",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    category.refresh_from_db()
    assert category.read_roles == [Role.STEERING_GROUP]
    assert found(fresh(world["outsider"])) == set()
    assert ("post", "Uimahallin remontti") in found(fresh(world["steering"]))


def test_meilisearch_filter_expresses_the_same_audience_rule():
    access = Access(
        category_ids=[1, 2],
        public_only=False,
        include_hidden=False,
        organisation_id=5,
        reader_keys=["category", "org:5", "role:steering_group", "user:9"],
    )
    clause = MeilisearchBackend._filter(access, SearchFilters())[0]
    assert "category_id IN [1, 2]" in clause
    assert "is_hidden = false" in clause
    assert (
        '(publicity != confidential OR audience IN ["category", "org:5", '
        '"role:steering_group", "user:9"])'
    ) in clause
    anonymous = Access(
        category_ids=[1], public_only=True, include_hidden=False, organisation_id=None
    )
    assert "publicity != confidential" in MeilisearchBackend._filter(anonymous, SearchFilters())[0]
    assert "audience" in MeilisearchBackend.SETTINGS["filterableAttributes"]
    document = SearchDocument(
        kind="post", object_id=1, title="t", url="/", audience=" org:5 user:9 ",
        publicity="confidential",
    )  # fmt: skip
    from django.utils import timezone

    document.created_at = timezone.now()
    assert MeilisearchBackend.payload(document)["audience"] == ["org:5", "user:9"]
