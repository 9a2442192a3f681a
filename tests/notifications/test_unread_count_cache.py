"""The header's unread count is kept in the cache (notifications.selectors.unread_count)
and still follows, on the very next request, every change to the member's
notifications and to who may read what they point at.

These tests commit (``transaction=True``): counts are kept only outside a
transaction, as production requests run."""

import functools

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User, UserRole
from forum import notification_kinds as forum_kinds
from forum import services as forum_services
from needs_registry import services as need_services
from needs_registry.notification_kinds import STATUS_CHANGED
from notifications import selectors, services
from notifications.models import Notification
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    pori, porvoo = OrganisationFactory(slug="pori"), OrganisationFactory(slug="porvoo")
    writer = UserFactory(organisation=pori, display_name="Liisa Koskinen", roles=[Role.ICT_LEAD])
    moderator = UserFactory(organisation=pori, roles=[Role.MODERATOR])
    reader = UserFactory(organisation=porvoo, display_name="Johan Berg", roles=[Role.ICT_LEAD])
    category = CategoryFactory(slug="ict")
    thread = forum_services.thread_create(
        actor=writer, category=category, title="Yhteinen hanke", body="Aloitus"
    )
    return {
        "pori": pori,
        "writer": writer,
        "moderator": moderator,
        "reader": reader,
        "category": category,
        "thread": thread,
    }


def tell(world, body: str):
    post = forum_services.post_create(actor=world["writer"], thread=world["thread"], body=body)
    services.notify(
        [world["reader"]], forum_kinds.REPLY, actor=world["writer"], target=post, url="/x/"
    )
    return post


def readable_and_hidden(world):
    """Two posts of the thread: one the reader may read, one a moderator hid."""
    thread = world["thread"]
    readable = forum_services.post_create(actor=world["writer"], thread=thread, body="Luettava")
    hidden = forum_services.post_create(actor=world["writer"], thread=thread, body="Piilossa")
    forum_services.post_set_hidden(actor=world["moderator"], post=hidden, hidden=True)
    return readable, hidden


def notice_on(world, post, **fields):
    """A notification to the reader about ``post``, made as it is stored (``pk`` may be
    given: one that a slower transaction took)."""
    return Notification.objects.create(
        **fields,
        user=world["reader"],
        kind=forum_kinds.REPLY,
        actor=world["writer"],
        target_type=forum_kinds.POST,
        target_id=post.pk,
        url="/x/",
    )


def count(world) -> int:
    # A fresh member each time, as each request loads them (their roles with them).
    return selectors.unread_count(user=User.objects.get(pk=world["reader"].pk))


def test_the_count_is_kept_and_follows_the_members_notifications(world):
    first = tell(world, "Yksi")
    tell(world, "Kaksi")
    assert count(world) == 2
    reader = User.objects.get(pk=world["reader"].pk)
    reader.role_set  # noqa: B018  (loaded with the member on every request)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.unread_count(user=reader) == 2
    assert not queries.captured_queries  # from the cache, not the database
    # A new post or thread changes nobody's access to the posts notified of: the
    # count stays kept.
    forum_services.post_create(actor=world["moderator"], thread=world["thread"], body="Uusi")
    forum_services.thread_create(
        actor=world["moderator"], category=world["category"], title="Toinen", body="Aloitus"
    )
    with CaptureQueriesContext(connection) as queries:
        assert selectors.unread_count(user=reader) == 2
    assert not queries.captured_queries
    tell(world, "Kolme")
    assert count(world) == 3
    services.notifications_mark_read(
        user=world["reader"],
        ids=Notification.objects.filter(target_id=first.pk).values_list("pk", flat=True),
    )
    assert count(world) == 2
    services.notifications_mark_read(user=world["reader"])
    assert count(world) == 0


def test_a_kept_count_is_one_read_of_the_cache_in_a_request(world, monkeypatch):
    """The versions and the count kept with them come in one round trip; a count
    kept with another version is not taken."""
    from config import cache_versions

    tell(world, "Yksi")
    reader = User.objects.get(pk=world["reader"].pk)
    assert selectors.unread_count(user=reader) == 1
    reads, inside = [], []
    for name in ("get", "get_many"):
        original = getattr(cache, name)

        def counted(*args, original=original, name=name, **kwargs):
            if not inside:  # a cache without get_many of its own gets each key
                reads.append(name)
            inside.append(name)
            try:
                return original(*args, **kwargs)
            finally:
                inside.pop()

        monkeypatch.setattr(cache, name, counted)
    with cache_versions.read_once(), CaptureQueriesContext(connection) as queries:
        assert selectors.unread_count(user=reader) == 1
    assert (reads, queries.captured_queries) == (["get_many"], [])
    # Kept with a version that is no longer current (renewed by a change whose
    # renewal raced the count): counted afresh, not taken.
    monkeypatch.undo()
    key = selectors._count_key(reader)
    versions, _count = cache.get(key)
    cache.set(key, (["another", versions[1]], 5), 60)
    assert selectors.unread_count(user=reader) == 1


def test_a_notification_arriving_while_counting_is_not_kept(world, monkeypatch):
    tell(world, "Yksi")
    tell(world, "Kaksi")
    counting = selectors._count_readable
    arrived = []

    def racing(user, notifications):
        if not arrived:  # committed after the unread ones were read, before they are counted
            arrived.append(None)  # before telling, which counts too
            tell(world, "Kolme")
        return counting(user, notifications)

    monkeypatch.setattr(selectors, "_count_readable", racing)
    cache.clear()  # nothing kept from an earlier test's member of the same id
    assert count(world) == 2  # as read, without the third
    monkeypatch.setattr(selectors, "_count_readable", counting)
    assert count(world) == 3  # the two were kept under the member's version the third renewed


