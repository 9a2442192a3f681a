"""The live websocket, through Channels' communicator and the real ASGI stack."""

import json

import pytest
from asgiref.sync import sync_to_async

from accounts.models import Role
from forum import services
from tests.factories import OrganisationFactory, UserFactory
from tests.forum.conftest import connect, receive

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_anonymous_is_closed_with_a_clear_code(world):
    _communicator, connected, code = await connect(None)
    assert not connected
    assert code == 4401


async def test_foreign_origin_is_refused(world):
    _communicator, connected, _code = await connect(world["alice"], origin="http://evil.example")
    assert not connected


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.0.0.1:8000/", True),
        ("https://platform.example", True),
        ("https://platform.example:443", True),
        ("http://127.0.0.1:9999", False),
        ("http://127.0.0.1", False),
        ("https://127.0.0.1:8000", False),
        ("http://platform.example", False),
        ("https://platform.example:8443", False),
        ("https://evil.platform.example", False),
        ("null", False),
        ("", False),
    ],
)
async def test_only_the_sites_exact_origins_may_open_the_socket(world, settings, origin, accepted):
    """Scheme, host and port must all be one of the site's own origins (``SITE_URL``,
    ``CSRF_TRUSTED_ORIGINS``); another port on the same host is another site, and a
    handshake without an Origin is refused."""
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1:8000", "https://platform.example"]
    communicator, connected, _code = await connect(world["alice"], origin=origin)
    assert connected is accepted
    if connected:
        await communicator.disconnect()


async def thread_event(communicator):
    """The next frame that is not about who is present (those come on their own time)."""
    while (frame := await receive(communicator))["type"] == "presence":
        pass
    return frame


async def test_subscriber_sees_new_posts_edits_and_reactions(world):
    thread = world["thread"]
    communicator, connected, _ = await connect(world["bob"])
    assert connected
    await communicator.send_json_to(
        {"type": "subscribe", "thread": thread.pk, "after": thread.event_seq}
    )
    assert (await receive(communicator))["type"] == "subscribed"

    post = await sync_to_async(services.post_create)(
        actor=world["alice"], thread=thread, body="Hello **Porvoo**"
    )
    event = await thread_event(communicator)
    assert event["type"] == "post.created"
    assert event["post"] == post.pk
    # Ids only: each viewer fetches the post as they see it (controls, language).
    assert event == {
        "type": "post.created",
        "thread": thread.pk,
        "seq": event["seq"],
        "post": post.pk,
        "number": post.number,
        "author": world["alice"].pk,
    }

    await sync_to_async(services.post_edit)(actor=world["alice"], post=post, body="Hello again")
    assert (await thread_event(communicator))["type"] == "post.edited"
    await sync_to_async(services.reaction_toggle)(actor=world["bob"], post=post, kind="idea")
    reactions = await thread_event(communicator)
    assert reactions == {
        "type": "post.reactions",
        "thread": thread.pk,
        "seq": reactions["seq"],
        "post": post.pk,
        "counts": {"idea": 1},
    }
    await communicator.disconnect()


async def test_restricted_thread_cannot_be_subscribed(world):
    communicator, _, _ = await connect(world["alice"])
    await communicator.send_json_to({"type": "subscribe", "thread": world["secret"].pk})
    assert await receive(communicator) == {
        "type": "error",
        "code": "forbidden",
        "thread": world["secret"].pk,
    }
    await sync_to_async(services.post_create)(
        actor=world["bob"], thread=world["secret"], body="board only"
    )
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_reconnecting_client_catches_up_exactly_once(world):
    thread = world["thread"]
    seen = thread.event_seq
    missed = [
        (
            await sync_to_async(services.post_create)(
                actor=world["alice"], thread=thread, body=f"missed {n}"
            )
        ).pk
        for n in range(3)
    ]
    communicator, _, _ = await connect(world["bob"])
    await communicator.send_json_to({"type": "subscribe", "thread": thread.pk, "after": seen})
    bodies = []
    while True:
        event = await receive(communicator)
        if event["type"] == "subscribed":
            break
        bodies.append(event["post"])
    assert bodies == missed
    assert (await receive(communicator))["type"] == "presence"
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_bad_frames_get_errors_and_the_socket_survives(world, settings):
    communicator, _, _ = await connect(world["alice"])
    await communicator.send_to(text_data="{not json")
    assert (await receive(communicator))["code"] == "malformed"
    await communicator.send_to(text_data=json.dumps({"type": "subscribe", "thread": "x" * 10}))
    assert (await receive(communicator))["code"] == "malformed"
    await communicator.send_to(text_data="x" * (settings.WEBSOCKET_MAX_FRAME_BYTES + 1))
    assert (await receive(communicator))["code"] == "frame_too_large"
    await communicator.send_to(bytes_data=b"\x00\x01")
    assert (await receive(communicator))["code"] == "binary_not_supported"
    await communicator.send_json_to({"type": "ping"})
    assert (await receive(communicator))["type"] == "pong"
    await communicator.disconnect()


