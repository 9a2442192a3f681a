"""Canaries: a secret in every protected state, looked for the way an attacker would.

``tests/canary_world.py`` plants a unique random marker in each protected state
(a thread in the steering group's category, a confidential thread with an
audience, a hidden thread, a hidden and a deleted post, a thread moved into a
restricted category, another city's draft need with its attachment, discussion
and a decision on it, an anonymised member, a city's yearly report to the
members). Every channel below is then asked as every persona; a marker in any
answer (status, headers, body, decoded spreadsheet, e-mail) to a persona who is
not one of its insiders is a leak.

Each channel also names positive controls: markers an insider must see through
it in the same setup, so a channel cannot pass by showing nothing. A new
channel is one more entry in ``CHANNELS``.

The live socket is probed in ``tests/test_canary_live.py`` (it needs committed
data). ``KNOWN_OPEN`` lists channels whose leaks are known and being fixed;
remove a name when its fix lands (the strict xfail fails as soon as it passes).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings

from accounts import ratelimit
from notifications.tasks import send_daily_digests, send_notification_email
from tests.canary_probe import (
    TALLY,
    Finding,
    Seen,
    client_for,
    fetch,
    follow_frames,
    judge,
    response_text,
)
from tests.canary_world import (
    ANONYMOUS,
    NOBODY,
    PERSONAS,
    World,
    all_threads,
    build_world,
    planted_markers,
)

KNOWN_OPEN: dict[str, str] = {}

Probe = Callable[[World, str, object], Iterable[Seen]]


@dataclass(frozen=True)
class Channel:
    name: str
    probe: Probe
    # (persona, marker key): an insider who must see the marker through this channel.
    controls: tuple[tuple[str, str], ...]
    # Markers a persona may see here only (their own data, the back office).
    allowed: Callable[[World, str], set[str]] = field(default=lambda world, persona: set())
    # Markers not judged here: an attacker's own input echoed back.
    ignored: frozenset[str] = frozenset()


def ids(world: World, *keys: str) -> list[int]:
    return [world.objects[key].pk for key in keys]


# ---------------------------------------------------------------- forum pages


def forum_pages(world: World, persona: str, client) -> list[Seen]:
    seen = [fetch(client, "/"), fetch(client, "/forum/"), fetch(client, "/forum/?page=2")]
    for key in ("open_category", "steering_category"):
        slug = world.objects[key].slug
        seen += [
            fetch(client, f"/forum/c/{slug}/"),
            fetch(client, f"/forum/c/{slug}/?page=2"),
            fetch(client, f"/forum/c/{slug}/", HTTP_HX_REQUEST="true"),
            fetch(client, f"/forum/c/{slug}/new/"),
        ]
    return seen


def thread_pages(world: World, persona: str, client) -> list[Seen]:
    seen = []
    for thread in all_threads(world):
        url = f"/forum/t/{thread.pk}/"
        seen += [
            fetch(client, url),
            fetch(client, url, HTTP_HX_REQUEST="true", HTTP_ACCEPT="application/json"),
            fetch(client, f"{url}audience/"),
        ]
    return seen


def protected_posts(world: World) -> list:
    """The posts that hold a marker, and the first post of every thread."""
    keys = ("visible_post", "hidden_post", "deleted_post", "restricted_reply")
    firsts = [thread.posts.order_by("number").first() for thread in all_threads(world)]
    moved = list(world.objects["moved"].posts.all())
    return [*(world.objects[key] for key in keys), *firsts, *moved]


def post_pages(world: World, persona: str, client) -> list[Seen]:
    return [
        fetch(client, f"/forum/p/{post.pk}/{path}")
        for post in protected_posts(world)
        for path in ("", "history/", "flag/", "edit/", "delete/")
    ]


def quotes(world: World, persona: str, client) -> list[Seen]:
    """Reply-to as a link parameter and as a posted field, naming protected posts."""
    public = world.objects["public"]
    named = [world.objects[key] for key in ("hidden_post", "deleted_post", "restricted_reply")]
    named.append(world.objects["confidential"].posts.order_by("number").first())
    seen = [fetch(client, f"/forum/t/{public.pk}/?reply_to={post.pk}") for post in named]
    if persona != ANONYMOUS:
        seen += [
            fetch(
                client,
                f"/forum/t/{public.pk}/reply/",
                "post",
                data={"body": "Vastaan tähän.", "reply_to": post.pk},
                HTTP_ACCEPT="application/json",
            )
            for post in named
        ]
        seen.append(fetch(client, f"/forum/t/{public.pk}/?page=last"))
    return seen


def tag_pages(world: World, persona: str, client) -> list[Seen]:
    seen = []
    tags = [m.value for key, m in world.markers.items() if key.endswith(".tag")]
    for key in ("open_category", "steering_category"):
        slug = world.objects[key].slug
        seen += [fetch(client, f"/forum/c/{slug}/?tag={tag}") for tag in tags]
    return seen


def moderation(world: World, persona: str, client) -> list[Seen]:
    return [fetch(client, "/forum/moderation/")]


def notifications(world: World, persona: str, client) -> list[Seen]:
    return [
        fetch(client, "/notifications/"),
        fetch(client, "/notifications/", HTTP_HX_REQUEST="true"),
    ]


def emails(world: World, persona: str, client) -> list[Seen]:
    """What each member would be e-mailed now: at once, and in the daily digest."""
    user = world.user(persona)
    if user is None:
        return []
    seen = []
    for send in ("immediate", "digest"):
        mail.outbox = []
        with transaction.atomic():
            if send == "immediate":
                send_notification_email.call(user.pk)
            else:
                send_daily_digests.call()
            transaction.set_rollback(True)
        for message in mail.outbox:
            if user.email in message.to:
                # The text, any HTML alternative, and attached files (a meeting's
                # calendar invitation) are all ways out.
                parts = [message.subject, message.body]
                parts += [str(a) for a in getattr(message, "alternatives", [])]
                for _name, content, _type in message.attachments:
                    parts.append(content.decode() if isinstance(content, bytes) else content)
                text = "\n".join(parts)
                seen.append(Seen(f"{send} e-mail", text))
    return seen


def feeds(world: World, persona: str, client) -> list[Seen]:
    user = world.user(persona)
    token = user.feed_token if user else "no-token-of-mine"
    seen = []
    for key in ("open_category", "steering_category"):
        slug = world.objects[key].slug
        seen.append(fetch(client, f"/forum/c/{slug}/feed/{token}/"))
    return seen


def events_http(world: World, persona: str, client) -> list[Seen]:
    """The stored events, and the fragments a page fetches for the ids they name."""
    seen, replayed = [], []
    for thread in all_threads(world):
        for after in (0, -1):
            url = f"/forum/t/{thread.pk}/events/?after={after}"
            response = client.get(url)
            seen.append(Seen(f"GET {url}", response_text(response)))
            if response.status_code == 200:
                replayed.append(response.content.decode())
    return seen + follow_frames(client, replayed)


# ---------------------------------------------------------------- search

# Markers also searched for by their own kind and in the suggestions; the others
# with "everything" only.
SEARCH_EVERY_WAY = {
    "public.title": ("", "thread"),
    "visible.text": ("", "post"),
    "restricted.title": ("", "thread", "post"),
    "restricted.reply": ("", "post"),
    "confidential.title": ("", "thread", "post"),
    "hidden_thread.title": ("", "thread", "post"),
    "hidden_post.text": ("", "post"),
    "deleted_post.text": ("", "post"),
    "moved.title": ("", "thread", "post"),
    "moved.reply": ("", "post"),
    "draft.title": ("", "need", "thread"),
    "draft.thread_title": ("", "thread", "post"),
    "anonymised.name": ("", "post", "need"),
}


def search(world: World, persona: str, client) -> list[Seen]:
    seen = []
    for key, marker in world.markers.items():
        if key.endswith(("file_content", ".email", ".tag")):
            continue
        kinds = SEARCH_EVERY_WAY.get(key, ("",))
        seen += [
            fetch(client, "/search/?" + urlencode({"q": marker.value, "kind": kind}))
            for kind in kinds
        ]
        if key in SEARCH_EVERY_WAY:
            seen.append(fetch(client, "/search/suggest/?" + urlencode({"q": marker.value})))
    for key in ("draft.title", "draft.problem"):
        seen.append(fetch(client, "/needs/similar/?" + urlencode({"title": world.marker(key)})))
    for key in ("public.tag", "restricted.tag", "draft.tag", "confidential.tag", "moved.tag"):
        query = urlencode({"q": "Aihe", "tag": world.marker(key)})
        seen.append(fetch(client, f"/search/?{query}"))
    seen.append(fetch(client, "/search/?" + urlencode({"q": "Avaus"})))
    seen.append(fetch(client, "/search/?" + urlencode({"q": "Luonnos", "organisation": "pori"})))
    return seen


# ---------------------------------------------------------------- members


def members(world: World, persona: str, client) -> list[Seen]:
    seen = [fetch(client, "/members/")]
    seen += [
        fetch(client, "/members/?" + urlencode({"q": world.marker(key)}))
        for key in ("twin.name", "anonymised.name", "anonymised.handle", "anonymised.email")
    ]
    people = [*world.users.values(), world.objects["departed"], world.objects["twin"]]
    seen += [fetch(client, f"/members/{person.pk}/") for person in people]
    return seen


def own_data(world: World, persona: str, client) -> list[Seen]:
    return [fetch(client, "/profile/data.json"), fetch(client, "/profile/")]


def own_data_allowed(world: World, persona: str) -> set[str]:
    return {key for key, m in world.markers.items() if m.own_data_of and m.own_data_of == persona}


def back_office(world: World, persona: str, client) -> list[Seen]:
    departed, twin = world.objects["departed"], world.objects["twin"]
    seen = [
        fetch(client, "/audit/"),
        fetch(client, "/django-admin/accounts/user/"),
        fetch(client, f"/django-admin/accounts/user/{departed.pk}/change/"),
        fetch(client, f"/django-admin/accounts/user/{twin.pk}/change/"),
        fetch(client, "/django-admin/accounts/auditentry/"),
        fetch(client, "/admin/"),
        fetch(client, "/admin/snippets/forum/category/"),
    ]
    for key in ("twin.name", "anonymised.name", "anonymised.handle", "anonymised.email"):
        query = urlencode({"q": world.marker(key)})
        seen.append(fetch(client, f"/django-admin/accounts/user/?{query}"))
        seen.append(fetch(client, f"/django-admin/accounts/auditentry/?{query}"))
    return seen


# ---------------------------------------------------------------- needs registry


def need_pages(world: World, persona: str, client) -> list[Seen]:
    draft, public_need = world.objects["draft"], world.objects["public_need"]
    seen = [
        fetch(client, "/needs/"),
        fetch(client, "/needs/?status=draft"),
        fetch(client, "/needs/?domain=ict"),
        fetch(client, "/needs/board/"),
        fetch(client, "/needs/board/?status=draft&organisation=pori"),
        fetch(client, "/needs/board/?sort=points"),
        fetch(client, "/needs/new/"),
    ]
    seen += [
        fetch(client, f"/needs/{need.pk}/{path}")
        for need in (draft, public_need)
        for path in ("", "edit/")
    ]
    return seen


def need_writes(world: World, persona: str, client) -> list[Seen]:
    """What writes answer about another city's draft: nothing beyond "not found"."""
    if persona == ANONYMOUS:
        return []
    draft, public_need = world.objects["draft"], world.objects["public_need"]
    return [
        fetch(
            client,
            f"/needs/{public_need.pk}/dependencies/",
            "post",
            data={"depends_on": str(draft.pk)},
            follow=True,
        ),
        fetch(
            client,
            f"/needs/{public_need.pk}/merge/",
            "post",
            data={"target": draft.pk, "reason": "sama"},
            follow=True,
        ),
        fetch(client, f"/needs/{draft.pk}/follow/", "post", data={"on": "1"}),
        fetch(
            client,
            f"/steering/meetings/{world.objects['meeting'].pk}/?need={draft.pk}",
        ),
    ]


