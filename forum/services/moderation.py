"""Moderation: flags, hiding posts, locking, pinning, hiding and moving threads,
and changing who may read a thread (its publicity, audience or category)."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, Organisation, User
from accounts.services import audit_record
from forum import events, permissions
from forum.models import (
    Category,
    Flag,
    Post,
    Publicity,
    Thread,
)
from forum.services.notifications import flag_notifications
from forum.services.posts import audience_clean, lock_thread
from search.indexing import index_category_on_commit, index_on_commit, index_thread_on_commit


def _moderation_audit(
    actor: User, target: str, summary: str, data: dict[str, object] | None = None
) -> None:
    audit_record(
        action=AuditEntry.Action.MODERATION,
        actor=actor,
        target=target,
        summary=summary,
        data=data,
    )


def _readers_changed(thread: Thread) -> None:
    """Who may read the thread may have changed: raise its readers version, so
    every open socket on it checks again before relaying its next event (and
    at once, on ``access.changed``), and re-index the thread and all its posts
    after commit. Call it before sending the change's own event."""
    events.thread_readers_changed(thread)
    index_thread_on_commit(thread.pk)


def _refuse_unconfirmed_widening(
    before: permissions.Audience, after: permissions.Audience, confirm_widen: bool
) -> bool:
    """Whether the change widens the audience; refuses it unless confirmed."""
    wider = permissions.widens(before, after)
    if wider and not confirm_widen:
        raise ValidationError(
            {
                "confirm_widen": _(
                    "This lets more people read the thread. Confirm that you want to widen "
                    "its audience."
                )
            }
        )
    return wider


@transaction.atomic
def flag_create(*, actor: User, post: Post, reason: str) -> Flag:
    """A member flags a post for the moderators.

    Writes one open ``Flag`` per member and post (flagging again changes
    nothing) and notifies the moderators who may moderate the thread, once.
    """
    if not permissions.can_flag(actor, post) or not permissions.can_read_thread(actor, post.thread):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell the moderators why.")})
    flag = Flag(post=post, user=actor, reason=reason[:500])
    flag.full_clean(validate_constraints=False)
    flag, created = Flag.objects.get_or_create(
        post=post, user=actor, resolved_at=None, defaults={"reason": flag.reason}
    )
    if created:
        flag_notifications(actor=actor, post=post)
    return flag


@transaction.atomic
def post_set_hidden(*, actor: User, post: Post, hidden: bool, reason: str = "") -> Post:
    """Hide or show a post (the thread's moderators); resolves its open flags;
    sends ``post.edited``; re-indexes the post (a hidden post leaves the index).

    Hiding turns every stored live event of the post into a tombstone and
    sends ``post.edited`` as one; showing it again sends the post anew.
    """
    thread = lock_thread(post.thread)
    if not permissions.can_moderate_thread(actor, thread):
        raise PermissionDenied
    post = Post.objects.select_related("author", "organisation").get(pk=post.pk)
    post.is_hidden = hidden
    post.save(update_fields=["is_hidden"])
    Flag.objects.filter(post=post, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor, resolution="hidden" if hidden else "kept"
    )
    post.thread = thread
    if hidden:
        events.post_gone(thread, events.POST_EDITED, post)
    else:
        events.thread_event(thread, events.POST_EDITED, {"post": post.pk}, post=post)
    _moderation_audit(actor, f"post:{post.pk}", f"{'hid' if hidden else 'unhid'} post. {reason}")
    index_on_commit("post", post.pk)
    return post


@transaction.atomic
def flag_dismiss(*, actor: User, flag: Flag) -> None:
    """Keep a flagged post as it is (the thread's moderators)."""
    thread = Thread.objects.select_related("category").get(pk=flag.post.thread_id)
    if not permissions.can_moderate_thread(actor, thread):
        raise PermissionDenied
    Flag.objects.filter(pk=flag.pk).update(
        resolved_at=timezone.now(), resolved_by=actor, resolution="dismissed"
    )
    _moderation_audit(actor, f"post:{flag.post_id}", "dismissed a flag")