async def test_flooding_is_rate_limited(world):
    communicator, _, _ = await connect(world["alice"])
    for _ in range(40):
        await communicator.send_json_to({"type": "nonsense"})
    codes = [(await receive(communicator))["code"] for _ in range(40)]
    assert "rate_limited" in codes
    await communicator.disconnect()


@sync_to_async
def revoke_roles(user) -> None:
    """The IAM says the member holds no role any more (as at their next sign-in check)."""
    from accounts.services import IAMProfile, user_apply_iam_profile

    user_apply_iam_profile(
        user=user,
        profile=IAMProfile(
            subject=user.handle,
            email=user.email,
            display_name=user.handle,
            organisation=user.organisation,
            roles=frozenset(),
            preferred_language=None,
        ),
        is_new=False,
    )


async def test_losing_access_drops_the_subscription(world):
    bob = world["bob"]
    communicator, _, _ = await connect(bob)
    await communicator.send_json_to(
        {"type": "subscribe", "thread": world["secret"].pk, "after": world["secret"].event_seq}
    )
    assert (await receive(communicator))["type"] == "subscribed"

    await revoke_roles(bob)
    events = []
    for _ in range(3):
        events.append(await receive(communicator))
        if events[-1]["type"] == "error":
            break
    assert events[-1] == {"type": "error", "code": "forbidden", "thread": world["secret"].pk}
    other_board_member = await sync_to_async(UserFactory)(roles=[Role.STEERING_GROUP])
    await sync_to_async(services.post_create)(
        actor=other_board_member, thread=world["secret"], body="after revocation"
    )
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_access_lost_while_the_socket_opens_holds_for_its_subscriptions(world, monkeypatch):
    # The change lands after the session was read but before the socket hears the
    # member's group, so its message to that group reaches nobody.
    from live.broadcast import user_group
    from live.hub import Hub

    bob = world["bob"]
    join = Hub.join

    async def join_after_a_change(self, group, member):
        if group == user_group(bob.pk):
            await revoke_roles(bob)
        await join(self, group, member)

    monkeypatch.setattr(Hub, "join", join_after_a_change)
    communicator, connected, _ = await connect(bob)
    assert connected
    await communicator.send_json_to({"type": "subscribe", "thread": world["secret"].pk})
    assert await receive(communicator) == {
        "type": "error",
        "code": "forbidden",
        "thread": world["secret"].pk,
    }
    await communicator.send_json_to(
        {"type": "subscribe", "thread": world["thread"].pk, "after": world["thread"].event_seq}
    )
    assert (await receive(communicator))["type"] == "subscribed"
    await communicator.disconnect()


async def test_typing_is_relayed_to_others_and_throttled(world):
    thread = world["thread"]
    alice, _, _ = await connect(world["alice"])
    bob, _, _ = await connect(world["bob"])
    for communicator in (alice, bob):
        await communicator.send_json_to({"type": "subscribe", "thread": thread.pk, "after": 10**6})
    for communicator in (alice, bob):
        while (await receive(communicator))["type"] != "subscribed":
            pass
    await alice.send_json_to({"type": "typing", "thread": thread.pk})
    await alice.send_json_to({"type": "typing", "thread": thread.pk})
    typing = []
    while not await bob.receive_nothing(timeout=0.5):
        event = await receive(bob)
        if event["type"] == "typing":
            typing.append(event)
    assert len(typing) == 1
    assert typing[0]["user"] == world["alice"].pk
    await alice.disconnect()
    await bob.disconnect()


SUBSCRIPTION_MATRIX = {
    # kind: (open thread, steering group thread)
    "anonymous": ("closed", "closed"),
    "expert_a": ("subscribed", "forbidden"),
    "expert_b": ("subscribed", "forbidden"),
    "ict_lead": ("subscribed", "forbidden"),
    "steering": ("subscribed", "subscribed"),
    # Least privilege: moderating or administering the platform reads nothing restricted.
    "moderator": ("subscribed", "forbidden"),
    "admin": ("subscribed", "forbidden"),
}


async def test_subscription_matrix(world):
    @sync_to_async
    def people():
        pori = world["alice"].organisation
        return {
            "anonymous": None,
            "expert_a": world["alice"],
            "expert_b": UserFactory(organisation=OrganisationFactory(slug="kajaani")),
            "ict_lead": UserFactory(organisation=pori, roles=[Role.ICT_LEAD]),
            "steering": world["bob"],
            "moderator": UserFactory(roles=[Role.MODERATOR]),
            "admin": UserFactory(roles=[Role.PLATFORM_ADMIN]),
        }

    users = await people()
    outcomes = {}
    for kind, user in users.items():
        communicator, connected, _code = await connect(user)
        if not connected:
            outcomes[kind] = ("closed", "closed")
            continue
        results = []
        for thread in (world["thread"], world["secret"]):
            await communicator.send_json_to(
                {"type": "subscribe", "thread": thread.pk, "after": thread.event_seq}
            )
            event = await receive(communicator)
            results.append(event["type"] if event["type"] == "subscribed" else event["code"])
            while not await communicator.receive_nothing(timeout=0.1):
                await communicator.receive_from()
        outcomes[kind] = tuple(results)
        await communicator.disconnect()
    assert outcomes == SUBSCRIPTION_MATRIX


