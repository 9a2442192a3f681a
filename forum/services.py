"""Writes for the forum. Each service checks permission, validates, writes,
records audit entries and schedules its live events and notifications."""

import secrets
from collections.abc import Iterable
from functools import partial

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, Organisation, User
from accounts.services import audit_record
from forum import events, permissions
from forum.markdown import render as render_markdown
from forum.models import (
    Attachment,
    Category,
    Draft,
    Flag,
    Notification,
    Post,
    PostRevision,
    Publicity,
    Reaction,
    ReactionKind,
    ReadState,
    Thread,
    Watch,
)
from forum.tasks import send_notification_email
from search.indexing import index_on_commit

MAX_POST_LENGTH = 20_000
ALLOWED_ATTACHMENT_TYPES = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}


def _resolve_mention(handle: str):
    organisation = Organisation.objects.filter(slug=handle, is_active=True).first()
    if organisation is not None:
        return reverse("accounts:member_directory") + f"?organisation={handle}", organisation.slug
    user = User.objects.filter(handle=handle, is_active=True).first()
    if user is not None:
        return reverse("accounts:member_detail", args=[user.pk]), user.handle
    return None


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


def post_html(post: Post) -> str:
    """The post as every viewer sees it, rendered once from the page's own partial."""
    return render_to_string("forum/thread_detail.html#post", {"post": post, "live": True})


def _lock_thread(thread: Thread) -> Thread:
    return Thread.objects.select_for_update().select_related("category").get(pk=thread.pk)


def _notify(
    *,
    users: Iterable[User],
    kind: str,
    actor: User | None,
    text: str,
    url: str,
    thread: Thread | None = None,
    post: Post | None = None,
    need=None,
) -> list[Notification]:
    """Create in-app notifications, push unread counts and queue e-mails, after commit."""
    created = []
    for user in users:
        if actor is not None and user.pk == actor.pk:
            continue
        if thread is not None and not permissions.can_read_thread(user, thread):
            continue
        created.append(
            Notification(
                user=user,
                kind=kind,
                actor=actor,
                thread=thread,
                post=post,
                need=need,
                text=text[:300],
                url=url[:300],
            )
        )
    Notification.objects.bulk_create(created)
    for notification in created:
        unread = Notification.objects.filter(user=notification.user, read_at__isnull=True).count()
        events.notify_count(notification.user_id, unread)
        if notification.user.notification_email == "immediate" and notification.user.email:
            transaction.on_commit(partial(_enqueue_email, notification.user_id), robust=True)
    return created


def _enqueue_email(user_id: int) -> None:
    send_notification_email.enqueue(user_id)


def notification_create(**kwargs) -> list[Notification]:
    """Notify ``users`` of something outside the forum (for example a need's decision)."""
    return _notify(**kwargs)


def _post_notifications(*, actor: User, thread: Thread, post: Post, handles: set[str]) -> None:
    url = post.get_absolute_url()
    notified: set[int] = {actor.pk}
    quoted = post.reply_to.author if post.reply_to_id and post.reply_to else None
    if quoted is not None and quoted.pk not in notified:
        _notify(
            users=[quoted],
            kind=Notification.Kind.QUOTE,
            actor=actor,
            thread=thread,
            post=post,
            text=_("%(name)s replied to your post in “%(title)s”")
            % {"name": actor.public_name, "title": thread.title},
            url=url,
        )
        notified.add(quoted.pk)
    if handles:
        people = [
            u
            for u in User.objects.filter(handle__in=handles, is_active=True)
            if u.pk not in notified
        ]
        _notify(
            users=people,
            kind=Notification.Kind.MENTION,
            actor=actor,
            thread=thread,
            post=post,
            text=_("%(name)s mentioned you in “%(title)s”")
            % {"name": actor.public_name, "title": thread.title},
            url=url,
        )
        notified.update(u.pk for u in people)
        organisation_members = [
            u
            for u in User.objects.filter(
                organisation__slug__in=handles, is_active=True
            ).select_related("organisation")
            if u.pk not in notified
        ]
        _notify(
            users=organisation_members,
            kind=Notification.Kind.ORGANISATION_MENTION,
            actor=actor,
            thread=thread,
            post=post,
            text=_("%(name)s mentioned your organisation in “%(title)s”")
            % {"name": actor.public_name, "title": thread.title},
            url=url,
        )
        notified.update(u.pk for u in organisation_members)
    watchers = [
        w.user
        for w in Watch.objects.filter(thread=thread).select_related("user")
        if w.user_id not in notified and w.user.is_active
    ]
    _notify(
        users=watchers,
        kind=Notification.Kind.REPLY,
        actor=actor,
        thread=thread,
        post=post,
        text=_("New post in “%(title)s”") % {"title": thread.title},
        url=url,
    )