def promote(world: World, persona: str, client) -> list[Seen]:
    return [fetch(client, f"/needs/new/?from_thread={thread.pk}") for thread in all_threads(world)]


def steering_pages(world: World, persona: str, client) -> list[Seen]:
    meeting, round_ = world.objects["meeting"], world.objects["round"]
    return [
        fetch(client, "/steering/"),
        fetch(client, "/steering/meetings/"),
        fetch(client, f"/steering/meetings/{meeting.pk}/"),
        fetch(client, f"/steering/meetings/{meeting.pk}/invitation.ics"),
        fetch(client, "/steering/electronic/"),
        fetch(client, f"/steering/needs/search/?q={world.marker('draft.title')}"),
        fetch(client, "/needs/meetings/", follow=True),
        fetch(client, "/needs/rounds/"),
        fetch(client, f"/needs/rounds/{round_.pk}/"),
        fetch(client, "/needs/reports/yearly/"),
        fetch(client, "/needs/reports/yearly/?year=2026"),
    ]


def exports(world: World, persona: str, client) -> list[Seen]:
    round_ = world.objects["round"]
    return [
        fetch(client, f"{url}{'&' if '?' in url else '?'}format={fmt}")
        for url in (
            "/needs/board/",
            "/needs/board/?status=draft&organisation=pori",
            f"/needs/rounds/{round_.pk}/",
            "/needs/reports/yearly/?year=2026",
        )
        for fmt in ("csv", "xlsx")
    ]


