"""The hostile inputs found so far: each gets a clear answer, never a server error."""

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from accounts.models import AuditEntry
from forum.models import Draft
from frontend import params
from needs_registry.models import RoundAllocation
from tests.test_access_matrix import world  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


def member(w, kind: str) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(w["users"][kind])
    return client


@pytest.mark.parametrize("value", ["abc", "accounts:profile_edit", "sign_in", "//evil.example/"])
def test_sign_in_as_a_member_with_a_bare_word_next_goes_to_the_front_page(world, value):  # noqa: F811
    response = member(world, "expert_a").get("/sign-in/", {"next": value})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_in_as_a_member_goes_on_to_a_path_of_this_site(world):  # noqa: F811
    response = member(world, "expert_a").get("/sign-in/", {"next": "/needs/?page=2"})
    assert response["Location"] == "/needs/?page=2"


@pytest.mark.parametrize("value", ["abc", "²", "-1", "99999999999999999999"])
def test_need_from_a_thread_with_a_bad_number_is_not_found(world, value):  # noqa: F811
    response = member(world, "ict_lead").get("/needs/new/", {"from_thread": value})
    assert response.status_code == 404


def test_need_from_a_thread_fills_the_form(world):  # noqa: F811
    response = member(world, "ict_lead").get("/needs/new/", {"from_thread": world["public"].pk})
    assert response.status_code == 200
    assert "Public" in response.content.decode()


@pytest.mark.parametrize("year", ["-1", "0", "10000", "99999999999999999999", "abc", "²"])
def test_yearly_report_refuses_years_it_cannot_report_on(world, year):  # noqa: F811
    client = member(world, "expert_a")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/needs/reports/yearly/", {"year": year})
    assert response.status_code == 400
    assert "“year” must be a whole number from 1990 to 2200." in response.content.decode()


def test_yearly_report_for_a_year_in_range(world):  # noqa: F811
    response = member(world, "expert_a").get("/needs/reports/yearly/", {"year": "2025"})
    assert response.status_code == 200
    assert "2025" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [("points_{need}", "abc"), ("points_{need}", "-3"), ("points_abc", "1"), ("points_", "1")],
)
def test_bad_points_keep_what_was_typed_and_save_nothing(world, field, value):  # noqa: F811
    client = member(world, "ict_lead")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    name = field.format(need=world["need"].pk)
    response = client.post(f"/needs/rounds/{world['round'].pk}/", {name: value})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Points are whole numbers from 0 up to your city&#x27;s budget." in body
    if name == f"points_{world['need'].pk}":
        assert f'value="{value}"' in body
    assert not RoundAllocation.objects.exists()


def test_good_points_are_saved(world):  # noqa: F811
    client = member(world, "ict_lead")
    response = client.post(f"/needs/rounds/{world['round'].pk}/", {f"points_{world['need'].pk}": 4})
    assert response.status_code == 302
    assert RoundAllocation.objects.get().points == 4


@pytest.mark.parametrize(
    "url",
    [
        "/forum/?page=abc",
        "/forum/c/open/?page=-1",
        "/needs/?page=99999999999999999999",
        "/needs/board/?page=%00",
        "/search/?q=need&page=1e9",
        "/audit/?page=x",
    ],
)
def test_a_page_number_that_is_not_one_is_refused_with_a_message(world, url):  # noqa: F811
    client = member(world, "admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == 400
    assert "“page” must be a whole number from 1 to 100000." in response.content.decode()


def test_a_page_past_the_end_shows_the_last_page(world):  # noqa: F811
    assert member(world, "expert_a").get("/forum/", {"page": "5000"}).status_code == 200


def test_search_far_past_the_end_finds_nothing_rather_than_failing(world):  # noqa: F811
    response = member(world, "expert_a").get("/search/", {"q": "need", "page": "100000"})
    assert response.status_code == 200


def test_dependencies_with_a_word_are_refused_with_a_message(world):  # noqa: F811
    client = member(world, "ict_lead")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        f"/needs/{world['need'].pk}/dependencies/", {"depends_on": "²"}, follow=True
    )
    assert "“depends_on” takes numbers separated by commas." in response.content.decode()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), (" 7 ", 7), ("-2", None), ("²", None), ("1e3", None), ("9" * 30, None)],
)
def test_parse_int_reads_only_plain_numbers_in_range(raw, expected):
    assert params.parse_int(raw, minimum=0, maximum=10**6) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/needs/", "/needs/"),
        ("abc", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/a\x00b", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_safe_next_keeps_only_paths_of_this_site(raw, expected):
    request = RequestFactory().get("/", {"next": raw})
    assert params.safe_next(request) == expected


@pytest.mark.parametrize("raw", ["2026-02-30", "yesterday", "2026-1-1", "²⁰²⁶-01-01"])
def test_date_param_refuses_what_is_not_a_date(raw):
    with pytest.raises(params.InvalidParameter):
        params.date_param(RequestFactory().get("/", {"d": raw}), "d")


def test_choice_param_allows_only_its_choices():
    request = RequestFactory().get("/", {"sort": "votes; DROP"})
    with pytest.raises(params.InvalidParameter):
        params.choice_param(request, "sort", ["votes", "newest"])
    assert params.choice_param(RequestFactory().get("/"), "sort", ["votes"], "votes") == "votes"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/needs/?status=' OR 1=1 --", "“status” must be one of:"),
        ("/needs/?domain=<b>x</b>", "“domain” must be one of:"),
        ("/needs/board/?format=pdf", "“format” must be one of: csv, xlsx."),
        ("/needs/reports/yearly/?format=../../etc", "“format” must be one of: csv, xlsx."),
        ("/audit/?action=nothing", "“action” must be one of:"),
    ],
)
def test_a_filter_outside_its_choices_is_refused_with_a_message(world, url, message):  # noqa: F811
    client = member(world, "admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "<b>x</b>" not in body


def test_filters_within_their_choices_still_filter(world):  # noqa: F811
    client = member(world, "ict_lead")
    assert client.get("/needs/?status=submitted&domain=ict").status_code == 200
    assert "Shared need" in client.get("/needs/?status=submitted").content.decode()
    assert "Shared need" not in client.get("/needs/?status=rejected").content.decode()


@pytest.mark.parametrize(
    ("kind", "url", "field"),
    [
        ("expert_a", "/forum/t/{internal}/draft/", "body"),
        ("moderator", "/forum/p/{reply}/hide/", "reason"),
    ],
)
def test_a_nul_byte_in_free_text_is_refused_and_nothing_is_written(world, kind, url, field):  # noqa: F811
    client = member(world, kind)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    target = url.format(internal=world["internal"].pk, reply=world["reply"].pk)
    before = (Draft.objects.count(), AuditEntry.objects.count())
    response = client.post(target, {field: "a\x00b", "hidden": "1"})
    assert response.status_code == 400
    assert f"“{field}” contains a character that cannot be saved." in response.content.decode()
    assert (Draft.objects.count(), AuditEntry.objects.count()) == before
    assert client.post(target, {field: "ab", "hidden": "1"}).status_code in (200, 302)
