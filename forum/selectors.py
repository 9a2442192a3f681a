"""Reads for the forum. Query counts stay constant whatever the size."""

import functools
from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    F,
    Field,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    TextField,
    Value,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Organisation, Role, User
from config.compiled import Compiled
from forum import category_rules, list_cache, mentions, permissions
from forum.markdown import render as render_markdown
from forum.models import (
    REACTION_SYMBOLS,
    Attachment,
    Category,
    Draft,
    Flag,
    Poll,
    PollBallot,
    Post,
    PostRevision,
    Publicity,
    Reaction,
    ReactionKind,
    ReadState,
    TaggedThread,
    Thread,
    ThreadEvent,
    TrackingLevel,
    Watch,
    sorted_tag_names,
    tag_names_of,
)
from needs_registry.permissions import acts_for_city

# What pages show of a person (``User.public_name``) and of an organisation.
_PERSON = ("display_name", "first_name", "last_name", "username", "anonymised_at", "organisation")
_ORGANISATION = ("name_fi", "name_sv", "name_en")

# The columns of a thread a list's row shows (and a category's feed).
_LISTED = (
    "title",
    "created_at",
    "is_hidden",
    "category",
    "author",
    "organisation",
    "publicity",
    "is_pinned",
    "is_locked",
    "solution",
    "post_count",
    "last_post_number",
    "last_activity_at",
)

THREADS_PER_PAGE = 30
POSTS_PER_PAGE = 50


def category_list(*, viewer: User) -> list[Category]:
    """Categories the viewer may read, with their thread counts, parents first."""
    ids = permissions.readable_category_ids(viewer)
    readable = permissions.readable_thread_filter(viewer, prefix="threads__")
    categories: list[Category] = list(
        Category.objects.filter(pk__in=ids)
        .annotate(thread_count=Count("threads", filter=readable, distinct=True))
        .prefetch_related("read_organisations")
        .order_by("position", "name_fi")
    )
    by_parent: dict[int | None, list[Category]] = {}
    for category in categories:
        by_parent.setdefault(category.parent_id, []).append(category)
    ordered: list[Category] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for category in by_parent.get(parent_id, []):
            category.depth = depth
            ordered.append(category)
            walk(category.pk, depth + 1)

    walk(None, 0)
    known = {c.pk for c in ordered}
    ordered.extend(c for c in categories if c.pk not in known)
    return ordered


def category_get_for_viewer(*, viewer: User, slug: str) -> Category:
    # Its id and read organisations come from the cached rules
    # (``forum.category_rules``), one snapshot for both: read by the id, with a
    # query compiled once per process.
    known = category_rules.at_address(slug)
    found = _CATEGORY.run(known[0]) if known is not None else []
    if known is not None and found and found[0].slug == slug:
        category = found[0]
        category._read_organisation_ids = known[1].organisation_ids
    else:  # a category the rules do not know yet, or not at this address
        try:
            category = Category.objects.get(slug=slug)
        except Category.DoesNotExist:
            raise Http404 from None
    if not permissions.can_read_category(viewer, category):
        raise Http404
    return category


_CATEGORY = Compiled(lambda pk: Category.objects.filter(pk=pk), arity=1)


def _readable_threads(viewer: User, *, leave_out_muted: bool = False) -> QuerySet[Thread]:
    """Threads the viewer may read (and, with ``leave_out_muted``, without the ones
    the member muted)."""
    threads = Thread.objects.filter(permissions.readable_thread_filter(viewer))
    if leave_out_muted and viewer.is_authenticated:
        threads = threads.alias(level_for_muting=_tracking_level(viewer)).exclude(
            Q(level_for_muting=TrackingLevel.MUTED)
        )
    return threads


def _with_viewer_state(threads: QuerySet[Thread], viewer: User | int | None) -> QuerySet[Thread]:
    """``threads`` with what a list of them shows: their people, and the viewer's
    reading state and tracking level (``viewer`` a member or their id; None for
    someone signed out)."""
    threads = threads.select_related(
        "author", "organisation", "category", "author__organisation"
    ).only(
        # What a list shows, and no more: the JSON of audiences and read rules
        # is thirty rows' decoding for nothing.
        *_LISTED,
        "category__slug",
        "category__name_fi",
        "category__name_sv",
        "category__name_en",
        *(f"author__{name}" for name in _PERSON),
        *(f"author__organisation__{name}" for name in _ORGANISATION),
        *(f"organisation__{name}" for name in _ORGANISATION),
    )
    return _with_state(threads, viewer)


def _with_state(threads: QuerySet[Thread], viewer: User | int | None) -> QuerySet[Thread]:
    """``threads`` with the viewer's reading state and tracking level of each
    (``viewer`` a member or their id; None for someone signed out)."""
    if viewer is None or (not isinstance(viewer, int) and not viewer.is_authenticated):
        # Signed out (AnonymousUser, however wrapped): no reading state to show.
        return threads
    return threads.annotate(**_viewer_state(viewer)).annotate(
        new_post_count=F("last_post_number") - F("last_read_number")
    )