def _attach(*, actor: User, post: Post, tokens: Iterable[str]) -> None:
    tokens = [t for t in tokens if t]
    if not tokens:
        return
    attached = Attachment.objects.filter(token__in=tokens, uploader=actor, post__isnull=True)
    if attached.count() != len(set(tokens)):
        raise ValidationError({"attachments": _("An attachment was not found.")})
    attached.update(post=post)


@transaction.atomic
def thread_create(
    *,
    actor: User,
    category: Category,
    title: str,
    body: str,
    tags: Iterable[str] = (),
    publicity: str = Publicity.INTERNAL,
    need=None,
    attachment_tokens: Iterable[str] = (),
) -> Thread:
    """Start a thread with its first post.

    Writes ``Thread`` and ``Post``; makes the author watch it; notifies the
    category's watchers. Precondition: the actor may start threads in ``category``.
    """
    if not permissions.can_start_thread(actor, category):
        raise PermissionDenied
    body = _validate_body(body)
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
    thread.full_clean()
    thread.save()
    clean_tags = sorted({t.strip()[:100] for t in tags if t.strip()})
    if clean_tags:
        thread.tags.set(clean_tags)
    Watch.objects.get_or_create(user=actor, thread=thread)
    post = _post_write(
        actor=actor,
        thread=thread,
        body=body,
        reply_to=None,
        attachment_tokens=attachment_tokens,
        now=now,
    )
    category_watchers = [
        w.user
        for w in Watch.objects.filter(category=category).select_related("user")
        if w.user.is_active
    ]
    _notify(
        users=category_watchers,
        kind=Notification.Kind.NEW_THREAD,
        actor=actor,
        thread=thread,
        post=post,
        text=_("New thread “%(title)s” in %(category)s")
        % {"title": thread.title, "category": category.name},
        url=thread.get_absolute_url(),
    )
    index_on_commit("thread", thread.pk)
    return thread


def _post_write(*, actor, thread, body, reply_to, attachment_tokens, now) -> Post:
    rendered = render_markdown(body, _resolve_mention)
    number = thread.last_post_number + 1
    post = Post(
        thread=thread,
        number=number,
        author=actor,
        organisation=actor.organisation,
        body=body,
        html=rendered.html,
        reply_to=reply_to,
        created_at=now,
    )
    post.full_clean(exclude=["thread"])
    post.save()
    _attach(actor=actor, post=post, tokens=attachment_tokens)
    Thread.objects.filter(pk=thread.pk).update(
        last_post_number=number, post_count=F("post_count") + 1, last_activity_at=now
    )
    thread.last_post_number = number
    thread.post_count += 1
    thread.last_activity_at = now
    ReadState.objects.update_or_create(
        user=actor, thread=thread, defaults={"last_read_number": number, "read_at": now}
    )
    Draft.objects.filter(user=actor, thread=thread).delete()
    post.thread = thread
    events.thread_event(
        thread,
        events.POST_CREATED,
        {"post": post.pk, "number": number, "author": actor.pk, "html": post_html(post)},
    )
    _post_notifications(actor=actor, thread=thread, post=post, handles=rendered.mentioned_handles)
    index_on_commit("post", post.pk)
    return post


@transaction.atomic
def post_create(
    *,
    actor: User,
    thread: Thread,
    body: str,
    reply_to: Post | None = None,
    attachment_tokens: Iterable[str] = (),
) -> Post:
    """Add a post to a thread.

    Writes ``Post``, the thread's counters, the author's read state; sends
    ``post.created`` to the thread's viewers; notifies quoted, mentioned
    people and organisations, and watchers. Precondition: the actor may post.
    """
    thread = _lock_thread(thread)
    if not permissions.can_post(actor, thread):
        raise PermissionDenied
    body = _validate_body(body)
    if reply_to is not None and reply_to.thread_id != thread.pk:
        raise ValidationError({"reply_to": _("You can only reply to a post in the same thread.")})
    Watch.objects.get_or_create(user=actor, thread=thread)
    return _post_write(
        actor=actor,
        thread=thread,
        body=body,
        reply_to=reply_to,
        attachment_tokens=attachment_tokens,
        now=timezone.now(),
    )


