"""Who the forum notifies of a post, and who follows what."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Organisation, Role, User
from forum import notification_kinds as kinds
from forum import permissions
from forum.models import Category, Post, Thread, TrackingLevel, Watch
from notifications.models import Notification
from notifications.services import notify

MAX_ORGANISATION_MENTIONS = 3


def _organisation_mention_recipients(
    *, actor: User, thread: Thread, post: Post, handles: set[str], notified: set[int]
) -> list[User]:
    """Who an @organisation mention in ``post`` tells: few, and only those who may be told.

    An @organisation reaches a whole city, so it is bounded three ways. Only
    the first ``MAX_ORGANISATION_MENTIONS`` organisations mentioned in the post
    are told (the others stay links). Only members who may read the thread are told
    (``notify`` checks each), so a confidential thread tells no one outside its
    audience. And a member who has not yet read an earlier mention of their
    organisation in the same thread is not told again. None of it is e-mailed
    at once: it waits for the daily digest.
    """
    slugs = Organisation.objects.filter(slug__in=handles, is_active=True).values_list(
        "slug", flat=True
    )
    first = sorted(slugs, key=lambda slug: post.html.find(f'data-mention="{slug}"'))
    first = first[:MAX_ORGANISATION_MENTIONS]
    if not first:
        return []
    already_told = Notification.objects.filter(
        kind=kinds.ORGANISATION_MENTION,
        target_type=kinds.POST,
        target_id__in=Post.objects.filter(thread=thread).values("pk"),
        read_at__isnull=True,
    ).values("user_id")
    members = (
        User.objects.filter(organisation__slug__in=first, is_active=True)
        .exclude(pk__in=already_told)
        .select_related("organisation")
    )
    return [u for u in members if u.pk not in notified]


def _levels(thread: Thread) -> dict[int, Watch]:
    """Each member's effective tracking level row on ``thread``: the thread's own,
    else its category's (one query)."""
    rows = (
        Watch.objects.filter(Q(thread=thread) | Q(category_id=thread.category_id))
        .select_related("user")
        .order_by("thread_id")  # category rows (no thread) first, then the thread's
    )
    levels: dict[int, Watch] = {}
    for row in rows:
        if row.thread_id is not None or row.user_id not in levels:
            levels[row.user_id] = row
    return levels


def post_notifications(*, actor: User, thread: Thread, post: Post, handles: set[str]) -> None:
    """Notify of a new post: the quoted author, the @mentioned people and
    organisations, then those watching the thread (or its category); each person
    once, by the first of these. Nobody who muted the thread (or its category)
    hears of it at all. The first post of a thread tells watchers of a new thread."""
    url = post.get_absolute_url()
    levels = _levels(thread)
    muted = {pk for pk, row in levels.items() if row.level == TrackingLevel.MUTED}
    notified: set[int] = {actor.pk} | muted
    quoted = post.reply_to.author if post.reply_to_id and post.reply_to else None
    if quoted is not None and quoted.pk not in notified:
        notify([quoted], kinds.QUOTE, actor=actor, target=post, url=url)
        notified.add(quoted.pk)
    if handles:
        people = [
            u
            for u in User.objects.filter(handle__in=handles, is_active=True)
            if u.pk not in notified
        ]
        notify(people, kinds.MENTION, actor=actor, target=post, url=url)
        notified.update(u.pk for u in people)
        organisation_members = _organisation_mention_recipients(
            actor=actor, thread=thread, post=post, handles=handles, notified=notified
        )
        notify(organisation_members, kinds.ORGANISATION_MENTION, actor=actor, target=post, url=url)
        notified.update(u.pk for u in organisation_members)
    watchers = [
        row.user
        for row in levels.values()
        if row.level == TrackingLevel.WATCHING
        and row.user_id not in notified
        and row.user.is_active
    ]
    if post.number == 1:
        notify(watchers, kinds.NEW_THREAD, actor=actor, target=post, url=thread.get_absolute_url())
    else:
        notify(watchers, kinds.REPLY, actor=actor, target=post, url=url)


def flag_notifications(*, actor: User, post: Post) -> None:
    """Tell the moderators who may moderate the post's thread that it was flagged;
    the notification opens the moderation queue."""
    moderators = User.objects.filter(
        Q(roles__role__in=[Role.MODERATOR, Role.PLATFORM_ADMIN]) | Q(is_superuser=True),
        is_active=True,
    ).distinct()
    thread = post.thread
    notify(
        [m for m in moderators if permissions.can_moderate_thread(m, thread)],
        kinds.FLAG,
        actor=actor,
        target=post,
        url=reverse("forum:moderation_queue"),
    )


# What taking part makes of a thread, unless the member chose otherwise: who
# starts it watches it (every answer), who replies tracks it (replies to them
# and mentions, with a count of new posts).
STARTER_LEVEL = TrackingLevel.WATCHING
REPLIER_LEVEL = TrackingLevel.TRACKING
_RANK = {
    TrackingLevel.MUTED: 0,
    TrackingLevel.NORMAL: 1,
    TrackingLevel.TRACKING: 2,
    TrackingLevel.WATCHING: 3,
}


def tracking_default(*, user: User, thread: Thread, level: str) -> None:
    """Give ``user`` ``level`` on ``thread`` after taking part in it, unless they
    already chose a level for the thread or follow it more closely through its
    category. Part of the caller's transaction."""
    if Watch.objects.filter(user=user, thread=thread).exists():
        return
    inherited = (
        Watch.objects.filter(user=user, category_id=thread.category_id)
        .values_list("level", flat=True)
        .first()
    )
    if inherited is not None and _RANK[TrackingLevel(inherited)] >= _RANK[TrackingLevel(level)]:
        return
    Watch.objects.create(user=user, thread=thread, level=level)


@transaction.atomic
def tracking_set(
    *, user: User, level: str, thread: Thread | None = None, category: Category | None = None
) -> Watch | None:
    """Set the member's tracking level on a thread or a category.

    Writes the member's ``Watch`` row (a category at the normal level keeps no
    row; a thread keeps one, since it overrides its category's level). Sends
    nothing. Precondition: the member may read the thread or category
    (``PermissionDenied`` otherwise); an unknown level is a ``ValidationError``.
    """
    if (thread is None) == (category is None):
        raise ValueError("a tracking level is set on a thread or a category")
    if not permissions.is_member(user):
        raise PermissionDenied
    if thread is not None and not permissions.can_read_thread(user, thread):
        raise PermissionDenied
    if category is not None and not permissions.can_read_category(user, category):
        raise PermissionDenied
    if level not in TrackingLevel.values:
        raise ValidationError({"level": _("Choose one of the notification levels.")})
    if category is not None and level == TrackingLevel.NORMAL:
        Watch.objects.filter(user=user, category=category).delete()
        return None
    watch, _created = Watch.objects.update_or_create(
        user=user, thread=thread, category=category, defaults={"level": level}
    )
    return watch
