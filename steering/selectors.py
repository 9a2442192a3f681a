"""Reads for the steering group: roster, meetings and their documents, electronic decisions."""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Organisation, Role, User
from frontend.params import parse_int
from needs_registry.models import Need, Status
from needs_registry.permissions import readable_needs
from steering import permissions
from steering.models import (
    AgendaItem,
    Attendance,
    Ballot,
    BallotVote,
    CalendarFeed,
    Decision,
    Meeting,
    Minutes,
    MinutesAttachment,
    Nomination,
    Publicity,
    Seat,
)

# Needs the steering group may decide on: those waiting for its decision.
AWAITING_DECISION = [Status.SUBMITTED, Status.UNDER_REVIEW]


def member_cities(on: date | None = None) -> QuerySet[Organisation]:
    """The cities with a seat: active member cities (that have not left by ``on``)."""
    on = on or timezone.localdate()
    return (
        Organisation.objects.filter(is_active=True, kind=Organisation.Kind.CITY)
        .exclude(left_on__lt=on)
        .order_by("name_fi")
    )


def quorum_needed(total: int) -> int:
    """The fewest cities that make a quorum, by ``STEERING_QUORUM`` (numerator, denominator):
    more than that share of the member cities (by default more than half)."""
    numerator, denominator = settings.STEERING_QUORUM
    return total * numerator // denominator + 1


def quorum_met(represented: int, total: int) -> bool:
    return total > 0 and represented >= quorum_needed(total)


@dataclass
class RosterRow:
    city: Organisation
    representative: Nomination | None = None
    deputy: Nomination | None = None
    upcoming: list[Nomination] = field(default_factory=list)


def current_nominations(on: date | None = None) -> QuerySet[Nomination]:
    on = on or timezone.localdate()
    return Nomination.objects.filter(starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )


def roster(on: date | None = None) -> list[RosterRow]:
    """Each member city with its representative and deputy on ``on`` (today), and the
    nominations that start later. Two queries, whatever the number of cities."""
    on = on or timezone.localdate()
    rows = {city.pk: RosterRow(city=city) for city in member_cities(on)}
    nominations = (
        Nomination.objects.filter(organisation_id__in=rows)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("person", "person__organisation")
        .prefetch_related("person__roles")
        .order_by("starts_on", "id")
    )
    for nomination in nominations:
        # From the prefetched roles: the IAM's role without a query per person.
        nomination.has_iam_role = any(
            r.role == Role.STEERING_GROUP for r in nomination.person.roles.all()
        )
        row = rows[nomination.organisation_id]
        if nomination.starts_on > on:
            row.upcoming.append(nomination)
        elif nomination.seat == Seat.REPRESENTATIVE:
            row.representative = nomination
        else:
            row.deputy = nomination
    return list(rows.values())


def nomination_for(user: User, on: date | None = None) -> Nomination | None:
    """The user's current seat for their own city, if they have one."""
    if not user.is_authenticated or not user.organisation_id:
        return None
    return (
        current_nominations(on)
        .filter(person=user, organisation_id=user.organisation_id)
        .order_by("seat")  # "deputy" < "representative": prefer the representative seat
        .last()
    )


def steering_people(on: date | None = None) -> list[User]:
    """Everyone who sits for a city today and holds the IAM's steering group role."""
    people = User.objects.filter(
        pk__in=current_nominations(on).values("person_id"), is_active=True
    ).select_related("organisation")
    return [person for person in people if permissions.is_steering_member(person)]


def meeting_list(*, viewer: User) -> QuerySet[Meeting]:
    """Meetings the viewer may read, newest first, with how many decisions each has."""
    meetings = Meeting.objects.annotate(decision_count=Count("decisions")).order_by(
        "-held_on", "-id"
    )
    if permissions.runs_meetings(viewer):
        return meetings
    if not permissions.is_city_member(viewer):
        return Meeting.objects.none()
    return meetings.filter(agenda_published_at__isnull=False)


def meeting_get(*, viewer: User, pk: int) -> Meeting:
    try:
        meeting = Meeting.objects.get(pk=pk)
    except Meeting.DoesNotExist:
        raise Http404 from None
    if not permissions.can_read_meeting(viewer, meeting):
        raise Http404
    return meeting


def agenda(*, viewer: User, meeting: Meeting) -> list[AgendaItem]:
    """The agenda items the viewer may read, in order."""
    items = meeting.agenda_items.select_related("need", "meeting").order_by("number", "id")
    return [item for item in items if permissions.can_read_agenda_item(viewer, item)]


def meeting_decisions(*, viewer: User, meeting: Meeting) -> list[Decision]:
    """The meeting's decisions; each has ``readable``: whether the viewer may see what
    was decided and on which need, or only that the agenda item was decided."""
    decisions = list(
        meeting.decisions.select_related("meeting", "need", "item", "recorded_by").prefetch_related(
            "stances__organisation"
        )
    )
    for decision in decisions:
        decision.readable = permissions.can_read_decision(viewer, decision)
    return decisions


def attendance(*, meeting: Meeting) -> list[Attendance]:
    return list(meeting.attendance.select_related("organisation", "person"))


