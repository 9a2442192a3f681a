"""End to end over real sockets: two Daphne processes sharing Redis."""

import asyncio
import json
import re
import time

import pytest
import redis
import requests
import websockets
from django.test import Client

from forum import services
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.realtime


def browser_for(user, site: str) -> requests.Session:
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value, domain="127.0.0.1")
    session.headers["Referer"] = site + "/"
    return session


def reply(browser: requests.Session, site: str, thread_id: int, body: str) -> int:
    page = browser.get(f"{site}/forum/t/{thread_id}/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = browser.post(
        f"{site}/forum/t/{thread_id}/reply/",
        data={"csrfmiddlewaretoken": csrf, "body": body},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201, response.text[:300]
    return response.json()["post"]


async def collect(socket, want: int, timeout: float = 5.0) -> list[dict]:
    events = []
    async with asyncio.timeout(timeout):
        while len([e for e in events if e["type"] == "post.created"]) < want:
            events.append(json.loads(await socket.recv()))
    return events


def test_post_through_one_process_reaches_a_viewer_on_the_other(daphnes):
    first, second = daphnes
    pori, porvoo = OrganisationFactory(slug="pori"), OrganisationFactory(slug="porvoo")
    alice = UserFactory(organisation=pori)
    bob = UserFactory(organisation=porvoo)
    thread = services.thread_create(
        actor=alice, category=CategoryFactory(slug="ict"), title="Live", body="start"
    )
    alice_browser = browser_for(alice, first.url)
    cookie = f"sessionid={browser_for(bob, second.url).cookies['sessionid']}"
    ws_url = second.url.replace("http", "ws") + "/ws/live/"
    headers = {"Origin": second.url, "Cookie": cookie}

    async def scenario():
        async with websockets.connect(ws_url, additional_headers=headers) as socket:
            await socket.send(
                json.dumps({"type": "subscribe", "thread": thread.pk, "after": thread.event_seq})
            )
            while json.loads(await socket.recv())["type"] != "subscribed":
                pass
            loop = asyncio.get_running_loop()
            post_id = await loop.run_in_executor(
                None, reply, alice_browser, first.url, thread.pk, "Hei Porvoo!"
            )
            events = await collect(socket, 1, timeout=2.0)
            created = [e for e in events if e["type"] == "post.created"]
            assert [e["post"] for e in created] == [post_id]
            last_seq = created[0]["seq"]

        # The viewer's socket is gone; three posts are made meanwhile.
        missed = [reply(alice_browser, first.url, thread.pk, f"missed {n}") for n in range(3)]

        async with websockets.connect(ws_url, additional_headers=headers) as socket:
            await socket.send(
                json.dumps({"type": "subscribe", "thread": thread.pk, "after": last_seq})
            )
            events = []
            while True:
                event = json.loads(await asyncio.wait_for(socket.recv(), 5))
                if event["type"] == "subscribed":
                    break
                events.append(event)
            assert [e["post"] for e in events if e["type"] == "post.created"] == missed
            # And nothing more arrives twice.
            try:
                extra = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
            except TimeoutError:
                extra = None
            assert extra is None or extra["type"] == "presence"

    asyncio.run(scenario())


def test_viewers_share_one_subscription_per_process_and_leave_none_behind(daphnes):
    """However many sockets watch a thread, each process subscribes to it once in
    Redis; when they all leave at once, no subscription stays behind."""
    viewers = 120
    pori = OrganisationFactory(slug="pori")
    alice, bob = UserFactory(organisation=pori), UserFactory(organisation=pori)
    thread = services.thread_create(
        actor=alice, category=CategoryFactory(slug="ict"), title="Paljon katsojia", body="alku"
    )
    alice_browser = browser_for(alice, daphnes[0].url)
    cookie = f"sessionid={browser_for(bob, daphnes[0].url).cookies['sessionid']}"
    env = daphnes[0].env
    group_channel = f"{env['REDIS_PREFIX']}__group__thread.{thread.pk}"
    client = redis.Redis.from_url(env["REDIS_URL"])

    def subscriptions() -> int:
        return dict(client.pubsub_numsub(group_channel)).get(group_channel.encode(), 0)

    async def scenario():
        sockets = []
        for n in range(viewers):
            site = daphnes[n % 2].url
            socket = await websockets.connect(
                site.replace("http", "ws") + "/ws/live/",
                additional_headers={"Origin": site, "Cookie": cookie},
            )
            await socket.send(
                json.dumps({"type": "subscribe", "thread": thread.pk, "after": thread.event_seq})
            )
            sockets.append(socket)
        for socket in sockets:
            async with asyncio.timeout(10):
                while json.loads(await socket.recv())["type"] != "subscribed":
                    pass
        assert subscriptions() == 2

        loop = asyncio.get_running_loop()
        post_id = await loop.run_in_executor(
            None, reply, alice_browser, daphnes[0].url, thread.pk, "Kaikille"
        )
        for socket in sockets:
            created = [e for e in await collect(socket, 1) if e["type"] == "post.created"]
            assert [e["post"] for e in created] == [post_id]

        await asyncio.gather(*(socket.close() for socket in sockets))
        async with asyncio.timeout(10):
            while subscriptions():
                await asyncio.sleep(0.1)

    asyncio.run(scenario())


def test_sign_out_through_one_process_closes_the_socket_on_the_other(daphnes):
    """Within a second of signing out through process A, the member's socket on B
    closes; another member's socket on B stays open and keeps receiving."""
    first, second = daphnes
    pori = OrganisationFactory(slug="pori")
    alice, bob = UserFactory(organisation=pori), UserFactory(organisation=pori)
    thread = services.thread_create(
        actor=alice, category=CategoryFactory(slug="ict"), title="Uloskirjautuminen", body="alku"
    )
    alice_browser = browser_for(alice, first.url)
    bob_cookie = f"sessionid={browser_for(bob, second.url).cookies['sessionid']}"
    alice_cookie = f"sessionid={alice_browser.cookies['sessionid']}"
    bob_browser = browser_for(bob, first.url)
    ws_url = second.url.replace("http", "ws") + "/ws/live/"

    def sign_out() -> float:
        page = alice_browser.get(f"{first.url}/sign-out/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = alice_browser.post(
            f"{first.url}/sign-out/", data={"csrfmiddlewaretoken": csrf}, allow_redirects=False
        )
        assert response.status_code == 302, response.text[:300]
        return time.monotonic()

    async def subscribed(socket):
        await socket.send(
            json.dumps({"type": "subscribe", "thread": thread.pk, "after": thread.event_seq})
        )
        async with asyncio.timeout(5):
            while json.loads(await socket.recv())["type"] != "subscribed":
                pass

    async def scenario():
        headers = {"Origin": second.url}
        async with (
            websockets.connect(
                ws_url, additional_headers={**headers, "Cookie": alice_cookie}
            ) as mine,
            websockets.connect(
                ws_url, additional_headers={**headers, "Cookie": bob_cookie}
            ) as other,
        ):
            await subscribed(mine)
            await subscribed(other)
            loop = asyncio.get_running_loop()
            signed_out_at = await loop.run_in_executor(None, sign_out)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                async with asyncio.timeout(2):
                    while True:
                        await mine.recv()
            assert time.monotonic() - signed_out_at < 1.0
            assert closed.value.rcvd.code == 4403

            post_id = await loop.run_in_executor(
                None, reply, bob_browser, first.url, thread.pk, "Yhä auki"
            )
            created = [e for e in await collect(other, 1) if e["type"] == "post.created"]
            assert [e["post"] for e in created] == [post_id]

    asyncio.run(scenario())
