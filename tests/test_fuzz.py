"""Every URL of the platform survives hostile input.

Each URL pattern (from the access matrix, so a new URL is fuzzed as soon as it
has its entry there) is requested by anonymous visitors, an expert of the
owning city, an expert of another city, an ICT lead, a steering group member
and a moderator, with hostile values in every parameter the view reads: words
where numbers belong, negative and huge numbers, NUL bytes, long strings,
markup, SQL-looking text, unicode oddities, other sites' addresses. The
parameter names are read from the view's source (``request.GET``/``POST`` uses
and the fields of the forms it builds), plus those below.

A request fails the suite when it raises (the test client re-raises what the
view raised) or answers 500; a refused POST (4xx) fails it when it left rows
behind.
"""

import inspect
import re
import zlib

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import resolve
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_access_matrix import MATRIX, world  # noqa: F401  (world is a fixture)

pytestmark = pytest.mark.django_db

KINDS = ["anonymous", "expert_a", "expert_b", "ict_lead", "steering", "moderator"]

HOSTILE = [
    "abc",
    "-1",
    "0",
    "99999999999999999999",
    "-99999999999999999999",
    "1e9",
    "1.5",
    "²",
    "١٢",
    "\x00",
    "a\x00b",
    "x" * 5000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"; DROP TABLE needs_registry_need; --',
    "../../etc/passwd",
    "\u202egnp.exe",
    "\ufeff\u200b",
    "%00",
    "abc\r\nSet-Cookie: x=y",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "2026-13-45",
    "0001-01-01T00:00",
    "9999-12-31",
    "9999-12-31T23:59",
    "-0001-01-01",
    " ",
    "[]",
    "{}",
    "last",
]

# Names read besides those in the view's own source: passed on to selectors,
# built from objects (points per need, stances per city), or read by allauth.
COMMON = ["page", "next", "format", "sort", "q"]
EXTRA = {
    "needs:round_detail": ["points_{need}", "points_abc", "points_", "points_99999999999999"],
    "steering:decision_add": [
        "decision-stance_{pori}",
        "decision-dissent_{pori}",
        "decision-stance_abc",
        "decision-item",
    ],
    "steering:meeting_edit": ["meeting-title", "meeting-held_on", "meeting-starts_at"],
    "steering:agenda_add": ["agenda-kind", "agenda-need", "agenda-title", "agenda-publicity"],
    "steering:attendance": ["attendance-city_{pori}", "attendance-city_abc"],
    "needs:yearly_report": ["year"],
    "forum:thread_events": ["after"],
    "set_language": ["language"],
    "api:list_needs": ["limit", "offset", "status", "domain"],
}

WATCHED_APPS = ("accounts", "forum", "needs_registry", "steering", "search", "frontend")
# A refused sign-in is recorded in the audit log on purpose.
UNWATCHED_TABLES = {"accounts_auditentry"}


def view_source(url: str) -> str:
    """The source of the view behind ``url`` and of the form classes it builds."""
    match = resolve(url.split("?")[0])
    func = match.func
    target = getattr(func, "view_class", None) or inspect.unwrap(func)
    if not (inspect.isfunction(target) or inspect.isclass(target)):
        target = type(target)
    try:
        source = inspect.getsource(target)
    except (OSError, TypeError):
        return ""
    namespace = getattr(inspect.unwrap(func), "__globals__", {})
    for name in set(re.findall(r"\b([A-Z]\w*Form)\(", source)):
        form = namespace.get(name)
        fields = getattr(form, "base_fields", None)
        if fields:
            source += "\n" + "\n".join(f'request.POST.get("{field}")' for field in fields)
    return source


def parameter_names(name: str, url: str, w) -> list[str]:
    source = view_source(url)
    found = re.findall(
        r"""request\.(?:GET|POST|FILES)\.(?:get|getlist)\(\s*["'](\w[\w-]*)""", source
    )
    found += re.findall(r"""request\.(?:GET|POST)\[\s*["'](\w[\w-]*)""", source)
    extra = [e.format(need=w["need"].pk, pori=w["pori"].pk) for e in EXTRA.get(name, [])]
    return sorted(set(found + extra + COMMON))


