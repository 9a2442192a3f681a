"""The forum's part of anonymising a departed member.

Called by ``accounts.services.member_anonymise`` inside its transaction. It
lives beside the forum's services rather than among them because those import
``accounts.services`` (for the audit log), which calls this.

What the member wrote stays, as "former member of <city>"; what names them
goes: their name in the text of their own posts and earlier versions, the
@mentions of their handle in anyone's posts and earlier versions, the names in
other members' notifications about them. Their drafts, watches and own
notifications are removed; the search documents of every post and thread
touched are re-indexed after commit.
"""

import re
from collections.abc import Iterable
from html import escape

from django.db.models import Q

from forum.models import Draft, Post, PostRevision, Thread, Watch
from notifications.kinds import LEGACY
from notifications.models import Notification
from search.indexing import index_on_commit


def _mention_patterns(handle: str) -> tuple[re.Pattern, re.Pattern]:
    """The @handle in Markdown text, and its rendered link in HTML."""
    quoted = re.escape(handle)
    text = re.compile(rf"(?<![\w@/])@{quoted}(?![a-z0-9_-])(?!\.[a-z0-9])", re.IGNORECASE)
    link = re.compile(rf'<a class="mention" data-mention="{quoted}"[^>]*>@[^<]*</a>', re.IGNORECASE)
    return text, link


def _scrub(
    body: str, html: str, *, names: Iterable[str], handle: str | None, label: str
) -> tuple[str, str]:
    for name in names:
        body = body.replace(name, label)
        html = html.replace(escape(name, quote=False), escape(label, quote=False))
    if handle:
        text, link = _mention_patterns(handle)
        html = link.sub(escape(label, quote=False), html)
        body = text.sub(label, body)
        html = text.sub(escape(label, quote=False), html)
    return body, html


def member_forum_anonymise(
    *, user_id: int, names: list[str], handle: str | None, label: str
) -> list[int]:
    """Remove the member's name and handle from the forum; returns the ids of posts rewritten.

    ``names`` are the names the member went by (longest first), ``handle`` the
    @handle they had, ``label`` what shows instead ("Former member of Pori").
    """
    names = sorted({n for n in names if n and len(n) > 2}, key=len, reverse=True)
    Draft.objects.filter(user_id=user_id).delete()
    Watch.objects.filter(user_id=user_id).delete()
    Notification.objects.filter(user_id=user_id).delete()

    # Notifications name their actor only when rendered, from the (anonymised)
    # account; only those stored as sentences before that still carry a name.
    notifications = []
    for notification in Notification.objects.filter(actor_id=user_id, kind=LEGACY).only(
        "pk", "params"
    ):
        old = str(notification.params.get("text", ""))
        text, _html = _scrub(old, "", names=names, handle=handle, label=label)
        if text != old:
            notification.params = {**notification.params, "text": text[:300]}
            notifications.append(notification)
    Notification.objects.bulk_update(notifications, ["params"], batch_size=500)

    own = Q(author_id=user_id)
    mentioning = Q(body__icontains=f"@{handle}") if handle else Q(pk__in=[])
    rewritten: list[int] = []
    for post in Post.objects.filter(own | mentioning).only("pk", "author_id", "body", "html"):
        body, html = _scrub(
            post.body,
            post.html,
            names=names if post.author_id == user_id else [],
            handle=handle,
            label=label,
        )
        if (body, html) != (post.body, post.html):
            post.body, post.html = body, html
            post.save(update_fields=["body", "html"])
            rewritten.append(post.pk)
    revisions = PostRevision.objects.filter(Q(post__author_id=user_id) | mentioning)
    for revision in revisions.select_related("post").only("pk", "body", "html", "post__author_id"):
        body, html = _scrub(
            revision.body,
            revision.html,
            names=names if revision.post.author_id == user_id else [],
            handle=handle,
            label=label,
        )
        if (body, html) != (revision.body, revision.html):
            revision.body, revision.html = body, html
            revision.save(update_fields=["body", "html"])

    # The search documents carry the author's name; re-index all the member's.
    for post_id in {*rewritten, *Post.objects.filter(own).values_list("pk", flat=True)}:
        index_on_commit("post", post_id)
    for thread_id in Thread.objects.filter(author_id=user_id).values_list("pk", flat=True):
        index_on_commit("thread", thread_id)
    return rewritten