def _viewer_state(viewer: User | int) -> dict[str, Coalesce]:
    """The signed-in viewer's own state of each thread, as annotations: how far they
    read (``last_read_number``, -1 if they never opened it) and their tracking
    level (``tracking_level``: the thread's own, else its category's, else normal).
    Read by lists' rows, ``read_state_for`` and ``tracking_level_for``."""
    last_read = ReadState.objects.filter(thread=OuterRef("pk"), user=viewer).values(
        "last_read_number"
    )[:1]
    return {
        "last_read_number": Coalesce(Subquery(last_read, output_field=IntegerField()), Value(-1)),
        "tracking_level": _tracking_level(viewer),
    }


def _tracking_level(viewer: User | int) -> Coalesce:
    """The viewer's tracking level of each thread: the thread's own, else its
    category's, else normal."""
    own = Watch.objects.filter(thread=OuterRef("pk"), user=viewer).values("level")[:1]
    by_category = Watch.objects.filter(category=OuterRef("category_id"), user=viewer).values(
        "level"
    )[:1]
    return Coalesce(
        Subquery(own, output_field=CharField()),
        Subquery(by_category, output_field=CharField()),
        Value(TrackingLevel.NORMAL.value),
    )


def thread_list(
    *,
    viewer: User,
    category: Category | None = None,
    tag: str = "",
    page: int = 1,
    people: bool = True,
) -> Page[Thread]:
    """A page of the threads ``viewer`` may read (in ``category``, with ``tag``), each
    with the viewer's own state of it (``_with_state``).

    With ``people=False`` the rows come without their author and organisation
    objects, whose columns they hold (``row_people``): for a list rendered
    through ``forum.fragments.attach_rendered_rows``, which gives them to the rows
    it renders and keys the rest by those columns."""
    # Which threads the page shows, and how many the list holds, are kept in the
    # cache (``forum.list_cache``); the threads and the viewer's state of each are
    # read afresh.
    number, count, wanted = list_cache.kept_page(
        viewer,
        category_id=category.pk if category is not None else None,
        tag=tag,
        page=page,
        find=lambda: _thread_list_ids(viewer=viewer, category=category, tag=tag, page=page),
    )
    result: Page[Any] = Paginator(range(count), THREADS_PER_PAGE).page(number)
    rows = _list_rows(viewer, wanted)
    if people:
        give_row_people(rows)
    result.object_list = rows
    return result


def _list_rows(viewer: User, wanted: list[int]) -> list[Thread]:
    """The threads ``wanted`` (a page's ids, in order) as a list's rows show them,
    with the viewer's own state of each, without their people (``give_row_people``).

    The read rule again, each row checked with ``permissions.can_read_thread``:
    ids kept under a version whose renewal was lost (the cache away at the
    moment of a change) name no thread the member may no longer read.

    The query is compiled once per process (``config.compiled``), with a
    page's worth of ids bound (0 where the page is shorter, which no row has):
    built afresh, it cost a list about 3 ms of Python on every view. Its people
    and category come as columns of the thread's row, not joined models:
    making four models per row out of thirty rows cost a list another 2-3 ms,
    more than the query itself, for rows most of which the fragment cache
    already holds rendered.
    """
    if not wanted:
        return []
    if len(wanted) > THREADS_PER_PAGE:
        raise ValueError("more ids than a page holds")
    ids = [*wanted, *[0] * (THREADS_PER_PAGE - len(wanted))]
    if viewer.is_authenticated:
        rows = _LIST_ROWS.run(viewer.pk, *ids)
    else:
        rows = _LIST_ROWS_SIGNED_OUT.run(*ids)
    # One category object per category, given its read organisations from one
    # snapshot of the rules: the rule is looked up once for the page.
    categories: dict[int, Category] = {}
    snapshot = category_rules.rules() if rows else {}
    for thread in rows:
        category = categories.get(thread.category_id)
        if category is None:
            category = categories[thread.category_id] = _listed_category(thread, snapshot)
        _CATEGORY_OF_THREAD.set_cached_value(thread, category)
    confidential = [t for t in rows if t.publicity == Publicity.CONFIDENTIAL]
    if confidential:
        # Who each confidential thread names, for the rule: one query for the page.
        named: dict[int, set[int]] = {t.pk: set() for t in confidential}
        through = Thread.audience_organisations.through
        for thread_id, organisation_id in through.objects.filter(thread_id__in=named).values_list(
            "thread_id", "organisation_id"
        ):
            named[thread_id].add(organisation_id)
        for thread in confidential:
            thread._audience_organisation_ids = frozenset(named[thread.pk])
    found = {thread.pk: thread for thread in rows}
    return [
        _tags_listed(found[pk])
        for pk in wanted
        if pk in found and permissions.can_read_thread(viewer, found[pk])
    ]


# The columns of a listed thread's category, author (with their organisation) and
# organisation, read with the thread's row as plain values (``_listed_columns``).
_CATEGORY_COLUMNS = ("slug", "name_fi", "name_sv", "name_en", "read_roles")
_PERSON_COLUMNS = tuple(name for name in _PERSON if name != "organisation")
_CATEGORY_OF_THREAD = Thread._meta.get_field("category")
_AUTHOR_OF_THREAD = Thread._meta.get_field("author")
_ORGANISATION_OF_THREAD = Thread._meta.get_field("organisation")
_ORGANISATION_OF_PERSON = User._meta.get_field("organisation")


