"""Writes for the steering group. Each service checks permission first, runs in a
transaction, validates, writes the audit entry and schedules its notifications."""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, Organisation, User
from accounts.services import audit_record
from downloads.checks import upload_check
from needs_registry import permissions as need_permissions
from needs_registry.models import Need, Status, Transition
from needs_registry.services.base import discussion_follow, lock_need, notify_interested
from notifications.services import notify
from search.indexing import index_on_commit
from steering import notification_kinds as kinds
from steering import permissions, selectors
from steering.models import (
    AgendaItem,
    Attendance,
    Ballot,
    BallotVote,
    CalendarFeed,
    Decision,
    DecisionStance,
    Meeting,
    Minutes,
    MinutesAttachment,
    Nomination,
    Publicity,
    Seat,
    new_calendar_token,
)

# Roster


@transaction.atomic
def nomination_record(
    *,
    actor: User,
    organisation: Organisation,
    person: User,
    seat: str,
    starts_on: date,
    ends_on: date | None = None,
) -> Nomination:
    """Record a city's nomination of ``person`` to its ``seat`` from ``starts_on``.

    The seat's holder whose term is open-ended and started earlier has it end the
    day before; any other overlap is refused. Audited as a change of the city.
    """
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not permissions.can_nominate(actor, organisation.pk):
        raise PermissionDenied
    if not organisation.is_city:
        raise ValidationError({"organisation": _("Only member cities have a seat.")})
    if person.organisation_id != organisation.pk or not person.is_active:
        raise ValidationError({"person": _("A city nominates one of its own members.")})
    nomination = Nomination(
        organisation=organisation,
        person=person,
        seat=seat,
        starts_on=starts_on,
        ends_on=ends_on,
        nominated_by=actor,
    )
    nomination.full_clean()
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The term cannot end before it starts.")})
    same_seat = Nomination.objects.filter(organisation=organisation, seat=seat)
    for other in same_seat:
        other_end = other.ends_on or date.max
        new_end = ends_on or date.max
        if other.starts_on <= new_end and starts_on <= other_end:
            if other.ends_on is None and other.starts_on < starts_on:
                other.ends_on = starts_on - timedelta(days=1)
                other.save(update_fields=["ends_on"])
            else:
                raise ValidationError(
                    {"starts_on": _("The seat already has a holder for part of that term.")}
                )
    nomination.save()
    audit_record(
        action=AuditEntry.Action.ORGANISATION_EDITED,
        actor=actor,
        target=f"organisation:{organisation.pk}",
        summary=f"steering {seat}: user:{person.pk} from {starts_on.isoformat()}",
        data={
            "person": f"user:{person.pk}",
            "seat": seat,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat() if ends_on else None,
        },
    )
    return nomination


@transaction.atomic
def nomination_end(*, actor: User, nomination: Nomination, ends_on: date) -> Nomination:
    """End a term on ``ends_on`` (not before it started)."""
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    if not permissions.can_nominate(actor, nomination.organisation_id):
        raise PermissionDenied
    if ends_on < nomination.starts_on:
        raise ValidationError({"ends_on": _("The term cannot end before it starts.")})
    nomination.ends_on = ends_on
    nomination.save(update_fields=["ends_on"])
    audit_record(
        action=AuditEntry.Action.ORGANISATION_EDITED,
        actor=actor,
        target=f"organisation:{nomination.organisation_id}",
        summary=f"steering {nomination.seat}: user:{nomination.person_id} ends {ends_on}",
    )
    return nomination


# Meetings


def _meeting_audit(
    actor: User, meeting: Meeting, summary: str, data: Mapping[str, object] | None = None
) -> None:
    audit_record(
        action=AuditEntry.Action.MEETING,
        actor=actor,
        target=f"meeting:{meeting.pk}",
        summary=summary,
        data=dict(data or {}),
    )


