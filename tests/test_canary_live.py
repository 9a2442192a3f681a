"""Canaries on the live socket: the stored replay and live delivery, as every member.

The same world as ``tests/test_canary.py``, committed (the socket reads through
its own database connection). Every signed-in persona subscribes to every
thread with ``after: 0``; the frames it gets are judged like any page.
Anonymous visitors get no socket at all (checked here too).
"""

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import TestCase

from forum import services as forum_services
from forum.models import Publicity
from tests.canary_probe import TALLY, Finding, Seen, client_for, fetch, follow_frames, judge
from tests.canary_world import ANONYMOUS, PERSONAS, Marker, all_threads, build_world, word
from tests.forum.conftest import connect as site_connect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

KNOWN_OPEN: dict[str, str] = {}


async def connect(user=None):
    """The live socket as a page of the site opens it."""
    communicator, connected, _code = await site_connect(user)
    return communicator, connected


async def frames_until(communicator, done, timeout: float = 3) -> list[str]:
    """Frames received until one for which ``done`` holds (included)."""
    frames = []
    while True:
        text = await communicator.receive_from(timeout=timeout)
        frames.append(text)
        if done(json.loads(text)):
            return frames


def _answered(thread_id: int):
    def done(frame: dict) -> bool:
        return frame.get("type") in {"subscribed", "error"} and frame.get("thread") == thread_id

    return done


def _follow(world, persona: str, frames: list[str]) -> list[Seen]:
    """The fragments the persona's page fetches for the ids in its frames."""
    return follow_frames(client_for(world, persona), frames)


def _params(names):
    for name in names:
        marks = []
        if name in KNOWN_OPEN:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_OPEN[name]))
        yield pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("channel", list(_params(["websocket_replay"])))
async def test_the_replay_gives_no_marker_to_an_outsider(channel) -> None:
    world = await sync_to_async(build_world)()
    threads = await sync_to_async(all_threads)(world)
    finding = Finding()
    for persona in PERSONAS:
        user = world.user(persona)
        communicator, connected = await connect(user)
        if persona == ANONYMOUS:
            assert not connected
            continue
        assert connected
        seen = []
        for thread in threads:
            await communicator.send_json_to({"type": "subscribe", "thread": thread.pk, "after": 0})
            frames = await frames_until(communicator, _answered(thread.pk))
            seen.append(Seen(f"subscribe {thread.pk} after 0", "\n".join(frames)))
            seen += await sync_to_async(_follow)(world, persona, frames)
        await communicator.disconnect()
        await sync_to_async(judge)(world, persona, seen, finding)
    controls = {("porvoo_expert", "public.body"), ("hml_steering", "restricted.body")}
    TALLY.controls += len(controls & finding.sightings)
    assert not finding.leaks, "leaks:\n" + "\n".join(sorted(set(finding.leaks)))
    assert not controls - finding.sightings


@pytest.mark.parametrize("channel", list(_params(["live_delivery"])))
async def test_a_socket_stops_getting_a_thread_that_was_moved_or_hidden(channel) -> None:
    """Subscribed while the thread was public; the thread then left the member's reach."""
    world = await sync_to_async(build_world)()
    users = world.users
    open_category = world.objects["open_category"]
    steering = world.objects["steering_category"]
    markers = {
        "live.moved": Marker("live.moved", word(), frozenset({"hml_steering", "pori_steering"})),
        "live.hidden": Marker("live.hidden", word(), frozenset({"hml_steering"})),
    }
    world.markers.update(markers)
    create = sync_to_async(forum_services.thread_create)
    to_move = await create(
        actor=users["hml_steering"],
        category=open_category,
        title="Siirtyvä",
        body="Avaus",
        publicity=Publicity.PUBLIC,
    )
    to_hide = await create(
        actor=users["writer"],
        category=open_category,
        title="Piilotettava",
        body="Avaus",
        publicity=Publicity.PUBLIC,
    )
    sentinel = world.objects["public"]
    personas = ["porvoo_expert", "pori_expert", "seinajoki_expert", "hml_steering"]
    sockets = {}
    for persona in personas:
        communicator, connected = await connect(users[persona])
        assert connected
        for thread in (to_move, to_hide, sentinel):
            await communicator.send_json_to(
                {"type": "subscribe", "thread": thread.pk, "after": thread.event_seq}
            )
            await frames_until(communicator, _answered(thread.pk))
        sockets[persona] = communicator
    moderate = sync_to_async(forum_services.thread_moderate)
    await moderate(actor=users["hml_steering"], thread=to_move, category=steering)
    await moderate(actor=users["heinola_moderator"], thread=to_hide, hidden=True)
    post = sync_to_async(forum_services.post_create)
    moved = await post(
        actor=users["hml_steering"], thread=to_move, body=f"Nyt {markers['live.moved'].value}"
    )
    hidden = await post(
        actor=users["hml_steering"], thread=to_hide, body=f"Nyt {markers['live.hidden'].value}"
    )
    last = await post(actor=users["writer"], thread=sentinel, body="Merkki.")

    def sentinel_arrived(frame: dict) -> bool:
        return frame.get("type") == "post.created" and frame.get("post") == last.pk

    finding = Finding()
    for persona, communicator in sockets.items():
        frames = await frames_until(communicator, sentinel_arrived)
        await communicator.disconnect()
        # Frames carry only ids: an outsider must not even hear that the post exists.
        for key, gone in (("live.moved", moved), ("live.hidden", hidden)):
            named = [f for f in map(json.loads, frames) if f.get("post") == gone.pk]
            if named and persona not in markers[key].insiders:
                finding.leaks.append(f"{key} (its post id) to {persona} via live")
        seen = [Seen("live", "\n".join(frames))]
        seen += await sync_to_async(_follow)(world, persona, frames)
        await sync_to_async(judge)(world, persona, seen, finding)
    controls = {("hml_steering", "live.moved"), ("hml_steering", "live.hidden")}
    TALLY.controls += len(controls & finding.sightings)
    assert not finding.leaks, "leaks:\n" + "\n".join(sorted(set(finding.leaks)))
    assert not controls - finding.sightings


