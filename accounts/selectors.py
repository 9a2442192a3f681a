"""Reads for people and organisations."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.models import AuditEntry, Organisation, TaggedExpertise, User
from accounts.permissions import (
    can_read_audit_log,
    can_read_member,
    can_view_members,
    listed_members,
    shows_member_details,
)
from forum.models import (
    Attachment,
    Draft,
    Flag,
    Post,
    PostRevision,
    Reaction,
    ReadState,
    Thread,
    Watch,
)
from needs_registry.models import (
    CityPosition,
    CityVote,
    Commitment,
    Follow,
    Need,
    NeedAttachment,
    NeedCityHistory,
    PrioritisationRound,
    RoundAllocation,
    Support,
    Transition,
    VoteRecord,
)
from notifications.selectors import notification_rows
from steering.models import Decision, Meeting


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
        User.objects.filter(listed_members(), organisation__isnull=False)
        .select_related("organisation")
        # django-stubs cannot see through taggit's manager, which does prefetch.
        .prefetch_related("expertise", "roles")  # type: ignore[misc]
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


def member_get_for_viewer(*, viewer: User, pk: int) -> tuple[User, bool]:
    """The member and whether their details are shown to the viewer; 404 when the
    viewer may not see the member at all."""
    try:
        member = (
            User.objects.select_related("organisation")
            # django-stubs cannot see through taggit's manager, which does prefetch.
            .prefetch_related("expertise", "roles")  # type: ignore[misc]
            .get(pk=pk)
        )
    except User.DoesNotExist:
        raise Http404 from None
    if not can_read_member(viewer, member):
        raise Http404
    return member, shows_member_details(viewer, member)


def expertise_counts(*, viewer: User, limit: int = 30) -> list[tuple[str, int]]:
    if not can_view_members(viewer):
        return []
    rows = (
        TaggedExpertise.objects.filter(listed_members("content_object__"))
        .values("tag__name")
        .annotate(count=Count("id"))
        .order_by("-count", "tag__name")[:limit]
    )
    return [(row["tag__name"], row["count"]) for row in rows]


EXPERT_ROLE = "expert"  # every member is an expert; the IAM grants the other roles


def _rows(queryset: QuerySet[Any], *fields: str) -> list[dict[str, Any]]:
    return [
        {k: v.isoformat() if isinstance(v, datetime | date) else v for k, v in row.items()}
        for row in queryset.values(*fields)
    ]


def _attachment_rows(
    attachments: Iterable[tuple[Attachment | NeedAttachment, dict[str, Any]]],
) -> list[dict[str, Any]]:
    return [
        {
            "name": a.original_name,
            "content_type": a.content_type,
            "size": a.size,
            "created_at": a.created_at.isoformat(),
            "url": settings.SITE_URL + a.get_absolute_url(),
            **extra,
        }
        for a, extra in attachments
    ]


def member_data(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about a member, for their own download (GDPR art. 15, 20).

    Every kept record that names the member or was made by them, except the
    secrets that would let someone act as them (the ID tokens of sign-ins,
    the personal feed token).
    """
    own_posts = Post.objects.filter(author=user).order_by("created_at", "id")
    revisions: dict[int, list[dict[str, Any]]] = {}
    for revision in PostRevision.objects.filter(post__author=user).order_by("created_at", "id"):
        revisions.setdefault(revision.post_id, []).append(
            {
                "body": revision.body,
                "created_at": revision.created_at.isoformat(),
                "edited_by": revision.edited_by_id,
            }
        )
    posts = _rows(own_posts, "id", "thread_id", "body", "created_at", "edited_at", "deleted_at")
    for post in posts:
        post["earlier_versions"] = revisions.get(post["id"], [])
    grants = {r.role: r.granted_at for r in user.roles.all()}
    return {
        "profile": {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "username": user.username,
            "handle": user.handle,
            "title": user.title,
            "organisation": user.organisation.slug if user.organisation else None,
            "roles": sorted({EXPERT_ROLE, *grants}),
            "role_grants": [
                {"role": EXPERT_ROLE, "granted_by": "membership", "granted_at": None},
                *(
                    {"role": role, "granted_by": "iam", "granted_at": at.isoformat()}
                    for role, at in sorted(grants.items())
                ),
            ],
            "preferred_language": user.preferred_language,
            "notification_email": user.notification_email,
            "expertise": sorted(tag.name for tag in user.expertise.all()),
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "threads": _rows(
            Thread.objects.filter(author=user), "id", "title", "publicity", "created_at"
        ),
        "posts": posts,
        "edits_of_others_posts": _rows(
            PostRevision.objects.filter(edited_by=user).exclude(post__author=user),
            "post_id",
            "created_at",
        ),
        "drafts": _rows(Draft.objects.filter(user=user), "thread_id", "body", "updated_at"),
        "reactions": _rows(Reaction.objects.filter(user=user), "post_id", "kind", "created_at"),
        "flags": _rows(
            Flag.objects.filter(user=user),
            "post_id",
            "reason",
            "created_at",
            "resolved_at",
            "resolution",
        ),
        "watches": _rows(Watch.objects.filter(user=user), "thread_id", "category_id"),
        "read_marks": _rows(
            ReadState.objects.filter(user=user), "thread_id", "last_read_number", "read_at"
        ),
        "notifications": notification_rows(user=user),
        "attachments": _attachment_rows(
            [
                *((a, {"post_id": a.post_id}) for a in Attachment.objects.filter(uploader=user)),
                *(
                    (a, {"need_id": a.need_id})
                    for a in NeedAttachment.objects.filter(uploader=user)
                ),
            ]
        ),
        "needs_created": _rows(
            Need.objects.filter(created_by=user), "id", "title", "status", "created_at"
        ),
        "needs_as_contact": _rows(Need.objects.filter(contact=user), "id", "title", "status"),
        "needs_supported": _rows(Support.objects.filter(user=user), "need_id", "created_at"),
        "needs_followed": _rows(Follow.objects.filter(user=user), "need_id"),
        "city_positions": _rows(
            CityPosition.objects.filter(updated_by=user),
            "need_id",
            "organisation__slug",
            "stance",
            "urgency",
            "current_system",
            "solution",
            "cost_weight",
            "in_production",
            "updated_at",
        ),
        "commitments": _rows(
            Commitment.objects.filter(recorded_by=user),
            "need_id",
            "organisation__slug",
            "amount_eur",
            "budget_year",
            "recorded_at",
        ),
        "position_and_commitment_changes": _rows(
            NeedCityHistory.objects.filter(actor=user),
            "need_id",
            "organisation__slug",
            "kind",
            "before",
            "after",
            "created_at",
        ),
        "city_votes": _rows(
            CityVote.objects.filter(voter=user),
            "need_id",
            "organisation__slug",
            "comment",
            "cast_at",
        ),
        "city_vote_history": _rows(
            VoteRecord.objects.filter(voter=user),
            "need_id",
            "organisation__slug",
            "action",
            "comment",
            "created_at",
        ),
        "transitions": _rows(
            Transition.objects.filter(actor=user),
            "need_id",
            "from_status",
            "to_status",
            "reason",
            "created_at",
        ),
        "round_points": _rows(
            RoundAllocation.objects.filter(allocated_by=user),
            "round_id",
            "need_id",
            "points",
            "updated_at",
        ),
        "rounds_opened": _rows(
            PrioritisationRound.objects.filter(created_by=user), "id", "title", "created_at"
        ),
        "meetings_recorded": _rows(
            Meeting.objects.filter(created_by=user), "id", "title", "held_on"
        ),
        "decisions_recorded": _rows(
            Decision.objects.filter(recorded_by=user),
            "need_id",
            "meeting_id",
            "agenda_item",
            "recorded_at",
        ),
        "audit_entries": _rows(
            AuditEntry.objects.filter(
                Q(actor_id=user.pk) | Q(target__in=[f"user:{user.pk}", f"accounts.user:{user.pk}"])
            ).order_by("created_at", "id"),
            "created_at",
            "action",
            "actor_name",
            "actor_organisation",
            "target",
            "summary",
            "data",
        ),
        "sign_ins": _rows(user.sign_in_sessions.all(), "created_at", "subject", "sid"),
    }


def audit_log(*, viewer: User, action: str = "") -> QuerySet[AuditEntry]:
    if not can_read_audit_log(viewer):
        raise Http404
    entries = AuditEntry.objects.all()
    if action:
        entries = entries.filter(action=action)
    return entries.order_by("-created_at", "-id")
