"""Faults injected into real processes: Redis stops while people use the forum."""

import asyncio
import json
import shutil
import subprocess
import time

import pytest
import redis
import websockets

from forum import services
from tests.conftest import free_port
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory
from tests.realtime.conftest import Daphne, database_url
from tests.realtime.test_two_daphnes import browser_for, reply

pytestmark = pytest.mark.realtime


class RedisServer:
    def __init__(self, port: int):
        self.port = port
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port())
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


def test_redis_stopping_loses_nothing(transactional_db, own_redis):
    daphne = Daphne(
        {
            "DATABASE_URL": database_url(),
            "DEBUG": "1",
            "REDIS_URL": f"redis://127.0.0.1:{own_redis.port}/0",
        }
    )
    try:
        pori = OrganisationFactory(slug="pori")
        alice, bob = UserFactory(organisation=pori), UserFactory(organisation=pori)
        thread = services.thread_create(
            actor=alice, category=CategoryFactory(slug="ict"), title="Redis-testi", body="alku"
        )
        alice_browser = browser_for(alice, daphne.url)
        cookie = f"sessionid={browser_for(bob, daphne.url).cookies['sessionid']}"
        ws_url = daphne.url.replace("http", "ws") + "/ws/live/"
        headers = {"Origin": daphne.url, "Cookie": cookie}
        seen = thread.event_seq

        own_redis.stop()
        # Pages and posting keep working without Redis.
        assert alice_browser.get(f"{daphne.url}/forum/t/{thread.pk}/").status_code == 200
        made_while_down = [
            reply(alice_browser, daphne.url, thread.pk, f"ilman redistä {n}") for n in range(2)
        ]

        own_redis.start()

        async def catch_up():
            async with websockets.connect(ws_url, additional_headers=headers) as socket:
                await socket.send(
                    json.dumps({"type": "subscribe", "thread": thread.pk, "after": seen})
                )
                posts = []
                while True:
                    event = json.loads(await asyncio.wait_for(socket.recv(), 5))
                    if event["type"] == "subscribed":
                        break
                    if event["type"] == "post.created":
                        posts.append(event["post"])
                assert posts == made_while_down
                # And live updates flow again.
                loop = asyncio.get_running_loop()
                live_post = await loop.run_in_executor(
                    None, reply, alice_browser, daphne.url, thread.pk, "redis palasi"
                )
                while True:
                    event = json.loads(await asyncio.wait_for(socket.recv(), 5))
                    if event["type"] == "post.created":
                        assert event["post"] == live_post
                        return

        asyncio.run(catch_up())
    finally:
        daphne.stop()
