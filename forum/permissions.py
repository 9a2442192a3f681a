"""Who may read and write what in the forum; used by selectors, views,
consumers, search and feeds alike."""

from django.db.models import Q

from accounts.models import Role, User
from forum.models import Category, Post, Publicity, Thread


def is_member(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.organisation_id)


def sees_everything(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_moderator))


def can_read_category(user: User, category: Category) -> bool:
    if sees_everything(user):
        return True
    if not user.is_authenticated:
        return not category.is_restricted
    if not is_member(user):
        return False
    if category.read_roles and not user.has_role(*category.read_roles):
        return False
    organisations = category.restricted_organisation_ids
    return not (organisations and user.organisation_id not in organisations)


def can_read_thread(user: User, thread: Thread) -> bool:
    if not can_read_category(user, thread.category):
        return False
    if not user.is_authenticated:
        return thread.publicity == Publicity.PUBLIC and not thread.is_hidden
    return not thread.is_hidden or sees_everything(user)


def readable_category_ids(user: User) -> list[int] | None:
    """Ids of categories the user may read; None means all."""
    if sees_everything(user):
        return None
    cached = getattr(user, "_readable_category_ids", None)
    if cached is None:
        categories = Category.objects.prefetch_related("read_organisations")
        cached = [c.pk for c in categories if can_read_category(user, c)]
        if user.is_authenticated:
            user._readable_category_ids = cached
    return cached


def readable_thread_filter(user: User, prefix: str = "") -> Q:
    """A Q on threads (or a relation to them) the user may read."""
    ids = readable_category_ids(user)
    condition = Q() if ids is None else Q(**{f"{prefix}category_id__in": ids})
    if not user.is_authenticated:
        condition &= Q(**{f"{prefix}publicity": Publicity.PUBLIC})
    if not sees_everything(user):
        condition &= Q(**{f"{prefix}is_hidden": False})
    return condition


def can_start_thread(user: User, category: Category) -> bool:
    if not is_member(user) or not can_read_category(user, category):
        return False
    if category.start_roles and not user.has_role(*category.start_roles):
        return user.has_role(Role.PLATFORM_ADMIN)
    return True


def can_post(user: User, thread: Thread) -> bool:
    if not is_member(user) or not can_read_thread(user, thread):
        return False
    return not thread.is_locked or user.is_moderator


def can_edit_post(user: User, post: Post) -> bool:
    if not is_member(user) or post.is_deleted:
        return False
    return post.author_id == user.pk or user.is_moderator


def can_delete_post(user: User, post: Post) -> bool:
    return can_edit_post(user, post)


def can_react(user: User, post: Post) -> bool:
    return is_member(user) and not post.is_deleted and not post.is_hidden


def can_moderate(user: User) -> bool:
    return (is_member(user) and user.is_moderator) or bool(
        user.is_authenticated and user.is_superuser
    )


def can_mark_solution(user: User, thread: Thread) -> bool:
    return is_member(user) and (thread.author_id == user.pk or user.is_moderator)


def can_flag(user: User, post: Post) -> bool:
    return is_member(user) and post.author_id != user.pk and not post.is_deleted


def may_be_listed_in_feed(thread: Thread) -> bool:
    """Feeds leave confidential threads out, whoever reads them."""
    return thread.publicity != Publicity.CONFIDENTIAL