def _listed_columns() -> dict[str, F]:
    return {
        **{f"listed_category_{name}": F(f"category__{name}") for name in _CATEGORY_COLUMNS},
        **{f"listed_author_{name}": F(f"author__{name}") for name in _PERSON_COLUMNS},
        "listed_author_organisation_id": F("author__organisation"),
        **{
            f"listed_author_organisation_{name}": F(f"author__organisation__{name}")
            for name in _ORGANISATION
        },
        **{f"listed_organisation_{name}": F(f"organisation__{name}") for name in _ORGANISATION},
    }


def _made_of[M: Model](model: type[M], db: str | None, values: dict[str, Any]) -> M:
    """An instance of ``model`` with ``values`` (by attribute name) loaded and its
    other fields deferred, as ``only`` would make it. ``Model.from_db`` takes the
    values in the model's own field order, whatever the order of their names."""
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    if len(fields) != len(values):
        raise ValueError(f"not fields of {model.__name__}: {set(values) - set(fields)}")
    return model.from_db(db, fields, [values[name] for name in fields])


def _listed_category(thread: Thread, snapshot: dict[int, category_rules.Rule]) -> Category:
    """``thread``'s category, made of its listed columns (the fields ``only`` would load)."""
    row = thread.__dict__
    category = _made_of(
        Category,
        thread._state.db,
        {
            "id": thread.category_id,
            **{name: row[f"listed_category_{name}"] for name in _CATEGORY_COLUMNS},
        },
    )
    rule = snapshot.get(category.pk)
    if rule is not None:
        category._read_organisation_ids = rule.organisation_ids
    return category


def row_people(thread: Thread) -> tuple[object, ...]:
    """What a listed row (``_list_rows``) shows of its people: the author's name
    columns and both organisations' names, as read, for a rendering's key."""
    row = thread.__dict__
    return (
        thread.author_id,
        *(row[f"listed_author_{name}"] for name in _PERSON_COLUMNS),
        *(row[f"listed_author_organisation_{name}"] for name in _ORGANISATION),
        thread.organisation_id,
        *(row[f"listed_organisation_{name}"] for name in _ORGANISATION),
    )


def give_row_people(threads: Sequence[Thread]) -> None:
    """Give listed rows (``_list_rows``) their author and organisation objects,
    made of the columns the rows hold: no query."""
    for thread in threads:
        row = thread.__dict__
        organisation = None
        if thread.organisation_id is not None:
            organisation = _listed_organisation(
                thread, thread.organisation_id, "listed_organisation_"
            )
        _ORGANISATION_OF_THREAD.set_cached_value(thread, organisation)
        author = None
        if thread.author_id is not None:
            author = _made_of(
                User,
                thread._state.db,
                {
                    "id": thread.author_id,
                    "organisation_id": row["listed_author_organisation_id"],
                    **{name: row[f"listed_author_{name}"] for name in _PERSON_COLUMNS},
                },
            )
            belongs_to = row["listed_author_organisation_id"]
            _ORGANISATION_OF_PERSON.set_cached_value(
                author,
                None
                if belongs_to is None
                else _listed_organisation(thread, belongs_to, "listed_author_organisation_"),
            )
        _AUTHOR_OF_THREAD.set_cached_value(thread, author)


def _listed_organisation(thread: Thread, pk: int, prefix: str) -> Organisation:
    row = thread.__dict__
    return _made_of(
        Organisation,
        thread._state.db,
        {"id": pk, **{name: row[f"{prefix}{name}"] for name in _ORGANISATION}},
    )


def _rows_for(viewer_id: int | None, *ids: int) -> QuerySet[Thread]:
    # Of the thread, what a row shows and what ``permissions.can_read_thread``
    # reads besides (its category's read roles come with ``_listed_columns``).
    threads = (
        Thread.objects.filter(pk__in=ids)
        .only(*_LISTED, "audience_roles")
        .annotate(**_listed_columns(), listed_tags=_tag_list())
    )
    return _with_state(threads, viewer_id)


_LIST_ROWS = Compiled(_rows_for, arity=1 + THREADS_PER_PAGE)
_LIST_ROWS_SIGNED_OUT = Compiled(functools.partial(_rows_for, None), arity=THREADS_PER_PAGE)


def _thread_list_ids(
    *, viewer: User, category: Category | None, tag: str, page: int
) -> list_cache.Kept:
    """The page's number, the list's length and the page's thread ids, in order."""
    # The forum's front page leaves out what the member muted, as Discourse's
    # "latest" does; the category's own page still lists it, marked.
    threads = _readable_threads(viewer, leave_out_muted=category is None)
    if category is not None:
        threads = threads.filter(_in_category(category))
    if tag:
        threads = threads.filter(tags__name__iexact=tag)
    # The page's threads are found by their ids first, and only those 30 get their
    # reading state and tracking level: with the annotations in the paged query
    # the database works them out for every thread it skips as well (for page
    # 100, the 2,970 before it).
    ids = threads.order_by("-is_pinned", "-last_activity_at", "-id").values_list("pk", flat=True)
    found = Paginator(ids, THREADS_PER_PAGE).get_page(page)
    return found.number, found.paginator.count, list(found.object_list)


