"""Reads for the forum. Query counts stay constant whatever the size."""

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role, User
from forum import permissions
from forum.models import (
    CONFIDENTIAL_NOTIFICATION_TEXT,
    Attachment,
    Category,
    Draft,
    Flag,
    Notification,
    Post,
    Reaction,
    ReadState,
    Thread,
    ThreadEvent,
    Watch,
)

THREADS_PER_PAGE = 30
POSTS_PER_PAGE = 50


def category_list(*, viewer: User) -> list[Category]:
    """Categories the viewer may read, with their thread counts, parents first."""
    ids = permissions.readable_category_ids(viewer)
    readable = permissions.readable_thread_filter(viewer, prefix="threads__")
    categories = (
        Category.objects.filter(pk__in=ids)
        .annotate(thread_count=Count("threads", filter=readable, distinct=True))
        .prefetch_related("read_organisations")
    )
    categories = list(categories.order_by("position", "name_fi"))
    by_parent: dict[int | None, list[Category]] = {}
    for category in categories:
        by_parent.setdefault(category.parent_id, []).append(category)
    ordered: list[Category] = []

    def walk(parent_id, depth):
        for category in by_parent.get(parent_id, []):
            category.depth = depth
            ordered.append(category)
            walk(category.pk, depth + 1)

    walk(None, 0)
    known = {c.pk for c in ordered}
    ordered.extend(c for c in categories if c.pk not in known)
    return ordered


def category_get_for_viewer(*, viewer: User, slug: str) -> Category:
    try:
        category = Category.objects.prefetch_related("read_organisations").get(slug=slug)
    except Category.DoesNotExist:
        raise Http404 from None
    if not permissions.can_read_category(viewer, category):
        raise Http404
    return category


def _threads_for(viewer: User) -> QuerySet[Thread]:
    threads = (
        Thread.objects.filter(permissions.readable_thread_filter(viewer))
        .select_related("author", "organisation", "category", "author__organisation")
        .prefetch_related("tags")
    )
    if viewer.is_authenticated:
        last_read = ReadState.objects.filter(thread=OuterRef("pk"), user=viewer).values(
            "last_read_number"
        )[:1]
        threads = threads.annotate(
            last_read_number=Coalesce(Subquery(last_read, output_field=IntegerField()), Value(-1))
        )
    return threads


def thread_list(
    *, viewer: User, category: Category | None = None, tag: str = "", page: int = 1
) -> Page:
    threads = _threads_for(viewer)
    if category is not None:
        threads = threads.filter(category=category)
    if tag:
        threads = threads.filter(tags__name__iexact=tag)
    threads = threads.order_by("-is_pinned", "-last_activity_at", "-id")
    paginator = Paginator(threads, THREADS_PER_PAGE)
    return paginator.get_page(page)


def thread_list_latest(*, viewer: User, limit: int = 5) -> list[Thread]:
    return list(_threads_for(viewer).order_by("-last_activity_at", "-id")[:limit])


def thread_get_for_viewer(*, viewer: User, pk: int) -> Thread:
    """The thread and its category, for access checks and writes; 404 if not readable."""
    return _thread_for_viewer(Thread.objects.select_related("category"), viewer=viewer, pk=pk)


def thread_get_for_page(*, viewer: User, pk: int) -> Thread:
    """The thread with everything its page shows; 404 if the viewer may not read it."""
    threads = Thread.objects.select_related(
        "category", "author", "organisation", "need", "solution", "solution__author"
    ).prefetch_related("audience_organisations", "category__read_organisations")
    return _thread_for_viewer(threads, viewer=viewer, pk=pk)


def audience_description(*, thread: Thread) -> list[str]:
    """Who may read a confidential thread, in words, for its badge; empty otherwise."""
    if not thread.is_confidential:
        return []
    names = [str(o) for o in thread.audience_organisations.all()]
    names += [str(Role(role).label) for role in thread.audience_roles if role in Role.values]
    if names:
        return names
    if thread.category.is_restricted:
        return [_("everyone who may read %(category)s") % {"category": thread.category.name}]
    if thread.organisation_id:
        return [str(thread.organisation)]
    return [thread.author.public_name]