@transaction.atomic
def thread_moderate(
    *,
    actor: User,
    thread: Thread,
    locked: bool | None = None,
    pinned: bool | None = None,
    hidden: bool | None = None,
    category: Category | None = None,
    confirm_widen: bool = False,
) -> Thread:
    """Lock, pin, hide or move a thread (its moderators); sends ``thread.updated``.

    A moderator moves a thread only into a category they may read; a move that
    widens who may read it needs ``confirm_widen`` and is audited with the
    audience before and after. Hiding, showing and moving re-index the thread
    and all its posts.
    """
    thread = lock_thread(thread)
    if not permissions.can_moderate_thread(actor, thread):
        raise PermissionDenied
    if category is not None and not permissions.can_read_category(actor, category):
        raise PermissionDenied
    before = permissions.audience_of(thread)
    changes = []
    reindex = False
    if locked is not None and locked != thread.is_locked:
        thread.is_locked = locked
        changes.append("locked" if locked else "unlocked")
    if pinned is not None and pinned != thread.is_pinned:
        thread.is_pinned = pinned
        changes.append("pinned" if pinned else "unpinned")
    if hidden is not None and hidden != thread.is_hidden:
        thread.is_hidden = hidden
        changes.append("hidden" if hidden else "unhidden")
        reindex = True
    widened = False
    if category is not None and category.pk != thread.category_id:
        changes.append(f"moved from {thread.category.slug} to {category.slug}")
        thread.category = category
        widened = _refuse_unconfirmed_widening(
            before, permissions.audience_of(thread), confirm_widen
        )
        reindex = True
    if not changes:
        return thread
    thread.save(update_fields=["is_locked", "is_pinned", "is_hidden", "category"])
    if reindex:
        _readers_changed(thread)
    events.thread_event(
        thread,
        events.THREAD_UPDATED,
        {
            "locked": thread.is_locked,
            "pinned": thread.is_pinned,
            "hidden": thread.is_hidden,
        },
    )
    data = None
    if category is not None:
        data = {
            "from": before.describe(),
            "to": permissions.audience_of(thread).describe(),
            "widened": widened,
        }
    _moderation_audit(actor, f"thread:{thread.pk}", ", ".join(changes), data)
    return thread


@transaction.atomic
def thread_publicity_follow(*, actor: User, thread: Thread, publicity: str) -> Thread:
    """Give a need's discussion thread the publicity of its need.

    Called by the needs registry's services when a need's publicity changes; they
    have checked the actor's right to change the need. A thread that belongs to no
    need is refused. Writes the thread, an audit entry, and refreshes the search
    documents of the thread and its posts; open sockets on it check again
    and get ``thread.updated``.
    """
    thread = lock_thread(thread)
    if thread.need_id is None:
        raise PermissionDenied
    if publicity not in Publicity.values:
        raise ValueError(publicity)
    if thread.publicity == publicity:
        return thread
    previous = thread.publicity
    thread.publicity = publicity
    thread.save(update_fields=["publicity"])
    _moderation_audit(
        actor,
        f"thread:{thread.pk}",
        f"publicity {previous} -> {publicity} with need:{thread.need_id}",
    )
    _readers_changed(thread)
    events.thread_event(thread, events.THREAD_UPDATED, {"publicity": thread.publicity})
    return thread


@transaction.atomic
def thread_audience_set(
    *,
    actor: User,
    thread: Thread,
    publicity: str,
    organisations: Iterable[Organisation] = (),
    roles: Iterable[str] = (),
    confirm_widen: bool = False,
) -> Thread:
    """Change a thread's publicity class and (confidential) audience.

    Sends ``thread.updated`` (after the readers change, so sockets check again
    first). Its author or its moderators may. The actor stays in a confidential
    audience they choose; a change that widens who may read the thread needs
    ``confirm_widen``. Every change is audited (MODERATION, with the audience
    before and after) and re-indexes the thread and all its posts.
    """
    thread = lock_thread(thread)
    if not permissions.can_change_audience(actor, thread):
        raise PermissionDenied
    if publicity not in permissions.PUBLICITY_RANK:
        raise ValidationError({"publicity": _("Unknown publicity class.")})
    organisations, roles = audience_clean(
        actor=actor,
        category=thread.category,
        publicity=publicity,
        organisations=organisations,
        roles=roles,
    )
    before = permissions.audience_of(thread)
    thread.publicity = publicity
    thread.audience_roles = roles
    thread._audience_organisation_ids = frozenset(o.pk for o in organisations)
    after = permissions.audience_of(thread)
    if after == before:
        return thread
    widened = _refuse_unconfirmed_widening(before, after, confirm_widen)
    thread.full_clean()
    thread.save(update_fields=["publicity", "audience_roles"])
    thread.audience_organisations.set(organisations)
    # Forget the audience prefetched before the change, so the thread is rendered with the new one.
    thread._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    _moderation_audit(
        actor,
        f"thread:{thread.pk}",
        "widened who may read the thread" if widened else "changed who may read the thread",
        {"from": before.describe(), "to": after.describe(), "widened": widened},
    )
    _readers_changed(thread)
    # The pages still open on it show the new publicity and audience.
    events.thread_event(thread, events.THREAD_UPDATED, {"publicity": thread.publicity})
    return thread


def category_read_rule_changed(*, actor: User | None, category: Category) -> None:
    """A category's readers changed (in the back office): audit it and re-index
    every thread and post in it, so search follows the new rule at once; the
    open sockets on its threads check again whether their members may read."""
    audit_record(
        action=AuditEntry.Action.ADMIN_CHANGE,
        actor=actor,
        target=f"forum.category:{category.pk}",
        summary=f"category {category.slug}: readers may have changed",
        data={
            "read_roles": sorted(category.read_roles),
            "read_organisations": sorted(
                category.read_organisations.values_list("slug", flat=True)
            ),
        },
    )
    events.category_readers_changed(category.pk)
    index_category_on_commit(category.pk)
