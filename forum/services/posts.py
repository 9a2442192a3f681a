"""Threads and posts: starting, replying, editing, deleting, reacting, drafts and read marks."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, Organisation, Role, User
from accounts.services import audit_record
from config.tasks import enqueue_with_write
from forum import events, mentions, permissions
from forum.markdown import render as render_markdown
from forum.models import (
    Category,
    Draft,
    Post,
    PostRevision,
    Publicity,
    Reaction,
    ReactionKind,
    ReadState,
    Thread,
)
from forum.services.attachments import (
    CheckedUpload,
    attachments_check,
    attachments_delete,
    attachments_store,
)
from forum.services.notifications import (
    REPLIER_LEVEL,
    STARTER_LEVEL,
    tracking_default,
)
from forum.tasks import post_notify
from search.indexing import index_on_commit

if TYPE_CHECKING:
    from needs_registry.models import Need

MAX_POST_LENGTH = 20_000


def _validate_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a message first.")})
    if len(body) > MAX_POST_LENGTH:
        raise ValidationError(
            {
                "body": _("A message may be at most %(max)d characters long.")
                % {"max": MAX_POST_LENGTH}
            }
        )
    return body


def lock_thread(thread: Thread) -> Thread:
    return Thread.objects.select_for_update().select_related("category").get(pk=thread.pk)


def _tag_name(typed: str) -> str:
    """A tag as stored: without control characters or spaces at its ends, at most
    100 characters."""
    return "".join(c for c in typed if unicodedata.category(c) != "Cc").strip()[:100]


@transaction.atomic
def thread_create(
    *,
    actor: User,
    category: Category,
    title: str,
    body: str,
    tags: Iterable[str] = (),
    publicity: str = Publicity.INTERNAL,
    audience_organisations: Iterable[Organisation] | None = None,
    audience_roles: Iterable[str] | None = None,
    need: Need | None = None,
    uploads: Iterable[UploadedFile[bytes] | None] = (),
) -> Thread:
    """Start a thread with its first post.

    Writes ``Thread`` and ``Post`` (and the post's attachments from ``uploads``,
    stored only once every check has passed); makes the author watch it; notifies those
    watching the category who may read it. Precondition: the actor may start
    threads in ``category``. A confidential thread's audience defaults to the
    author's organisation (in a restricted category: the category's readers);
    an audience that leaves the author out is refused.
    """
    if not permissions.can_start_thread(actor, category):
        raise PermissionDenied
    body = _validate_body(body)
    checked = attachments_check(uploads)
    organisations, roles = audience_clean(
        actor=actor,
        category=category,
        publicity=publicity,
        organisations=audience_organisations,
        roles=audience_roles,
    )
    now = timezone.now()
    thread = Thread(
        category=category,
        title=(title or "").strip(),
        author=actor,
        organisation=actor.organisation,
        publicity=publicity,
        need=need,
        created_at=now,
        last_activity_at=now,
    )
    thread.audience_roles = roles
    thread.full_clean()
    thread.save()
    thread.audience_organisations.set(organisations)
    thread._audience_organisation_ids = frozenset(o.pk for o in organisations)
    # Control characters are taken out: invisible in a name, and the thread page
    # joins a thread's tag names with one (forum.selectors._TAG_SEPARATOR).
    clean_tags = sorted({name for name in map(_tag_name, tags) if name})
    if clean_tags:
        thread.tags.set(clean_tags)
    tracking_default(user=actor, thread=thread, level=STARTER_LEVEL)
    Draft.objects.filter(user=actor, thread__isnull=True).delete()
    _post_write(
        actor=actor,
        thread=thread,
        body=body,
        reply_to=None,
        checked=checked,
        now=now,
    )
    index_on_commit("thread", thread.pk)
    return thread


def audience_clean(
    *,
    actor: User,
    category: Category,
    publicity: str,
    organisations: Iterable[Organisation] | None,
    roles: Iterable[str] | None,
) -> tuple[list[Organisation], list[str]]:
    """The audience to store for a thread: only confidential threads have one.

    Nothing named means the default: in a restricted category its readers,
    elsewhere the actor's organisation. Raises ``ValidationError`` for an
    unknown role or an audience that leaves the actor out.
    """
    if publicity != Publicity.CONFIDENTIAL:
        return [], []
    organisations = list(organisations or [])
    roles = sorted(set(roles or []))
    if any(role not in Role.values for role in roles):
        raise ValidationError({"audience_roles": _("Unknown role.")})
    if not organisations and not roles:
        if category.is_restricted or actor.organisation is None:
            return [], []
        return [actor.organisation], []
    includes_actor = actor.organisation_id in {o.pk for o in organisations} or (
        bool(roles) and actor.has_role(*roles)
    )
    if not includes_actor:
        raise ValidationError(
            {
                "audience_organisations": _(
                    "Choose an audience you belong to yourself: your organisation or one "
                    "of your roles."
                )
            }
        )
    return organisations, roles


def _post_write(
    *,
    actor: User,
    thread: Thread,
    body: str,
    reply_to: Post | None,
    checked: list[CheckedUpload],
    now: datetime,
) -> Post:
    rendered = render_markdown(body, mentions.resolve)
    number = thread.last_post_number + 1
    post = Post(
        thread=thread,
        number=number,
        author=actor,
        organisation_id=actor.organisation_id,
        body=body,
        html=rendered.html,
        reply_to=reply_to,
        created_at=now,
    )
    # The related rows come from this request's own reads (the signed-in member,
    # the locked thread, a readable post), not from input: asking the database
    # again whether they exist would cost a query each on every post.
    post.full_clean(exclude=["thread", "author", "organisation", "reply_to"])
    post.save()
    attachments_store(actor=actor, post=post, checked=checked)
    Thread.objects.filter(pk=thread.pk).update(
        last_post_number=number, post_count=F("post_count") + 1, last_activity_at=now
    )
    thread.last_post_number = number
    thread.post_count += 1
    thread.last_activity_at = now
    # One upsert: the new post is the thread's last, so the marker only moves forward.
    ReadState.objects.bulk_create(
        [ReadState(user=actor, thread=thread, last_read_number=number, read_at=now)],
        update_conflicts=True,
        unique_fields=["user", "thread"],
        update_fields=["last_read_number", "read_at"],
    )
    Draft.objects.filter(user=actor, thread=thread).delete()
    post.thread = thread
    events.thread_event(
        thread,
        events.POST_CREATED,
        {"post": post.pk, "number": number, "author": actor.pk},
        post=post,
    )
    enqueue_with_write(post_notify, post.pk, sorted(rendered.mentioned_handles))
    index_on_commit("post", post.pk)
    return post


@transaction.atomic
def post_create(
    *,
    actor: User,
    thread: Thread,
    body: str,
    reply_to: Post | None = None,
    uploads: Iterable[UploadedFile[bytes] | None] = (),
) -> Post:
    """Add a post to a thread.

    Writes ``Post`` (and its attachments from ``uploads``, stored only once every
    check has passed), the thread's counters, the author's read state; sends
    ``post.created`` to the thread's viewers; notifies quoted, mentioned
    people and organisations, and watchers. Precondition: the actor may post.
    """
    thread = lock_thread(thread)
    if not permissions.can_post(actor, thread):
        raise PermissionDenied
    body = _validate_body(body)
    if reply_to is not None:
        reply_to = Post.objects.select_related("author").filter(pk=reply_to.pk).first()
        if reply_to is None or reply_to.thread_id != thread.pk:
            raise ValidationError(
                {"reply_to": _("You can only reply to a post in the same thread.")}
            )
        reply_to.thread = thread
        if not permissions.can_read_post(actor, reply_to):
            raise ValidationError({"reply_to": _("That post can no longer be replied to.")})
    checked = attachments_check(uploads)
    tracking_default(user=actor, thread=thread, level=REPLIER_LEVEL)
    return _post_write(
        actor=actor,
        thread=thread,
        body=body,
        reply_to=reply_to,
        checked=checked,
        now=timezone.now(),
    )


@transaction.atomic
def post_edit(*, actor: User, post: Post, body: str) -> Post:
    """Change a post's text, keeping the earlier text as a revision; sends ``post.edited``
    (a tombstone while the post is hidden)."""
    thread = lock_thread(post.thread)
    post = Post.objects.select_related("author", "organisation", "reply_to").get(pk=post.pk)
    if not permissions.can_edit_post(actor, post):
        raise PermissionDenied
    body = _validate_body(body)
    if body == post.body:
        return post
    PostRevision.objects.create(post=post, body=post.body, html=post.html, edited_by=actor)
    rendered = render_markdown(body, mentions.resolve)
    post.body = body
    post.html = rendered.html
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "html", "edited_at"])
    post.thread = thread
    if post.is_hidden:
        # Its author may still edit a hidden post; the log keeps only its tombstone.
        events.post_gone(thread, events.POST_EDITED, post)
    else:
        events.thread_event(thread, events.POST_EDITED, {"post": post.pk}, post=post)
    if post.author_id != actor.pk:
        audit_record(
            action=AuditEntry.Action.MODERATION,
            actor=actor,
            target=f"post:{post.pk}",
            summary="edited another member's post",
        )
    index_on_commit("post", post.pk)
    return post


@transaction.atomic
def post_delete(*, actor: User, post: Post) -> Post:
    """Soft-delete a post (its author or a moderator); sends ``post.deleted``.

    Every stored live event of the post becomes a tombstone in the same
    transaction, and ``post.deleted`` is one too: the event log keeps nothing
    of the post's text or author.
    Its attachments go with it, rows and files: nobody may read them any more.
    """
    thread = lock_thread(post.thread)
    post = Post.objects.select_related("author", "organisation").get(pk=post.pk)
    if not permissions.can_delete_post(actor, post):
        raise PermissionDenied
    post.deleted_at = timezone.now()
    post.deleted_by = actor
    post.save(update_fields=["deleted_at", "deleted_by"])
    attachments_delete(post=post)
    post.thread = thread
    events.post_gone(thread, events.POST_DELETED, post)
    if post.author_id != actor.pk:
        audit_record(
            action=AuditEntry.Action.MODERATION,
            actor=actor,
            target=f"post:{post.pk}",
            summary="deleted a post",
        )
    index_on_commit("post", post.pk)
    return post


@transaction.atomic
def reaction_toggle(*, actor: User, post: Post, kind: str) -> dict[str, int]:
    """Add or remove the actor's reaction; sends ``post.reactions`` with the new counts."""
    if kind not in ReactionKind.values:
        raise ValidationError({"kind": _("Unknown reaction.")})
    thread = lock_thread(post.thread)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if not permissions.can_react(actor, post) or not permissions.can_read_thread(actor, thread):
        raise PermissionDenied
    deleted, _n = Reaction.objects.filter(post=post, user=actor, kind=kind).delete()
    if not deleted:
        Reaction.objects.create(post=post, user=actor, kind=kind)
    counts = dict.fromkeys(ReactionKind.values, 0)
    for reaction in Reaction.objects.filter(post=post).values_list("kind", flat=True):
        counts[reaction] += 1
    nonzero = {k: v for k, v in counts.items() if v}
    post.reaction_counts = nonzero
    post.save(update_fields=["reaction_counts"])
    events.thread_event(
        thread, events.POST_REACTIONS, {"post": post.pk, "counts": post.reaction_counts}, post=post
    )
    return nonzero