def budget_reports(world: World, persona: str, client) -> list[Seen]:
    """A city's yearly report is the consortium's: members read it, nobody else."""
    return [
        fetch(client, url)
        for url in (
            "/budget/",
            "/budget/reports/2026/",
            "/budget/reports/2026/pori/",
            "/budget/reports/2026/pori.xlsx",
            "/budget/reports/2026/pori.pdf",
            "/api/budget",
            "/api/budget/shares",
        )
    ]


def open_data(world: World, persona: str, client) -> list[Seen]:
    draft, public_need = world.objects["draft"], world.objects["public_need"]
    seen = [
        fetch(client, "/api/needs"),
        fetch(client, "/api/needs?status=draft"),
        fetch(client, "/api/needs?limit=100&offset=0"),
        fetch(client, f"/api/needs/{draft.pk}"),
        fetch(client, f"/api/needs/{public_need.pk}"),
        fetch(client, "/api/openapi.json"),
        fetch(client, "/api/meetings"),
        fetch(client, "/api/decisions"),
    ]
    seen += [fetch(client, f"/api/needs?limit=1&offset={offset}") for offset in range(4)]
    return seen


# ---------------------------------------------------------------- files


def attachment_links(world: World) -> list[str]:
    """Every address under which the attachments are offered to those who may read them."""
    links = {
        world.objects["attachment"].file.url,
        world.objects["draft_attachment"].file.url,
    }
    for persona, url in (
        ("hml_steering", f"/forum/t/{world.objects['restricted'].pk}/"),
        ("pori_lead", f"/needs/{world.objects['draft'].pk}/"),
    ):
        page = client_for(world, persona).get(url).content.decode()
        for name_key in ("restricted.file_name", "draft.file_name"):
            for chunk in page.split('href="')[1:]:
                href = chunk.split('"', 1)[0]
                if world.marker(name_key) in chunk.split("</a>", 1)[0]:
                    links.add(href)
    return sorted(links)