def _meeting_fields(meeting: Meeting) -> dict[str, str | None]:
    return {
        "title": meeting.title,
        "held_on": meeting.held_on.isoformat(),
        "starts_at": meeting.starts_at.isoformat() if meeting.starts_at else None,
        "ends_at": meeting.ends_at.isoformat() if meeting.ends_at else None,
        "location": meeting.location,
    }


@transaction.atomic
def meeting_create(
    *,
    actor: User,
    title: str,
    held_on: date,
    starts_at: time | None = None,
    ends_at: time | None = None,
    location: str = "",
) -> Meeting:
    """Create a meeting; nobody but the steering group sees it until its agenda is published."""
    if not permissions.can_record_meeting(actor):
        raise PermissionDenied
    meeting = Meeting(
        title=title,
        held_on=held_on,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        created_by=actor,
    )
    meeting.full_clean()
    _times_check(meeting)
    meeting.save()
    _meeting_audit(actor, meeting, "created", _meeting_fields(meeting))
    return meeting


def _times_check(meeting: Meeting) -> None:
    if meeting.starts_at and meeting.ends_at and meeting.ends_at <= meeting.starts_at:
        raise ValidationError({"ends_at": _("The meeting must end after it starts.")})


@transaction.atomic
def meeting_update(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    held_on: date,
    starts_at: time | None = None,
    ends_at: time | None = None,
    location: str = "",
) -> Meeting:
    """Correct a meeting's title, date, time or place; audits the change from what to what.

    A published meeting's invitation gets a new sequence number, so calendars update.
    """
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not permissions.can_record_meeting(actor):
        raise PermissionDenied
    before = _meeting_fields(meeting)
    meeting.title, meeting.held_on = title, held_on
    meeting.starts_at, meeting.ends_at, meeting.location = starts_at, ends_at, location
    meeting.full_clean()
    _times_check(meeting)
    after = _meeting_fields(meeting)
    if after != before:
        if meeting.is_published:
            meeting.sequence += 1
        meeting.save()
        _meeting_audit(
            actor,
            meeting,
            "changed: " + ", ".join(k for k in after if after[k] != before[k]),
            {"before": before, "after": after},
        )
    return meeting


def _lock_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


@transaction.atomic
def agenda_item_add(
    *,
    actor: User,
    meeting: Meeting,
    kind: str,
    title: str = "",
    need: Need | None = None,
    proposal: str = "",
    publicity: str = Publicity.PUBLIC,
) -> AgendaItem:
    """Add an item at the end of the agenda: a need awaiting decision, or a general matter.

    A need's item takes the need's title unless given one; a draft need is refused.
    """
    meeting = _lock_meeting(meeting)
    if not permissions.can_record_meeting(actor):
        raise PermissionDenied
    if kind == AgendaItem.Kind.NEED:
        if need is None:
            raise ValidationError({"need": _("Choose the need to decide on.")})
        if need.status not in selectors.AWAITING_DECISION:
            raise ValidationError({"need": _("That need is not waiting for a decision.")})
        title = title or need.title
    else:
        need = None
    number = (meeting.agenda_items.aggregate(top=Max("number"))["top"] or 0) + 1
    item = AgendaItem(
        meeting=meeting,
        number=number,
        kind=kind,
        need=need,
        title=title,
        proposal=proposal,
        publicity=publicity,
    )
    item.full_clean()
    item.save()
    if meeting.is_published:
        meeting.sequence += 1
        meeting.save(update_fields=["sequence"])
    _meeting_audit(actor, meeting, f"agenda item {number} added", {"kind": kind})
    return item


@transaction.atomic
def agenda_item_remove(*, actor: User, item: AgendaItem) -> None:
    meeting = _lock_meeting(item.meeting)
    if not permissions.can_record_meeting(actor):
        raise PermissionDenied
    if item.decisions.exists():
        raise ValidationError(_("An item with a decision stays on the agenda."))
    number = item.number
    item.delete()
    _meeting_audit(actor, meeting, f"agenda item {number} removed")


