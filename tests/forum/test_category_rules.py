"""The categories' read rules are shared between requests through the cache
(forum.category_rules): a change to a category's roles or organisations holds on
the very next request, on every way out, with the rules already cached."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from forum import category_rules, permissions, services
from forum.models import Category
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    pori, porvoo = OrganisationFactory(slug="pori"), OrganisationFactory(slug="porvoo")
    category = CategoryFactory(slug="hankinnat", name_fi="Hankinnat")
    author = UserFactory(organisation=porvoo, roles=[Role.STEERING_GROUP])
    thread = services.thread_create(
        actor=author, category=category, title="Kilpailutuksen aikataulu", body="Luonnos"
    )
    reader = Client()
    reader.force_login(UserFactory(organisation=pori))
    return {
        "pori": pori,
        "porvoo": porvoo,
        "category": category,
        "thread": thread,
        "reader": reader,
    }


def sees(client: Client, thread) -> dict[str, bool]:
    """Whether the thread shows on its page, in its category's list and in the forum's index."""
    return {
        "page": client.get(f"/forum/t/{thread.pk}/").status_code == 200,
        "category": thread.title in client.get("/forum/c/hankinnat/").content.decode(),
        "index": thread.title in client.get("/forum/").content.decode(),
    }


EVERYWHERE = {"page": True, "category": True, "index": True}
NOWHERE = {"page": False, "category": False, "index": False}


# Committed for real (not rolled back at the end of each test as the others are),
# so that the rules are cached as they are in production.
@pytest.mark.django_db(transaction=True)
def test_restricting_a_category_to_other_organisations_holds_at_once(world):
    reader, thread, category = world["reader"], world["thread"], world["category"]
    assert sees(reader, thread) == EVERYWHERE  # the rules are in the cache now
    assert cache.get(category_rules._snapshot_key(cache.get(category_rules.VERSION_KEY)))
    category.read_organisations.set([world["porvoo"]])
    assert sees(reader, thread) == NOWHERE
    category.read_organisations.add(world["pori"])
    assert sees(reader, thread) == EVERYWHERE


def test_restricting_a_category_to_a_role_holds_at_once_also_before_commit(world):
    reader, thread, category = world["reader"], world["thread"], world["category"]
    assert sees(reader, thread) == EVERYWHERE
    # No commit yet: a later read in the same transaction sees the change.
    category.read_roles = [Role.STEERING_GROUP]
    category.save()
    assert sees(reader, thread) == NOWHERE
    steering = Client()
    steering.force_login(UserFactory(organisation=world["pori"], roles=[Role.STEERING_GROUP]))
    assert sees(steering, thread) == EVERYWHERE


@pytest.mark.django_db(transaction=True)
def test_the_rules_are_read_from_the_database_once_then_from_the_cache(world):
    reader, thread = world["reader"], world["thread"]
    cache.delete(category_rules.VERSION_KEY)  # as if evicted: a new version, read afresh
    with CaptureQueriesContext(connection) as first:
        reader.get(f"/forum/t/{thread.pk}/")
    with CaptureQueriesContext(connection) as second:
        reader.get(f"/forum/t/{thread.pk}/")
    reads = [
        [q["sql"] for q in captured if "forum_category_read_organisations" in q["sql"]]
        for captured in (first, second)
    ]
    assert len(reads[0]) == 1
    assert reads[1] == []


class CountingGets:
    """The cache, counting the snapshots read from it."""

    def __init__(self):
        self.gets = 0

    def get(self, *args, **kwargs):
        self.gets += 1
        return cache.get(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(cache, name)


@pytest.mark.django_db(transaction=True)
def test_a_process_reads_a_snapshot_once_and_again_after_a_few_seconds(world, monkeypatch):
    counting = CountingGets()
    monkeypatch.setattr(category_rules, "cache", counting)
    monkeypatch.setattr(category_rules, "_kept", None)  # as in a process just started
    now = [1000.0]
    monkeypatch.setattr(category_rules, "_clock", lambda: now[0])
    category_rules.rules()
    category_rules.rules()
    assert counting.gets == 1
    now[0] += category_rules.PROCESS_SECONDS + 1
    assert world["category"].pk in category_rules.rules()
    assert counting.gets == 2
    # A change is a new version: read at once, however fresh the process's copy.
    world["category"].read_organisations.set([world["porvoo"]])
    rule = category_rules.rules()[world["category"].pk]
    assert rule.organisation_ids == {world["porvoo"].pk}


class Away:
    """A cache that cannot be reached."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache away")

        return fail


# Committed, so that the rules would be read from the cache if it answered.
@pytest.mark.django_db(transaction=True)
def test_a_cache_that_is_away_reads_the_rules_from_the_database(world, monkeypatch):
    from config import cache_versions

    reader, thread, category = world["reader"], world["thread"], world["category"]
    monkeypatch.setattr(category_rules, "cache", Away())
    monkeypatch.setattr(cache_versions, "cache", Away())
    assert sees(reader, thread) == EVERYWHERE
    category.read_organisations.set([world["porvoo"]])
    assert sees(reader, thread) == NOWHERE


@pytest.mark.django_db(transaction=True)
def test_a_change_rolled_back_leaves_the_rules_as_they_were(world):
    reader, thread, category = world["reader"], world["thread"], world["category"]
    assert sees(reader, thread) == EVERYWHERE
    with pytest.raises(RuntimeError), transaction.atomic():
        category.read_organisations.set([world["porvoo"]])
        # Read inside the transaction: the change shows, and nothing is cached of it.
        fresh = Category.objects.get(pk=category.pk)
        assert not permissions.can_read_category(member(world), fresh)
        assert category.pk not in permissions.readable_category_ids(member(world))
        raise RuntimeError("rolled back")
    assert sees(reader, thread) == EVERYWHERE


def member(world):
    """A fresh Pori member, whose category access is not yet worked out."""
    return UserFactory(organisation=world["pori"])


@pytest.mark.django_db(transaction=True)
def test_a_category_page_finds_its_category_by_the_rules_and_holds_their_rule():
    steering = CategoryFactory(slug="ohjausryhma", read_roles=[Role.STEERING_GROUP])
    CategoryFactory(slug="yleinen")
    outsider, member = Client(), Client()
    outsider.force_login(UserFactory(organisation=OrganisationFactory(slug="pori")))
    member.force_login(UserFactory(roles=[Role.STEERING_GROUP]))
    outsider.get("/forum/c/yleinen/")  # the rules are kept from here on
    with CaptureQueriesContext(connection) as queries:
        assert outsider.get("/forum/c/yleinen/").status_code == 200
    by_address = [q for q in queries if '"forum_category"."slug" = ' in q["sql"]]
    assert by_address == []  # read by its id, known from the rules
    assert outsider.get("/forum/c/ohjausryhma/").status_code == 404
    assert member.get("/forum/c/ohjausryhma/").status_code == 200
    # Moved to another address behind the rules' back (no signal): the rules know
    # the old one, and yet the page answers at the new one and not at the old.
    Category.objects.filter(pk=steering.pk).update(slug="johtoryhma")
    assert member.get("/forum/c/johtoryhma/").status_code == 200
    assert member.get("/forum/c/ohjausryhma/").status_code == 404
    assert outsider.get("/forum/c/johtoryhma/").status_code == 404