def _in_category(category: Category) -> RawSQL:
    """Threads in ``category``, with its id written into the statement rather than
    bound as a parameter.

    The page's statements are prepared (``DATABASES`` in the settings) and, once
    prepared, PostgreSQL may plan them for any category at all: for a category
    far larger than the average it then sorts all of its threads to find page
    100's thirty (18 ms at 10,000 threads) instead of reading them in order from
    ``thread_category_activity`` (1 ms). Knowing the category, it plans for it.
    """
    quote = connection.ops.quote_name
    column = f"{quote(Thread._meta.db_table)}.{quote('category_id')}"
    # Nothing typed reaches the statement: the id is the category row's own integer.
    return RawSQL(f"{column} = {int(category.pk)}", (), output_field=BooleanField())  # noqa: S611


def _with_tag_names(threads: list[Thread]) -> list[Thread]:
    names = tag_names_of([thread.pk for thread in threads])
    for thread in threads:
        thread.tag_names = names[thread.pk]
    return threads


def thread_list_latest(*, viewer: User, limit: int = 5) -> list[Thread]:
    threads = _with_viewer_state(_readable_threads(viewer, leave_out_muted=True), viewer)
    return _with_tag_names(list(threads.order_by("-last_activity_at", "-id")[:limit]))


def thread_get_for_viewer(*, viewer: User, pk: int) -> Thread:
    """The thread and its category, for access checks and writes; 404 if not readable."""
    return _thread_for_viewer(Thread.objects.select_related("category"), viewer=viewer, pk=pk)


def thread_get_for_page(*, viewer: User, pk: int) -> Thread:
    """The thread with everything its page shows, for a member with their own state
    of it (``_viewer_state_columns``); 404 if the viewer may not read it."""
    if not 0 < pk < 2**63:  # no such row, and a value the column could not bind
        raise Http404
    member = viewer.is_authenticated
    try:
        if member:
            thread = _THREAD_FOR_MEMBERS_PAGE.run(pk, viewer.pk)[0]
        else:
            thread = _THREAD_FOR_PAGE.run(pk)[0]
    except IndexError:
        raise Http404 from None
    if not permissions.can_read_thread(viewer, thread):
        raise Http404
    thread = _tags_listed(thread)
    if member:
        _name_viewer_state(thread)
    return thread


def _thread_for_page(pk: int) -> QuerySet[Thread]:
    """The query of ``thread_get_for_page``, compiled once per process
    (``config.compiled``): built afresh, it cost the page and every live
    update about 2 ms of Python, eight times what the database takes."""
    # A category's read organisations come from the cached rules
    # (``forum.category_rules``); a confidential thread's audience is read when
    # the rule asks for it (``Thread.audience_organisation_ids``).
    return (
        Thread.objects.select_related(
            "category", "author", "organisation", "need", "solution", "solution__author"
        )
        .only(
            # The thread and its category whole; of the rest what the page shows.
            *(field.name for field in Thread._meta.concrete_fields),
            *(f"category__{field.name}" for field in Category._meta.concrete_fields),
            *(f"author__{name}" for name in _PERSON),
            *(f"organisation__{name}" for name in _ORGANISATION),
            "need__title",
            "solution__author",
            *(f"solution__author__{name}" for name in _PERSON),
        )
        # The tags come with the row, rather than as a query of their own.
        .annotate(listed_tags=_tag_list())
        .filter(pk=pk)
    )


def _thread_for_members_page(pk: int, member: int) -> QuerySet[Thread]:
    """``_thread_for_page`` with the member's own state of the thread in the same row."""
    return _thread_for_page(pk).annotate(**_viewer_state_columns(member))


_THREAD_FOR_PAGE = Compiled(_thread_for_page, arity=1)
_THREAD_FOR_MEMBERS_PAGE = Compiled(_thread_for_members_page, arity=2)