def _activity_everywhere(threads) -> None:
    """Every thread has activity, sent as a service sends it (thread locked, after commit)."""
    from django.db import transaction

    from forum import events
    from forum.models import Thread

    with TestCase.captureOnCommitCallbacks(execute=True):
        for thread in threads:
            with transaction.atomic():
                locked = Thread.objects.select_for_update().get(pk=thread.pk)
                events.thread_event(locked, events.THREAD_UPDATED, {"pinned": locked.is_pinned})


@pytest.mark.parametrize("channel", list(_params(["thread_list_activity"])))
async def test_a_watched_list_names_no_thread_to_an_outsider(channel) -> None:
    """A page with the forum's index hears of activity by thread id, then loads the
    list: neither the ids nor the list it loads may tell a persona of a thread
    they may not read. The steering group's thread reaches its member (control)."""
    world = await sync_to_async(build_world)()
    threads = await sync_to_async(all_threads)(world)
    titled = {
        thread.pk: next(m for m in world.markers.values() if m.value in thread.title)
        for thread in threads
    }
    sockets = {}
    for persona in PERSONAS:
        communicator, connected = await connect(world.user(persona))
        if persona == ANONYMOUS:
            assert not connected
            continue
        await communicator.send_json_to({"type": "watch_list", "category": None})
        await frames_until(communicator, lambda frame: frame.get("type") == "watching")
        sockets[persona] = communicator
    await sync_to_async(_activity_everywhere)(threads)
    sentinel = world.objects["public"]
    await sync_to_async(_activity_everywhere)([sentinel])

    def sentinel_again(frame: dict) -> bool:
        return frame.get("type") == "thread.activity" and frame.get("thread") == sentinel.pk

    finding = Finding()
    for persona, communicator in sockets.items():
        frames = await frames_until(communicator, sentinel_again)
        # The sentinel's first activity came before the others: wait for its second.
        frames += await frames_until(communicator, sentinel_again)
        await communicator.disconnect()
        for frame in map(json.loads, frames):
            marker = titled.get(frame.get("thread"))
            if marker is None or frame.get("type") != "thread.activity":
                continue
            if persona in marker.insiders:
                finding.sightings.add((persona, f"{marker.key} (id)"))
            else:
                finding.leaks.append(f"{marker.key} (its thread id) to {persona} via list")
        seen = [Seen("list activity", "\n".join(frames))]
        client = await sync_to_async(client_for)(world, persona)
        seen.append(await sync_to_async(fetch)(client, "/forum/", HTTP_X_FRAGMENT="threads"))
        await sync_to_async(judge)(world, persona, seen, finding)
    controls = {
        ("hml_steering", "restricted.title (id)"),
        ("hml_steering", "restricted.title"),
        ("porvoo_expert", "public.title"),
    }
    TALLY.controls += len(controls & finding.sightings)
    assert not finding.leaks, "leaks:\n" + "\n".join(sorted(set(finding.leaks)))
    assert not controls - finding.sightings
