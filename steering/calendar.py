"""Meetings as iCalendar (RFC 5545): one meeting's invitation and a member's feed."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from steering.models import Meeting

PRODID = "-//Open Cities//Steering group//FI"
DEFAULT_LENGTH = timedelta(hours=2)


def _event(meeting: Meeting, items, *, base_url: str, method_request: bool) -> Event:
    event = Event()
    event.add("uid", f"steering-meeting-{meeting.pk}@{urlsplit(settings.SITE_URL).hostname}")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.agenda_published_at or timezone.now())
    event.add("summary", meeting.title)
    if meeting.starts_at:
        zone = timezone.get_current_timezone()
        start = datetime.combine(meeting.held_on, meeting.starts_at, tzinfo=zone)
        end = (
            datetime.combine(meeting.held_on, meeting.ends_at, tzinfo=zone)
            if meeting.ends_at
            else start + DEFAULT_LENGTH
        )
        event.add("dtstart", start)
        event.add("dtend", end)
    else:
        event.add("dtstart", meeting.held_on)
        event.add("dtend", meeting.held_on + timedelta(days=1))
    if meeting.location:
        event.add("location", meeting.location)
    url = base_url + meeting.get_absolute_url()
    event.add("url", url)
    agenda = "\n".join(str(item) for item in items)
    event.add("description", f"{agenda}\n\n{url}".strip())
    if method_request:
        event.add("status", "CONFIRMED")
    return event


def _calendar(name: str, method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    if method:
        calendar.add("method", method)
    return calendar


def invitation(meeting: Meeting, items, *, base_url: str) -> bytes:
    """One meeting as an invitation (METHOD:PUBLISH, so any calendar can import it)."""
    calendar = _calendar(meeting.title, "PUBLISH")
    calendar.add_component(_event(meeting, items, base_url=base_url, method_request=True))
    # RFC 5545 asks for a VTIMEZONE for every TZID the events name.
    calendar.add_missing_timezones()
    return calendar.to_ical()


def feed(meetings, *, name: str, base_url: str) -> bytes:
    """A subscribable feed: each meeting with the agenda items its reader may see
    (``readable_items``, set by the selector)."""
    calendar = _calendar(name)
    for meeting in meetings:
        calendar.add_component(
            _event(meeting, meeting.readable_items, base_url=base_url, method_request=False)
        )
    calendar.add_missing_timezones()
    return calendar.to_ical()


__all__ = ["feed", "invitation"]