@transaction.atomic
def agenda_publish(*, actor: User, meeting: Meeting) -> Meeting:
    """Publish the agenda to the members: the meeting becomes visible to them, enters
    their calendar feeds, and everyone with a seat is invited (notified after commit)."""
    meeting = _lock_meeting(meeting)
    if not permissions.can_record_meeting(actor):
        raise PermissionDenied
    if not meeting.agenda_items.exists():
        raise ValidationError(_("Add at least one item to the agenda first."))
    if meeting.is_published:
        return meeting
    meeting.agenda_published_at = timezone.now()
    meeting.save(update_fields=["agenda_published_at"])
    _meeting_audit(actor, meeting, "agenda published")
    people = selectors.steering_people(meeting.held_on)
    notify(
        people, kinds.AGENDA_PUBLISHED, actor=actor, target=meeting, url=meeting.get_absolute_url()
    )
    return meeting


@transaction.atomic
def attendance_set(
    *, actor: User, meeting: Meeting, organisation: Organisation, person: User | None
) -> Attendance | None:
    """Record who sat for a city (its representative or deputy on the meeting's date),
    or with ``person`` None that the city was not represented."""
    meeting = _lock_meeting(meeting)
    if not permissions.can_record_meeting(actor):
        raise PermissionDenied
    Attendance.objects.filter(meeting=meeting, organisation=organisation).delete()
    if person is None:
        _meeting_audit(actor, meeting, f"absent: {organisation.slug}")
        return None
    nomination = (
        selectors.current_nominations(meeting.held_on)
        .filter(organisation=organisation, person=person)
        .order_by("seat")
        .last()
    )
    if nomination is None:
        raise ValidationError(
            {"person": _("Only the city's representative or deputy can sit for it.")}
        )
    row = Attendance.objects.create(
        meeting=meeting,
        organisation=organisation,
        person=person,
        seat=nomination.seat,
        recorded_by=actor,
    )
    _meeting_audit(actor, meeting, f"attended: {organisation.slug} user:{person.pk}")
    return row


@transaction.atomic
def minutes_save(*, actor: User, meeting: Meeting, text: str, publicity: str) -> Minutes:
    """Write or correct a meeting's minutes; approved minutes can no longer change."""
    meeting = _lock_meeting(meeting)
    if not permissions.can_record_meeting(actor):
        raise PermissionDenied
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        minutes = Minutes(meeting=meeting, written_by=actor)
    elif minutes.is_approved:
        raise ValidationError(_("Approved minutes can no longer be changed."))
    minutes.text, minutes.publicity = text, publicity
    minutes.updated_at = timezone.now()
    minutes.full_clean()
    minutes.save()
    _meeting_audit(actor, meeting, "minutes written")
    return minutes


