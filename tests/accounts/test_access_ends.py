"""Access ends everywhere at once: each way a session or a member ends closes their
live sockets, and leaves everyone else's open and receiving."""

import asyncio
import json
import time

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.test import Client

from accounts import services
from accounts import sessions as lifetime
from accounts.models import AuditEntry, Role, SignInSession, User
from forum import services as forum_services
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory
from tests.forum.conftest import connect, session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
def people(db):
    pori = OrganisationFactory(slug="pori")
    admin = UserFactory(organisation=pori, roles=[Role.PLATFORM_ADMIN])
    leaving = UserFactory(organisation=pori, roles=[Role.STEERING_GROUP])
    staying = UserFactory(organisation=pori, roles=[Role.STEERING_GROUP])
    thread = forum_services.thread_create(
        actor=staying, category=CategoryFactory(slug="open"), title="Avoin", body="alku"
    )
    secret = forum_services.thread_create(
        actor=staying,
        category=CategoryFactory(slug="sg", read_roles=[Role.STEERING_GROUP]),
        title="Ohjausryhmä",
        body="alku",
    )
    return {
        "admin": admin,
        "leaving": leaving,
        "staying": staying,
        "thread": thread,
        "secret": secret,
    }


async def subscribed(communicator, thread):
    await communicator.send_json_to(
        {"type": "subscribe", "thread": thread.pk, "after": thread.event_seq}
    )
    while json.loads(await communicator.receive_from(timeout=2))["type"] != "subscribed":
        pass