def draft_save(*, actor: User, thread: Thread, body: str) -> None:
    """Keep what the member is writing; an empty text removes the draft."""
    if not permissions.can_post(actor, thread):
        raise PermissionDenied
    body = (body or "")[:MAX_POST_LENGTH]
    if body.strip():
        Draft.objects.update_or_create(
            user=actor, thread=thread, defaults={"body": body, "updated_at": timezone.now()}
        )
    else:
        Draft.objects.filter(user=actor, thread=thread).delete()


def thread_draft_save(*, actor: User, category: Category | None, title: str, body: str) -> None:
    """Keep the new thread a member is writing (one per member); nothing written removes it.

    ``category`` is one where the actor may start threads (or None, not chosen yet).
    """
    if not permissions.is_member(actor):
        raise PermissionDenied
    if category is not None and not permissions.can_start_thread(actor, category):
        raise PermissionDenied
    title = (title or "")[:200]
    body = (body or "")[:MAX_POST_LENGTH]
    if title.strip() or body.strip():
        Draft.objects.update_or_create(
            user=actor,
            thread=None,
            defaults={
                "category": category,
                "title": title,
                "body": body,
                "updated_at": timezone.now(),
            },
        )
    else:
        Draft.objects.filter(user=actor, thread__isnull=True).delete()


def thread_mark_read(*, user: User, thread: Thread, number: int, known: int | None = None) -> None:
    """Move the member's read marker forward (never back).

    ``known`` is the marker as this request has just read it: a page read up to
    where the member already was writes nothing and asks nothing again.
    """
    if not user.is_authenticated:
        return
    number = min(number, thread.last_post_number)
    if known is not None and known >= number:
        return
    state, created = ReadState.objects.get_or_create(
        user=user, thread=thread, defaults={"last_read_number": number}
    )
    if not created and state.last_read_number < number:
        ReadState.objects.filter(pk=state.pk, last_read_number__lt=number).update(
            last_read_number=number, read_at=timezone.now()
        )


@transaction.atomic
def thread_mark_solution(*, actor: User, thread: Thread, post: Post | None) -> Thread:
    """Mark (or clear) the accepted answer of a thread."""
    thread = lock_thread(thread)
    if not permissions.can_mark_solution(actor, thread):
        raise PermissionDenied
    if post is not None and post.thread_id != thread.pk:
        raise ValidationError({"post": _("The answer must be a post of this thread.")})
    thread.solution = post
    thread.save(update_fields=["solution"])
    events.thread_event(thread, events.THREAD_UPDATED, {"solution": post.pk if post else None})
    return thread
