"""Reads for people and organisations."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.models import Organisation, TaggedExpertise, User
from accounts.permissions import can_view_members


def organisation_list(*, only_cities: bool = False) -> QuerySet[Organisation]:
    organisations = Organisation.objects.filter(is_active=True)
    if only_cities:
        organisations = organisations.filter(kind=Organisation.Kind.CITY)
    return organisations.order_by("name_fi")


def member_list(
    *,
    viewer: User,
    organisation: str = "",
    role: str = "",
    expertise: str = "",
    query: str = "",
) -> QuerySet[User]:
    """Active members for the directory, filtered; empty for viewers who may not see it."""
    if not can_view_members(viewer):
        return User.objects.none()
    members = (
        User.objects.filter(is_active=True, anonymised_at__isnull=True, organisation__isnull=False)
        .select_related("organisation")
        .prefetch_related("expertise", "roles")
        .order_by("organisation__name_fi", "display_name")
    )
    if organisation:
        members = members.filter(organisation__slug=organisation)
    if role:
        members = members.filter(roles__role=role)
    if expertise:
        members = members.filter(expertise__name__iexact=expertise)
    if query:
        members = members.filter(
            Q(display_name__icontains=query)
            | Q(title__icontains=query)
            | Q(expertise__name__icontains=query)
        )
    return members.distinct()


def member_get_for_viewer(*, viewer: User, pk: int) -> User:
    if not can_view_members(viewer):
        raise Http404
    try:
        return (
            User.objects.select_related("organisation")
            .prefetch_related("expertise", "roles")
            .get(pk=pk, anonymised_at__isnull=True)
        )
    except User.DoesNotExist:
        raise Http404 from None


def expertise_counts(*, viewer: User, limit: int = 30) -> list[tuple[str, int]]:
    if not can_view_members(viewer):
        return []
    rows = (
        TaggedExpertise.objects.filter(
            content_object__is_active=True, content_object__anonymised_at__isnull=True
        )
        .values("tag__name")
        .annotate(count=Count("id"))
        .order_by("-count", "tag__name")[:limit]
    )
    return [(row["tag__name"], row["count"]) for row in rows]


def member_data(*, user: User) -> dict:
    """Everything the platform holds about a member, for their own download (GDPR)."""
    from forum.models import Notification, Post, Reaction, Thread
    from needs_registry.models import CityVote, Need, Support

    return {
        "profile": {
            "email": user.email,
            "display_name": user.display_name,
            "handle": user.handle,
            "title": user.title,
            "organisation": user.organisation.slug if user.organisation else None,
            "roles": sorted(user.role_set),
            "preferred_language": user.preferred_language,
            "notification_email": user.notification_email,
            "expertise": [tag.name for tag in user.expertise.all()],
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "threads": list(Thread.objects.filter(author=user).values("id", "title", "created_at")),
        "posts": list(
            Post.objects.filter(author=user).values(
                "id", "thread_id", "body", "created_at", "edited_at", "deleted_at"
            )
        ),
        "reactions": list(Reaction.objects.filter(user=user).values("post_id", "kind")),
        "notifications": list(
            Notification.objects.filter(user=user).values("kind", "text", "created_at", "read_at")
        ),
        "needs_created": list(Need.objects.filter(created_by=user).values("id", "title", "status")),
        "city_votes_cast": list(CityVote.objects.filter(voter=user).values("need_id", "cast_at")),
        "needs_supported": list(Support.objects.filter(user=user).values("need_id")),
        "sign_ins": list(user.sign_in_sessions.values("created_at")),
    }


def audit_log(*, viewer: User, action: str = "") -> QuerySet:
    from accounts.models import AuditEntry
    from accounts.permissions import can_read_audit_log

    if not can_read_audit_log(viewer):
        raise Http404
    entries = AuditEntry.objects.select_related("actor", "actor__organisation")
    if action:
        entries = entries.filter(action=action)
    return entries.order_by("-created_at", "-id")