def _viewer_state_columns(member: int) -> dict[str, RawSQL]:
    """The member's read state of the thread, its tracking levels (the thread's own,
    its category's), their draft, and whether the thread has polls: what the page
    shows of the viewer's own state, as columns of the thread's row.

    Written as SQL rather than as the ORM's subqueries: resolved and compiled on
    every view, those five cost the page about 4 ms of Python where the database
    answers them in a tenth of a millisecond. Compiled with the thread's query,
    they are made once per process, and they cost no round trip of their own.
    """
    # Only the models' own table and column names go into the statement; the
    # member is a parameter.
    quote = connection.ops.quote_name

    def column(model: type[Model], name: str) -> str:
        field = model._meta.get_field(name)
        if not isinstance(field, Field) or not field.column:
            raise TypeError(f"{model.__name__}.{name} is no column")
        return f"{quote(model._meta.db_table)}.{quote(field.column)}"

    def own(model: type[Model], shown: str, of: str, output_field: Field[Any, Any]) -> RawSQL:
        """``shown`` of the member's row of ``model`` for the thread (``of`` the
        thread's own column its ``of`` field names)."""
        table = quote(model._meta.db_table)
        sql = (
            f"(SELECT {column(model, shown)} FROM {table} "  # noqa: S608
            f"WHERE {column(model, of)} = {column(Thread, _THREAD_COLUMN[of])} "
            f"AND {column(model, 'user')} = %s LIMIT 1)"
        )
        return RawSQL(sql, (member,), output_field=output_field)  # noqa: S611

    polls = (
        f"EXISTS (SELECT 1 FROM {quote(Poll._meta.db_table)} "  # noqa: S608
        f"WHERE {column(Poll, 'thread')} = {column(Thread, 'id')})"
    )
    return {
        "viewer_last_read": own(ReadState, "last_read_number", "thread", IntegerField()),
        "viewer_own_level": own(Watch, "level", "thread", CharField()),
        "viewer_category_level": own(Watch, "level", "category", CharField()),
        "viewer_draft": own(Draft, "body", "thread", TextField()),
        "viewer_has_polls": RawSQL(polls, (), output_field=BooleanField()),  # noqa: S611
    }


# Which of the thread's columns a row of the member's own names by its field.
_THREAD_COLUMN = {"thread": "id", "category": "category"}


def _name_viewer_state(thread: Thread) -> None:
    """Name the member's state of ``thread`` (``_viewer_state_columns``) as a list's
    annotations name it, for ``read_state_for``, ``draft_for``,
    ``tracking_level_for`` and ``polls_for_thread``."""
    row = thread.__dict__
    state = {
        "last_read_number": -1 if row["viewer_last_read"] is None else row["viewer_last_read"],
        "tracking_level": next(
            (
                level
                for level in (row["viewer_own_level"], row["viewer_category_level"])
                if level is not None
            ),
            TrackingLevel.NORMAL.value,
        ),
        "has_polls": bool(row["viewer_has_polls"]),
    }
    for name, value in state.items():
        setattr(thread, name, value)  # as the annotations of ``_viewer_state`` name them


def _tags_listed(thread: Thread) -> Thread:
    """``thread`` with its ``tag_names`` in order, from its ``listed_tags`` (``_tag_list``)."""
    listed = getattr(thread, "listed_tags", None)
    thread.tag_names = sorted_tag_names(listed.split(_TAG_SEPARATOR)) if listed else []
    return thread


# Between the tag names ``_tag_list`` joins: a control character, which no name holds.
_TAG_SEPARATOR = "\x1f"


def _tag_list() -> Subquery:
    """The names of each thread's tags joined by ``_TAG_SEPARATOR``, unordered
    (SQLite before 3.44 cannot order an aggregate): None for a thread with none."""
    names = (
        TaggedThread.objects.filter(content_object=OuterRef("pk"))
        .values("content_object")
        .annotate(names=StringAgg("tag__name", Value(_TAG_SEPARATOR)))
        .values("names")
    )
    return Subquery(names, output_field=CharField())


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


def category_get_for_move(*, viewer: User, pk: str | int) -> Category:
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


def _thread_for_viewer(threads: QuerySet[Thread], *, viewer: User, pk: int) -> Thread:
    try:
        thread = threads.get(pk=pk)
    except Thread.DoesNotExist:
        raise Http404 from None
    if not permissions.can_read_thread(viewer, thread):
        raise Http404
    return thread


REACTORS_NAMED = 10  # names in a reaction's "who reacted"; the rest are counted


def _posts_shown() -> QuerySet[Post]:
    """Posts with the columns the post partial reads (not the Markdown source), and
    whether each has attachments; ``_with_people`` adds the rest."""
    return Post.objects.only(
        "thread",
        "number",
        "author",
        "organisation",
        "html",
        "reply_to",
        "created_at",
        "edited_at",
        "deleted_at",
        "deleted_by",
        "is_hidden",
        "reaction_counts",
    ).annotate(has_attachments=Exists(Attachment.objects.filter(post=OuterRef("pk"))))


def _with_people(posts: list[Post]) -> list[Post]:
    """Give ``posts`` (from ``_posts_shown``) their authors, organisations, replied-to
    posts and attachments, in a constant number of queries.

    A page's fifty posts come from a handful of people: each person and
    organisation is read once and shared by their posts, where joining them to
    every row (``select_related``) turned the same few people into hundreds of
    objects, most of the page's largest query. Attachments are read only when a
    post on the page has some.
    """
    replied = {post.reply_to_id for post in posts if post.reply_to_id}
    replies = Post.objects.only("number", "author").in_bulk(replied) if replied else {}
    people = (
        User.objects.select_related("organisation")
        .only(*_PERSON, *(f"organisation__{name}" for name in _ORGANISATION))
        .in_bulk({post.author_id for post in posts} | {r.author_id for r in replies.values()})
    )
    organisations = {
        person.organisation_id: person.organisation
        for person in people.values()
        if person.organisation is not None
    }
    missing = {post.organisation_id for post in posts} - organisations.keys() - {None}
    if missing:
        organisations.update(Organisation.objects.only(*_ORGANISATION).in_bulk(missing))
    for reply in replies.values():
        reply.author = people[reply.author_id]
    for post in posts:
        post.author = people[post.author_id]
        post.organisation = organisations.get(post.organisation_id)
        if post.reply_to_id in replies:
            post.reply_to = replies[post.reply_to_id]
    # With none on the page, ``post.attachments.all()`` answers "none" without a query.
    attachments = Attachment.objects.all()
    if not any(getattr(post, "has_attachments", True) for post in posts):
        attachments = attachments.none()
    prefetch_related_objects(posts, Prefetch("attachments", queryset=attachments))
    return posts


