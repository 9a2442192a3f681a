"""Canaries on the live socket: the stored replay and live delivery, as every member.

The same world as ``tests/test_canary.py``, committed (the socket reads through
its own database connection). Every signed-in persona subscribes to every
thread with ``after: 0``; the frames it gets are judged like any page.
Anonymous visitors get no socket at all (checked here too).
"""

import json

import pytest
from asgiref.sync import sync_to_async

from forum import services as forum_services
from forum.models import Publicity
from tests.canary_probe import TALLY, Finding, Seen, judge
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
    await post(
        actor=users["hml_steering"], thread=to_move, body=f"Nyt {markers['live.moved'].value}"
    )
    await post(
        actor=users["hml_steering"], thread=to_hide, body=f"Nyt {markers['live.hidden'].value}"
    )
    last = await post(actor=users["writer"], thread=sentinel, body="Merkki.")

    def sentinel_arrived(frame: dict) -> bool:
        return frame.get("type") == "post.created" and frame.get("post") == last.pk

    finding = Finding()
    for persona, communicator in sockets.items():
        frames = await frames_until(communicator, sentinel_arrived)
        await communicator.disconnect()
        await sync_to_async(judge)(world, persona, [Seen("live", "\n".join(frames))], finding)
    controls = {("hml_steering", "live.moved"), ("hml_steering", "live.hidden")}
    TALLY.controls += len(controls & finding.sightings)
    assert not finding.leaks, "leaks:\n" + "\n".join(sorted(set(finding.leaks)))
    assert not controls - finding.sightings