def row_counts() -> dict[str, int]:
    """Rows per table of the platform's own models, in one query."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.app_label in WATCHED_APPS and model._meta.managed
        }
        - UNWATCHED_TABLES
    )
    quote = connection.ops.quote_name
    # Table names come from the models, never from a request.
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def client_for(w, kind: str) -> Client:
    """A client signed in as ``kind``, with a CSRF cookie whose token it sends."""
    client = Client(raise_request_exception=True)
    if kind != "anonymous":
        client.force_login(w["users"][kind])
    client.token = get_random_string(32)
    client.cookies["csrftoken"] = client.token
    return client


def clients(w) -> dict[str, Client]:
    return {kind: client_for(w, kind) for kind in KINDS}


def check(response, what) -> None:
    assert response.status_code < 500 or response.status_code in (503,), (
        what,
        response.status_code,
    )


def hostile_values(names: list[str], offset: int) -> dict[str, str]:
    """Each name gets a different hostile value; ``offset`` rotates them."""
    return {name: HOSTILE[(offset + 7 * i) % len(HOSTILE)] for i, name in enumerate(names)}


def post_refused_leaves_nothing(client, url, data, what) -> None:
    before = row_counts()
    response = client.post(url, {**data, "csrfmiddlewaretoken": client.token})
    check(response, what)
    if 400 <= response.status_code < 500:
        after = row_counts()
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        assert not changed, (what, response.status_code, changed)


HOSTILE_IDS = ["0", "2147483648", "99999999999999999999"]


def with_hostile_ids(url: str) -> list[str]:
    """The URL with each numeric path segment replaced by ids that exist nowhere."""
    path, _sep, _query = url.partition("?")
    segments = path.split("/")
    return [
        "/".join([*segments[:index], bad, *segments[index + 1 :]])
        for index, segment in enumerate(segments)
        if segment.isdigit()
        for bad in HOSTILE_IDS
    ]


# Tried in every parameter at once, by someone who gets past the view's access check.
CORE = ["abc", "-1", "99999999999999999999", "a\x00b", "²", "9999-12-31", "x" * 5000]
REFUSED = {"login", 403, 404, 405}


def reaching(expected: dict) -> list[str]:
    """The kinds of user a view does not turn away before reading its parameters."""
    kinds = [kind for kind in KINDS if expected[kind] not in REFUSED]
    return kinds or KINDS


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_url_survives_hostile_parameters(world, name):  # noqa: F811
    build, get_outcomes, post_outcomes = MATRIX[name]
    url = build(world).split("?")[0]
    names = parameter_names(name, url, world)
    made = clients(world)
    spread = zlib.crc32(name.encode())
    requests = []
    for index, value in enumerate(CORE):
        values = dict.fromkeys(names, value)
        for method, outcomes in (("GET", get_outcomes), ("POST", post_outcomes)):
            kinds = reaching(outcomes)
            requests.append((kinds[index % len(kinds)], method, url, values))
    for index, kind in enumerate(KINDS):
        values = hostile_values(names, spread + 5 * index)
        requests += [(kind, "GET", url, values), (kind, "POST", url, values)]
    for index, bad_url in enumerate(with_hostile_ids(url)):
        kind = KINDS[(spread + index) % len(KINDS)]
        requests += [(kind, "GET", bad_url, {}), (kind, "POST", bad_url, {})]
    for kind, method, target, values in requests:
        client = made[kind]
        what = (kind, method, target, {k: v[:80] for k, v in values.items()})
        if method == "GET":
            check(client.get(target, values), what)
        else:
            post_refused_leaves_nothing(client, target, values, what)


# Views that read typed parameters, for the random search below.
TYPED = [
    "needs:yearly_report",
    "needs:round_detail",
    "needs:need_create",
    "needs:backlog_board",
    "needs:need_list",
    "needs:similar_needs",
    "search:search",
    "forum:index",
    "forum:thread_detail",
    "forum:thread_events",
    "accounts:audit_log",
    "sign_in",
    "api:list_needs",
]


@given(
    name=st.sampled_from(TYPED),
    kind=st.sampled_from(KINDS),
    text=st.one_of(
        st.text(max_size=300),
        st.integers().map(str),
        st.sampled_from(HOSTILE),
    ),
    post=st.booleans(),
)
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_random_text_in_typed_parameters(world, name, kind, text, post):  # noqa: F811
    url = MATRIX[name][0](world).split("?")[0]
    client = client_for(world, kind)
    data = dict.fromkeys(parameter_names(name, url, world), text)
    if post:
        post_refused_leaves_nothing(client, url, data, (kind, url, data))
    else:
        check(client.get(url, data), (kind, url, data))