@transaction.atomic
def minutes_attachment_add(
    *, actor: User, minutes: Minutes, upload: UploadedFile[bytes]
) -> MinutesAttachment:
    """Attach a file to minutes not yet approved (checked on content, stored under a
    random name, downloaded only by those who may read the minutes)."""
    minutes = Minutes.objects.select_for_update().get(pk=minutes.pk)
    if not permissions.can_record_meeting(actor):
        raise PermissionDenied
    if minutes.is_approved:
        raise ValidationError(_("Approved minutes can no longer be changed."))
    mime, name = upload_check(upload)
    attachment = MinutesAttachment(
        minutes=minutes,
        uploader=actor,
        original_name=name,
        content_type=mime,
        size=upload.size or 0,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def minutes_approve(*, actor: User, minutes: Minutes, at_meeting: Meeting) -> Minutes:
    """Approve earlier minutes at ``at_meeting`` (a later meeting); from then on they are
    read under their publicity, and public ones are in the open data."""
    minutes = Minutes.objects.select_for_update().select_related("meeting").get(pk=minutes.pk)
    if not permissions.can_steer(actor):
        raise PermissionDenied
    if minutes.is_approved:
        raise ValidationError(_("These minutes are already approved."))
    if at_meeting.held_on <= minutes.meeting.held_on:
        raise ValidationError(_("Minutes are approved at a later meeting."))
    if at_meeting.held_on > timezone.localdate():
        raise ValidationError(_("Minutes are approved at a meeting that has been held."))
    minutes.approved_at = timezone.now()
    minutes.approved_at_meeting = at_meeting
    minutes.approved_by = actor
    minutes.save(update_fields=["approved_at", "approved_at_meeting", "approved_by"])
    _meeting_audit(actor, minutes.meeting, f"minutes approved at meeting:{at_meeting.pk}")
    notify(
        selectors.steering_people(),
        kinds.MINUTES_APPROVED,
        actor=actor,
        target=minutes,
        url=minutes.meeting.get_absolute_url(),
    )
    return minutes


@transaction.atomic
def decision_record(
    *,
    actor: User,
    meeting: Meeting,
    agenda_item: str,
    text: str,
    item: AgendaItem | None = None,
    need: Need | None = None,
    rationale: str = "",
    resulting_status: str = "",
    stances: Mapping[int, str] | None = None,
    dissents: Mapping[int, str] | None = None,
) -> Decision:
    """Record the steering group's decision at a meeting, on an agenda item (a need or a
    general matter) or, without one, directly on a need.

    Writes ``Decision`` with each city's stance and dissent; a decision on a need
    moves it to the resulting status (recorded as a transition). Audits and
    notifies those following the need.
    """
    if not permissions.can_steer(actor):
        raise PermissionDenied
    if item is not None:
        if item.meeting_id != meeting.pk:
            raise ValidationError({"item": _("The item is not on this meeting's agenda.")})
        need = item.need
    if need is not None:
        need = lock_need(need)
        resulting_status = resulting_status or need.status
        if resulting_status not in need_permissions.decision_targets(need.status):
            raise ValidationError({"resulting_status": _("The need cannot move to that status.")})
    else:
        resulting_status = ""
    dissents = dissents or {}
    stances = dict(stances or {})
    for organisation_id, dissent in dissents.items():
        if dissent.strip() and stances.get(organisation_id) not in {
            DecisionStance.Stance.AGAINST,
            DecisionStance.Stance.ABSTAINED,
        }:
            raise ValidationError(
                {"stances": _("A dissent is recorded for a city that voted against or abstained.")}
            )
    present = set(meeting.attendance.values_list("organisation_id", flat=True))
    if present and any(
        stance != DecisionStance.Stance.ABSENT and organisation_id not in present
        for organisation_id, stance in stances.items()
    ):
        # Attendance was recorded: a city nobody sat for took no stance.
        raise ValidationError(
            {"stances": _("A city that was not represented at the meeting is recorded as absent.")}
        )
    decision = Decision(
        meeting=meeting,
        item=item,
        need=need,
        agenda_item=agenda_item or (f"{item.number} §" if item else ""),
        text=text,
        rationale=rationale,
        resulting_status=resulting_status,
        recorded_by=actor,
    )
    decision.full_clean()
    decision.save()
    DecisionStance.objects.bulk_create(
        DecisionStance(
            decision=decision,
            organisation_id=organisation_id,
            stance=stance,
            dissent=dissents.get(organisation_id, "").strip(),
        )
        for organisation_id, stance in stances.items()
        if stance
    )
    if need is not None:
        _need_decided(actor, need, decision)
    audit_record(
        action=AuditEntry.Action.NEED_DECISION,
        actor=actor,
        target=f"need:{need.pk}" if need else f"meeting:{meeting.pk}",
        summary=f"{meeting.pk} {decision.agenda_item}: {resulting_status or 'general'}",
    )
    return decision


def _need_decided(actor: User, need: Need, decision: Decision) -> None:
    if decision.resulting_status != need.status:
        from_status = need.status
        need.status = decision.resulting_status
        if need.status in {Status.ACCEPTED, Status.REJECTED}:
            need.decided_at = timezone.now()
        need.save()
        discussion_follow(need, actor)
        Transition.objects.create(
            need=need,
            from_status=from_status,
            to_status=need.status,
            actor=actor,
            reason=_("Decision %(item)s at %(meeting)s: %(text)s")
            % {"item": decision.agenda_item, "meeting": decision.meeting, "text": decision.text},
        )
    notify_interested(
        need,
        actor=actor,
        kind=kinds.NEED_DECIDED,
        params={"status": need.status},
    )
    index_on_commit("need", need.pk)


@transaction.atomic
def calendar_token_renew(*, actor: User) -> CalendarFeed:
    """Give the member a new calendar address; the old one stops working at once."""
    if not permissions.is_city_member(actor):
        raise PermissionDenied
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=actor)
    if not created:
        feed.token = new_calendar_token()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
    return feed


