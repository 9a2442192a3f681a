"""Search backends: the database (always complete) and Meilisearch (when configured).

Both index the same documents (``search.documents``) and answer the same
queries: words matched in all their forms, filters, relevance with recency as
the tie-breaker, and a permission filter applied inside the query so that
results, counts and suggestions never reveal what the viewer may not read.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.utils import timezone

from search.models import SearchDocument
from search.text import query_terms, stems, words

if TYPE_CHECKING:
    from meilisearch.index import Index

logger = logging.getLogger(__name__)

MAX_RESULTS = 1000


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


@dataclass
class Hit:
    kind: str
    object_id: int
    title: str
    url: str
    snippet: str
    author_name: str
    created_at: datetime


@dataclass
class Results:
    hits: list[Hit]
    total: int
    backend: str
    # More were found than ``total``: counting stopped at the cap.
    capped: bool = False


@dataclass
class Access:
    """What a viewer may read, in a form every backend can filter on."""

    category_ids: list[int] | None  # None: every category
    public_only: bool
    include_hidden: bool
    organisation_id: int | None
    # Confidential documents match when one of these is in their ``audience``.
    reader_keys: list[str] = field(default_factory=list)


WORD_RE = re.compile(r"\w+")


class Highlighter:
    """Excerpts of texts around a query's words, HTML-escaped, with the words in all
    their forms in <mark>. Made once for a page of hits: they repeat the same words,
    and each distinct word is looked up once."""

    def __init__(self, query: str) -> None:
        self.wanted = {stem for word in words(query) for stem in stems(word)}
        self.decided: dict[str, bool] = {}

    def found(self, word: str) -> bool:
        decided = self.decided.get(word)
        if decided is None:
            decided = self.decided[word] = not self.wanted.isdisjoint(stems(word))
        return decided

    def snippet(self, text: str, length: int = 220) -> str:
        """The excerpt of ``text`` around its first matching word."""
        text = text or ""
        found = self.found
        first = next((m.start() for m in WORD_RE.finditer(text) if found(m.group())), 0)
        start_char = max(0, first - 60)
        excerpt = text[start_char : start_char + length]
        out = []
        done = 0
        for match in WORD_RE.finditer(excerpt):
            if found(match.group()):
                # A word holds no character that HTML escapes; the text between words may.
                out.append(escape(excerpt[done : match.start()]))
                out.append(f"<mark>{match.group()}</mark>")
                done = match.end()
        out.append(escape(excerpt[done:]))
        prefix = "… " if start_char else ""
        suffix = " …" if start_char + length < len(text) else ""
        return prefix + "".join(out).strip() + suffix


class DatabaseBackend:
    name = "database"

    def index(self, document: SearchDocument | None, kind: str, object_id: int) -> None:
        """The database index is written by ``documents.document_store``; its full-text
        side (SQLite's FTS5 table, PostgreSQL's stored tsvector) follows it here."""
        if connection.vendor == "postgresql":
            if document is not None:
                SearchDocument.objects.filter(pk=document.pk).update(
                    vector=SearchVector("terms", config="simple")
                )
            return
        if connection.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            if document is None:
                cursor.execute(
                    "DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_searchdocument "
                    "WHERE kind = %s AND object_id = %s)",
                    [kind, object_id],
                )
                return
            cursor.execute("DELETE FROM search_fts WHERE rowid = %s", [document.pk])
            cursor.execute(
                "INSERT INTO search_fts(rowid, terms) VALUES (%s, %s)",
                [document.pk, document.terms],
            )

    def search(
        self, *, access: Access, query: str, filters: SearchFilters, offset: int, limit: int
    ) -> Results:
        """One page of hits and their total in one statement: the matches the viewer may
        read are found once, then ranked for the page and counted up to MAX_RESULTS
        (past that, nobody pages on)."""
        alternatives = query_terms(query)
        if not alternatives:
            return Results(hits=[], total=0, backend=self.name)
        where, params = readable_where(access, filters)
        if connection.vendor == "sqlite":
            expression = " AND ".join(
                "(" + " OR ".join(f'"{stem}"*' for stem in group) + ")" for group in alternatives
            )
            tables = "search_searchdocument AS d JOIN search_fts ON search_fts.rowid = d.id"
            # bm25 is lower for a better match.
            rank, rank_params = "-bm25(search_fts)", []
            match = "search_fts MATCH %s"
        else:
            expression = " & ".join(
                "(" + " | ".join(f"{stem}:*" for stem in group) + ")" for group in alternatives
            )
            tables = "search_searchdocument AS d"
            rank, rank_params = "ts_rank(d.vector, to_tsquery('simple', %s))", [expression]
            match = "d.vector @@ to_tsquery('simple', %s)"
        # ``matched`` is read twice, so it is worked out once (PostgreSQL and SQLite keep
        # such a WITH query's rows); its rows are narrow even when the words are common.
        matched = (
            f"WITH matched AS (SELECT d.id, d.created_at, {rank} AS rank "  # noqa: S608
            f"FROM {tables} WHERE {where} AND {match}) "
        )
        counted = "SELECT count(*) FROM (SELECT 1 FROM matched LIMIT %s) AS capped"
        # One past the cap tells whether more were found than the total says.
        counted_params = [*rank_params, *params, expression, MAX_RESULTS + 1]
        # Only the page's twenty rows are read whole. Every value is a parameter; the SQL
        # is put together from fixed pieces only.
        statement = (
            f"{matched}SELECT d.id, d.kind, d.object_id, d.title, d.url, d.body, "  # noqa: S608
            f"d.author_name, d.created_at, ({counted}) AS found "
            "FROM (SELECT id, created_at, rank FROM matched "
            "ORDER BY rank DESC, created_at DESC, id DESC LIMIT %s OFFSET %s) AS page "
            "JOIN search_searchdocument AS d ON d.id = page.id "
            "ORDER BY page.rank DESC, page.created_at DESC, page.id DESC"
        )
        page = SearchDocument.objects.raw(statement, [*counted_params, limit, offset])
        hits = []
        count = 0
        highlighter = Highlighter(query)
        for d in page:
            count = d.found  # type: ignore[attr-defined]  # a column of the raw query
            hits.append(
                Hit(
                    kind=d.kind,
                    object_id=d.object_id,
                    title=d.title,
                    url=d.url,
                    snippet=highlighter.snippet(d.body),
                    author_name=d.author_name,
                    created_at=d.created_at,
                )
            )
        if not hits and offset:
            # A page past the last one: the total still tells where the last one is.
            with connection.cursor() as cursor:
                cursor.execute(f"{matched}{counted}", counted_params)
                (count,) = cursor.fetchone()
        return Results(
            hits=hits,
            total=min(count, MAX_RESULTS),
            backend=self.name,
            capped=count > MAX_RESULTS,
        )


def readable_where(access: Access, filters: SearchFilters) -> tuple[str, list[Any]]:
    """What the viewer may read (``access``) and asked for (``filters``) as one SQL
    condition on documents aliased ``d``, for PostgreSQL and SQLite alike, with its
    parameters. Written out rather than built by the ORM: it is made anew for every
    query, and this is the search's hot path."""

    def among(column: str, values: list[Any]) -> str:
        params.extend(values)
        return f"{column} IN ({', '.join(['%s'] * len(values))})" if values else "1 = 0"

    def contains(column: str, text: str, *, any_case: bool = False) -> str:
        params.append(f"%{connection.ops.prep_for_like_query(text)}%")
        if any_case:
            return f"UPPER({column}) LIKE UPPER(%s) ESCAPE '\\'"
        return f"{column} LIKE %s ESCAPE '\\'"

    params: list[Any] = []
    forum = ["d.kind IN ('thread', 'post')"]
    if access.category_ids is not None:
        forum.append(among("d.category_id", access.category_ids))
    if not access.include_hidden:
        forum.append("d.is_hidden = %s")
        params.append(False)
    if access.public_only:
        forum.append("d.publicity = 'public'")
    # A confidential document names its readers in ``audience``, a space on either side.
    readers = ["d.publicity <> 'confidential'"] + [
        contains("d.audience", f" {key} ") for key in access.reader_keys
    ]
    forum.append(f"({' OR '.join(readers)})")
    params.append(access.organisation_id or -1)
    conditions = [
        f"(({' AND '.join(forum)}) OR (d.kind = 'need' AND (d.draft_organisation_id IS NULL "
        "OR d.draft_organisation_id = %s)))"
    ]
    if filters.kinds:
        conditions.append(among("d.kind", filters.kinds))
    for column, value in (
        ("d.category_id", filters.category_id),
        ("d.domain", filters.domain),
        ("d.organisation_slug", filters.organisation),
        ("d.author_id", filters.author_id),
        ("d.need_status", filters.need_status),
    ):
        if value:
            conditions.append(f"{column} = %s")
            params.append(value)
    if filters.tag:
        conditions.append(contains("d.tags", filters.tag, any_case=True))
    # Days in the current time zone, as the search form means them.
    tz = timezone.get_current_timezone()
    created_at = SearchDocument._meta.get_field("created_at")
    if filters.date_from:
        since = datetime.combine(filters.date_from, time.min, tz)
        conditions.append("d.created_at >= %s")
        params.append(created_at.get_db_prep_value(since, connection))
    if filters.date_to:
        until = datetime.combine(filters.date_to + timedelta(days=1), time.min, tz)
        conditions.append("d.created_at < %s")
        params.append(created_at.get_db_prep_value(until, connection))
    return " AND ".join(conditions), params