def _with_reactions(posts: list[Post]) -> list[Post]:
    """Read the reactions of those ``posts`` that have any, in one query.

    A post's ``reaction_counts`` is written with its reactions (``reaction_toggle``),
    so a page where nobody reacted asks nothing; the others' reactions come
    with their people, oldest first, as ``post.reactions.all()``.
    """
    reacted = [post for post in posts if post.reaction_counts]
    if reacted:
        prefetch_related_objects(
            reacted,
            Prefetch(
                "reactions",
                # The people by name; a former member's name says their organisation.
                queryset=Reaction.objects.select_related("user", "user__organisation")
                .only(
                    "post",
                    "kind",
                    "created_at",
                    "user",
                    *(f"user__{name}" for name in _PERSON),
                    *(f"user__organisation__{name}" for name in _ORGANISATION),
                )
                .order_by("created_at", "pk"),
            ),
        )
    return posts


def _reactions_of(post: Post) -> list[Reaction]:
    """The post's reactions as ``_with_reactions`` read them (none if it read none)."""
    if "reactions" not in getattr(post, "_prefetched_objects_cache", {}):
        return []
    return list(post.reactions.all())


def reaction_summary(*, viewer: User, post: Post) -> list[dict[str, Any]]:
    """The post's reactions as the page shows them: emoji, count, who, and the viewer's own.

    Reads the reactions ``_with_reactions`` read; one entry per kind someone chose,
    in the order of ``ReactionKind``.
    """
    by_kind: dict[str, list[Reaction]] = {}
    for reaction in _reactions_of(post):
        by_kind.setdefault(reaction.kind, []).append(reaction)
    summary = []
    for kind, label in ReactionKind.choices:
        reactions = by_kind.get(kind)
        if not reactions:
            continue
        names = [r.user.public_name for r in reactions[:REACTORS_NAMED]]
        summary.append(
            {
                "kind": kind,
                "label": label,
                "symbol": REACTION_SYMBOLS[ReactionKind(kind)],
                "count": len(reactions),
                "names": names,
                "others": len(reactions) - len(names),
                "mine": viewer.is_authenticated and any(r.user_id == viewer.pk for r in reactions),
            }
        )
    return summary


def reaction_choices(*, viewer: User, post: Post) -> list[dict[str, Any]]:
    """Every reaction the viewer may give, marked when the viewer has given it."""
    mine = {r.kind for r in _reactions_of(post) if r.user_id == viewer.pk}
    return [
        {
            "kind": kind,
            "label": label,
            "symbol": REACTION_SYMBOLS[ReactionKind(kind)],
            "mine": kind in mine,
        }
        for kind, label in ReactionKind.choices
    ]


def _decorate(
    posts: list[Post], *, viewer: User, thread: Thread, abilities: permissions.ThreadAbilities
) -> list[Post]:
    """Give each post the viewer's actions and its reactions, for the post partial."""
    for post in posts:
        post.thread = thread
        post.actions = permissions.post_actions(viewer, post, thread, abilities)
        post.reaction_list = reaction_summary(viewer=viewer, post=post)
        if post.actions.react:
            post.reaction_choices = reaction_choices(viewer=viewer, post=post)
    return posts


def post_page(*, viewer: User, thread: Thread, page: int | str = 1) -> Page[Post]:
    """One page of a thread's posts, with everything a post shows and the viewer's
    actions on each, in constant queries."""
    result: Page[Any] = post_page_numbers(thread=thread, page=page)
    result.object_list = post_page_posts(viewer=viewer, thread=thread, page=result)
    return result


def post_page_numbers(*, thread: Thread, page: int | str = 1) -> Page[int]:
    """Which page of the thread ``page`` names ("last", a number, or the nearest page
    that exists): the post numbers it holds, read from the thread alone."""
    # Posts are numbered 1, 2, 3… in their thread and never removed (a deleted
    # post stays as its tombstone), so page n holds the numbers 50(n-1)+1 to 50n
    # (as ``page_of_post`` says): the page is read by its numbers on the
    # (thread, number) index, with no count of the thread's posts and no OFFSET
    # past the pages before it.
    paginator: Paginator[int] = Paginator(range(1, thread.last_post_number + 1), POSTS_PER_PAGE)
    if page == "last":
        page = paginator.num_pages
    return paginator.get_page(page)


