"""A need's life: writing and editing it, moving it through its statuses, merging,
dependencies, attachments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, User
from accounts.services import audit_record
from downloads.checks import upload_check
from forum import services as forum_services
from forum.models import Category, Thread
from needs_registry import notification_kinds, permissions
from needs_registry.models import (
    CityVote,
    Follow,
    Need,
    NeedAttachment,
    RoundAllocation,
    Status,
    Support,
    Transition,
    VoteRecord,
)
from needs_registry.services.base import (
    discussion_follow,
    lock_need,
    notify_interested,
    refresh_counts,
)
from search.indexing import index_on_commit

NEED_FIELDS = [
    "title",
    "problem",
    "desired_outcome",
    "domain",
    "affected_processes",
    "current_systems",
    "open_source_candidates",
    "one_off_cost_eur",
    "yearly_cost_eur",
    "contract_years",
    "benefit_hours_per_year",
    "urgency",
    "cost_split",
]


@transaction.atomic
def need_create(
    *,
    actor: User,
    data: Mapping[str, Any],
    tags: Iterable[str] = (),
    origin_thread: Thread | None = None,
) -> Need:
    """Write a new need as a draft of the actor's city; the actor is its contact and follower."""
    if not permissions.can_create_need(actor):
        raise PermissionDenied
    need = Need(
        organisation=actor.organisation,
        contact=actor,
        created_by=actor,
        origin_thread=origin_thread,
        status=Status.DRAFT,
        **{field: data[field] for field in NEED_FIELDS if field in data},
    )
    need.full_clean()
    need.save()
    need.tags.set(sorted({t.strip()[:100] for t in tags if t.strip()}))
    Follow.objects.create(need=need, user=actor)
    Transition.objects.create(need=need, from_status="", to_status=Status.DRAFT, actor=actor)
    index_on_commit("need", need.pk)
    return need


@transaction.atomic
def need_update(
    *, actor: User, need: Need, data: Mapping[str, Any], tags: Iterable[str] | None = None
) -> Need:
    """Change a need's text and figures; audits which fields changed (names only).

    Precondition: the actor may edit the need.
    """
    need = lock_need(need)
    if not permissions.can_edit_need(actor, need):
        raise PermissionDenied
    before = {field: getattr(need, field) for field in NEED_FIELDS}
    old_tags = sorted(t.name for t in need.tags.all())
    for field in NEED_FIELDS:
        if field in data:
            setattr(need, field, data[field])
    need.updated_at = timezone.now()
    need.full_clean()
    need.save()
    changed = [field for field in NEED_FIELDS if getattr(need, field) != before[field]]
    if tags is not None:
        need.tags.set(sorted({t.strip()[:100] for t in tags if t.strip()}))
        if sorted(t.name for t in need.tags.all()) != old_tags:
            changed.append("tags")
    if changed:
        audit_record(
            action=AuditEntry.Action.NEED_EDITED,
            actor=actor,
            target=f"need:{need.pk}",
            summary=", ".join(changed),
            data={"fields": changed},
        )
    index_on_commit("need", need.pk)
    return need


def _discussion_for(need: Need, actor: User) -> Thread | None:
    """The forum thread where the need is discussed, with the need's publicity.

    The thread the need grew from becomes its discussion only when it already has
    the need's publicity in a category open to all: a thread written for a smaller
    audience is never opened up by submitting a need; a new discussion is started
    instead.
    """
    if need.discussion_id:
        return need.discussion
    publicity = permissions.need_publicity(need)
    origin = need.origin_thread
    if (
        origin is not None
        and origin.need_id is None
        and origin.publicity == publicity
        and not origin.category.is_restricted
    ):
        Thread.objects.filter(pk=origin.pk).update(need=need)
        return origin
    category = (
        Category.objects.filter(domain=need.domain, parent__isnull=True, read_roles=[])
        .order_by("position")
        .first()
        or Category.objects.filter(read_roles=[]).order_by("position").first()
    )
    if category is None:
        return None
    body = _("Discussion of the need “%(title)s”.\n\n%(problem)s") % {
        "title": need.title,
        "problem": need.problem,
    }
    return forum_services.thread_create(
        actor=actor,
        category=category,
        title=need.title[:200],
        body=body,
        publicity=publicity,
        need=need,
    )


@transaction.atomic
def need_transition(*, actor: User, need: Need, to_status: str, reason: str = "") -> Need:
    """Move a need along its lifecycle (only by the roles allowed), recording who, when and why.

    Submitting makes the need's forum thread. Followers and sharing cities
    are notified. Writes ``Transition`` and an audit entry.
    """
    need = lock_need(need)
    if not permissions.can_transition(actor, need, to_status):
        raise PermissionDenied
    reason = (reason or "").strip()
    if to_status in {Status.REJECTED} and not reason:
        raise ValidationError({"reason": _("Give a reason for the decision.")})
    from_status = need.status
    need.status = to_status
    now = timezone.now()
    if to_status == Status.SUBMITTED and need.submitted_at is None:
        need.submitted_at = now
    if to_status in {Status.ACCEPTED, Status.REJECTED}:
        need.decided_at = now
    if to_status == Status.SUBMITTED:
        need.discussion = _discussion_for(need, actor)
    need.updated_at = now
    need.save()
    discussion_follow(need, actor)
    Transition.objects.create(
        need=need, from_status=from_status, to_status=to_status, actor=actor, reason=reason[:2000]
    )
    audit_record(
        action=AuditEntry.Action.NEED_TRANSITION,
        actor=actor,
        target=f"need:{need.pk}",
        summary=f"{from_status} -> {to_status}",
    )
    notify_interested(
        need,
        actor=actor,
        kind=notification_kinds.STATUS_CHANGED,
        params={"status": need.status},
    )
    index_on_commit("need", need.pk)
    return need