# Electronic decisions


def _ballot_audience(ballot: Ballot) -> list[User]:
    return [p for p in selectors.steering_people() if permissions.can_read_ballot(p, ballot)]


@transaction.atomic
def ballot_open(
    *,
    actor: User,
    title: str,
    proposal: str,
    closes_at: datetime,
    opens_at: datetime | None = None,
    need: Need | None = None,
    publicity: str = Publicity.MEMBERS,
    deputies_may_vote: bool = True,
) -> Ballot:
    """Open an electronic decision; everyone with a seat is told at once."""
    if not permissions.can_steer(actor):
        raise PermissionDenied
    opens_at = opens_at or timezone.now()
    if need is not None and need.status not in selectors.AWAITING_DECISION:
        raise ValidationError({"need": _("That need is not waiting for a decision.")})
    ballot = Ballot(
        title=title,
        proposal=proposal,
        need=need,
        publicity=publicity,
        deputies_may_vote=deputies_may_vote,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=actor,
    )
    # Before full_clean: its message for the same rule names only the database constraint.
    if ballot.closes_at <= ballot.opens_at or ballot.closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("The voting must close in the future.")})
    ballot.full_clean()
    ballot.save()
    audit_record(
        action=AuditEntry.Action.NEED_DECISION,
        actor=actor,
        target=f"ballot:{ballot.pk}",
        summary="electronic decision opened",
        data={"closes_at": ballot.closes_at.isoformat()},
    )
    notify(
        _ballot_audience(ballot),
        kinds.BALLOT_OPENED,
        {"closes_at": ballot.closes_at.isoformat()},
        actor=actor,
        target=ballot,
        url=ballot.get_absolute_url(),
    )
    return ballot


@transaction.atomic
def ballot_vote(*, actor: User, ballot: Ballot, stance: str, dissent: str = "") -> BallotVote:
    """Cast the actor's city's vote, once. The ballot row is locked, so two people of one
    city cannot both vote; when every member city has voted the ballot closes."""
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    nomination = selectors.nomination_for(actor)
    city = actor.organisation
    if nomination is None or city is None or not permissions.can_vote_in(actor, ballot, nomination):
        raise PermissionDenied
    if BallotVote.objects.filter(ballot=ballot, organisation=city).exists():
        raise ValidationError(_("Your city has already voted."))
    if dissent.strip() and stance == DecisionStance.Stance.FOR:
        raise ValidationError({"dissent": _("A dissent goes with a vote against or abstaining.")})
    vote = BallotVote(
        ballot=ballot,
        organisation=city,
        voter=actor,
        seat=nomination.seat,
        stance=stance,
        dissent=dissent.strip(),
    )
    vote.full_clean()
    vote.save()
    audit_record(
        action=AuditEntry.Action.NEED_DECISION,
        actor=actor,
        target=f"ballot:{ballot.pk}",
        summary=f"{city.slug} voted",
    )
    cities = set(selectors.member_cities().values_list("pk", flat=True))
    voted = set(ballot.votes.values_list("organisation_id", flat=True))
    if cities and cities <= voted:
        _ballot_close(ballot, actor=actor)
    return vote


