"""The live-event log holds no secrets, and live delivery follows the thread's current state.

Each test plants a unique marker in something that must not leak (a deleted or
hidden post, a hidden thread, an anonymised member's name) and looks for it
where a reconnecting client reads the log (HTTP and websocket replay) and in
the stored log itself; and, in the same setup, checks that someone who may see
the thread does get what they should, so the tests cannot pass by showing
nothing.
"""

import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.services import member_anonymise
from forum import services
from forum.models import Post, Publicity, ThreadEvent
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory
from tests.forum.conftest import connect, receive

DELETED = "CANARY-deleted-7f3a"
HIDDEN = "CANARY-hidden-91c2"
KEPT = "CANARY-kept-55d0"
AFTER_HIDING = "CANARY-after-hiding-0b8e"
AFTER_MOVE = "CANARY-after-move-c41d"
AFTER_CONFIDENTIAL = "CANARY-after-confidential-2a6f"


def replay(client: Client, thread, after: int = 0) -> list[dict]:
    response = client.get(reverse("forum:thread_events", args=[thread.pk]), {"after": after})
    assert response.status_code == 200
    return response.json()


def frames_of(events: list[dict], post) -> list[dict]:
    return [e for e in events if e.get("post") == post.pk and e["type"].startswith("post.")]


def stored_frames(thread) -> list[str]:
    return list(
        ThreadEvent.objects.filter(thread=thread).order_by("seq").values_list("frame", flat=True)
    )


@pytest.fixture
def public_thread(db):
    pori = OrganisationFactory(slug="pori")
    alice = UserFactory(organisation=pori, handle="alice", display_name="Alice Kanarialintu")
    bob = UserFactory(organisation=OrganisationFactory(slug="porvoo"), handle="bob")
    moderator = UserFactory(roles=[Role.MODERATOR])
    thread = services.thread_create(
        actor=bob,
        category=CategoryFactory(slug="open"),
        title="Public",
        body="First",
        publicity=Publicity.PUBLIC,
    )
    return {"alice": alice, "bob": bob, "moderator": moderator, "thread": thread}


def test_anonymous_replay_of_a_deleted_post_is_a_tombstone(public_thread):
    alice, bob, thread = public_thread["alice"], public_thread["bob"], public_thread["thread"]
    kept = services.post_create(actor=bob, thread=thread, body=KEPT)
    post = services.post_create(actor=alice, thread=thread, body=f"{DELETED} first")
    services.post_edit(actor=alice, post=post, body=f"{DELETED} second")
    services.reaction_toggle(actor=bob, post=post, kind="idea")
    services.post_delete(actor=alice, post=post)

    events = replay(Client(), thread)
    text = json.dumps(events)
    assert DELETED not in text
    assert alice.display_name not in text
    gone = frames_of(events, post)
    assert [e["type"] for e in gone] == [
        "post.created",
        "post.edited",
        "post.reactions",
        "post.deleted",
    ]
    for event in gone:
        assert event["gone"] is True
        assert set(event) <= {"type", "thread", "seq", "post", "number", "gone"}
    thread.refresh_from_db()
    assert [e["seq"] for e in events] == list(range(1, thread.event_seq + 1))
    # Positive control: the post that stays replays (the page fetches its text).
    (shown,) = frames_of(events, kept)
    assert "gone" not in shown
    assert shown["number"] == kept.number
    # Nothing of the deleted post is left in the stored log.
    stored = "\n".join(stored_frames(thread))
    assert DELETED not in stored
    assert alice.display_name not in stored
    assert ThreadEvent.objects.filter(post=post).count() == 4
    assert "gone" not in json.loads(ThreadEvent.objects.get(post=kept).frame)