def test_notifications_saved_or_deleted_one_by_one_change_the_count(world):
    """The back office and a member's anonymisation write notifications one by one."""
    readable, _hidden = readable_and_hidden(world)
    notice = notice_on(world, readable)
    assert count(world) == 1
    notice.read_at = notice.created_at
    notice.save()
    assert count(world) == 0
    other = notice_on(world, readable)
    assert count(world) == 1
    other.delete()
    assert count(world) == 0


def test_notifications_committed_out_of_id_order_are_a_new_set(world):
    """Two transactions notifying the member may commit in the other order than
    they took their ids: the set then changes while its size and newest id stay."""
    cache.clear()
    readable, hidden = readable_and_hidden(world)
    notice = functools.partial(notice_on, world)

    first = notice(readable)
    # The id after first is held by a transaction that commits last.
    notice(readable, pk=first.pk + 2)
    assert count(world) == 2
    services.notifications_mark_read(user=world["reader"], ids=[first.pk])
    notice(hidden, pk=first.pk + 1)  # the slower transaction commits: a hidden post
    assert count(world) == 1


def test_the_count_follows_who_may_read_the_posts(world):
    post = tell(world, "Yksi")
    tell(world, "Kaksi")
    assert count(world) == 2
    forum_services.post_set_hidden(actor=world["moderator"], post=post, hidden=True)
    assert count(world) == 1
    thread, category = world["thread"], world["category"]
    restricted = CategoryFactory(slug="sg", read_roles=[Role.STEERING_GROUP])
    thread.category = restricted
    thread.save()
    assert count(world) == 0
    thread.category = category
    thread.save()
    assert count(world) == 1
    category.read_organisations.set([world["pori"]])  # Porvoo's reader no longer reads it
    assert count(world) == 0
    category.read_organisations.clear()
    assert count(world) == 1
    category.read_roles = [Role.STEERING_GROUP]
    category.save()
    assert count(world) == 0
    UserRole.objects.create(user=world["reader"], role=Role.STEERING_GROUP)
    assert count(world) == 1
    UserRole.objects.filter(user=world["reader"], role=Role.STEERING_GROUP).delete()
    assert count(world) == 0


def test_the_count_follows_a_need_back_to_draft(world):
    need = need_services.need_create(
        actor=world["writer"],
        data={
            "title": "Yhteinen kalenteri",
            "problem": "p",
            "desired_outcome": "o",
            "domain": "ict",
        },
    )
    need = need_services.need_transition(actor=world["writer"], need=need, to_status="submitted")
    services.notify([world["reader"]], STATUS_CHANGED, target=need, url="/x/")
    assert count(world) == 1
    need.status = "draft"
    need.save()
    assert count(world) == 0


def test_a_count_made_in_a_transaction_that_rolls_back_is_not_kept(world):
    post = tell(world, "Yksi")
    assert count(world) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        forum_services.post_set_hidden(actor=world["moderator"], post=post, hidden=True)
        assert count(world) == 0
        raise RuntimeError
    assert count(world) == 1


def test_the_header_shows_the_kept_count(world):
    tell(world, "Yksi")
    client = Client()
    client.force_login(world["reader"])
    assert "data-unread-count>1<" in client.get("/forum/").content.decode()
    tell(world, "Kaksi")
    assert "data-unread-count>2<" in client.get("/forum/").content.decode()


def test_a_count_made_while_a_category_change_commits_is_not_kept(world, monkeypatch):
    """The unread counts' version is renewed after the categories' rules: a request
    between the two renewals may read a snapshot of the old rules that another
    request stored under the rules' new version while the change was uncommitted."""
    from config import cache_versions
    from forum import category_rules
    from notifications import kinds

    cache.clear()
    tell(world, "Yksi")
    assert count(world) == 1
    old_rules = category_rules.rules()
    renew = kinds.renew_access_version
    between = []

    def renew_then_a_request_counts():
        renew()
        between.append(count(world))

    monkeypatch.setattr(kinds, "renew_access_version", renew_then_a_request_counts)
    category = world["category"]
    with transaction.atomic():
        category.read_roles = [Role.STEERING_GROUP]
        category.save()
        # Another request, outside this transaction, stores the committed (old)
        # rules under the version the change has already renewed.
        version = cache_versions.current(category_rules.VERSION_KEY)
        cache.set(category_rules._snapshot_key(version), old_rules, category_rules.TIMEOUT)
    monkeypatch.setattr(kinds, "renew_access_version", renew)
    assert between == [1]  # counted from the old rules, as that request would
    assert count(world) == 0  # the reader may no longer read the post


def test_two_unread_sets_alike_in_size_ends_and_sum_are_told_apart(world):
    """Reading two and then receiving two that committed late can leave a set as
    big as before, with the same smallest and largest id and the same sum."""
    cache.clear()
    readable, hidden = readable_and_hidden(world)

    def notice(post, pk):
        notice_on(world, post, pk=pk)

    first = (Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 10
    for pk in (first, first + 2, first + 3, first + 5):
        notice(readable, pk)
    assert count(world) == 4
    services.notifications_mark_read(user=world["reader"], ids=[first + 2, first + 3])
    notice(hidden, first + 1)  # two slower transactions commit
    notice(readable, first + 4)
    assert count(world) == 3
