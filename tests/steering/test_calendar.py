"""Meetings in calendars: the invitation a member imports and the personal feed a calendar
app reads without a session, each with only the agenda its reader may see."""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from steering import services

pytestmark = pytest.mark.django_db


def _published(group):
    coordinator = group["people"]["coordinator"]
    meeting = services.meeting_create(
        actor=coordinator,
        title="Ohjausryhmä 7/2026",
        held_on=timezone.localdate() + timedelta(days=10),
        starts_at=time(13),
        ends_at=time(15),
        location="Hämeenlinna, Raatihuone",
    )
    services.agenda_item_add(actor=coordinator, meeting=meeting, kind="budget", title="Talous 2027")
    services.agenda_item_add(
        actor=coordinator,
        meeting=meeting,
        kind="procurement",
        title="Tarjousvertailu",
        publicity="steering",
    )
    return services.agenda_publish(actor=coordinator, meeting=meeting)


def _events(body: bytes):
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_the_invitation_is_an_icalendar_event_at_the_meetings_time_and_place(group):
    meeting = _published(group)
    client = Client()
    client.force_login(group["people"]["pori_representative"])
    response = client.get(f"/steering/meetings/{meeting.pk}/invitation.ics")
    assert response["Content-Type"].startswith("text/calendar")
    (event,) = _events(response.content)
    assert str(event["summary"]) == "Ohjausryhmä 7/2026"
    assert str(event["location"]) == "Hämeenlinna, Raatihuone"
    start = event.decoded("dtstart")
    assert (start.date(), start.hour, event.decoded("dtend").hour) == (meeting.held_on, 13, 15)
    assert "Tarjousvertailu" in str(event["description"])  # the steering group sees it all
    # The time zone the start names is described in the file itself (RFC 5545).
    (zone,) = Calendar.from_ical(response.content).walk("VTIMEZONE")
    assert str(zone["tzid"]) == str(event["dtstart"].params["TZID"]) == "Europe/Helsinki"
    sequence = int(event["sequence"])
    services.meeting_update(
        actor=group["people"]["coordinator"],
        meeting=meeting,
        title=meeting.title,
        held_on=meeting.held_on,
        starts_at=time(14),
        ends_at=time(16),
        location=meeting.location,
    )
    (moved,) = _events(client.get(f"/steering/meetings/{meeting.pk}/invitation.ics").content)
    assert int(moved["sequence"]) == sequence + 1
    assert moved.decoded("dtstart").hour == 14


def test_the_personal_feed_holds_published_meetings_with_the_agenda_its_owner_may_read(group):
    meeting = _published(group)
    draft = services.meeting_create(
        actor=group["people"]["coordinator"],
        title="Luonnos 8/2026",
        held_on=timezone.localdate() + timedelta(days=40),
    )
    expert = services.calendar_token_renew(actor=group["people"]["expert"])
    chair = services.calendar_token_renew(actor=group["people"]["pori_representative"])
    anonymous = Client()  # calendar apps have no session: the token is the key
    (for_expert,) = _events(anonymous.get(f"/steering/calendar/{expert.token}.ics").content)
    (for_chair,) = _events(anonymous.get(f"/steering/calendar/{chair.token}.ics").content)
    assert str(for_expert["summary"]) == str(for_chair["summary"]) == meeting.title
    assert "Talous 2027" in str(for_expert["description"])
    assert "Tarjousvertailu" not in str(for_expert["description"])
    assert "Tarjousvertailu" in str(for_chair["description"])
    assert (
        draft.title not in anonymous.get(f"/steering/calendar/{chair.token}.ics").content.decode()
    )
    # A renewed address revokes the old one.
    old = expert.token
    services.calendar_token_renew(actor=group["people"]["expert"])
    assert anonymous.get(f"/steering/calendar/{old}.ics").status_code == 404


def test_the_agenda_e_mail_carries_the_invitation(group, django_capture_on_commit_callbacks):
    representative = group["people"]["pori_representative"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _published(group)
    (message,) = [m for m in mail.outbox if m.to == [representative.email]]
    assert meeting.title in message.body
    ((filename, content, mimetype),) = message.attachments
    assert (filename, mimetype.split(";")[0]) == (f"meeting-{meeting.pk}.ics", "text/calendar")
    (event,) = _events(content)
    assert str(event["summary"]) == "Ohjausryhmä 7/2026"
    assert event.decoded("dtstart").hour == 13
    assert "Tarjousvertailu" in str(event["description"])
    assert f"/steering/meetings/{meeting.pk}/" in str(event["url"])