def test_hidden_post_is_a_tombstone_until_shown_again(public_thread):
    alice, moderator, thread = (
        public_thread["alice"],
        public_thread["moderator"],
        public_thread["thread"],
    )
    post = services.post_create(actor=alice, thread=thread, body=HIDDEN)
    services.post_set_hidden(actor=moderator, post=post, hidden=True)

    assert HIDDEN not in json.dumps(replay(Client(), thread))
    assert HIDDEN not in "\n".join(stored_frames(thread))
    member = Client()
    member.force_login(public_thread["bob"])
    created, hidden = frames_of(replay(member, thread), post)
    assert (created["type"], created["gone"]) == ("post.created", True)
    assert (hidden["type"], hidden["gone"]) == ("post.edited", True)

    # Nobody edits a hidden post (its text is shown to nobody); the log keeps only tombstones.
    with pytest.raises(PermissionDenied):
        services.post_edit(actor=alice, post=post, body=f"{HIDDEN} edited")
    stored = "\n".join(stored_frames(thread))
    assert HIDDEN not in stored
    assert alice.display_name not in stored

    # Showing it again publishes it anew, through a new event.
    services.post_set_hidden(actor=moderator, post=post, hidden=False)
    thread.refresh_from_db()
    shown = frames_of(replay(Client(), thread), post)[-1]
    assert (shown["type"], shown["seq"]) == ("post.edited", thread.event_seq)
    assert "gone" not in shown
    fragments = Client().get(
        reverse("forum:thread_fragments", args=[thread.pk]), {"posts": post.pk}
    )
    assert HIDDEN in fragments.json()["posts"][0]["html"]


def test_replay_after_anonymisation_names_nobody(public_thread):
    alice, bob, thread = public_thread["alice"], public_thread["bob"], public_thread["thread"]
    own = services.post_create(actor=alice, thread=thread, body="Alice Kanarialintu here")
    mention = services.post_create(actor=bob, thread=thread, body="Thanks @alice for this")
    reply = services.post_create(actor=bob, thread=thread, body="Agreed", reply_to=own)
    # Frames carry no text now; those stored by earlier versions carried the post's HTML.
    assert "Kanarialintu" not in json.dumps(replay(Client(), thread))
    for event in ThreadEvent.objects.filter(post__in=[own, mention, reply]):
        body = json.loads(event.frame)
        body["html"] = f"<p>{event.post.body}</p>"
        ThreadEvent.objects.filter(pk=event.pk).update(frame=json.dumps(body))
    before = json.dumps(replay(Client(), thread))
    assert "Kanarialintu" in before
    assert "@alice" in before

    member_anonymise(actor=UserFactory(roles=[Role.PLATFORM_ADMIN]), user=alice)

    events = replay(Client(), thread)
    text = json.dumps(events)
    assert "Kanarialintu" not in text
    assert "@alice" not in text
    stored = "\n".join(stored_frames(thread))
    assert "Kanarialintu" not in stored
    assert "@alice" not in stored
    # Positive control: the posts are still there, as "former member of Pori".
    for post in (own, mention, reply):
        (frame,) = frames_of(events, post)
        assert "gone" not in frame
    fragments = (
        Client()
        .get(
            reverse("forum:thread_fragments", args=[thread.pk]),
            {"posts": ",".join(str(p.pk) for p in (own, mention, reply))},
        )
        .json()["posts"]
    )
    assert all("Pori" in item["html"] for item in fragments)
    assert "Thanks" in fragments[1]["html"]


def test_hidden_thread_replays_only_to_those_who_may_read_it(public_thread):
    thread, moderator = public_thread["thread"], public_thread["moderator"]
    kept = services.post_create(actor=public_thread["bob"], thread=thread, body=KEPT)
    services.thread_moderate(actor=moderator, thread=thread, hidden=True)
    url = reverse("forum:thread_events", args=[thread.pk])
    member = Client()
    member.force_login(public_thread["alice"])
    assert Client().get(url, {"after": 0}).status_code == 404
    assert member.get(url, {"after": 0}).status_code == 404
    reader = Client()
    reader.force_login(moderator)
    assert kept.pk in [e.get("post") for e in replay(reader, thread)]