def minutes_for(*, viewer: User, meeting: Meeting) -> Minutes | None:
    try:
        minutes = Minutes.objects.select_related("approved_at_meeting", "meeting").get(
            meeting=meeting
        )
    except Minutes.DoesNotExist:
        return None
    return minutes if permissions.can_read_minutes(viewer, minutes) else None


def meetings_to_approve_at(*, meeting: Meeting) -> list[Meeting]:
    """The meetings that may approve ``meeting``'s minutes: later ones already held
    (``steering.services.minutes_approve`` holds the same rule)."""
    return list(
        Meeting.objects.filter(
            held_on__gt=meeting.held_on, held_on__lte=timezone.localdate()
        ).order_by("held_on")
    )


def minutes_awaiting_approval(*, before: Meeting) -> list[Minutes]:
    """Minutes of earlier meetings that no meeting has approved yet."""
    return list(
        Minutes.objects.filter(approved_at__isnull=True, meeting__held_on__lt=before.held_on)
        .select_related("meeting")
        .order_by("meeting__held_on")
    )


def minutes_attachment_get(*, viewer: User, pk: int) -> MinutesAttachment:
    try:
        attachment = MinutesAttachment.objects.select_related("minutes__meeting").get(pk=pk)
    except MinutesAttachment.DoesNotExist:
        raise Http404 from None
    if not permissions.can_read_minutes(viewer, attachment.minutes):
        raise Http404
    return attachment


def needs_awaiting_decision(*, viewer: User, query: str = "", limit: int = 10) -> list[Need]:
    """Needs waiting for the steering group's decision, for the agenda's search box."""
    needs = Need.objects.filter(readable_needs(viewer), status__in=AWAITING_DECISION)
    query = query.strip().lstrip("#")
    number = parse_int(query, minimum=1)
    if number is not None:
        needs = needs.filter(Q(pk=number) | Q(title__icontains=query))
    elif query:
        needs = needs.filter(title__icontains=query)
    return list(needs.select_related("organisation").order_by("-vote_count", "-id")[:limit])


def calendar_meetings(*, viewer: User) -> list[Meeting]:
    """Published meetings for the viewer's calendar feed, with the agenda they may read."""
    if not permissions.is_city_member(viewer):
        return []
    meetings: list[Meeting] = list(
        Meeting.objects.filter(agenda_published_at__isnull=False)
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.filter(
                    publicity__in=permissions.readable_publicity(viewer)
                )
                .filter(Q(need__isnull=True) | Q(readable_needs(viewer, prefix="need__")))
                .order_by("number"),
                to_attr="readable_items",
            )
        )
        .order_by("-held_on")[:200]
    )
    return meetings


def calendar_feed_for(user: User) -> CalendarFeed | None:
    """The member's calendar address, if they have asked for one."""
    return CalendarFeed.objects.filter(user=user).first()


def calendar_user(token: str) -> User:
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    return feed.user


def ballot_list(*, viewer: User) -> QuerySet[Ballot]:
    if not permissions.is_city_member(viewer):
        return Ballot.objects.none()
    ballots = Ballot.objects.annotate(vote_count=Count("votes")).order_by("-opens_at", "-id")
    return ballots.filter(publicity__in=permissions.readable_publicity(viewer))


def ballot_get(*, viewer: User, pk: int) -> Ballot:
    try:
        ballot = Ballot.objects.select_related("need").get(pk=pk)
    except Ballot.DoesNotExist:
        raise Http404 from None
    if not permissions.can_read_ballot(viewer, ballot):
        raise Http404
    return ballot


def ballot_votes(*, ballot: Ballot) -> list[BallotVote]:
    return list(ballot.votes.select_related("organisation", "voter"))


# The open data: only what is public, and only once it is published or approved.


def public_meetings() -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(agenda_published_at__isnull=False)
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.filter(publicity=Publicity.PUBLIC)
                .filter(Q(need__isnull=True) | ~Q(need__status=Status.DRAFT))
                .order_by("number"),
                to_attr="public_items",
            ),
            Prefetch(
                "minutes",
                queryset=Minutes.objects.filter(
                    approved_at__isnull=False, publicity=Publicity.PUBLIC
                ),
            ),
        )
        .order_by("-held_on", "-id")
    )


def public_decisions() -> QuerySet[Decision]:
    return (
        Decision.objects.filter(
            meeting__agenda_published_at__isnull=False, item__publicity=Publicity.PUBLIC
        )
        .filter(Q(need__isnull=True) | ~Q(need__status=Status.DRAFT))
        .select_related("meeting", "item", "need")
        .prefetch_related("stances__organisation")
        .order_by("-meeting__held_on", "item__number", "id")
    )


def public_ballots() -> QuerySet[Ballot]:
    return (
        Ballot.objects.filter(publicity=Publicity.PUBLIC, closed_at__isnull=False)
        .filter(Q(need__isnull=True) | ~Q(need__status=Status.DRAFT))
        .prefetch_related("votes__organisation")
        .order_by("-closes_at", "-id")
    )
