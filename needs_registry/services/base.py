"""What the registry's services share: locking a need, its counters, and telling
those who follow it."""

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from forum.services import notification_create
from needs_registry import permissions
from needs_registry.models import (
    CityPosition,
    Follow,
    Need,
)


def lock_need(need: Need) -> Need:
    return Need.objects.select_for_update().select_related("organisation").get(pk=need.pk)


def refresh_counts(need: Need) -> None:
    counts = Need.objects.filter(pk=need.pk).aggregate(
        votes=Count("votes", distinct=True),
        sharing=Count(
            "positions", filter=Q(positions__stance=CityPosition.Stance.HAS_NEED), distinct=True
        ),
        supports=Count("supports", distinct=True),
    )
    Need.objects.filter(pk=need.pk).update(
        vote_count=counts["votes"],
        sharing_count=counts["sharing"],
        support_count=counts["supports"],
        updated_at=timezone.now(),
    )


def interested(need: Need) -> list[User]:
    """Followers of the need and the ICT leads of its sharing cities."""
    sharing = CityPosition.objects.filter(need=need, stance=CityPosition.Stance.HAS_NEED).values(
        "organisation"
    )
    people = User.objects.filter(
        Q(pk__in=Follow.objects.filter(need=need).values("user"))
        | Q(organisation__in=sharing, roles__role__in=list(permissions.CITY)),
        is_active=True,
    ).distinct()
    return list(people)


def notify_interested(need: Need, *, actor: User, kind: str, text: str) -> None:
    notification_create(
        users=interested(need),
        kind=kind,
        actor=actor,
        need=need,
        text=text,
        url=need.get_absolute_url(),
    )