class MeilisearchBackend:
    """Meilisearch through its official client; settings kept in code (``SETTINGS``)."""

    name = "meilisearch"
    SETTINGS: dict[str, Any] = {
        "searchableAttributes": ["title", "body", "tags", "author_name", "terms"],
        "filterableAttributes": [
            "kind",
            "category_id",
            "domain",
            "tags",
            "organisation_slug",
            "author_id",
            "need_status",
            "publicity",
            "is_hidden",
            "audience",
            "draft_organisation_id",
            "created_ts",
        ],
        "sortableAttributes": ["created_ts"],
        "rankingRules": ["words", "typo", "proximity", "attribute", "exactness", "created_ts:desc"],
        "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
        "separatorTokens": ["-", "_"],
        "localizedAttributes": [{"attributePatterns": ["*"], "locales": ["fin", "swe", "eng"]}],
        "pagination": {"maxTotalHits": 5000},
    }

    def __init__(self) -> None:
        import meilisearch

        self.client = meilisearch.Client(
            settings.MEILISEARCH_URL,
            settings.MEILISEARCH_API_KEY or None,
            # Seconds as a float: the client hands it to requests, which takes one.
            timeout=settings.MEILISEARCH_TIMEOUT,  # type: ignore[arg-type]
        )
        self.index_name = f"{settings.MEILISEARCH_INDEX_PREFIX}-documents"

    @property
    def index_(self) -> "Index":
        return self.client.index(self.index_name)

    def setup(self) -> None:
        self.client.create_index(self.index_name, {"primaryKey": "id"})
        self.index_.update_settings(self.SETTINGS)

    @staticmethod
    def payload(document: SearchDocument) -> dict[str, Any]:
        return {
            "id": f"{document.kind}-{document.object_id}",
            "kind": document.kind,
            "object_id": document.object_id,
            "title": document.title,
            "body": document.body,
            "terms": document.terms,
            "url": document.url,
            "category_id": document.category_id,
            "publicity": document.publicity,
            "is_hidden": document.is_hidden,
            "audience": document.audience.split(),
            "need_status": document.need_status,
            "draft_organisation_id": document.draft_organisation_id,
            "domain": document.domain,
            "organisation_slug": document.organisation_slug,
            "author_id": document.author_id,
            "author_name": document.author_name,
            "tags": document.tags.split(),
            "created_ts": int(document.created_at.timestamp()),
        }

    def index(self, document: SearchDocument | None, kind: str, object_id: int) -> None:
        if document is None:
            self.index_.delete_document(f"{kind}-{object_id}")
        else:
            self.index_.add_documents([self.payload(document)])

    def index_many(self, documents: list[SearchDocument]) -> None:
        self.index_.add_documents([self.payload(d) for d in documents])

    @staticmethod
    def _filter(access: Access, filters: SearchFilters) -> list[str]:
        forum = "kind IN [thread, post]"
        if access.category_ids is not None:
            ids = ", ".join(str(i) for i in access.category_ids) or "-1"
            forum += f" AND category_id IN [{ids}]"
        if not access.include_hidden:
            forum += " AND is_hidden = false"
        if access.public_only:
            forum += " AND publicity = public"
        keys = ", ".join(f'"{key}"' for key in access.reader_keys)
        if keys:
            forum += f" AND (publicity != confidential OR audience IN [{keys}])"
        else:
            forum += " AND publicity != confidential"
        own = access.organisation_id or -1
        needs = f"kind = need AND (draft_organisation_id IS NULL OR draft_organisation_id = {own})"
        clauses: list[str] = [f"({forum}) OR ({needs})"]

        def quoted(value: str) -> str:
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

        if filters.kinds:
            clauses.append(f"kind IN [{', '.join(filters.kinds)}]")
        if filters.category_id:
            clauses.append(f"category_id = {int(filters.category_id)}")
        if filters.domain:
            clauses.append(f"domain = {quoted(filters.domain)}")
        if filters.tag:
            clauses.append(f"tags = {quoted(filters.tag)}")
        if filters.organisation:
            clauses.append(f"organisation_slug = {quoted(filters.organisation)}")
        if filters.author_id:
            clauses.append(f"author_id = {int(filters.author_id)}")
        if filters.need_status:
            clauses.append(f"need_status = {quoted(filters.need_status)}")
        tz = timezone.get_current_timezone()
        if filters.date_from:
            since = datetime.combine(filters.date_from, time.min, tz)
            clauses.append(f"created_ts >= {int(since.timestamp())}")
        if filters.date_to:
            until = datetime.combine(filters.date_to, time.max, tz)
            clauses.append(f"created_ts <= {int(until.timestamp())}")
        return clauses

    def search(
        self, *, access: Access, query: str, filters: SearchFilters, offset: int, limit: int
    ) -> Results:
        answer = self.index_.search(
            query,
            {
                "filter": self._filter(access, filters),
                "offset": offset,
                "limit": limit,
                "attributesToCrop": ["body:40"],
                "attributesToHighlight": ["body", "title"],
                "highlightPreTag": "<mark>",
                "highlightPostTag": "</mark>",
            },
        )
        hits = []
        for hit in answer["hits"]:
            formatted = hit.get("_formatted", {})
            body = (
                escape(formatted.get("body", ""))
                .replace("&lt;mark&gt;", "<mark>")
                .replace("&lt;/mark&gt;", "</mark>")
            )
            hits.append(
                Hit(
                    kind=hit["kind"],
                    object_id=hit["object_id"],
                    title=hit["title"],
                    url=hit["url"],
                    snippet=body,
                    author_name=hit["author_name"],
                    created_at=datetime.fromtimestamp(hit["created_ts"], tz=UTC),
                )
            )
        return Results(
            hits=hits, total=answer.get("estimatedTotalHits", len(hits)), backend=self.name
        )
