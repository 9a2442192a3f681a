"""Who may see and do what in the steering group's work.

Publicity has three levels (``Publicity``): public items are also in the open
data; members' items are read by every signed-in member of a member city; the
steering group's own items only by the steering group and the coordinator. A
meeting is seen by members once its agenda is published; minutes once approved.
Every way out (pages, calendar feeds, files, notifications, the API) asks these.
"""

from accounts.models import Role, User
from needs_registry.permissions import acts_for_city, can_read_need
from needs_registry.permissions import is_city_member as is_city_member  # asked here too
from steering.models import (
    AgendaItem,
    Ballot,
    Decision,
    Meeting,
    Minutes,
    Nomination,
    Publicity,
    Seat,
)


def is_steering_member(user: User) -> bool:
    """The steering group role, as the IAM grants it."""
    return is_city_member(user) and user.has_role(Role.STEERING_GROUP)


def runs_meetings(user: User) -> bool:
    """The steering group and the coordinator (its secretary) see everything of its work."""
    return is_city_member(user) and user.has_role(Role.STEERING_GROUP, Role.PROJECT_COORDINATOR)


def can_steer(user: User) -> bool:
    """Record decisions and approve minutes: the steering group's own members."""
    return is_steering_member(user)


def can_record_meeting(user: User) -> bool:
    """Create meetings, build and publish agendas, record attendance, write minutes."""
    return runs_meetings(user)


def can_nominate(user: User, organisation_id: int) -> bool:
    """A city names its own people (through its ICT lead); the coordinator may record any."""
    if not is_city_member(user):
        return False
    if user.has_role(Role.PROJECT_COORDINATOR):
        return True
    return acts_for_city(user) and user.organisation_id == organisation_id


def can_read_roster(user: User) -> bool:
    return is_city_member(user)


def readable_publicity(user: User) -> set[str]:
    if runs_meetings(user):
        return {Publicity.PUBLIC, Publicity.MEMBERS, Publicity.STEERING}
    if is_city_member(user):
        return {Publicity.PUBLIC, Publicity.MEMBERS}
    return {Publicity.PUBLIC}


def can_read_meeting(user: User, meeting: Meeting) -> bool:
    """Members see a meeting once its agenda is published; the steering group always."""
    if runs_meetings(user):
        return True
    return is_city_member(user) and meeting.is_published


def can_read_agenda_item(user: User, item: AgendaItem) -> bool:
    if not can_read_meeting(user, item.meeting):
        return False
    if item.publicity not in readable_publicity(user):
        return False
    return item.need is None or can_read_need(user, item.need)


def can_read_decision(user: User, decision: Decision) -> bool:
    """What was decided, and on which need, for those who may read its item and need,
    once the meeting is published (a public decision also on the need's public page).

    Others who may read the meeting see only that an agenda item was decided.
    """
    if not (decision.meeting.is_published or runs_meetings(user)):
        return False
    if decision.publicity not in readable_publicity(user):
        return False
    return decision.need is None or can_read_need(user, decision.need)


def can_read_minutes(user: User, minutes: Minutes) -> bool:
    """Draft minutes stay with the steering group until a later meeting approves them."""
    if runs_meetings(user):
        return True
    return (
        minutes.is_approved
        and minutes.publicity in readable_publicity(user)
        and can_read_meeting(user, minutes.meeting)
    )


def can_read_ballot(user: User, ballot: Ballot) -> bool:
    if runs_meetings(user):
        return True
    return is_city_member(user) and ballot.publicity in readable_publicity(user)


def can_vote_in(user: User, ballot: Ballot, nomination: Nomination | None) -> bool:
    """A city votes through its nominated representative, or its deputy where allowed;
    both need the steering group role from the IAM."""
    if nomination is None or not is_steering_member(user) or not ballot.is_open():
        return False
    if nomination.person_id != user.pk or nomination.organisation_id != user.organisation_id:
        return False
    return nomination.seat == Seat.REPRESENTATIVE or ballot.deputies_may_vote
