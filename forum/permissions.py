"""Who may read and write what in the forum; used by selectors, views,
consumers, search, feeds and notifications alike.

The read rule for threads and their posts has one definition here and three
forms that say the same thing:

* ``can_read_thread(user, thread)`` for one thread in Python;
* ``readable_thread_filter(user)`` as a ``Q`` for lists, counts and queues;
* ``audience_keys(thread)`` stored on each search document, matched against
  ``reader_keys(user)`` by every search backend.

The rule, all of whose parts must hold:

1. **Category.** A category with read roles and/or read organisations is read
   only by members holding one of those roles and belonging to one of those
   organisations. Anyone else (anonymous visitors, signed-in people without a
   member organisation) reads only unrestricted categories.
2. **Publicity class** (Finnish Act on the Openness of Government Activities):

   * *public*: anyone, also anonymous visitors, feeds and the API;
   * *internal*: signed-in members of the consortium;
   * *confidential*: only the thread's audience, never all members. The
     audience is the organisations and roles named on the thread, plus its
     author. A thread naming none inherits its restricted category's
     readers; in an unrestricted category it falls back to the author's
     organisation. Confidential threads never appear in feeds, e-mail bodies,
     exports or the API.
3. **Hidden threads** are read only by moderators who may read them otherwise
   (to review and show them again). A hidden or deleted *post* shows its text
   to nobody (``can_read_post``), also not on its flag page, history, quotes
   or in search.

No role reads past this rule: moderators moderate only threads they can
read, and platform admins and superusers get no blanket read on forum pages
either. Nobody reaches a restricted thread's text except through its
audience; what the back office (Wagtail and Django admin) changes is written
to the audit log.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Role, User
from forum import category_rules
from forum.models import Attachment, Category, Poll, Post, Publicity, Thread

# The audience key of "everyone who may read the thread's (restricted) category".
CATEGORY_READERS = "category"
PUBLICITY_RANK: dict[str, int] = {
    Publicity.PUBLIC: 0,
    Publicity.INTERNAL: 1,
    Publicity.CONFIDENTIAL: 2,
}


def is_member(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.organisation_id)


def can_read_category(user: User, category: Category) -> bool:
    return _may_read(
        user, category_rules.Rule(tuple(category.read_roles), category.restricted_organisation_ids)
    )


def _may_read(user: User, rule: category_rules.Rule) -> bool:
    """The category part of the read rule (``can_read_category``) for one category's rule."""
    if not rule.is_restricted:
        return True
    if not is_member(user):
        return False
    if rule.read_roles and not user.has_role(*rule.read_roles):
        return False
    return not (rule.organisation_ids and user.organisation_id not in rule.organisation_ids)


def audience_keys(thread: Thread) -> frozenset[str]:
    """Who may read ``thread`` if it is confidential (the category rule applies as well)."""
    keys = {f"user:{thread.author_id}"}
    organisations = thread.audience_organisation_ids
    if organisations or thread.audience_roles:
        keys.update(f"org:{pk}" for pk in organisations)
        keys.update(f"role:{role}" for role in thread.audience_roles)
    elif thread.category.is_restricted:
        keys.add(CATEGORY_READERS)
    elif thread.organisation_id:
        keys.add(f"org:{thread.organisation_id}")
    return frozenset(keys)


def reader_keys(user: User) -> frozenset[str]:
    """The audience keys that let ``user`` read a confidential thread."""
    if not is_member(user):
        return frozenset()
    keys = {CATEGORY_READERS, f"user:{user.pk}", f"org:{user.organisation_id}"}
    keys.update(f"role:{role}" for role in user.role_set if user.has_role(role))
    return frozenset(keys)


def in_audience(user: User, thread: Thread) -> bool:
    return bool(audience_keys(thread) & reader_keys(user))


def can_read_thread(user: User, thread: Thread) -> bool:
    if not can_read_category(user, thread.category):
        return False
    if thread.publicity != Publicity.PUBLIC and not is_member(user):
        return False
    if thread.publicity == Publicity.CONFIDENTIAL and not in_audience(user, thread):
        return False
    return not thread.is_hidden or can_moderate(user)


def can_read_post(user: User, post: Post) -> bool:
    """May ``user`` see the post's text (pages, flag page, history, quotes)?"""
    return not post.is_deleted and not post.is_hidden and can_read_thread(user, post.thread)


def can_read_attachment(user: User, attachment: Attachment) -> bool:
    """An attachment is read with its post: never once the post is deleted or hidden,
    nor by anyone who may not (or may no longer) read the post's thread."""
    return attachment.post is not None and can_read_post(user, attachment.post)


