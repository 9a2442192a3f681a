"""The one search service of the platform.

It indexes threads, posts and needs, and answers queries filtered by what the
viewer may read. The database backend is always complete on its own.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import Q

from accounts.models import User
from forum.permissions import readable_category_ids, sees_everything
from search.documents import document_store
from search.models import SearchDocument
from search.text import query_terms

RESULTS_PER_PAGE = 20


@dataclass
class SearchFilters:
    kinds: list[str] = field(default_factory=list)
    category_id: int | None = None
    domain: str = ""
    tag: str = ""
    organisation: str = ""
    author_id: int | None = None
    need_status: str = ""
    date_from: date | None = None
    date_to: date | None = None


def index_update(kind: str, object_id: int) -> None:
    document_store(kind, object_id)


def permission_filter(viewer: User) -> Q:
    """Documents the viewer may see; used for results, counts and suggestions alike."""
    forum = Q(kind__in=[SearchDocument.Kind.THREAD, SearchDocument.Kind.POST])
    ids = readable_category_ids(viewer)
    if ids is not None:
        forum &= Q(category_id__in=ids)
    if not sees_everything(viewer):
        forum &= Q(is_hidden=False)
    if not viewer.is_authenticated:
        forum &= Q(publicity="public")
    needs = Q(kind=SearchDocument.Kind.NEED)
    if viewer.is_authenticated and viewer.organisation_id:
        needs &= Q(draft_organisation_id__isnull=True) | Q(
            draft_organisation_id=viewer.organisation_id
        )
    else:
        needs &= Q(draft_organisation_id__isnull=True)
    return forum | needs


def _matching(viewer: User, query: str, filters: SearchFilters):
    documents = SearchDocument.objects.filter(permission_filter(viewer))
    for alternatives in query_terms(query):
        condition = Q()
        for stem in alternatives:
            condition |= Q(terms__contains=stem)
        documents = documents.filter(condition)
    if filters.kinds:
        documents = documents.filter(kind__in=filters.kinds)
    if filters.category_id:
        documents = documents.filter(category_id=filters.category_id)
    if filters.domain:
        documents = documents.filter(domain=filters.domain)
    if filters.tag:
        documents = documents.filter(tags__icontains=filters.tag)
    if filters.organisation:
        documents = documents.filter(organisation_slug=filters.organisation)
    if filters.author_id:
        documents = documents.filter(author_id=filters.author_id)
    if filters.need_status:
        documents = documents.filter(need_status=filters.need_status)
    if filters.date_from:
        documents = documents.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        documents = documents.filter(created_at__date__lte=filters.date_to)
    return documents


def search(
    *, viewer: User, query: str, filters: SearchFilters | None = None, page: int = 1
) -> Page:
    filters = filters or SearchFilters()
    if not query_terms(query):
        return Paginator(SearchDocument.objects.none(), RESULTS_PER_PAGE).get_page(1)
    documents = _matching(viewer, query, filters).order_by("-created_at", "-id")
    return Paginator(documents, RESULTS_PER_PAGE).get_page(page)


def suggest(*, viewer: User, query: str, limit: int = 8) -> list[SearchDocument]:
    if len(query.strip()) < 2:
        return []
    documents = _matching(viewer, query, SearchFilters(kinds=["thread", "need"]))
    return list(documents.order_by("-created_at")[:limit])


def similar_needs(*, viewer: User, text: str, exclude_id: int | None = None, limit: int = 5):
    """Needs whose words overlap ``text``: the duplicate hint while a need is written."""
    terms = [t[0] for t in query_terms(text) if len(t[0]) >= 4][:8]
    if not terms:
        return []
    condition = Q()
    for term in terms:
        condition |= Q(terms__contains=term)
    documents = SearchDocument.objects.filter(permission_filter(viewer)).filter(
        condition, kind=SearchDocument.Kind.NEED
    )
    if exclude_id:
        documents = documents.exclude(object_id=exclude_id)
    scored = sorted(
        documents[:200],
        key=lambda d: -sum(1 for t in terms if t in d.terms.split()),
    )
    return scored[:limit]
