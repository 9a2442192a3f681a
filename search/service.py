"""The one search service of the platform.

Indexing always writes the database index, which is complete on its own; when
``MEILISEARCH_URL`` is set, Meilisearch answers queries and receives the same
documents. If Meilisearch does not answer, queries fall back to the database
(logged, and shown on the admin health page) and the updates it missed are
kept and replayed when it answers again.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.utils import timezone

from accounts.models import User
from forum import permissions
from search.backends import Access, DatabaseBackend, Hit, MeilisearchBackend, SearchFilters
from search.documents import document_store
from search.models import PendingIndexUpdate, SearchDocument
from search.text import query_terms

logger = logging.getLogger(__name__)

RESULTS_PER_PAGE = 20
HEALTH_KEY = "search:meilisearch:last-failure"

__all__ = ["Hit", "SearchFilters", "index_update", "search", "similar_needs", "suggest"]


def access_for(viewer: User) -> Access:
    """The forum's read rule (``forum.permissions``) in the form the backends filter on."""
    return Access(
        category_ids=permissions.readable_category_ids(viewer),
        public_only=not permissions.is_member(viewer),
        include_hidden=permissions.can_moderate(viewer),
        organisation_id=getattr(viewer, "organisation_id", None)
        if viewer.is_authenticated
        else None,
        reader_keys=sorted(permissions.reader_keys(viewer)),
    )


def meilisearch() -> MeilisearchBackend | None:
    return MeilisearchBackend() if settings.MEILISEARCH_URL else None


def _failed(error: Exception) -> None:
    logger.warning("Meilisearch unavailable, using the database: %s", error)
    try:
        cache.set(HEALTH_KEY, {"at": timezone.now().isoformat(), "error": str(error)[:300]}, None)
    except Exception:
        logger.warning("Cache unavailable; search health not recorded")


def _recovered(engine: MeilisearchBackend) -> None:
    try:
        if cache.get(HEALTH_KEY) is not None:
            cache.delete(HEALTH_KEY)
    except Exception:
        logger.warning("Cache unavailable; search health not recorded")
    pending_replay(engine)


def index_update(kind: str, object_id: int) -> None:
    """Bring one thread, post or need up to date in every index."""
    document = document_store(kind, object_id)
    DatabaseBackend().index(document, kind, object_id)
    engine = meilisearch()
    if engine is None:
        return
    try:
        engine.index(document, kind, object_id)
    except Exception as error:
        PendingIndexUpdate.objects.get_or_create(kind=kind, object_id=object_id)
        _failed(error)
    else:
        if PendingIndexUpdate.objects.exists():
            _recovered(engine)


def index_thread_documents(thread_id: int) -> int:
    """Bring a thread and every one of its posts up to date; returns how many documents."""
    from forum.models import Post

    index_update(SearchDocument.Kind.THREAD, thread_id)
    post_ids = list(Post.objects.filter(thread_id=thread_id).values_list("pk", flat=True))
    for post_id in post_ids:
        index_update(SearchDocument.Kind.POST, post_id)
    return 1 + len(post_ids)


def index_category_documents(category_id: int) -> int:
    """Bring every thread and post of a category up to date; returns how many documents."""
    from forum.models import Thread

    done = 0
    for thread_id in Thread.objects.filter(category_id=category_id).values_list("pk", flat=True):
        done += index_thread_documents(thread_id)
    # Documents of threads that have left the category since they were indexed.
    stale = SearchDocument.objects.filter(category_id=category_id).exclude(
        thread_id__in=Thread.objects.filter(category_id=category_id).values("pk")
    )
    for stale_thread_id in set(stale.values_list("thread_id", flat=True)):
        if stale_thread_id is not None:
            done += index_thread_documents(stale_thread_id)
    return done


def pending_replay(engine: MeilisearchBackend | None = None) -> int:
    """Send Meilisearch the updates it missed while it was down; returns how many."""
    engine = engine or meilisearch()
    if engine is None:
        return 0
    done = 0
    for pending in list(PendingIndexUpdate.objects.order_by("created_at")[:1000]):
        document = SearchDocument.objects.filter(
            kind=pending.kind, object_id=pending.object_id
        ).first()
        engine.index(document, pending.kind, pending.object_id)
        pending.delete()
        done += 1
    return done


class ResultPage(Page[Hit]):
    """A page of hits that also says which backend answered, and whether more were
    found than the paginator counts (it counts up to the backend's cap)."""

    backend: str = ""
    capped: bool = False


def search(
    *, viewer: User, query: str, filters: SearchFilters | None = None, page: int | str = 1
) -> ResultPage:
    """One page of results the viewer may see, best first, with highlighted snippets."""
    filters = filters or SearchFilters()
    try:
        number = max(1, int(page))
    except (TypeError, ValueError):
        number = 1
    offset = (number - 1) * RESULTS_PER_PAGE
    access = access_for(viewer)
    results = None
    engine = meilisearch()
    if engine is not None and query_terms(query):
        try:
            results = engine.search(
                access=access, query=query, filters=filters, offset=offset, limit=RESULTS_PER_PAGE
            )
        except Exception as error:
            _failed(error)
    if results is None:
        results = DatabaseBackend().search(
            access=access, query=query, filters=filters, offset=offset, limit=RESULTS_PER_PAGE
        )
    paginator: Paginator[Any] = Paginator(range(results.total), RESULTS_PER_PAGE)
    result_page = ResultPage(results.hits, min(number, paginator.num_pages), paginator)
    result_page.backend = results.backend
    result_page.capped = results.capped
    return result_page


def suggest(*, viewer: User, query: str, limit: int = 8) -> list[Hit]:
    """Threads and needs for the search box's suggestions, as the viewer may see them."""
    if len(query.strip()) < 2:
        return []
    results = search(viewer=viewer, query=query, filters=SearchFilters(kinds=["thread", "need"]))
    return list(results.object_list)[:limit]


def similar_needs(
    *, viewer: User, text: str, exclude_id: int | None = None, limit: int = 5
) -> list[Hit]:
    """Needs whose words overlap ``text``: the duplicate hint while a need is written."""
    significant = [w for w in text.split() if len(w) >= 5][:8]
    hits: dict[int, tuple[int, Hit]] = {}
    for word in significant:
        for hit in search(viewer=viewer, query=word, filters=SearchFilters(kinds=["need"])):
            if hit.object_id == exclude_id:
                continue
            score, _hit = hits.get(hit.object_id, (0, hit))
            hits[hit.object_id] = (score + 1, hit)
    ranked = sorted(hits.values(), key=lambda pair: -pair[0])
    return [hit for _score, hit in ranked[:limit]]


def health() -> dict[str, Any]:
    try:
        failure = cache.get(HEALTH_KEY)
    except Exception:
        failure = None
    return {
        "meilisearch_configured": bool(settings.MEILISEARCH_URL),
        "backend": "meilisearch" if settings.MEILISEARCH_URL and failure is None else "database",
        "last_failure": failure,
        "pending_updates": PendingIndexUpdate.objects.count(),
        "documents": SearchDocument.objects.count(),
    }