def ballot_result(ballot: Ballot, total: int) -> str:
    """Passed when a quorum of the cities voted and more voted for than against."""
    votes = list(ballot.votes.values_list("stance", flat=True))
    if not selectors.quorum_met(len(votes), total):
        return Ballot.Result.NO_QUORUM
    for_ = votes.count(DecisionStance.Stance.FOR)
    against = votes.count(DecisionStance.Stance.AGAINST)
    return Ballot.Result.PASSED if for_ > against else Ballot.Result.REJECTED


def _ballot_close(ballot: Ballot, *, actor: User | None) -> Ballot:
    total = selectors.member_cities().count()
    ballot.result = ballot_result(ballot, total)
    ballot.cities_total = total
    ballot.closed_at = timezone.now()
    ballot.save(update_fields=["result", "cities_total", "closed_at"])
    audit_record(
        action=AuditEntry.Action.NEED_DECISION,
        actor=actor,
        target=f"ballot:{ballot.pk}",
        summary=f"electronic decision closed: {ballot.result}",
        data={"votes": ballot.votes.count(), "cities": total},
    )
    notify(
        _ballot_audience(ballot),
        kinds.BALLOT_CLOSED,
        {"result": ballot.result},
        target=ballot,
        url=ballot.get_absolute_url(),
    )
    return ballot


@transaction.atomic
def ballot_close(*, actor: User | None, ballot: Ballot, now: datetime | None = None) -> Ballot:
    """Close an electronic decision whose period has ended and record its result.

    Without an ``actor`` (the deadline task) only a ballot past its period closes.
    """
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.closed_at is not None:
        return ballot
    if actor is not None and not permissions.can_steer(actor):
        raise PermissionDenied
    if (now or timezone.now()) < ballot.closes_at:
        raise ValidationError(_("The voting period has not ended yet."))
    return _ballot_close(ballot, actor=actor)


def ballot_deadlines(*, now: datetime | None = None) -> dict[str, int]:
    """Send due reminders and close ballots whose period has ended; each in its own
    transaction, so one failure does not hold back the others."""
    now = now or timezone.now()
    reminded = closed = 0
    soon = now + timedelta(hours=settings.STEERING_BALLOT_REMINDER_HOURS)
    for ballot_id in Ballot.objects.filter(
        closed_at__isnull=True, reminded_at__isnull=True, closes_at__gt=now, closes_at__lte=soon
    ).values_list("pk", flat=True):
        reminded += _ballot_remind(ballot_id, now)
    for ballot in Ballot.objects.filter(closed_at__isnull=True, closes_at__lte=now):
        ballot_close(actor=None, ballot=ballot, now=now)
        closed += 1
    return {"reminded": reminded, "closed": closed}


@transaction.atomic
def _ballot_remind(ballot_id: int, now: datetime) -> int:
    ballot = Ballot.objects.select_for_update().get(pk=ballot_id)
    if ballot.reminded_at is not None or ballot.closed_at is not None:
        return 0
    ballot.reminded_at = now
    ballot.save(update_fields=["reminded_at"])
    voted = set(ballot.votes.values_list("organisation_id", flat=True))
    notify(
        [p for p in _ballot_audience(ballot) if p.organisation_id not in voted],
        kinds.BALLOT_REMINDER,
        target=ballot,
        url=ballot.get_absolute_url(),
    )
    return 1


__all__ = [
    "Seat",
    "agenda_item_add",
    "agenda_item_remove",
    "agenda_publish",
    "attendance_set",
    "ballot_close",
    "ballot_deadlines",
    "ballot_open",
    "ballot_vote",
    "calendar_token_renew",
    "decision_record",
    "meeting_create",
    "meeting_update",
    "minutes_approve",
    "minutes_attachment_add",
    "minutes_save",
    "nomination_end",
    "nomination_record",
]
