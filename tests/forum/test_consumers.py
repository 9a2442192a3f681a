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
    event = await receive(communicator)
    if event["type"] == "presence":
        event = await receive(communicator)
    assert event["type"] == "post.created"
    assert event["post"] == post.pk
    assert "<strong>Porvoo</strong>" in event["html"]

    await sync_to_async(services.post_edit)(actor=world["alice"], post=post, body="Hello again")
    assert (await receive(communicator))["type"] == "post.edited"
    await sync_to_async(services.reaction_toggle)(actor=world["bob"], post=post, kind="idea")
    reactions = await receive(communicator)
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
    for n in range(3):
        await sync_to_async(services.post_create)(
            actor=world["alice"], thread=thread, body=f"missed {n}"
        )
    communicator, _, _ = await connect(world["bob"])
    await communicator.send_json_to({"type": "subscribe", "thread": thread.pk, "after": seen})
    bodies = []
    while True:
        event = await receive(communicator)
        if event["type"] == "subscribed":
            break
        bodies.append(event["html"])
    assert len(bodies) == 3
    assert all(f"missed {n}" in bodies[n] for n in range(3))
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


async def test_losing_access_drops_the_subscription(world):
    bob = world["bob"]
    communicator, _, _ = await connect(bob)
    await communicator.send_json_to(
        {"type": "subscribe", "thread": world["secret"].pk, "after": world["secret"].event_seq}
    )
    assert (await receive(communicator))["type"] == "subscribed"

    @sync_to_async
    def revoke():
        from accounts.services import IAMProfile, user_apply_iam_profile

        user_apply_iam_profile(
            user=bob,
            profile=IAMProfile(
                subject="bob",
                email=bob.email,
                display_name="Bob",
                organisation=bob.organisation,
                roles=frozenset(),
                preferred_language=None,
            ),
            is_new=False,
        )

    await revoke()
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
