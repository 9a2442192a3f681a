"""A bounded soak on 127.0.0.1: two Daphne processes sharing Redis, 200 viewers and
20 posters for 60 s. Every post is stored once and delivered once to every viewer,
counted, not sampled."""

import asyncio
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import websockets
from django.test import Client

from forum import services
from forum.models import Post
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory
from tests.realtime.test_two_daphnes import browser_for, reply

pytestmark = pytest.mark.realtime

VIEWERS = int(os.environ.get("SOAK_VIEWERS", "200"))
POSTERS = int(os.environ.get("SOAK_POSTERS", "20"))
SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
POST_EVERY = 10.0  # seconds between one poster's posts
DRAIN = 120.0  # at most this long for the last deliveries


def test_soak_every_post_stored_once_and_delivered_once(daphnes, capsys):
    organisation = OrganisationFactory(slug="pori")
    posters = [UserFactory(organisation=organisation) for _ in range(POSTERS)]
    viewer_user = UserFactory(organisation=organisation)
    thread = services.thread_create(
        actor=posters[0], category=CategoryFactory(slug="ict"), title="Soak", body="start"
    )
    client = Client()
    client.force_login(viewer_user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    browsers = [browser_for(p, daphnes[n % 2].url) for n, p in enumerate(posters)]
    after = thread.event_seq
    made: list[int] = []

    def post_for(n: int, deadline: float) -> None:
        site = daphnes[n % 2].url
        next_at = time.monotonic() + (n * POST_EVERY / POSTERS)
        while next_at < deadline:
            time.sleep(max(0.0, next_at - time.monotonic()))
            made.append(reply(browsers[n], site, thread.pk, f"soak {n} {len(made)}"))
            next_at += POST_EVERY

    async def viewer(index: int, ready: asyncio.Event, stop: asyncio.Event, posts: list[int]):
        url = daphnes[index % 2].url
        headers = {"Origin": url, "Cookie": cookie}
        async with websockets.connect(
            url.replace("http", "ws") + "/ws/live/",
            additional_headers=headers,
            open_timeout=60,
            ping_interval=None,
            max_queue=None,
        ) as socket:
            await socket.send(
                json.dumps({"type": "subscribe", "thread": thread.pk, "after": after})
            )
            subscribed = False
            while not stop.is_set():
                try:
                    event = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
                except TimeoutError:
                    continue
                if event["type"] == "subscribed":
                    subscribed = True
                    ready.set()
                elif event["type"] == "post.created":
                    posts.append(event["post"])
            assert subscribed

    async def scenario():
        stop = asyncio.Event()
        readies = [asyncio.Event() for _ in range(VIEWERS)]
        seen: list[list[int]] = [[] for _ in range(VIEWERS)]
        tasks = [asyncio.create_task(viewer(n, readies[n], stop, seen[n])) for n in range(VIEWERS)]
        async with asyncio.timeout(120):
            for event in readies:
                await event.wait()
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + SECONDS
        with ThreadPoolExecutor(max_workers=POSTERS) as pool:
            await asyncio.gather(
                *[loop.run_in_executor(pool, post_for, n, deadline) for n in range(POSTERS)]
            )
        drain_until = time.monotonic() + DRAIN
        expected = set(made)
        while time.monotonic() < drain_until:
            # Viewers still receiving: wait until the counts stop growing.
            await asyncio.sleep(2)
            if all(
                len(t.get_coro().cr_frame.f_locals.get("posts", [])) >= len(expected)
                for t in tasks
                if t.get_coro().cr_frame is not None
            ):
                break
        stop.set()
        await asyncio.gather(*tasks)
        return seen

    seen = asyncio.run(scenario())
    stored = Post.objects.filter(thread=thread).exclude(number=1).count()
    expected = len(made) * VIEWERS
    delivered = sum(len(set(posts)) for posts in seen)
    duplicates = sum(len(posts) - len(set(posts)) for posts in seen)
    missing = sum(len(set(made) - set(posts)) for posts in seen)
    report = (
        f"soak: {POSTERS} posters, {VIEWERS} viewers, {SECONDS:.0f} s: posts made "
        f"{len(made)}, stored {stored}, deliveries expected {expected}, deliveries seen "
        f"{delivered}, duplicates {duplicates}, missing {missing}"
    )
    with capsys.disabled():
        print("\n" + report)
    artifacts = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "soak.txt").write_text(report + "\n", encoding="utf-8")
    assert stored == len(made) == len(set(made))
    assert duplicates == 0
    assert missing == 0
    assert delivered == expected