def files(world: World, persona: str, client) -> list[Seen]:
    with override_settings(MEDIA_ROOT=world.objects["media_root"]):
        seen = [fetch(client, link) for link in attachment_links(world)]
    # The stored name is the address the reverse proxy would serve.
    seen += [
        Seen(f"stored name of {key}", world.objects[key].file.name)
        for key in ("attachment", "draft_attachment")
    ]
    return seen


CHANNELS = [
    Channel(
        "forum_pages",
        forum_pages,
        controls=(
            (ANONYMOUS, "public.title"),
            ("hml_steering", "restricted.title"),
            ("hml_steering", "moved.title"),
            ("seinajoki_expert", "confidential.title"),
            ("heinola_moderator", "hidden_thread.title"),
            ("pori_expert", "draft.thread_title"),
        ),
    ),
    Channel(
        "thread_pages",
        thread_pages,
        controls=(
            (ANONYMOUS, "public.body"),
            (ANONYMOUS, "visible.text"),
            (ANONYMOUS, "public.tag"),
            ("hml_steering", "restricted.reply"),
            ("hml_steering", "moved.after"),
            ("hml_steering", "moved.reply"),
            ("pori_steering", "restricted.file_name"),
            ("seinajoki_expert", "confidential.body"),
            ("heinola_moderator", "hidden_thread.body"),
            ("pori_expert", "draft.thread_body"),
            ("porvoo_expert", "twin.name"),
            ("hml_steering", "restricted.tag"),
            ("hml_steering", "moved.tag"),
            ("hml_steering", "moved.body"),
            ("seinajoki_expert", "confidential.tag"),
            ("heinola_moderator", "hidden_thread.tag"),
        ),
    ),
    Channel(
        "post_pages",
        post_pages,
        controls=(
            (ANONYMOUS, "visible.old"),
            (ANONYMOUS, "visible.text"),
            ("hml_steering", "restricted.body"),
            ("seinajoki_expert", "confidential.body"),
            ("heinola_moderator", "hidden_thread.body"),
        ),
    ),
    Channel("quotes", quotes, controls=((ANONYMOUS, "visible.text"),)),
    Channel(
        "tag_pages",
        tag_pages,
        controls=(
            (ANONYMOUS, "public.title"),
            ("hml_steering", "restricted.title"),
            ("seinajoki_expert", "confidential.title"),
        ),
        # The page names the tag asked for; the threads it lists are what is judged.
        ignored=frozenset(
            f"{state}.tag"
            for state in ("public", "restricted", "confidential", "moved", "hidden_thread", "draft")
        ),
    ),
    Channel(
        "moderation",
        moderation,
        controls=(("heinola_moderator", "public.title"), ("hml_steering", "restricted.reason")),
    ),
    Channel(
        "notifications",
        notifications,
        controls=(("porvoo_expert", "public.title"), ("hml_steering", "restricted.title")),
    ),
    Channel(
        "emails",
        emails,
        # The titles, and the posts' own words where the reader may read them.
        controls=(
            ("porvoo_expert", "public.title"),
            ("porvoo_expert", "visible.text"),
            ("hml_steering", "restricted.title"),
            ("hml_steering", "restricted.reply"),
        ),
    ),
    Channel(
        "feeds",
        feeds,
        controls=(
            ("porvoo_expert", "public.title"),
            ("hml_steering", "restricted.title"),
            ("pori_steering", "moved.title"),
        ),
    ),
    Channel(
        "events_http",
        events_http,
        controls=((ANONYMOUS, "public.body"), ("hml_steering", "restricted.body")),
    ),
    Channel(
        "search",
        search,
        controls=(
            (ANONYMOUS, "public.title"),
            (ANONYMOUS, "visible.text"),
            (ANONYMOUS, "public_need.title"),
            ("hml_steering", "restricted.title"),
            ("hml_steering", "restricted.reply"),
            ("hml_steering", "moved.title"),
            ("hml_steering", "moved.reply"),
            ("seinajoki_expert", "confidential.title"),
            ("heinola_moderator", "hidden_thread.title"),
            ("pori_expert", "draft.title"),
            ("pori_expert", "draft.thread_title"),
            ("porvoo_expert", "twin.name"),
        ),
    ),
    Channel(
        "members",
        members,
        controls=(("porvoo_expert", "twin.name"), ("pori_lead", "twin.handle")),
    ),
    Channel(
        "own_data",
        own_data,
        controls=(
            ("writer", "hidden_post.text"),
            ("writer", "hidden_post.old"),
            ("writer", "deleted_post.text"),
            ("writer", "hidden_thread.title"),
        ),
        allowed=own_data_allowed,
    ),
    Channel(
        "back_office",
        back_office,
        controls=(("admin", "twin.name"), ("admin", "restricted.reason")),
        # The audit log keeps what moderators wrote; platform admins read it there.
        allowed=lambda world, persona: {"restricted.reason"} if persona == "admin" else set(),
    ),
    Channel(
        "need_pages",
        need_pages,
        controls=(
            (ANONYMOUS, "public_need.title"),
            ("pori_expert", "draft.title"),
            ("pori_lead", "draft.problem"),
            ("pori_lead", "draft.outcome"),
            ("pori_lead", "draft.file_name"),
            ("pori_steering", "draft_decision.text"),
            ("pori_steering", "draft_decision.rationale"),
            ("pori_expert", "draft.tag"),
        ),
    ),
    Channel("need_writes", need_writes, controls=(("pori_lead", "public_need.title"),)),
    Channel(
        "promote",
        promote,
        controls=(("pori_lead", "public.title"), ("pori_lead", "draft.thread_title")),
    ),
    Channel(
        "steering_pages",
        steering_pages,
        controls=(
            ("porvoo_expert", "public_decision.text"),
            ("pori_expert", "draft_decision.text"),
            ("porvoo_lead", "public_need.title"),
        ),
    ),
    Channel(
        "exports",
        exports,
        controls=(("porvoo_expert", "public_need.title"), ("pori_lead", "public_need.title")),
    ),
    Channel(
        "budget_reports",
        budget_reports,
        controls=(("porvoo_expert", "report.benefits"), ("admin", "report.benefits")),
    ),
    Channel("open_data", open_data, controls=((ANONYMOUS, "public_need.title"),)),
    Channel(
        "files",
        files,
        controls=(
            ("hml_steering", "restricted.file_content"),
            ("pori_lead", "draft.file_content"),
        ),
        ignored=frozenset({"restricted.file_name", "draft.file_name"}),
    ),
]


