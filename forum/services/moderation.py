"""Moderation: flags, hiding posts, locking, pinning, hiding and moving threads."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, User
from accounts.services import audit_record
from forum import events, permissions
from forum.models import (
    Category,
    Flag,
    Post,
    Thread,
)
from forum.services.posts import lock_thread, post_html
from search.indexing import index_on_commit


def _moderation_audit(actor: User, target: str, summary: str) -> None:
    audit_record(action=AuditEntry.Action.MODERATION, actor=actor, target=target, summary=summary)


@transaction.atomic
def flag_create(*, actor: User, post: Post, reason: str) -> Flag:
    """A member flags a post for the moderators."""
    if not permissions.can_flag(actor, post) or not permissions.can_read_thread(actor, post.thread):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell the moderators why.")})
    flag = Flag(post=post, user=actor, reason=reason[:500])
    flag.full_clean(validate_constraints=False)
    flag, _created = Flag.objects.get_or_create(
        post=post, user=actor, resolved_at=None, defaults={"reason": flag.reason}
    )
    return flag


@transaction.atomic
def post_set_hidden(*, actor: User, post: Post, hidden: bool, reason: str = "") -> Post:
    """Hide or show a post (moderators); resolves its open flags; sends ``post.edited``."""
    if not permissions.can_moderate(actor):
        raise PermissionDenied
    thread = lock_thread(post.thread)
    post = Post.objects.select_related("author", "organisation").get(pk=post.pk)
    post.is_hidden = hidden
    post.save(update_fields=["is_hidden"])
    Flag.objects.filter(post=post, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor, resolution="hidden" if hidden else "kept"
    )
    post.thread = thread
    events.thread_event(thread, events.POST_EDITED, {"post": post.pk, "html": post_html(post)})
    _moderation_audit(actor, f"post:{post.pk}", f"{'hid' if hidden else 'unhid'} post. {reason}")
    index_on_commit("post", post.pk)
    return post


@transaction.atomic
def flag_dismiss(*, actor: User, flag: Flag) -> None:
    if not permissions.can_moderate(actor):
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
) -> Thread:
    """Lock, pin, hide or move a thread (moderators); sends ``thread.updated``."""
    if not permissions.can_moderate(actor):
        raise PermissionDenied
    thread = lock_thread(thread)
    changes = []
    if locked is not None and locked != thread.is_locked:
        thread.is_locked = locked
        changes.append("locked" if locked else "unlocked")
    if pinned is not None and pinned != thread.is_pinned:
        thread.is_pinned = pinned
        changes.append("pinned" if pinned else "unpinned")
    if hidden is not None and hidden != thread.is_hidden:
        thread.is_hidden = hidden
        changes.append("hidden" if hidden else "unhidden")
    if category is not None and category.pk != thread.category_id:
        changes.append(f"moved from {thread.category.slug} to {category.slug}")
        thread.category = category
    if not changes:
        return thread
    thread.save(update_fields=["is_locked", "is_pinned", "is_hidden", "category"])
    events.thread_event(
        thread,
        events.THREAD_UPDATED,
        {
            "locked": thread.is_locked,
            "pinned": thread.is_pinned,
            "hidden": thread.is_hidden,
        },
    )
    _moderation_audit(actor, f"thread:{thread.pk}", ", ".join(changes))
    index_on_commit("thread", thread.pk)
    return thread