@transaction.atomic
def need_merge(*, actor: User, need: Need, target: Need, reason: str) -> Need:
    """Merge ``need`` into ``target``, keeping everything.

    Votes, city positions, commitments, supports and followers move to the
    target; where a city already has a vote or position on the target, the
    target's stays and the moved one is recorded in the vote history.
    """
    # Lock both rows in a fixed order, so two opposite merges cannot deadlock.
    locked = {
        n.pk: n
        for n in Need.objects.select_for_update().filter(pk__in=[need.pk, target.pk]).order_by("pk")
    }
    need, target = locked[need.pk], locked[target.pk]
    if need.pk == target.pk:
        raise ValidationError({"target": _("A need cannot be merged into itself.")})
    if not permissions.can_merge(actor, need) or target.status in {
        Status.MERGED,
        Status.DRAFT,
        Status.REJECTED,
    }:
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for the merge.")})
    target_vote_cities = set(target.votes.values_list("organisation_id", flat=True))
    for vote in need.votes.select_related("organisation"):
        if vote.organisation_id not in target_vote_cities:
            CityVote.objects.create(
                need=target,
                organisation=vote.organisation,
                voter=vote.voter,
                comment=vote.comment,
                cast_at=vote.cast_at,
            )
        VoteRecord.objects.create(
            need=target,
            organisation=vote.organisation,
            voter=vote.voter,
            action=VoteRecord.Action.MOVED,
            comment=_("Moved from “%(title)s”") % {"title": need.title},
        )
    need.votes.all().delete()
    target_position_cities = set(target.positions.values_list("organisation_id", flat=True))
    need.positions.exclude(organisation_id__in=target_position_cities).update(need=target)
    need.positions.all().delete()
    for commitment in need.commitments.all():
        existing = target.commitments.filter(
            organisation=commitment.organisation, budget_year=commitment.budget_year
        ).first()
        if existing:
            existing.amount_eur += commitment.amount_eur
            existing.save(update_fields=["amount_eur"])
            commitment.delete()
        else:
            commitment.need = target
            commitment.save(update_fields=["need"])
    for model in (Support, Follow):
        users_on_target = set(model.objects.filter(need=target).values_list("user_id", flat=True))
        model.objects.filter(need=need).exclude(user_id__in=users_on_target).update(need=target)
        model.objects.filter(need=need).delete()
    RoundAllocation.objects.filter(need=need).update(need=target)
    from_status = need.status
    need.status = Status.MERGED
    need.merged_into = target
    need.decided_at = timezone.now()
    need.save()
    discussion_follow(need, actor)
    Transition.objects.create(
        need=need, from_status=from_status, to_status=Status.MERGED, actor=actor, reason=reason
    )
    refresh_counts(need)
    refresh_counts(target)
    audit_record(
        action=AuditEntry.Action.NEED_DECISION,
        actor=actor,
        target=f"need:{need.pk}",
        summary=f"merged into need:{target.pk}",
    )
    notify_interested(
        target,
        actor=actor,
        kind=notification_kinds.MERGED,
        params={"source": need.title},
    )
    index_on_commit("need", need.pk)
    index_on_commit("need", target.pk)
    return target


@transaction.atomic
def dependencies_set(*, actor: User, need: Need, depends_on: Iterable[Need]) -> None:
    need = lock_need(need)
    if not permissions.can_edit_need(actor, need):
        raise PermissionDenied
    depends_on = [d for d in depends_on if d.pk != need.pk]
    # No cycles: a need cannot (indirectly) depend on itself.
    frontier = {d.pk for d in depends_on}
    seen = set()
    while frontier:
        if need.pk in frontier:
            raise ValidationError(
                {"depends_on": _("That would make the needs depend on each other in a circle.")}
            )
        seen |= frontier
        frontier = (
            set(
                Need.depends_on.through.objects.filter(from_need_id__in=frontier).values_list(
                    "to_need_id", flat=True
                )
            )
            - seen
        )
    # Links to needs the actor may not read (another city's draft) are not theirs to
    # see, nor to remove.
    unseen = need.depends_on.exclude(permissions.readable_needs(actor))
    need.depends_on.set([*depends_on, *unseen])


@transaction.atomic
def need_attachment_add(*, actor: User, need: Need, upload: UploadedFile[bytes]) -> NeedAttachment:
    """Attach a file to a need, stored under a random name once the actor may edit the
    need and its type is checked on content (like forum attachments)."""
    need = lock_need(need)
    if not permissions.can_edit_need(actor, need):
        raise PermissionDenied
    mime, name = upload_check(upload)
    attachment = NeedAttachment(
        need=need, uploader=actor, original_name=name, content_type=mime, size=upload.size or 0
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment
