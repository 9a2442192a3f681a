"""Rendered posts and thread rows, from a fragment cache.

Rendering a post is most of a thread page's work: a dozen URLs, CSRF fields and
translated strings per post, for fifty posts. The same post looks the same to
every viewer who may do the same things with it, in one language and time
zone, until it changes. So each rendering is cached under a key made of
everything the post partial reads (the post's text and version, its author,
attachments, reactions and the viewer's share in them, the viewer's actions)
and of the templates and translations it was rendered with: a change to any of
them is a new key, and nothing has to be invalidated. The form fields' CSRF
token is the one part that differs per viewer: the cached HTML holds a
placeholder that is replaced with this request's token on the way out. A
thread list's rows are cached the same way, keyed on what a row shows
(including the viewer's reading state and tracking level).

Django's ``{% cache %}`` tag would need the same key spelled out in the
template and reads the cache once per fragment; here one ``get_many`` fetches
a whole page (one round trip to Redis in production).

A thread page's posts are also kept whole (``page_posts``), so that a page
opened again, or by the next of a hundred people following the same link, is
one cache read instead of its posts' queries and fifty keys. Such a page is
the same for every viewer with the same abilities in the thread (reading,
posting, moderating, marking the answer), unless a post on it is the viewer's
own or carries their reaction: then the page is theirs alone (a kept page
names those people, so telling takes no query). Its key names
the thread's event sequence number, which every change the services make to
its posts raises (a post, an edit, a reaction, a deletion, hiding), and two
content versions renewed after any other change a post shows: the thread's
own for its posts, their attachments and reactions (also changed in the back
office), and the site's for people and organisations (a name, anonymisation).
A post written in one thread leaves the kept pages of every other one. Pages
are kept only outside a transaction, so nothing that could still be rolled
back is ever cached.
"""

import dataclasses
import functools
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page
from django.db import connection, transaction
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from config import cache_versions
from forum import permissions, selectors
from forum.models import NOT_READ, Attachment, Post, Reaction, Thread

logger = logging.getLogger(__name__)

TEMPLATE = "forum/thread_detail.html#post"
ROW_TEMPLATE = "forum/_thread_row.html"
TIMEOUT = 24 * 60 * 60
# A whole page of posts lives at most this long: it bounds how long a page can
# stay behind a content version renewal that failed (the cache away just then).
PAGE_TIMEOUT = 10 * 60
CONTENT_VERSION_KEY = "forum:content-version"
# Each process also keeps the pages it last read, under the same keys, for at
# most PROCESS_SECONDS (the bound above becomes PAGE_TIMEOUT and these seconds)
# and PROCESS_PAGES pages: a page of fifty posts is about 170 kB, whose trip
# from Redis and unpickling cost a page read again about 0.4 ms.
PROCESS_SECONDS = 60
PROCESS_PAGES = 64
# And the list rows it last read (about 1.5 kB each): a list's page of thirty is
# then no trip to Redis at all while its rows stay the same.
PROCESS_ROWS = 3000
_clock = time.monotonic  # the process copies' clock (replaced in tests)


@functools.cache
def csrf_placeholder() -> str:
    """Stands in for the CSRF token in cached HTML until the request's own token
    replaces it. Made from the secret key: a post's text could otherwise hold the
    placeholder (in a link, say) and have each reader's token written into it."""
    digest = salted_hmac("forum.fragments.csrf", "placeholder", algorithm="sha256")
    return "csrf-" + digest.hexdigest()[:32]


def _build_token() -> str:
    """What the renderings depend on besides the data: the template's source and
    the compiled translations. A deploy that changes either starts afresh."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(csrf_placeholder().encode())
    for template in ("thread_detail.html", "_thread_row.html"):
        digest.update((Path(__file__).parent / "templates/forum" / template).read_bytes())
    for locale_dir in settings.LOCALE_PATHS:
        for catalog in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.mo")):
            digest.update(f"{catalog}:{catalog.stat().st_mtime_ns}".encode())
    return digest.hexdigest()


_build: str | None = None


def build_token() -> str:
    global _build
    if _build is None:
        _build = _build_token()
    return _build


def _signature(post: Post) -> tuple[object, ...]:
    """Everything the post partial shows of ``post`` for this viewer."""
    reply_to = post.reply_to
    organisation = post.organisation
    return (
        post.pk,
        post.number,
        post.html,
        post.created_at,
        post.edited_at,
        post.deleted_at,
        post.is_hidden,
        post.author_id,
        post.author.public_name,
        organisation.name if organisation else None,
        (reply_to.pk, reply_to.number, reply_to.author.public_name) if reply_to else None,
        tuple(
            (a.pk, a.token, a.original_name, a.size, bool(a.thumbnail))
            for a in post.attachments.all()
        ),
        post.actions.kind,
        tuple(tuple(sorted(entry.items())) for entry in post.reaction_list),
        tuple(c["kind"] for c in getattr(post, "reaction_choices", ()) if c["mine"]),
    )


# Renewed when the code that makes a row's content changes without its template:
# rows rendered by the old code are then never read again.
ROW_RENDERING = 2


def _row_signature(thread: Thread) -> tuple[object, ...]:
    """Everything a thread list's row shows of ``thread`` (``forum.selectors.thread_list``)
    for this viewer."""
    return (
        ROW_RENDERING,
        thread.pk,
        thread.title,
        thread.publicity,
        thread.is_pinned,
        thread.is_locked,
        thread.solution_id,
        thread.post_count,
        thread.last_post_number,
        thread.last_activity_at,
        getattr(thread, "tracking_level", None),
        getattr(thread, "last_read_number", None),
        selectors.row_people(thread),
        thread.category.slug,
        thread.category.name,
        tuple(thread.tag_names),
    )


def _key(kind: str, pk: int, signature: tuple[object, ...]) -> str:
    """The key of a rendering for the current language and time zone."""
    digest = hashlib.blake2b(
        repr(
            (
                build_token(),
                translation.get_language(),
                timezone.get_current_timezone_name(),
                signature,
            )
        ).encode(),
        digest_size=16,
    )
    return f"forum:{kind}:{pk}:{digest.hexdigest()}"


def cache_key(post: Post) -> str:
    """The key of ``post``'s rendering for the current language and time zone."""
    return _key("post", post.pk, _signature(post))


def _render_cached(
    keys: list[str], template_name: str, contexts: Sequence[dict[str, object]]
) -> list[str]:
    """The renderings under ``keys``: cached ones read in one go, the others
    rendered from ``contexts`` (in the same order) and stored."""
    try:
        cached = cache.get_many(keys)
    except Exception:  # a cache that is away slows the page down, never breaks it
        logger.warning("The fragment cache could not be read", exc_info=True)
        cached = {}
    template = get_template(template_name)
    fresh = {}
    for key, context in zip(keys, contexts, strict=True):
        if key not in cached:
            fresh[key] = cached[key] = template.render(context)
    if fresh:
        try:
            cache.set_many(fresh, TIMEOUT)
        except Exception:
            logger.warning("The fragment cache could not be written", exc_info=True)
    return [cached[key] for key in keys]


def render_posts(request: HttpRequest, thread: Thread, posts: Sequence[Post]) -> list[SafeString]:
    """Each of ``posts`` (decorated by ``forum.selectors``) rendered for the
    request's viewer, in order: from the cache where it holds the same
    rendering, else rendered and stored."""
    placeholder = csrf_placeholder()
    contexts = [{"post": post, "thread": thread, "csrf_token": placeholder} for post in posts]
    renderings = _render_cached([cache_key(post) for post in posts], TEMPLATE, contexts)
    token = get_token(request)
    return [mark_safe(html.replace(placeholder, token)) for html in renderings]  # noqa: S308


def attach_rendered_rows(threads: Sequence[Thread]) -> None:
    """Give each thread of a list (from ``forum.selectors.thread_list``, with or
    without its people) its row, rendered for the viewer, as ``thread.rendered_row``:
    from this process's copies, else the fragment cache, else rendered (and only
    then given its people)."""
    keys = [_key("row", thread.pk, _row_signature(thread)) for thread in threads]
    found = process_rows.get_many(keys)
    if len(found) < len(keys):
        try:
            found.update(cache.get_many([key for key in keys if key not in found]))
        except Exception:  # a cache that is away slows the page down, never breaks it
            logger.warning("The fragment cache could not be read", exc_info=True)
        missing = [
            (key, thread) for key, thread in zip(keys, threads, strict=True) if key not in found
        ]
        if missing:
            selectors.give_row_people(
                [t for _key_, t in missing if "author" not in t._state.fields_cache]
            )
            template = get_template(ROW_TEMPLATE)
            fresh = {key: template.render({"thread": thread}) for key, thread in missing}
            try:
                cache.set_many(fresh, TIMEOUT)
            except Exception:
                logger.warning("The fragment cache could not be written", exc_info=True)
            found.update(fresh)
        process_rows.put_many({key: found[key] for key in keys})
    for thread, key in zip(threads, keys, strict=True):
        thread.rendered_row = mark_safe(found[key])  # noqa: S308


@dataclasses.dataclass(frozen=True)
class PagePost:
    """A post of a thread page as the page template shows it."""

    number: int
    rendered: SafeString


def _renew_content_version() -> None:
    # Kept pages expire within PAGE_TIMEOUT should the renewal fail.
    cache_versions.renew(CONTENT_VERSION_KEY)


def _thread_version_key(thread_id: int) -> str:
    return f"{CONTENT_VERSION_KEY}:thread:{thread_id}"


# A person's fields a post shows (``forum.selectors._PERSON``); a save that names
# only others (signing in, a profile's own settings) changes no page.
_SHOWN_OF_A_PERSON = frozenset(selectors._PERSON) | {"is_active"}


def content_changed(sender: type, update_fields: Any = None, **kwargs: Any) -> None:
    """Receiver: something a post shows changed other than by a thread event; kept
    pages give way once the change is committed (a rollback renews nothing): the
    thread's for a post, its attachment or reaction, every page for the rest."""
    instance = kwargs.get("instance")
    if sender in (User, Organisation) and kwargs.get("created"):
        return  # nobody's posts show them yet
    if sender is User and update_fields is not None and not set(update_fields) & _SHOWN_OF_A_PERSON:
        return
    if sender in (Post, Attachment, Reaction) and instance is not None:
        threads = _threads_of(instance, created=bool(kwargs.get("created")))
        if threads is not None:
            for thread_id in threads:
                key = _thread_version_key(thread_id)
                transaction.on_commit(functools.partial(cache_versions.renew, key))
            return
    transaction.on_commit(_renew_content_version)


def _threads_of(instance: Post | Attachment | Reaction, *, created: bool) -> set[int] | None:
    """The threads whose pages show ``instance`` or showed it as it was read (a post
    or an attachment moved elsewhere); None where that is not known."""
    if isinstance(instance, Post):
        now = instance.__dict__.get("thread_id")  # not read: not known, and no query
        before = now if created else instance.stored_thread_id
        instance.stored_thread_id = now
        return None if now is None or before is None else {now, before}
    if isinstance(instance, Attachment):
        stored = None if created else instance.stored_post_id
        instance.stored_post_id = instance.post_id
        if stored is NOT_READ:
            return None
        posts = {pk for pk in (instance.post_id, stored) if isinstance(pk, int)}
    elif "post" in instance._state.fields_cache:  # a reaction made here, with its post
        return {instance.post.thread_id}
    else:
        posts = {instance.post_id}
    if not posts:
        return set()  # an upload on no post shows nowhere
    # A post already gone took its own thread's pages with it (its deletion renews them).
    return set(Post.objects.filter(pk__in=posts).values_list("thread_id", flat=True))


def _database() -> tuple[object, ...]:
    database = settings.DATABASES["default"]
    return (database.get("HOST"), database.get("PORT"), str(database["NAME"]))


def _people_on(posts: Sequence[Post]) -> frozenset[int]:
    """Who sees ``posts`` differently from other viewers with the same abilities:
    their authors and everyone who reacted to them."""
    people = {post.author_id for post in posts}
    people.update(r.user_id for post in posts for r in selectors._reactions_of(post))
    return frozenset(people)


type KeptPage = tuple[frozenset[int], list[tuple[int, str]]]


class _ProcessCopies[V]:
    """What this process read last of the cache: at most ``most()`` entries, each for
    at most ``PROCESS_SECONDS``, the least recently read let go first. Shared by the
    process's threads; an entry is never changed once kept, only replaced."""

    def __init__(self, most: Callable[[], int]) -> None:
        self._most = most
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: Sequence[str]) -> dict[str, V]:
        found: dict[str, V] = {}
        now = _clock()
        with self._lock:
            for key in keys:
                entry = self._entries.get(key)
                if entry is None:
                    continue
                if now >= entry[0]:
                    del self._entries[key]
                    continue
                self._entries.move_to_end(key)
                found[key] = entry[1]
        return found

    def put(self, key: str, value: V) -> None:
        self.put_many({key: value})

    def put_many(self, values: dict[str, V]) -> None:
        until = _clock() + PROCESS_SECONDS
        with self._lock:
            for key, value in values.items():
                self._entries[key] = (until, value)
                self._entries.move_to_end(key)
            while len(self._entries) > self._most():
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# A thread page's posts, whole (``page_posts``), and list rows.
process_pages = _ProcessCopies[KeptPage](lambda: PROCESS_PAGES)
process_rows = _ProcessCopies[str](lambda: PROCESS_ROWS)


