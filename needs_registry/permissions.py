"""Who may see and change what in the needs registry."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from accounts.models import Role, User
from forum.models import Publicity
from needs_registry.models import (
    Need,
    NeedAttachment,
    PrioritisationRound,
    Status,
)

OPEN_FOR_VOTES = {Status.SUBMITTED, Status.UNDER_REVIEW}

# Which roles may move a need from one status to another.
STEERING = frozenset({Role.STEERING_GROUP})
COORDINATOR = frozenset({Role.PROJECT_COORDINATOR})
CITY = frozenset({Role.ICT_LEAD, Role.ICT_LEAD_SUBSTITUTE})
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (Status.DRAFT, Status.SUBMITTED): CITY,
    (Status.SUBMITTED, Status.UNDER_REVIEW): STEERING,
    (Status.SUBMITTED, Status.REJECTED): STEERING,
    (Status.UNDER_REVIEW, Status.ACCEPTED): STEERING,
    (Status.UNDER_REVIEW, Status.REJECTED): STEERING,
    (Status.UNDER_REVIEW, Status.SUBMITTED): STEERING,
    (Status.ACCEPTED, Status.PRE_STUDY): COORDINATOR,
    (Status.ACCEPTED, Status.DEVELOPMENT): COORDINATOR,
    (Status.ACCEPTED, Status.PROCUREMENT): COORDINATOR,
    (Status.PRE_STUDY, Status.DEVELOPMENT): COORDINATOR,
    (Status.PRE_STUDY, Status.PROCUREMENT): COORDINATOR,
    (Status.PRE_STUDY, Status.REJECTED): STEERING,
    (Status.DEVELOPMENT, Status.PILOT): COORDINATOR,
    (Status.PROCUREMENT, Status.PILOT): COORDINATOR,
    (Status.PROCUREMENT, Status.DEVELOPMENT): COORDINATOR,
    (Status.PILOT, Status.PRODUCTION): COORDINATOR,
    (Status.PILOT, Status.DEVELOPMENT): COORDINATOR,
}
MERGEABLE = {Status.SUBMITTED, Status.UNDER_REVIEW, Status.ACCEPTED}


def is_city_member(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.organisation_id)


def can_read_need(user: User, need: Need) -> bool:
    """Drafts are private to the author's city until submitted; every other need is public.

    Every channel asks this rule (or ``readable_needs``, the same rule as a query):
    pages, lists and counts, links between needs, exports, the API, notifications,
    and the search index (whose documents carry ``draft_organisation_id``).
    """
    if need.status == Status.DRAFT:
        return is_city_member(user) and user.organisation_id == need.organisation_id
    return True


def can_read_need_attachment(user: User, attachment: NeedAttachment) -> bool:
    """A need's attachment is read with the need: a draft's only by its city."""
    return can_read_need(user, attachment.need)


def readable_needs(user: User | AnonymousUser, prefix: str = "") -> Q:
    """``can_read_need`` as a filter on needs (or on a relation to them, by ``prefix``)."""
    public = ~Q(**{f"{prefix}status": Status.DRAFT})
    if isinstance(user, User) and is_city_member(user):
        return public | Q(**{f"{prefix}organisation_id": user.organisation_id})
    return public


def need_publicity(need: Need) -> str:
    """The publicity of the need, which its discussion thread follows: a draft is
    confidential to its city, a submitted need is public like its page."""
    return Publicity.CONFIDENTIAL if need.status == Status.DRAFT else Publicity.PUBLIC


def can_create_need(user: User) -> bool:
    return is_city_member(user)


def can_edit_need(user: User, need: Need) -> bool:
    if not is_city_member(user):
        return False
    if need.status == Status.DRAFT:
        return user.organisation_id == need.organisation_id
    if need.status in {Status.SUBMITTED, Status.UNDER_REVIEW}:
        return (
            user.organisation_id == need.organisation_id and user.has_role(*CITY)
        ) or user.has_role(Role.PROJECT_COORDINATOR)
    return user.has_role(Role.PROJECT_COORDINATOR)


def acts_for_city(user: User) -> bool:
    """ICT leads and their named substitutes act on behalf of their city."""
    return is_city_member(user) and user.has_role(*CITY)


def can_vote(user: User, need: Need) -> bool:
    return acts_for_city(user) and need.status in OPEN_FOR_VOTES


def can_set_position(user: User, need: Need) -> bool:
    return acts_for_city(user) and need.status not in {Status.DRAFT, Status.MERGED}


def allowed_transitions(user: User, need: Need) -> list[str]:
    if not is_city_member(user):
        return []
    allowed = []
    for (source, target), roles in TRANSITIONS.items():
        if source != need.status or not user.has_role(*roles):
            continue
        if roles == CITY and user.organisation_id != need.organisation_id:
            continue
        allowed.append(target)
    return allowed


def can_transition(user: User, need: Need, target: str) -> bool:
    return target in allowed_transitions(user, need)


def can_merge(user: User, need: Need) -> bool:
    return (
        is_city_member(user) and user.has_role(Role.STEERING_GROUP) and (need.status in MERGEABLE)
    )


def can_steer(user: User) -> bool:
    """Open rounds, hold meetings, record decisions."""
    return is_city_member(user) and user.has_role(Role.STEERING_GROUP)


def can_record_meeting(user: User) -> bool:
    return is_city_member(user) and user.has_role(Role.STEERING_GROUP, Role.PROJECT_COORDINATOR)


def can_allocate(user: User, round_: PrioritisationRound) -> bool:
    return acts_for_city(user) and round_.is_open()


def can_record_production(user: User, need: Need) -> bool:
    return (
        is_city_member(user)
        and user.has_role(Role.PROJECT_COORDINATOR)
        and need.status
        in {
            Status.PILOT,
            Status.PRODUCTION,
        }
    )


def can_export(user: User) -> bool:
    return is_city_member(user)


def can_promote_thread(user: User) -> bool:
    return acts_for_city(user)


def decision_targets(status: str) -> set[str]:
    """Statuses a steering group decision may give a need in ``status``.

    A meeting may decide on a submitted need directly, as if it had been put
    under review first.
    """
    targets = {
        target
        for (source, target), roles in TRANSITIONS.items()
        if source == status and roles == STEERING
    }
    if status == Status.SUBMITTED:
        targets |= decision_targets(Status.UNDER_REVIEW)
    return targets | {status}