def post_page_posts(
    *,
    viewer: User,
    thread: Thread,
    page: Page[Any],
    abilities: permissions.ThreadAbilities | None = None,
) -> list[Post]:
    """The posts of ``page`` (from ``post_page_numbers``) with everything a post shows
    and the viewer's actions on each, in constant queries."""
    first = (page.number - 1) * POSTS_PER_PAGE
    posts = _posts_shown().filter(
        thread=thread, number__gt=first, number__lte=first + POSTS_PER_PAGE
    )
    return _decorate(
        _with_reactions(_with_people(list(posts.order_by("number")))),
        viewer=viewer,
        thread=thread,
        abilities=abilities or permissions.thread_abilities(viewer, thread),
    )


def posts_get_for_fragments(
    *, viewer: User, thread: Thread, ids: list[int], after: int | None = None
) -> list[Post]:
    """Posts of a thread with the viewer's actions on each, for live updates: those
    with the given ids and, with ``after``, those numbered after it (a page at most)."""
    wanted = Q(pk__in=ids[:POSTS_PER_PAGE])
    if after is not None:
        wanted |= Q(number__gt=after)
    posts = _with_reactions(
        _with_people(
            list(_posts_shown().filter(wanted, thread=thread).order_by("number")[:POSTS_PER_PAGE])
        )
    )
    return _decorate(
        posts, viewer=viewer, thread=thread, abilities=permissions.thread_abilities(viewer, thread)
    )


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


def reply_target(*, viewer: User, thread: Thread, pk: str | int) -> Post | None:
    """The post a reply answers, if the viewer may read its text; else no reply-to at all."""
    post = thread.posts.filter(pk=pk).first()
    if post is None:
        return None
    post.thread = thread
    return post if permissions.can_read_post(viewer, post) else None


def read_state_for(*, viewer: User, thread: Thread) -> int:
    if not viewer.is_authenticated:
        return thread.last_post_number
    if hasattr(thread, "last_read_number"):  # annotated by ``_viewer_state``
        return max(int(thread.last_read_number), 0)
    state = ReadState.objects.filter(user=viewer, thread=thread).first()
    return state.last_read_number if state else 0


def post_preview(*, body: str) -> str:
    """``body`` rendered as a post would be: Markdown, mentions linked, sanitised."""
    return render_markdown(body, mentions.resolve).html


def categories_for_new_thread(*, viewer: User) -> list[Category]:
    """The categories where the viewer may start a thread, in the index's order."""
    return [c for c in category_list(viewer=viewer) if permissions.can_start_thread(viewer, c)]


def category_for_new_thread_draft(*, viewer: User, pk: str | int) -> Category | None:
    """The category a new thread's draft names: one where the viewer may start threads."""
    try:
        category = Category.objects.prefetch_related("read_organisations").get(pk=pk)
    except (Category.DoesNotExist, ValueError, TypeError):
        return None
    return category if permissions.can_start_thread(viewer, category) else None


def thread_draft_for(*, viewer: User) -> Draft | None:
    """The member's draft of a new thread, if they keep one."""
    if not viewer.is_authenticated:
        return None
    return Draft.objects.filter(user=viewer, thread__isnull=True).first()


def draft_for(*, viewer: User, thread: Thread) -> str:
    if not viewer.is_authenticated:
        return ""
    if hasattr(thread, "viewer_draft"):
        return thread.viewer_draft or ""
    draft = Draft.objects.filter(user=viewer, thread=thread).first()
    return draft.body if draft else ""


def tracking_level_for(
    *, viewer: User, thread: Thread | None = None, category: Category | None = None
) -> str:
    """The member's tracking level on a thread (its own, else its category's) or
    on a category; normal when they chose none. One query."""
    if not viewer.is_authenticated:
        return TrackingLevel.NORMAL
    if thread is not None and hasattr(thread, "tracking_level"):  # see ``_viewer_state``
        return str(thread.tracking_level)
    if thread is not None:
        rows = {
            row.thread_id is not None: row.level
            for row in Watch.objects.filter(
                Q(thread=thread) | Q(category_id=thread.category_id), user=viewer
            )
        }
        levels = [rows.get(False), rows.get(True)]
    elif category is not None:
        levels = [watch.level for watch in _CATEGORY_WATCH.run(category.pk, viewer.pk)]
    else:
        raise ValueError("A tracking level is of a thread or of a category.")
    # The thread's own level wins over its category's.
    chosen = [level for level in levels if level is not None]
    return chosen[-1] if chosen else TrackingLevel.NORMAL


# A member's level on a category (a category page's control), compiled once per process.
_CATEGORY_WATCH = Compiled(
    lambda category, member: Watch.objects.filter(category_id=category, user_id=member).only(
        "level"
    ),
    arity=2,
)


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