def _params():
    for channel in CHANNELS:
        marks = []
        if channel.name in KNOWN_OPEN:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_OPEN[channel.name]))
        yield pytest.param(channel, id=channel.name, marks=marks)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One world for the whole module, rolled back at its end; each test runs in a
    savepoint of its own, so what a probe writes is gone for the next one."""
    media = tmp_path_factory.mktemp("canary-media")
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with override_settings(MEDIA_ROOT=media):
                built = build_world()
            built.objects["media_root"] = media
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def strip_echo(answer: Seen, world: World) -> Seen:
    """Take out the persona's own words where a page repeats its address or form.

    A search for a marker, a tag page or a sign-in link carrying ``next`` names
    what was asked; what is judged is what else the answer holds.
    """
    text = answer.text
    for marker in world.markers.values():
        if marker.value not in answer.where:
            continue
        for echo in (f'value="{marker.value}"', f"={marker.value}", f"%3D{marker.value}"):
            text = text.replace(echo, "=")
        for echo in (f"“{marker.value}”", f"<title>{marker.value}", f'"q": "{marker.value}"'):
            text = text.replace(echo, "")
    return Seen(answer.where, text)


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """A probe asks each channel hundreds of times as one persona; the limits that
    would refuse it are tested in tests/test_rate_limits.py."""
    settings.RATE_LIMITS = dict.fromkeys(ratelimit.LIMITS, (1000000, 60))


@pytest.mark.parametrize("channel", list(_params()))
def test_no_marker_reaches_an_outsider(channel: Channel, world: World, db) -> None:
    finding = Finding()
    for persona in PERSONAS:
        client = client_for(world, persona)
        allowed = {(persona, key) for key in channel.allowed(world, persona)}
        judged = [
            Seen(answer.where, _without(strip_echo(answer, world).text, world, channel.ignored))
            for answer in channel.probe(world, persona, client)
        ]
        judge(world, persona, judged, finding, extra=allowed)
    wanted = set(channel.controls)
    TALLY.controls += len(wanted & finding.sightings)
    missing = sorted(wanted - finding.sightings)
    assert not finding.leaks, "leaks:\n" + "\n".join(sorted(set(finding.leaks)))
    assert not missing, f"insiders did not see (positive controls): {missing}"


def _without(text: str, world: World, keys: frozenset[str]) -> str:
    for key in keys:
        text = text.replace(world.marker(key), "")
    return text


def test_every_marker_has_a_positive_control() -> None:
    """No secret is only ever looked for: an insider sees each one somewhere.

    The departed member's markers have no insider; the twin, a member like them
    who did not leave, is their control on the same pages.
    """
    markers = planted_markers()
    controlled = {key for channel in CHANNELS for _persona, key in channel.controls}
    expected = {key for key, m in markers.items() if m.insiders != NOBODY or m.own_data_of}
    assert expected - controlled == set()
    assert {k for k, m in markers.items() if m.insiders == NOBODY and not m.own_data_of} == {
        "anonymised.name",
        "anonymised.handle",
        "anonymised.email",
    }
