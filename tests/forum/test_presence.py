"""Who is viewing a thread: shared between processes, announced in batches."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache

from forum import presence
from tests.factories import OrganisationFactory, UserFactory
from tests.forum.conftest import connect


def test_viewers_of_all_processes_are_announced_together():
    presence._exchange("server-a", {7: {1: "Aino", 2: "Bertil"}})
    [(thread, names, count)] = presence._exchange("server-b", {7: {3: "Cecilia", 2: "Bertil"}})
    assert thread == 7
    assert names == ["Aino", "Bertil", "Cecilia"]
    assert count == 3

    # Process A's viewers leave; B still sees its own.
    presence._exchange("server-a", {7: {}})
    [(_thread, names, count)] = presence._exchange("server-b", {7: {3: "Cecilia"}})
    assert (names, count) == (["Cecilia"], 1)


def test_a_stopped_process_is_forgotten_when_its_lists_expire(monkeypatch):
    presence._exchange("server-a", {8: {1: "Aino"}})
    cache.delete(presence.SERVERS_KEY)  # as if its registration had expired
    [(_thread, names, _count)] = presence._exchange("server-b", {8: {2: "Bertil"}})
    assert names == ["Bertil"]


def test_a_crowd_is_a_count_and_a_bounded_list_of_names():
    crowd = {n: f"Viewer {n:04d}" for n in range(presence.MAX_NAMES + 30)}
    [(_thread, names, count)] = presence._exchange("server-a", {9: crowd})
    assert len(names) == presence.MAX_NAMES
    assert count == presence.MAX_NAMES + 30


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_many_arrivals_make_few_announcements(world):
    thread = world["thread"]

    @sync_to_async
    def people():
        city = OrganisationFactory(slug="heinola")
        return [UserFactory(organisation=city, display_name=f"Katsoja {n}") for n in range(12)]

    viewers = []
    for user in await people():
        communicator, connected, _code = await connect(user)
        assert connected
        await communicator.send_json_to(
            {"type": "subscribe", "thread": thread.pk, "after": thread.event_seq}
        )
        viewers.append(communicator)

    first = viewers[0]
    announcements = []
    while len(announcements) < 3:
        try:
            event = json.loads(await first.receive_from(timeout=presence.ANNOUNCE_INTERVAL + 1))
        except TimeoutError:
            break
        if event["type"] == "presence":
            announcements.append(event)
            if event["count"] == 12:
                break
    # The first arrival is announced at once, the other eleven together.
    assert len(announcements) <= 2
    assert announcements[-1]["count"] == 12
    assert "Katsoja 11" in announcements[-1]["viewers"]
    for communicator in viewers:
        await communicator.disconnect()