async def watch_list(communicator, category=None) -> None:
    await communicator.send_json_to({"type": "watch_list", "category": category})
    assert await receive(communicator) == {"type": "watching", "category": category}


async def activity(communicator) -> dict:
    """The next list frame, past the member's own notification counts."""
    while True:
        frame = await receive(communicator)
        if frame["type"] != "notifications.count":
            return frame


async def no_activity(communicator, timeout=0.5) -> bool:
    """Nothing but notification counts arrives within ``timeout``."""
    while not await communicator.receive_nothing(timeout=timeout):
        if (await receive(communicator))["type"] != "notifications.count":
            return False
    return True


async def test_a_watched_list_hears_new_threads_and_replies_it_may_read(world):
    """A page with the forum's index hears of new threads and new replies, ids only."""
    alice, bob = world["alice"], world["bob"]
    communicator, _, _ = await connect(alice)
    await watch_list(communicator)
    create = sync_to_async(services.thread_create)
    fresh = await create(actor=bob, category=world["thread"].category, title="Uusi", body="Avaus")
    assert await activity(communicator) == {
        "type": "thread.activity",
        "thread": fresh.pk,
        "category": fresh.category_id,
        "new": True,
    }
    await sync_to_async(services.post_create)(actor=bob, thread=world["thread"], body="Vastaus")
    assert await activity(communicator) == {
        "type": "thread.activity",
        "thread": world["thread"].pk,
        "category": world["thread"].category_id,
        "new": False,
    }
    await communicator.disconnect()


async def test_a_watched_list_never_names_a_thread_the_member_may_not_read(world):
    """Alice may not read the steering group's category: its new threads and replies
    never reach her list, not even as an id; Bob, who may, hears of both (control)."""
    alice, bob = world["alice"], world["bob"]
    outsider, _, _ = await connect(alice)
    insider, _, _ = await connect(bob)
    for communicator in (outsider, insider):
        await watch_list(communicator)
    steering = world["secret"].category
    secret = await sync_to_async(services.thread_create)(
        actor=bob, category=steering, title="Luottamuksellinen", body="Avaus"
    )
    await sync_to_async(services.post_create)(actor=bob, thread=world["secret"], body="Lisää")
    # A sentinel both may read: once it arrives, anything before it has too.
    await sync_to_async(services.post_create)(actor=bob, thread=world["thread"], body="Merkki")
    heard = {}
    for name, communicator in (("outsider", outsider), ("insider", insider)):
        frames = []
        while not frames or frames[-1]["thread"] != world["thread"].pk:
            frames.append(await activity(communicator))
        heard[name] = {frame["thread"] for frame in frames}
        await communicator.disconnect()
    assert heard["outsider"] == {world["thread"].pk}
    assert heard["insider"] == {secret.pk, world["secret"].pk, world["thread"].pk}


async def test_a_category_list_hears_only_its_category(world):
    bob = world["bob"]
    communicator, _, _ = await connect(bob)
    await watch_list(communicator, world["secret"].category_id)
    await sync_to_async(services.post_create)(actor=bob, thread=world["thread"], body="Muualla")
    await sync_to_async(services.post_create)(actor=bob, thread=world["secret"], body="Täällä")
    assert (await activity(communicator))["thread"] == world["secret"].pk
    await communicator.send_json_to({"type": "unwatch_list"})
    await sync_to_async(services.post_create)(actor=bob, thread=world["secret"], body="Ei enää")
    assert await no_activity(communicator)
    await communicator.disconnect()


async def test_a_list_stops_hearing_of_a_thread_once_it_is_hidden(world):
    """The answer remembered for a thread holds only for the readers version it was
    asked at: after the thread is hidden, its activity no longer reaches a member,
    while a moderator's list still hears of it."""
    alice = world["alice"]
    moderator = await sync_to_async(UserFactory)(
        organisation=alice.organisation, roles=[Role.MODERATOR]
    )
    member, _, _ = await connect(alice)
    watcher, _, _ = await connect(moderator)
    for communicator in (member, watcher):
        await watch_list(communicator)
    thread = world["thread"]
    await sync_to_async(services.post_create)(actor=moderator, thread=thread, body="Ennen")
    for communicator in (member, watcher):
        assert (await activity(communicator))["thread"] == thread.pk
    await sync_to_async(services.thread_moderate)(actor=moderator, thread=thread, hidden=True)
    await sync_to_async(services.post_create)(actor=moderator, thread=thread, body="Piilossa")
    frames = [await activity(watcher), await activity(watcher)]
    assert [f["thread"] for f in frames] == [thread.pk, thread.pk]
    assert await no_activity(member)
    for communicator in (member, watcher):
        await communicator.disconnect()