def open_flag_count(*, viewer: User) -> int | None:
    """How many open flags the moderation queue shows the viewer; None for a
    viewer who is no moderator (the navigation then offers no queue)."""
    if not permissions.can_moderate(viewer):
        return None
    return (
        Flag.objects.filter(resolved_at__isnull=True)
        .filter(permissions.readable_thread_filter(viewer, prefix="post__thread__"))
        .count()
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


def moderation_log(*, viewer: User, limit: int = 50) -> list[Any]:
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


def revisions_for(*, viewer: User, post: Post) -> list[PostRevision]:
    return list(post.revisions.select_related("edited_by").order_by("-created_at"))


def first_post_body(*, thread: Thread) -> str:
    """The Markdown of the thread's opening post, or "" when a moderator hid it or it
    was deleted: what a new need drafted from the thread may start from."""
    post = Post.objects.filter(thread=thread).order_by("number").first()
    if post is None or post.is_hidden or post.is_deleted:
        return ""
    return post.body


def poll_results(*, poll: Poll) -> dict[str, Any]:
    """Counts per choice and, in a per-city poll, the cities that answered; the same for
    every viewer (so it is rendered once for a live frame). Two queries."""
    ballots = list(
        PollBallot.objects.filter(poll=poll)
        .select_related("organisation")
        .prefetch_related("options")
        .order_by("organisation__name_fi", "cast_at")
    )
    counts: dict[int, int] = {}
    for ballot in ballots:
        for option in ballot.options.all():
            counts[option.pk] = counts.get(option.pk, 0) + 1
    total = len(ballots)
    options = [
        {
            "option": option,
            "count": counts.get(option.pk, 0),
            "percent": round(100 * counts.get(option.pk, 0) / total) if total else 0,
        }
        for option in poll.options.all()
    ]
    cities = [
        {"name": b.organisation.name, "choices": [o.text for o in b.options.all()]}
        for b in ballots
        if b.organisation is not None
    ]
    return {"total": total, "options": options, "cities": cities}


def polls_for_thread(*, viewer: User, thread: Thread) -> list[Poll]:
    """The thread's polls with what this viewer sees of each: the results (when they
    are shown), their own (or their city's) answer, and whether they may answer."""
    if getattr(thread, "has_polls", True) is False:
        return []
    polls = list(Poll.objects.filter(thread=thread).prefetch_related("options"))
    if not polls:
        return polls
    voters = []
    if permissions.is_member(viewer):
        voters = [f"user:{viewer.pk}", f"org:{viewer.organisation_id}"]
    ballots = {
        (b.poll_id, b.voter): b
        for b in PollBallot.objects.filter(poll__in=polls, voter__in=voters)
        .select_related("user")
        .prefetch_related("options")
    }
    city_voter = permissions.is_member(viewer) and acts_for_city(viewer)
    for poll in polls:
        poll.thread = thread
        key = (
            f"org:{viewer.organisation_id}"
            if poll.voters == Poll.Voters.CITY
            else f"user:{viewer.pk}"
        )
        ballot = ballots.get((poll.pk, key)) if voters else None
        poll.viewer_ballot = ballot
        poll.viewer_choice_ids = {o.pk for o in ballot.options.all()} if ballot else set()
        poll.answered_by_other = ballot is not None and ballot.user_id != viewer.pk
        poll.may_vote = (
            permissions.is_member(viewer)
            and poll.is_open()
            and (poll.voters == Poll.Voters.PERSON or city_voter)
            and not poll.answered_by_other
        )
        poll.result_data = poll_results(poll=poll) if poll.shows_results else None
    return polls


def poll_results_in_thread(*, thread: Thread, pk: int) -> tuple[Poll, dict[str, Any]] | None:
    """A poll of ``thread`` and its results, when its results are shown now; else ``None``.

    For live updates: the caller has checked the viewer may read the thread.
    """
    poll = Poll.objects.filter(thread=thread, pk=pk).prefetch_related("options").first()
    if poll is None or not poll.shows_results:
        return None
    return poll, poll_results(poll=poll)


def poll_get_for_viewer(*, viewer: User, pk: str | int) -> Poll:
    """A poll whose thread the viewer may read; 404 otherwise."""
    try:
        poll = Poll.objects.select_related("thread", "thread__category").get(pk=pk)
    except (Poll.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not permissions.can_read_thread(viewer, poll.thread):
        raise Http404
    return poll


def poll_export_rows(*, poll: Poll) -> tuple[list[str], list[list[Any]]]:
    """A poll's answers for a spreadsheet: per city (who answered, what) in a per-city
    poll; per choice (how many) in a per-person poll, which names nobody."""
    results = poll_results(poll=poll)
    if poll.voters == Poll.Voters.CITY:
        ballots = (
            PollBallot.objects.filter(poll=poll)
            .select_related("organisation", "user")
            .prefetch_related("options")
            .order_by("organisation__name_fi")
        )
        header = [_("City"), _("Answer"), _("Answered by"), _("Answered at")]
        rows = [
            [
                b.organisation.name if b.organisation else "",
                "; ".join(o.text for o in b.options.all()),
                b.user.public_name,
                b.cast_at.isoformat(timespec="minutes"),
            ]
            for b in ballots
        ]
        return header, rows
    header = [_("Choice"), _("Answers"), _("Share (%)")]
    return header, [[r["option"].text, r["count"], r["percent"]] for r in results["options"]]
