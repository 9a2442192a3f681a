"""The steering group's notification kinds (registered from ``SteeringConfig.ready``):
meetings, minutes, decisions and electronic decisions, each shown only to those
who may still read what it points at."""

from datetime import datetime

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from needs_registry.models import Need, Status
from needs_registry.notification_kinds import NEED
from notifications.kinds import Kind, register_kind, register_target
from notifications.models import Notification
from steering import calendar, permissions, selectors
from steering.models import Ballot, Decision, Meeting, Minutes

MEETING = "steering.meeting"
MINUTES = "steering.minutes"
DECISION = "steering.decision"
BALLOT = "steering.ballot"

AGENDA_PUBLISHED = "steering.agenda_published"
MINUTES_APPROVED = "steering.minutes_approved"
NEED_DECIDED = "steering.need_decided"
BALLOT_OPENED = "steering.ballot_opened"
BALLOT_REMINDER = "steering.ballot_reminder"
BALLOT_CLOSED = "steering.ballot_closed"


def _load_meetings(reader: User, ids: list[int]) -> dict[int, Meeting]:
    meetings = Meeting.objects.filter(pk__in=ids)
    return {m.pk: m for m in meetings if permissions.can_read_meeting(reader, m)}


def _load_minutes(reader: User, ids: list[int]) -> dict[int, Minutes]:
    minutes = Minutes.objects.filter(pk__in=ids).select_related("meeting")
    return {m.pk: m for m in minutes if permissions.can_read_minutes(reader, m)}


def _load_decisions(reader: User, ids: list[int]) -> dict[int, Decision]:
    decisions = Decision.objects.filter(pk__in=ids).select_related("meeting", "need")
    return {d.pk: d for d in decisions if permissions.can_read_decision(reader, d)}


def _load_ballots(reader: User, ids: list[int]) -> dict[int, Ballot]:
    ballots = Ballot.objects.filter(pk__in=ids)
    return {b.pk: b for b in ballots if permissions.can_read_ballot(reader, b)}


def _agenda_published(notification: Notification, meeting: Meeting) -> str:
    return _("Agenda published: %(meeting)s") % {"meeting": meeting}


def _invitation(
    notification: Notification, meeting: Meeting, reader: User
) -> tuple[str, bytes, str] | None:
    """The meeting's calendar invitation, with the agenda items ``reader`` may read."""
    if not meeting.is_published:
        return None
    items = selectors.agenda(viewer=reader, meeting=meeting)
    body = calendar.invitation(meeting, items, base_url=settings.SITE_URL.rstrip("/"))
    return f"meeting-{meeting.pk}.ics", body, "text/calendar; method=PUBLISH; charset=utf-8"


def _minutes_approved(notification: Notification, minutes: Minutes) -> str:
    return _("Minutes approved: %(meeting)s") % {"meeting": minutes.meeting}


def _need_decided(notification: Notification, need: Need) -> str:
    """Names the need and the status decided, never the decision's words: those are
    read on the meeting's page under the decision's own publicity (and only once
    the agenda is published)."""
    status = notification.params.get("status", need.status)
    label = Status(status).label if status in Status.values else status
    return _("Decision on “%(title)s”: %(text)s") % {"title": need.title, "text": label}


def _ballot_opened(notification: Notification, ballot: Ballot) -> str:
    closes = ballot.closes_at
    stored = notification.params.get("closes_at")
    if stored:
        closes = datetime.fromisoformat(stored)
    return _("Electronic decision open until %(closes)s: %(title)s") % {
        "closes": formats.date_format(timezone.localtime(closes), "SHORT_DATETIME_FORMAT"),
        "title": ballot.title,
    }


def _ballot_reminder(notification: Notification, ballot: Ballot) -> str:
    return _("Reminder: your city has not voted yet in “%(title)s”") % {"title": ballot.title}


def _ballot_closed(notification: Notification, ballot: Ballot) -> str:
    result = notification.params.get("result", ballot.result)
    label = Ballot.Result(result).label if result in Ballot.Result.values else result
    return _("Electronic decision closed (%(result)s): %(title)s") % {
        "result": label,
        "title": ballot.title,
    }


# Who may read these: their own state, their meeting's and need's, and the reader's
# roles and organisation (whose kind says whether it is a member city).
READ_RULE_MODELS = (Meeting, Minutes, Decision, Ballot, Need, Organisation)
register_target(
    MEETING,
    load=_load_meetings,
    can_read=permissions.can_read_meeting,
    depends_on=READ_RULE_MODELS,
)
register_target(
    MINUTES,
    load=_load_minutes,
    can_read=permissions.can_read_minutes,
    depends_on=READ_RULE_MODELS,
)
register_target(
    DECISION,
    load=_load_decisions,
    can_read=permissions.can_read_decision,
    depends_on=READ_RULE_MODELS,
)
register_target(
    BALLOT, load=_load_ballots, can_read=permissions.can_read_ballot, depends_on=READ_RULE_MODELS
)
register_kind(
    Kind(
        name=AGENDA_PUBLISHED,
        target_type=MEETING,
        render=_agenda_published,
        attachment=_invitation,
    )
)
register_kind(Kind(name=MINUTES_APPROVED, target_type=MINUTES, render=_minutes_approved))
register_kind(Kind(name=NEED_DECIDED, target_type=NEED, render=_need_decided))
register_kind(Kind(name=BALLOT_OPENED, target_type=BALLOT, render=_ballot_opened))
register_kind(Kind(name=BALLOT_REMINDER, target_type=BALLOT, render=_ballot_reminder))
register_kind(Kind(name=BALLOT_CLOSED, target_type=BALLOT, render=_ballot_closed))