def category_access(user: User) -> tuple[list[int], list[int]]:
    """Ids of the categories ``user`` may read, and of those that are restricted."""
    cached = getattr(user, "_category_access", None)
    if cached is None:
        readable = {
            pk: rule for pk, rule in category_rules.rules().items() if _may_read(user, rule)
        }
        cached = (
            sorted(readable),
            sorted(pk for pk, rule in readable.items() if rule.is_restricted),
        )
        if user.is_authenticated:
            # Cached on the user object for the rest of the request; the model has no such field.
            user._category_access = cached  # type: ignore[attr-defined]
    return cached


def readable_category_ids(user: User) -> list[int]:
    """Ids of the categories the user may read."""
    return category_access(user)[0]


def readable_thread_filter(user: User, prefix: str = "") -> Q:
    """``can_read_thread`` as a Q on threads (or on a relation to them, via ``prefix``)."""

    def q(**lookups: object) -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})

    readable, restricted = category_access(user)
    condition = q(category_id__in=readable)
    if not is_member(user):
        condition &= q(publicity=Publicity.PUBLIC)
    else:
        condition &= ~q(publicity=Publicity.CONFIDENTIAL) | _audience_filter(user, q, restricted)
    if not can_moderate(user):
        condition &= q(is_hidden=False)
    return condition


def _audience_filter(user: User, q: Callable[..., Q], restricted_category_ids: list[int]) -> Q:
    """``in_audience`` in SQL; mirrors ``audience_keys`` case by case."""
    through = Thread.audience_organisations.through
    with_organisations = through.objects.values("thread_id")
    # Only members get here, and a member always has an organisation.
    organisation_id = user.organisation_id or 0
    named = q(pk__in=with_organisations.filter(organisation_id=organisation_id))
    for role in sorted(user.role_set):
        if user.has_role(role):
            # SQLite has no JSON containment; a role is a slug, so its quoted
            # form matches exactly one element of the stored list.
            named |= q(audience_roles__icontains=f'"{role}"')
    inherited = (
        q(audience_roles=[])
        & ~q(pk__in=with_organisations)
        & (q(category_id__in=restricted_category_ids) | q(organisation_id=organisation_id))
    )
    return q(author_id=user.pk) | named | inherited


def can_start_thread(user: User, category: Category) -> bool:
    if not is_member(user) or not can_read_category(user, category):
        return False
    if category.start_roles and not user.has_role(*category.start_roles):
        return user.has_role(Role.PLATFORM_ADMIN)
    return True


def can_moderate(user: User) -> bool:
    """Holds a moderating role at all; what they may moderate is ``can_moderate_thread``."""
    return (is_member(user) and user.is_moderator) or bool(
        user.is_authenticated and user.is_active and user.is_superuser
    )


def can_moderate_thread(user: User, thread: Thread) -> bool:
    """Moderators moderate only threads whose audience they belong to."""
    return can_moderate(user) and can_read_thread(user, thread)


def can_post(user: User, thread: Thread) -> bool:
    if not is_member(user) or not can_read_thread(user, thread):
        return False
    return not thread.is_locked or can_moderate_thread(user, thread)


def can_edit_post(user: User, post: Post) -> bool:
    """The author or the thread's moderators; nobody edits a hidden post, since its
    edit form would show the text it hides, until a moderator shows it again."""
    return not post.is_hidden and can_delete_post(user, post)


def can_delete_post(user: User, post: Post) -> bool:
    """The author or the thread's moderators, also of a hidden post (its confirmation
    page does not show the hidden text)."""
    if not is_member(user) or post.is_deleted or not can_read_thread(user, post.thread):
        return False
    return post.author_id == user.pk or can_moderate_thread(user, post.thread)


def can_react(user: User, post: Post) -> bool:
    return is_member(user) and can_read_post(user, post)


def can_mark_solution(user: User, thread: Thread) -> bool:
    if not is_member(user) or not can_read_thread(user, thread):
        return False
    return thread.author_id == user.pk or can_moderate_thread(user, thread)


def can_flag(user: User, post: Post) -> bool:
    return is_member(user) and post.author_id != user.pk and can_read_post(user, post)


def can_change_audience(user: User, thread: Thread) -> bool:
    """The author and the thread's moderators may change its publicity and audience."""
    if not is_member(user) or not can_read_thread(user, thread):
        return False
    return thread.author_id == user.pk or can_moderate_thread(user, thread)


def may_be_listed_in_feed(thread: Thread) -> bool:
    """Feeds leave confidential and hidden threads out, whoever reads them."""
    return thread.publicity != Publicity.CONFIDENTIAL and not thread.is_hidden