def _kept_for(viewer: User, found: dict[str, Any], key: str, own_key: str) -> KeptPage | None:
    """The page for ``viewer`` among ``found``: the shared one unless they are on it."""
    kept = found.get(key)
    if kept is None or viewer.pk in kept[0]:
        kept = found.get(own_key)
    return kept


def page_posts(
    request: HttpRequest, viewer: User, thread: Thread, page: Page[Any]
) -> list[PagePost]:
    """The posts of ``page`` (``forum.selectors.post_page_numbers``) rendered for
    ``viewer`` (the request's): the whole page from the cache where it holds it,
    else each post from the fragment cache or rendered afresh, and the page kept.

    A kept page names the people on it (authors and those who reacted), so that
    one of them, who gets the page of their own, is told without a query."""
    abilities = permissions.thread_abilities(viewer, thread)
    placeholder = csrf_placeholder()
    key = own_key = None
    kept = None
    if not connection.in_atomic_block:
        try:
            signature = (
                *cache_versions.current_many([CONTENT_VERSION_KEY, _thread_version_key(thread.pk)]),
                _database(),
                thread.event_seq,
                thread.solution_id,
                page.number,
                dataclasses.astuple(abilities),
            )
            # "page-posts": kept with the people on it; "page" held a bare list.
            key = _key("page-posts", thread.pk, signature)
            own_key = _key("page-posts", thread.pk, (*signature, viewer.pk))
            kept = _kept_for(
                viewer, {k: process_pages.get(k) for k in (key, own_key)}, key, own_key
            )
            if kept is None:
                found = cache.get_many([key, own_key])
                kept = _kept_for(viewer, found, key, own_key)
                if kept is not None:
                    process_pages.put(own_key if viewer.pk in kept[0] else key, kept)
        except Exception:  # a cache that is away slows the page down, never breaks it
            logger.warning("A page of posts could not be read from the cache", exc_info=True)
            key = own_key = None
    if kept is None:
        posts = selectors.post_page_posts(
            viewer=viewer, thread=thread, page=page, abilities=abilities
        )
        contexts = [{"post": post, "thread": thread, "csrf_token": placeholder} for post in posts]
        renderings = _render_cached([cache_key(post) for post in posts], TEMPLATE, contexts)
        people = _people_on(posts)
        kept = (people, [(post.number, html) for post, html in zip(posts, renderings, strict=True)])
        if key is not None and own_key is not None:
            kept_as = own_key if viewer.pk in people else key
            process_pages.put(kept_as, kept)
            try:
                cache.set(kept_as, kept, PAGE_TIMEOUT)
            except Exception:
                logger.warning("A page of posts could not be cached", exc_info=True)
    token = get_token(request)
    return [
        PagePost(number, mark_safe(html.replace(placeholder, token)))  # noqa: S308
        for number, html in kept[1]
    ]


def page_html(posts: Sequence[PagePost], last_read: int) -> SafeString:
    """The page's posts (``page_posts``) as one piece of HTML, with the marker before
    the first post the viewer has not read. Joined here rather than in a template
    loop, which cost more than the cached page took to read."""
    parts: list[str] = []
    for post in posts:
        if last_read > 0 and post.number == last_read + 1:
            parts.append(
                format_html('<p class="new-marker" id="new">{}</p>', _("New since your last visit"))
            )
        parts.append(post.rendered)
    return mark_safe("".join(parts))  # noqa: S308  (each part is safe)


@functools.lru_cache(maxsize=32)
def _empty_reply_fields(language: str) -> SafeString:
    from forum.forms import PostForm  # the forms import the models; kept out of import time

    return mark_safe(render_to_string("forum/_form_fields.html", {"form": PostForm()}))  # noqa: S308


def empty_reply_fields() -> SafeString:
    """The reply form's fields, empty, as every thread page shows them to a member
    with no draft: rendered once per language and process (the widgets' own
    templates cost more than the rest of the reply area)."""
    return _empty_reply_fields(translation.get_language())