def test_pruned_events_ask_the_client_to_reload(public_thread, settings):
    settings.EVENT_RETENTION_SECONDS = 3600
    thread = public_thread["thread"]
    services.post_create(actor=public_thread["bob"], thread=thread, body="old")
    ThreadEvent.objects.filter(thread=thread).update(created_at=timezone.now() - timedelta(hours=2))
    services.post_create(actor=public_thread["bob"], thread=thread, body=KEPT)
    thread.refresh_from_db()

    call_command("prune_events", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert list(ThreadEvent.objects.filter(thread=thread).values_list("seq", flat=True)) == [
        thread.event_seq
    ]
    assert replay(Client(), thread, after=0) == [{"type": "reload", "thread": thread.pk}]
    # Positive control: a client inside the window catches up as before.
    (event,) = replay(Client(), thread, after=thread.event_seq - 1)
    assert event["type"] == "post.created"
    assert replay(Client(), thread, after=thread.event_seq) == []


# Websocket replay and live delivery


async def subscribe(communicator, thread, after: int) -> list[dict]:
    """Subscribe and return what arrives up to ``subscribed`` (or an error)."""
    await communicator.send_json_to({"type": "subscribe", "thread": thread.pk, "after": after})
    events = []
    while True:
        event = await receive(communicator)
        if event["type"] == "presence":
            continue
        events.append(event)
        if event["type"] in {"subscribed", "error"}:
            return events


async def collect(communicator, timeout: float = 0.6) -> list[dict]:
    events = []
    while not await communicator.receive_nothing(timeout=timeout):
        event = await receive(communicator)
        if event["type"] != "presence":
            events.append(event)
    return events


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_websocket_replay_of_a_hidden_post_is_a_tombstone(world):
    thread, alice = world["thread"], world["alice"]
    moderator = await sync_to_async(UserFactory)(roles=[Role.MODERATOR])
    kept = await sync_to_async(services.post_create)(actor=alice, thread=thread, body=KEPT)
    post = await sync_to_async(services.post_create)(actor=alice, thread=thread, body=HIDDEN)
    await sync_to_async(services.post_set_hidden)(actor=moderator, post=post, hidden=True)

    communicator, _, _ = await connect(world["bob"])
    events = await subscribe(communicator, thread, after=0)
    assert events[-1]["type"] == "subscribed"
    assert HIDDEN not in json.dumps(events)
    assert [(e["type"], e["gone"]) for e in frames_of(events, post)] == [
        ("post.created", True),
        ("post.edited", True),
    ]
    (shown,) = frames_of(events, kept)
    assert "gone" not in shown
    await communicator.disconnect()


async def _watchers(world, thread, reader):
    """An outsider-to-be and a reader, both subscribed to ``thread``."""
    outsider, _, _ = await connect(world["alice"])
    allowed, _, _ = await connect(reader)
    for communicator in (outsider, allowed):
        assert (await subscribe(communicator, thread, after=thread.event_seq))[-1][
            "type"
        ] == "subscribed"
    return outsider, allowed


async def assert_only_the_reader_gets(outsider, reader, marker: str, reader_types: list[str]):
    """The outsider's subscription ends with ``forbidden`` and no frame of the posts
    written with ``marker``; the reader (positive control) gets ``reader_types``,
    with those posts."""
    posts = await sync_to_async(
        lambda: set(Post.objects.filter(body__contains=marker).values_list("pk", flat=True))
    )()
    assert posts
    events = await collect(outsider)
    assert [e["type"] for e in events] == ["error"]
    assert events[0]["code"] == "forbidden"
    events = await collect(reader)
    assert [e["type"] for e in events] == reader_types
    assert {e["post"] for e in events if e["type"] == "post.created"} == posts
    await outsider.disconnect()
    await reader.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_socket_subscribed_before_the_thread_was_hidden_gets_no_new_post(world):
    thread = world["thread"]
    moderator = await sync_to_async(UserFactory)(roles=[Role.MODERATOR])
    outsider, allowed = await _watchers(world, thread, moderator)

    @sync_to_async
    def hide_and_post():
        # One commit: the post's event is sent right behind the change, before
        # any socket could have checked the thread again.
        with transaction.atomic():
            services.thread_moderate(actor=moderator, thread=thread, hidden=True)
            services.post_create(actor=moderator, thread=thread, body=AFTER_HIDING)
        services.post_create(actor=moderator, thread=thread, body=f"{AFTER_HIDING} again")

    await hide_and_post()
    # A moderator who may read the hidden thread gets both posts.
    await assert_only_the_reader_gets(
        outsider, allowed, AFTER_HIDING, ["thread.updated", "post.created", "post.created"]
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_socket_subscribed_before_a_move_into_a_restricted_category_gets_no_new_post(
    world,
):
    thread, bob = world["thread"], world["bob"]
    moderator = await sync_to_async(UserFactory)(roles=[Role.MODERATOR, Role.STEERING_GROUP])
    outsider, allowed = await _watchers(world, thread, bob)

    @sync_to_async
    def move_and_post():
        from forum.models import Category

        with transaction.atomic():
            services.thread_moderate(
                actor=moderator, thread=thread, category=Category.objects.get(slug="sg")
            )
            services.post_create(actor=bob, thread=thread, body=AFTER_MOVE)

    await move_and_post()
    await assert_only_the_reader_gets(
        outsider, allowed, AFTER_MOVE, ["thread.updated", "post.created"]
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_socket_subscribed_before_its_category_was_restricted_gets_no_new_post(world):
    thread, bob = world["thread"], world["bob"]
    outsider, allowed = await _watchers(world, thread, bob)

    @sync_to_async
    def restrict_and_post():
        from forum.models import Category

        with transaction.atomic():
            category = Category.objects.get(slug="open")
            category.read_roles = [Role.STEERING_GROUP]
            category.save()
            services.category_read_rule_changed(actor=None, category=category)
            services.post_create(actor=bob, thread=thread, body=AFTER_MOVE)

    await restrict_and_post()
    await assert_only_the_reader_gets(outsider, allowed, AFTER_MOVE, ["post.created"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_socket_subscribed_before_the_thread_became_confidential_gets_no_new_post(world):
    bob = world["bob"]
    colleague = await sync_to_async(UserFactory)(organisation=bob.organisation)

    @sync_to_async
    def open_thread():
        from forum.models import Category

        return services.thread_create(
            actor=bob, category=Category.objects.get(slug="open"), title="Soon", body="1"
        )

    thread = await open_thread()
    outsider, allowed = await _watchers(world, thread, colleague)

    @sync_to_async
    def restrict_and_post():
        with transaction.atomic():
            services.thread_audience_set(
                actor=bob,
                thread=thread,
                publicity=Publicity.CONFIDENTIAL,
                organisations=[bob.organisation],
            )
            services.post_create(actor=bob, thread=thread, body=AFTER_CONFIDENTIAL)

    await restrict_and_post()
    await assert_only_the_reader_gets(
        outsider, allowed, AFTER_CONFIDENTIAL, ["thread.updated", "post.created"]
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_websocket_asks_a_client_from_before_the_window_to_reload(world):
    thread, alice = world["thread"], world["alice"]

    @sync_to_async
    def prune():
        services.post_create(actor=alice, thread=thread, body="old")
        ThreadEvent.objects.filter(thread=thread).update(
            created_at=timezone.now() - timedelta(days=8)
        )
        services.post_create(actor=alice, thread=thread, body=KEPT)
        call_command("prune_events", stdout=open("/dev/null", "w"))  # noqa: SIM115
        thread.refresh_from_db()

    await prune()
    communicator, _, _ = await connect(world["bob"])
    events = await subscribe(communicator, thread, after=0)
    assert events == [
        {"type": "reload", "thread": thread.pk},
        {"type": "subscribed", "thread": thread.pk, "seq": thread.event_seq},
    ]
    events = await subscribe(communicator, thread, after=thread.event_seq - 1)
    assert [e["type"] for e in events] == ["post.created", "subscribed"]
    await communicator.disconnect()


def test_migration_links_old_frames_to_their_posts_and_empties_those_of_gone_posts(
    public_thread,
):
    """Logs written before tombstones existed: the migration cleans them up."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("forum.migrations.0004_thread_event_log_tombstones")
    alice, thread = public_thread["alice"], public_thread["thread"]
    kept = services.post_create(actor=alice, thread=thread, body=KEPT)
    gone = services.post_create(actor=alice, thread=thread, body=DELETED)
    old_frame = ThreadEvent.objects.get(post=gone).frame
    services.post_delete(actor=alice, post=gone)
    # As the log was before: no post named, the deleted post's text still there.
    ThreadEvent.objects.filter(post=gone, frame__contains='"post.created"').update(frame=old_frame)
    ThreadEvent.objects.update(post=None)

    migration.link_frames_to_posts_and_tombstone(apps, None)

    assert DELETED not in "\n".join(stored_frames(thread))
    assert ThreadEvent.objects.filter(post=gone).count() == 2
    assert "gone" not in json.loads(ThreadEvent.objects.get(post=kept).frame)
