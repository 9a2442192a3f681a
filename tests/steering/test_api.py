"""The steering group in the open-data API: what anyone may read of its meetings and
decisions, and nothing more, whoever asks."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from steering import services

pytestmark = pytest.mark.django_db

SECRET = "Tarjoajien hintavertailu"


@pytest.fixture
def meetings(group):
    coordinator = group["people"]["coordinator"]
    chair = group["people"]["pori_representative"]
    cities = group["cities"]
    today = timezone.localdate()
    held = services.meeting_create(
        actor=coordinator, title="Ohjausryhmä 5/2026", held_on=today - timedelta(days=20)
    )
    budget = services.agenda_item_add(
        actor=coordinator, meeting=held, kind="budget", title="Talousarvio 2027"
    )
    tender = services.agenda_item_add(
        actor=coordinator, meeting=held, kind="procurement", title=SECRET, publicity="steering"
    )
    services.agenda_publish(actor=coordinator, meeting=held)
    stances = {c.pk: "for" for c in cities.values()}
    services.decision_record(
        actor=chair,
        meeting=held,
        item=budget,
        agenda_item="",
        text="Hyväksyttiin talousarvio.",
        stances={**stances, cities["kajaani"].pk: "against"},
        dissents={cities["kajaani"].pk: "Kajaani olisi pienentänyt osuuksia."},
    )
    services.decision_record(
        actor=chair, meeting=held, item=tender, agenda_item="", text=SECRET, stances=stances
    )
    minutes = services.minutes_save(
        actor=coordinator, meeting=held, text="1 § Avaus. 2 § Talousarvio.", publicity="public"
    )
    following = services.meeting_create(
        actor=coordinator, title="Ohjausryhmä 6/2026", held_on=today - timedelta(days=2)
    )
    services.agenda_item_add(
        actor=coordinator, meeting=following, kind="minutes", title="Pöytäkirja"
    )
    services.agenda_publish(actor=coordinator, meeting=following)
    services.minutes_approve(actor=chair, minutes=minutes, at_meeting=following)
    unpublished = services.meeting_create(
        actor=coordinator, title="Luonnos 7/2026", held_on=today + timedelta(days=30)
    )
    services.agenda_item_add(actor=coordinator, meeting=unpublished, kind="other", title="Muuta")
    return {"held": held, "following": following}


@pytest.mark.parametrize("who", ["anonymous", "steering member"])
def test_public_meetings_and_decisions_are_open_data_and_nothing_more(group, meetings, who):
    client = Client()
    if who == "steering member":
        # A member of the steering group reads the tender on the pages; the API still
        # gives only what is public.
        client.force_login(group["people"]["pori_representative"])
        page = client.get(meetings["held"].get_absolute_url()).content.decode()
        assert SECRET in page
    listed = client.get("/api/meetings").json()
    assert [m["title"] for m in listed["items"]] == ["Ohjausryhmä 6/2026", "Ohjausryhmä 5/2026"]
    held = listed["items"][1]
    assert [item["title"] for item in held["agenda"]] == ["Talousarvio 2027"]
    assert held["minutes"]["text"] == "1 § Avaus. 2 § Talousarvio."
    assert listed["items"][0]["minutes"] is None  # its own minutes are not written yet

    decisions = client.get("/api/decisions").json()["items"]
    assert [d["text"] for d in decisions] == ["Hyväksyttiin talousarvio."]
    (decision,) = decisions
    assert decision["agenda_item"] == "1 §" and decision["meeting"] == meetings["held"].pk
    stances = {s["city"]["slug"]: s for s in decision["stances"]}
    assert stances["pori"]["stance"] == "for"
    assert stances["kajaani"]["stance"] == "against"
    assert stances["kajaani"]["dissent"] == "Kajaani olisi pienentänyt osuuksia."
    body = (
        client.get("/api/meetings").content.decode() + client.get("/api/decisions").content.decode()
    )
    assert SECRET not in body and "Luonnos 7/2026" not in body


def test_decisions_of_one_meeting_and_the_schema(group, meetings):
    client = Client()
    only = client.get("/api/decisions", {"meeting": meetings["following"].pk}).json()
    assert only["items"] == [] and only["count"] == 0
    schema = client.get("/api/openapi.json").json()
    assert "/api/meetings" in schema["paths"] and "/api/decisions" in schema["paths"]


@pytest.mark.parametrize("value", ["0", "-1", "99999999999999999999", "x"])
def test_a_bad_meeting_number_is_a_clear_error(group, value):
    response = Client().get("/api/decisions", {"meeting": value})
    assert response.status_code == 422
    assert "meeting" in response.content.decode()
