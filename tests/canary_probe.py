"""How the canary suite looks at what a channel gives a persona, and counts it."""

import contextlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from openpyxl import load_workbook

from tests.canary_world import ANONYMOUS, World


@dataclass
class Tally:
    """What the suite did, printed at the end of the run (``tests/conftest.py``)."""

    probes: int = 0
    controls: int = 0

    def line(self) -> str:
        return f"canary: {self.probes} probes, {self.controls} positive controls"


TALLY = Tally()


@dataclass
class Seen:
    """One answer of a channel: where it came from and all its text."""

    where: str
    text: str


@dataclass
class Finding:
    leaks: list[str] = field(default_factory=list)
    sightings: set[tuple[str, str]] = field(default_factory=set)


def client_for(world: World, persona: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    user = world.user(persona)
    if persona != ANONYMOUS and user is not None:
        client.force_login(user)
    return client


def xlsx_text(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        " ".join(str(cell) for cell in row if cell is not None)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def response_text(response: HttpResponse) -> str:
    """Everything an attacker receives: status, every header, the body decoded."""
    parts = [str(response.status_code)]
    parts += [f"{name}: {value}" for name, value in response.items()]
    content = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if content[:2] == b"PK":
        try:
            parts.append(xlsx_text(content))
        except (zipfile.BadZipFile, KeyError, ValueError):
            parts.append(content.decode("latin-1"))
    else:
        parts.append(content.decode("utf-8", "replace"))
        if response.get("Content-Type", "").startswith("application/json"):
            # JSON may escape what it holds; read it back as text as well.
            with contextlib.suppress(ValueError):
                parts.append(json.dumps(json.loads(content), ensure_ascii=False))
    return "\n".join(parts)


def fetch(client: Client, url: str, method: str = "get", **kwargs) -> Seen:
    response = getattr(client, method)(url, **kwargs)
    return Seen(f"{method.upper()} {url}", response_text(response))


def follow_frames(client: Client, frames: Iterable[str]) -> list[Seen]:
    """What a thread page fetches for the live frames it was sent.

    Frames carry only ids (``forum.events``); the page then asks the thread's
    fragments for the posts, state and poll they name, as the viewer it belongs
    to. The frames and those answers together are what the channel gives.
    """
    posts: dict[int, set[int]] = {}
    polls: set[tuple[int, int]] = set()
    states: set[int] = set()
    for text in frames:
        data = json.loads(text)
        for item in data if isinstance(data, list) else [data]:
            thread = item.get("thread")
            if not isinstance(thread, int) or item.get("gone"):
                continue
            if isinstance(item.get("post"), int):
                posts.setdefault(thread, set()).add(item["post"])
            if isinstance(item.get("poll"), int):
                polls.add((thread, item["poll"]))
            if item.get("type") == "thread.updated":
                states.add(thread)
    urls = [
        f"/forum/t/{thread}/fragments/?posts={','.join(map(str, sorted(ids)))}"
        for thread, ids in sorted(posts.items())
    ]
    urls += [f"/forum/t/{thread}/fragments/?poll={poll}" for thread, poll in sorted(polls)]
    urls += [f"/forum/t/{thread}/fragments/?state=1" for thread in sorted(states)]
    return [fetch(client, url) for url in urls]


def judge(world: World, persona: str, seen: Iterable[Seen], finding: Finding, *, extra=()) -> None:
    """Every marker in every answer: a leak unless the persona is one of its insiders."""
    for answer in seen:
        TALLY.probes += 1
        text = answer.text.lower()
        for marker in world.markers.values():
            if marker.value not in text:
                continue
            if persona in marker.insiders or (persona, marker.key) in extra:
                finding.sightings.add((persona, marker.key))
            else:
                finding.leaks.append(f"{marker.key} to {persona} via {answer.where}")