def category_get_for_move(*, viewer: User, pk) -> Category:
    """A category a moderator may move a thread into; 404 if they may not read it."""
    try:
        category = Category.objects.prefetch_related("read_organisations").get(pk=pk)
    except (Category.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not permissions.can_read_category(viewer, category):
        raise Http404
    return category


def attachment_get_for_viewer(*, viewer: User, token: str) -> Attachment:
    """The attachment behind a download address; 404 unless the viewer may read its post now."""
    attachment = (
        Attachment.objects.select_related("post__thread__category")
        .prefetch_related("post__thread__category__read_organisations")
        .filter(token=token)
        .first()
    )
    if attachment is None or not permissions.can_read_attachment(viewer, attachment):
        raise Http404
    return attachment


def _thread_for_viewer(threads, *, viewer: User, pk: int) -> Thread:
    try:
        thread = threads.get(pk=pk)
    except Thread.DoesNotExist:
        raise Http404 from None
    if not permissions.can_read_thread(viewer, thread):
        raise Http404
    return thread


def post_page(*, viewer: User, thread: Thread, page: int | str = 1) -> Page:
    """One page of a thread's posts, with everything a post shows, in constant queries."""
    posts = (
        Post.objects.filter(thread=thread)
        .select_related(
            "author", "author__organisation", "organisation", "reply_to", "reply_to__author"
        )
        .prefetch_related("attachments")
        .annotate(revision_count=Count("revisions"))
        .order_by("number")
    )
    if viewer.is_authenticated:
        posts = posts.prefetch_related(
            Prefetch(
                "reactions",
                queryset=Reaction.objects.filter(user=viewer),
                to_attr="viewer_reactions",
            )
        )
    paginator = Paginator(posts, POSTS_PER_PAGE)
    if page == "last":
        page = paginator.num_pages
    return paginator.get_page(page)


def page_of_post(*, post: Post) -> int:
    return (post.number - 1) // POSTS_PER_PAGE + 1


def post_get_for_viewer(*, viewer: User, pk: int) -> Post:
    try:
        post = Post.objects.select_related("thread", "thread__category", "author").get(pk=pk)
    except Post.DoesNotExist:
        raise Http404 from None
    if not permissions.can_read_thread(viewer, post.thread):
        raise Http404
    return post


def reply_target(*, viewer: User, thread: Thread, pk) -> Post | None:
    """The post a reply answers, if the viewer may read its text; else no reply-to at all."""
    post = thread.posts.filter(pk=pk).first()
    if post is None:
        return None
    post.thread = thread
    return post if permissions.can_read_post(viewer, post) else None


def read_state_for(*, viewer: User, thread: Thread) -> int:
    if not viewer.is_authenticated:
        return thread.last_post_number
    state = ReadState.objects.filter(user=viewer, thread=thread).first()
    return state.last_read_number if state else 0


def draft_for(*, viewer: User, thread: Thread) -> str:
    if not viewer.is_authenticated:
        return ""
    draft = Draft.objects.filter(user=viewer, thread=thread).first()
    return draft.body if draft else ""


def is_watching(
    *, viewer: User, thread: Thread | None = None, category: Category | None = None
) -> bool:
    if not viewer.is_authenticated:
        return False
    return Watch.objects.filter(user=viewer, thread=thread, category=category).exists()


def events_after(*, thread: Thread, seq: int, limit: int = 500) -> list[tuple[int, str]] | None:
    """Stored frames of a thread after ``seq``, oldest first, for a catching-up client.

    ``None`` when events after ``seq`` were pruned (see ``forum.events``): the
    client cannot catch up and must reload. Sequence numbers have no gaps, so
    the first kept event says whether any are missing. The caller has checked
    that the viewer may read ``thread``.
    """
    seq = max(seq, 0)
    if seq >= thread.event_seq:
        return []
    frames = list(
        ThreadEvent.objects.filter(thread_id=thread.pk, seq__gt=seq)
        .order_by("seq")
        .values_list("seq", "frame")[:limit]
    )
    if not frames or frames[0][0] != seq + 1:
        return None
    return frames


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_list(*, user: User, limit: int = 100) -> list[Notification]:
    """The member's notifications; one about a thread they may no longer read keeps no title."""
    notifications = list(
        Notification.objects.filter(user=user)
        .select_related("actor", "actor__organisation", "thread", "thread__category")
        .prefetch_related("thread__audience_organisations", "thread__category__read_organisations")
        .order_by("-created_at", "-id")[:limit]
    )
    for notification in notifications:
        thread = notification.thread
        if thread is not None and not permissions.can_read_thread(user, thread):
            notification.text = str(CONFIDENTIAL_NOTIFICATION_TEXT)
    return notifications


def flag_queue(*, viewer: User) -> list[Flag]:
    """Open flags on posts of threads the moderator may read: least privilege."""
    if not permissions.can_moderate(viewer):
        raise Http404
    return list(
        Flag.objects.filter(resolved_at__isnull=True)
        .filter(permissions.readable_thread_filter(viewer, prefix="post__thread__"))
        .select_related("post", "post__thread", "post__author", "user")
        .order_by("created_at")
    )


def flag_get_for_moderator(*, viewer: User, pk: int) -> Flag:
    """An open flag the viewer may act on; 404 otherwise."""
    try:
        flag = Flag.objects.select_related("post", "post__thread", "post__thread__category").get(
            pk=pk, resolved_at__isnull=True
        )
    except Flag.DoesNotExist:
        raise Http404 from None
    if not permissions.can_moderate_thread(viewer, flag.post.thread):
        raise Http404
    return flag


def moderation_log(*, viewer: User, limit: int = 50) -> list:
    """The latest moderation actions on threads and posts the moderator may read.

    A hiding reason or a move names what a restricted thread holds; a moderator
    outside its audience sees none of it (least privilege, like the flag queue).
    """
    from accounts.models import AuditEntry

    if not permissions.can_moderate(viewer):
        raise Http404
    entries = list(
        AuditEntry.objects.filter(action=AuditEntry.Action.MODERATION)
        .filter(Q(target__startswith="thread:") | Q(target__startswith="post:"))
        .select_related("actor")
        .order_by("-created_at", "-id")[: limit * 10]
    )
    wanted: dict[str, set[int]] = {"thread": set(), "post": set()}
    for entry in entries:
        kind, _colon, pk = entry.target.partition(":")
        if pk.isdigit():
            wanted[kind].add(int(pk))
    readable = {
        "thread": set(
            Thread.objects.filter(pk__in=wanted["thread"])
            .filter(permissions.readable_thread_filter(viewer))
            .values_list("pk", flat=True)
        ),
        "post": set(
            Post.objects.filter(pk__in=wanted["post"])
            .filter(permissions.readable_thread_filter(viewer, prefix="thread__"))
            .values_list("pk", flat=True)
        ),
    }
    shown = []
    for entry in entries:
        kind, _colon, pk = entry.target.partition(":")
        if pk.isdigit() and int(pk) in readable[kind]:
            shown.append(entry)
    return shown[:limit]


def revisions_for(*, viewer: User, post: Post) -> list:
    return list(post.revisions.select_related("edited_by").order_by("-created_at"))


def first_post_body(*, thread: Thread) -> str:
    """The Markdown of the thread's opening post, or "" when a moderator hid it or it
    was deleted: what a new need drafted from the thread may start from."""
    post = Post.objects.filter(thread=thread).order_by("number").first()
    if post is None or post.is_hidden or post.is_deleted:
        return ""
    return post.body
