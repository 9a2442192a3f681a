"""The forum's notification kinds and targets (registered from ``ForumConfig.ready``).

Every forum notification points at a post; the read rule of the post (its
thread's, and the post not hidden or deleted) is re-checked whenever the
notification is shown or e-mailed. Of a confidential thread a notification
says only that there is a new post: no title, no text.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from accounts.models import Organisation, User
from forum import permissions
from forum.models import Category, Post, Thread
from notifications.kinds import Kind, register_kind, register_target
from notifications.models import Notification

POST = "forum.post"
THREAD = "forum.thread"

REPLY = "forum.reply"
MENTION = "forum.mention"
ORGANISATION_MENTION = "forum.organisation_mention"
QUOTE = "forum.quote"
NEW_THREAD = "forum.new_thread"
FLAG = "forum.flag"

# How much of a post an e-mail quotes; the link leads to the rest.
EXCERPT_LENGTH = 1000


def _readable_posts(reader: User, ids: list[int]) -> QuerySet[Post]:
    return Post.objects.filter(pk__in=ids, deleted_at__isnull=True, is_hidden=False).filter(
        permissions.readable_thread_filter(reader, prefix="thread__")
    )


def _load_posts(reader: User, ids: list[int]) -> dict[int, Post]:
    posts = _readable_posts(reader, ids).select_related("thread", "thread__category")
    return {post.pk: post for post in posts}


def _readable_post_ids(reader: User, ids: list[int]) -> set[int]:
    return set(_readable_posts(reader, ids).values_list("pk", flat=True))


def _actor_name(notification: Notification) -> str:
    if notification.actor is None:
        return pgettext("someone whose account is gone", "A former member")
    return notification.actor.public_name


def _confidential() -> str:
    return _("New post in a confidential thread")


def _sentence(message: str) -> Any:
    """A renderer: ``message`` (marked with ``gettext_noop``, translated under the
    reader's language when rendered) with the actor's name and the thread's title, or the
    bare confidential notice."""

    def render(notification: Notification, post: Post) -> str:
        if post.thread.is_confidential:
            return _confidential()
        return _(message) % {
            "name": _actor_name(notification),
            "title": post.thread.title,
            "category": post.thread.category.name,
        }

    return render


def _post_text(notification: Notification, post: Post, reader: User) -> str:
    """What an e-mail may quote: the post's words, never of a confidential thread."""
    if post.thread.is_confidential or not permissions.can_read_post(reader, post):
        return ""
    if len(post.body) <= EXCERPT_LENGTH:
        return post.body
    return post.body[:EXCERPT_LENGTH].rsplit(maxsplit=1)[0] + "…"


# Who may read a post: its own state, its thread's, its category's and organisations'.
READ_RULE_MODELS = (
    Post,
    Thread,
    Thread.audience_organisations.through,
    Category,
    Category.read_organisations.through,
    Organisation,
)
register_target(
    POST,
    load=_load_posts,
    can_read=permissions.can_read_post,
    readable_ids=_readable_post_ids,
    depends_on=READ_RULE_MODELS,
    # A new post or thread changes nobody's access to the posts that exist.
    created_changes_nothing=(Post, Thread),
)
register_kind(
    Kind(
        name=REPLY,
        target_type=POST,
        render=_sentence(gettext_noop("New post in “%(title)s”")),
        excerpt=_post_text,
    )
)
register_kind(
    Kind(
        name=MENTION,
        target_type=POST,
        render=_sentence(gettext_noop("%(name)s mentioned you in “%(title)s”")),
        excerpt=_post_text,
    )
)
register_kind(
    Kind(
        name=ORGANISATION_MENTION,
        target_type=POST,
        render=_sentence(gettext_noop("%(name)s mentioned your organisation in “%(title)s”")),
        digest_only=True,
        excerpt=_post_text,
    )
)
register_kind(
    Kind(
        name=QUOTE,
        target_type=POST,
        render=_sentence(gettext_noop("%(name)s replied to your post in “%(title)s”")),
        excerpt=_post_text,
    )
)
register_kind(
    Kind(
        name=NEW_THREAD,
        target_type=POST,
        render=_sentence(gettext_noop("New thread “%(title)s” in %(category)s")),
        excerpt=_post_text,
    )
)


def _flag_sentence(notification: Notification, post: Post) -> str:
    if post.thread.is_confidential:
        return _("A post in a confidential thread was flagged to the moderators")
    return _("%(name)s flagged a post in “%(title)s” to the moderators") % {
        "name": _actor_name(notification),
        "title": post.thread.title,
    }


# A moderator's duty: a flag reaches them even from someone they muted.
register_kind(
    Kind(name=FLAG, target_type=POST, render=_flag_sentence, excerpt=_post_text, mutable=False)
)


def _load_threads(reader: User, ids: list[int]) -> dict[int, Thread]:
    threads = Thread.objects.filter(pk__in=ids).filter(permissions.readable_thread_filter(reader))
    return {thread.pk: thread for thread in threads}


# Only notifications moved from before they were stored as kinds point at a
# thread rather than a post.
register_target(
    THREAD, load=_load_threads, can_read=permissions.can_read_thread, depends_on=READ_RULE_MODELS
)