@dataclass(frozen=True)
class Audience:
    """Who may read a thread: its category's restriction and its publicity class."""

    category: str
    category_roles: frozenset[str]
    category_organisations: frozenset[int]
    publicity: str
    keys: frozenset[str]

    def describe(self) -> dict[str, object]:
        """For the audit log."""
        return {
            "category": self.category,
            "category_roles": sorted(self.category_roles),
            "category_organisations": sorted(self.category_organisations),
            "publicity": self.publicity,
            "audience": sorted(self.keys) if self.publicity == Publicity.CONFIDENTIAL else [],
        }


def audience_of(thread: Thread) -> Audience:
    return Audience(
        category=thread.category.slug,
        category_roles=frozenset(thread.category.read_roles),
        category_organisations=thread.category.restricted_organisation_ids,
        publicity=thread.publicity,
        keys=audience_keys(thread),
    )


def _not_wider(new: frozenset[object], old: frozenset[object]) -> bool:
    """An empty restriction lets everyone in."""
    return not old or bool(new and new <= old)


def widens(before: Audience, after: Audience) -> bool:
    """Whether ``after`` may let in someone ``before`` kept out; any doubt widens."""
    if not _not_wider(after.category_roles, before.category_roles):
        return True
    if not _not_wider(after.category_organisations, before.category_organisations):
        return True
    if PUBLICITY_RANK[after.publicity] < PUBLICITY_RANK[before.publicity]:
        return True
    if after.publicity != Publicity.CONFIDENTIAL:
        return False
    if before.publicity != Publicity.CONFIDENTIAL:
        return False
    if CATEGORY_READERS in before.keys:
        # Everyone who reads the (not widened) category read it before.
        return False
    return not after.keys <= before.keys


@dataclass(frozen=True)
class ThreadAbilities:
    """What a viewer may do in a thread, asked once per page and shared by its posts."""

    read: bool
    member: bool
    post: bool
    moderate: bool
    mark_solution: bool


def thread_abilities(user: User, thread: Thread) -> ThreadAbilities:
    read = can_read_thread(user, thread)
    member = read and is_member(user)
    return ThreadAbilities(
        read=read,
        member=member,
        post=member and can_post(user, thread),
        moderate=member and can_moderate_thread(user, thread),
        mark_solution=member and can_mark_solution(user, thread),
    )


@dataclass(frozen=True)
class PostActions:
    """The controls a viewer gets on one post: the server's answer, shown as it is.

    The page, the per-post fragment of live updates and the tests all read this;
    templates and JavaScript never repeat the rules.
    """

    reply: bool = False
    react: bool = False
    edit: bool = False
    delete: bool = False
    flag: bool = False
    mark_solution: bool = False
    unmark_solution: bool = False
    hide: bool = False
    show: bool = False

    @property
    def secondary(self) -> bool:
        """Anything for the post's "more actions" menu."""
        return any(
            (self.edit, self.delete, self.flag, self.mark_solution, self.unmark_solution)
        ) or (self.hide or self.show)

    @property
    def kind(self) -> str:
        """A short key naming this set of actions (for caching the rendered controls)."""
        return "".join("1" if getattr(self, name) else "0" for name in self.__dataclass_fields__)


def post_actions(
    user: User, post: Post, thread: Thread | None = None, abilities: ThreadAbilities | None = None
) -> PostActions:
    """The actions ``user`` may take on ``post``; agrees with ``can_edit_post``,
    ``can_delete_post``, ``can_flag``, ``can_react`` and ``can_mark_solution``.

    ``abilities`` (from ``thread_abilities``) lets a page of posts ask the
    thread-wide rules once.
    """
    thread = thread or post.thread
    able = abilities or thread_abilities(user, thread)
    if not able.member or post.is_deleted:
        return PostActions()
    shown = not post.is_hidden
    own = post.author_id == user.pk
    authority = own or able.moderate
    solution = thread.solution_id == post.pk
    return PostActions(
        reply=able.post and shown,
        react=shown,
        edit=authority and shown,
        delete=authority,
        flag=shown and not own,
        mark_solution=able.mark_solution and shown and post.number > 1 and not solution,
        unmark_solution=able.mark_solution and solution,
        hide=able.moderate and shown,
        show=able.moderate and not shown,
    )


def can_add_poll(user: User, thread: Thread) -> bool:
    """The thread's author and its moderators, while they may post in it."""
    if not can_post(user, thread):
        return False
    return thread.author_id == user.pk or can_moderate_thread(user, thread)


def can_export_poll(user: User, poll: Poll) -> bool:
    """Whoever reads the thread, once the poll shows its results."""
    return is_member(user) and can_read_thread(user, poll.thread) and poll.shows_results