@transaction.atomic
def post_edit(*, actor: User, post: Post, body: str) -> Post:
    """Change a post's text, keeping the earlier text as a revision; sends ``post.edited``."""
    thread = _lock_thread(post.thread)
    post = Post.objects.select_related("author", "organisation", "reply_to").get(pk=post.pk)
    if not permissions.can_edit_post(actor, post):
        raise PermissionDenied
    body = _validate_body(body)
    if body == post.body:
        return post
    PostRevision.objects.create(post=post, body=post.body, html=post.html, edited_by=actor)
    rendered = render_markdown(body, _resolve_mention)
    post.body = body
    post.html = rendered.html
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "html", "edited_at"])
    post.thread = thread
    post.revision_count = post.revisions.count()
    events.thread_event(thread, events.POST_EDITED, {"post": post.pk, "html": post_html(post)})
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
    """Soft-delete a post (its author or a moderator); sends ``post.deleted``."""
    thread = _lock_thread(post.thread)
    post = Post.objects.select_related("author", "organisation").get(pk=post.pk)
    if not permissions.can_delete_post(actor, post):
        raise PermissionDenied
    post.deleted_at = timezone.now()
    post.deleted_by = actor
    post.save(update_fields=["deleted_at", "deleted_by"])
    post.thread = thread
    events.thread_event(thread, events.POST_DELETED, {"post": post.pk, "html": post_html(post)})
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
    thread = _lock_thread(post.thread)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if not permissions.can_react(actor, post) or not permissions.can_read_thread(actor, thread):
        raise PermissionDenied
    deleted, _n = Reaction.objects.filter(post=post, user=actor, kind=kind).delete()
    if not deleted:
        Reaction.objects.create(post=post, user=actor, kind=kind)
    counts = dict.fromkeys(ReactionKind.values, 0)
    for reaction in Reaction.objects.filter(post=post).values_list("kind", flat=True):
        counts[reaction] += 1
    post.reaction_counts = {k: v for k, v in counts.items() if v}
    post.save(update_fields=["reaction_counts"])
    events.thread_event(
        thread, events.POST_REACTIONS, {"post": post.pk, "counts": post.reaction_counts}
    )
    return post.reaction_counts


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


def thread_mark_read(*, user: User, thread: Thread, number: int) -> None:
    """Move the member's read marker forward (never back)."""
    if not user.is_authenticated:
        return
    number = min(number, thread.last_post_number)
    state, created = ReadState.objects.get_or_create(
        user=user, thread=thread, defaults={"last_read_number": number}
    )
    if not created and state.last_read_number < number:
        ReadState.objects.filter(pk=state.pk, last_read_number__lt=number).update(
            last_read_number=number, read_at=timezone.now()
        )


def watch_set(
    *, user: User, on: bool, thread: Thread | None = None, category: Category | None = None
) -> None:
    if thread is not None and not permissions.can_read_thread(user, thread):
        raise PermissionDenied
    if category is not None and not permissions.can_read_category(user, category):
        raise PermissionDenied
    if on:
        Watch.objects.get_or_create(user=user, thread=thread, category=category)
    else:
        Watch.objects.filter(user=user, thread=thread, category=category).delete()


@transaction.atomic
def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    notifications = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        notifications = notifications.filter(pk__in=list(ids))
    changed = notifications.update(read_at=timezone.now())
    events.notify_count(
        user.pk, Notification.objects.filter(user=user, read_at__isnull=True).count()
    )
    return changed


def attachment_check(upload: UploadedFile) -> tuple[str, str]:
    """The real type of an upload (from its content) and a safe file name; or ValidationError."""
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is too large (at most %(mb)d MB).")
                % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            }
        )
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    if mime == "application/zip":
        mime = _office_type(upload)
    if mime not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationError(
            {
                "file": _(
                    "This kind of file cannot be attached. Attach images, PDF or office documents."
                )
            }
        )
    stem = (upload.name or "file").rsplit(".", 1)[0][:80] or "file"
    return mime, f"{stem}.{ALLOWED_ATTACHMENT_TYPES[mime]}"


def attachment_upload(*, actor: User, upload: UploadedFile) -> Attachment:
    """Store an upload after checking its real type (from its content) and size."""
    if not permissions.is_member(actor):
        raise PermissionDenied
    mime, name = attachment_check(upload)
    attachment = Attachment(
        uploader=actor,
        token=secrets.token_hex(16),
        original_name=name,
        content_type=mime,
        size=upload.size,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment


def _office_type(upload: UploadedFile) -> str:
    """Tell OOXML and OpenDocument files apart by what their zip holds."""
    import zipfile

    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                return archive.read("mimetype").decode("ascii", "ignore").strip()
            if "word/document.xml" in names:
                return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            if "xl/workbook.xml" in names:
                return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if "ppt/presentation.xml" in names:
                return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    except zipfile.BadZipFile:
        return ""
    finally:
        upload.seek(0)
    return ""


# Moderation


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
    thread = _lock_thread(post.thread)
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
    thread = _lock_thread(thread)
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


@transaction.atomic
def thread_mark_solution(*, actor: User, thread: Thread, post: Post | None) -> Thread:
    """Mark (or clear) the accepted answer of a thread."""
    thread = _lock_thread(thread)
    if not permissions.can_mark_solution(actor, thread):
        raise PermissionDenied
    if post is not None and post.thread_id != thread.pk:
        raise ValidationError({"post": _("The answer must be a post of this thread.")})
    thread.solution = post
    thread.save(update_fields=["solution"])
    events.thread_event(thread, events.THREAD_UPDATED, {"solution": post.pk if post else None})
    return thread