async def close_code(communicator, timeout: float = 1.0) -> int | None:
    """The code the socket is closed with within ``timeout`` (None if it stays open)."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            output = await communicator.receive_output(timeout=left)
        except TimeoutError:
            return None
        if output["type"] == "websocket.close":
            return output.get("code")
    return None


async def post_arrives(communicator, thread, author, body: str) -> bool:
    post = await sync_to_async(forum_services.post_create)(actor=author, thread=thread, body=body)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        event = json.loads(await communicator.receive_from(timeout=2))
        if event["type"] == "post.created" and event["post"] == post.pk:
            return True
    return False


async def two_sockets(people, thread_name="thread"):
    leaving_cookie = await sync_to_async(session_cookie)(people["leaving"])
    leaving, connected, _ = await connect(cookie=leaving_cookie)
    assert connected
    staying, connected, _ = await connect(people["staying"])
    assert connected
    for communicator in (leaving, staying):
        await subscribed(communicator, people[thread_name])
    return leaving, staying, leaving_cookie


async def assert_other_member_still_served(people, staying, thread_name="thread"):
    author = people["admin"] if thread_name == "thread" else people["staying"]
    assert await post_arrives(staying, people[thread_name], author, "Vielä täällä")
    await staying.disconnect()


async def test_sign_out_closes_that_sessions_sockets(people):
    leaving, staying, cookie = await two_sockets(people)
    other_session, connected, _ = await connect(people["leaving"])
    assert connected

    @sync_to_async
    def sign_out():
        client = Client()
        client.cookies["sessionid"] = cookie
        assert client.post("/sign-out/").status_code == 302

    await sign_out()

    assert await close_code(leaving) == 4403
    # The member's other browser is another session: it stays signed in.
    assert await other_session.receive_nothing(timeout=0.3)
    await other_session.disconnect()
    await assert_other_member_still_served(people, staying)


async def test_back_channel_logout_closes_the_sessions_sockets(people):
    leaving, staying, cookie = await two_sockets(people)

    @sync_to_async
    def iam_logs_out():
        SignInSession.objects.create(
            session_key=cookie, user=people["leaving"], subject="s-1", sid="sid-1", id_token=""
        )
        assert services.sessions_end_by_iam(subject="s-1", sid="sid-1") == 1

    await iam_logs_out()

    assert await close_code(leaving) == 4403
    await assert_other_member_still_served(people, staying)


async def test_deactivation_closes_every_socket_of_the_member(people):
    leaving, staying, _cookie = await two_sockets(people)
    second, connected, _ = await connect(people["leaving"])
    assert connected

    await sync_to_async(services.member_deactivate)(actor=people["admin"], user=people["leaving"])

    assert await close_code(leaving) == 4403
    assert await close_code(second) == 4403
    _again, connected, code = await connect(people["leaving"])
    assert not connected
    assert code == 4401
    assert await AuditEntry.objects.filter(action=AuditEntry.Action.MEMBER_DEACTIVATED).aexists()
    await assert_other_member_still_served(people, staying)


async def test_deactivation_in_django_admin_closes_the_sockets(people):
    leaving, staying, _cookie = await two_sockets(people)

    @sync_to_async
    def deactivate_in_admin():
        admin = people["admin"]
        admin.is_staff = admin.is_superuser = True
        admin.save()
        client = Client()
        client.force_login(admin)
        member = people["leaving"]
        response = client.post(
            f"/django-admin/accounts/user/{member.pk}/change/",
            {
                "handle": member.handle,
                "title": "",
                "preferred_language": "fi",
                "notification_email": "immediate",
                "roles-TOTAL_FORMS": "0",
                "roles-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.content[:2000]
        assert not User.objects.get(pk=member.pk).is_active

    await deactivate_in_admin()

    assert await close_code(leaving) == 4403
    await assert_other_member_still_served(people, staying)


async def test_anonymisation_closes_the_sockets(people):
    leaving, staying, _cookie = await two_sockets(people)

    await sync_to_async(services.member_anonymise)(actor=people["admin"], user=people["leaving"])

    assert await close_code(leaving) == 4403
    await assert_other_member_still_served(people, staying)


async def test_a_removed_role_drops_the_subscription_it_gave(people):
    leaving, staying, _cookie = await two_sockets(people, "secret")
    await subscribed(leaving, people["thread"])

    @sync_to_async
    def role_removed_in_the_iam():
        member = people["leaving"]
        services.user_apply_iam_profile(
            user=member,
            profile=services.IAMProfile(
                subject="s-1",
                email=member.email,
                display_name=member.display_name,
                organisation=member.organisation,
                roles=frozenset(),
                preferred_language=None,
            ),
            is_new=False,
        )

    await role_removed_in_the_iam()

    event = json.loads(await leaving.receive_from(timeout=1))
    while event["type"] == "presence":
        event = json.loads(await leaving.receive_from(timeout=1))
    assert event == {
        "type": "error",
        "code": "forbidden",
        "thread": people["secret"].pk,
    }
    # Still a member: the socket stays, with what they may still read.
    assert await post_arrives(leaving, people["thread"], people["admin"], "Avoin viesti")
    await sync_to_async(forum_services.post_create)(
        actor=people["staying"], thread=people["secret"], body="Luottamuksellinen"
    )
    assert await leaving.receive_nothing(timeout=0.3)
    await leaving.disconnect()
    await assert_other_member_still_served(people, staying, "secret")


@pytest.mark.parametrize(
    ("started_ago", "seen_ago", "reason"),
    [(3600, 9 * 3600, "idle"), (13 * 3600, 60, "max_age")],
)
async def test_a_session_past_its_limits_is_refused_and_ended(
    people, started_ago, seen_ago, reason
):
    @sync_to_async
    def aged_session():
        cookie = session_cookie(people["leaving"])
        store = services._session_store(cookie)
        now = time.time()
        store[lifetime.STARTED_AT] = now - started_ago
        store[lifetime.SEEN_AT] = now - seen_ago
        store.save()
        return cookie

    cookie = await aged_session()
    _communicator, connected, code = await connect(cookie=cookie)

    assert not connected
    assert code == 4401
    assert not await Session.objects.filter(session_key=cookie).aexists()
    entry = await AuditEntry.objects.filter(action=AuditEntry.Action.SESSION_EXPIRED).aget()
    assert entry.data == {"reason": reason}
    # The same member's fresh session connects.
    fresh, connected, _ = await connect(people["leaving"])
    assert connected
    await fresh.disconnect()


async def test_an_open_socket_closes_once_its_session_idles_out(people, settings):
    settings.SESSION_IDLE_SECONDS = 2
    leaving, staying, cookie = await two_sockets(people)

    @sync_to_async
    def idle_for_a_while():
        store = services._session_store(cookie)
        store[lifetime.SEEN_AT] = time.time() - 3
        store.save()

    await idle_for_a_while()
    await asyncio.sleep(2)
    await sync_to_async(forum_services.post_create)(
        actor=people["staying"], thread=people["thread"], body="Kukaan ei lue"
    )

    code = None
    deadline = time.monotonic() + 2
    while code is None and time.monotonic() < deadline:
        output = await leaving.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            code = output["code"]
    assert code == 4403
    await staying.disconnect()
