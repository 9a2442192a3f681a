"""Search: recall, access and query time over 100,000 posts, on the database backend and
on Meilisearch when it is set.

The posts are generated (seeded) as search documents in bulk, and their full-text
side is written with the expression the database backend uses for one document.
Each query's expected hits are counted from the generated words by the index's own
rule, with the forum's read rule in Python deciding who may see what, so a
backend passes only when it finds exactly what it should. Restricted posts that
match every query sit in a real restricted category: an outsider must find none
of them, a member who may read the category must find all of them.
"""

import contextlib
import random
import re
import time

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.utils import timezone

from bench.common import QUICK, bulk_thread, pct, say, verdict

# Object ids of the generated posts: far above any real one.
GENERATED_FROM = 10_000_000
# Thirty of these make each post's text.
COMMON = [
    "kaupunki",
    "palvelu",
    "hanke",
    "sopimus",
    "järjestelmä",
    "kehitys",
    "käyttäjä",
    "tieto",
    "prosessi",
    "raportti",
    "yhteistyö",
    "hankinta",
    "asukas",
    "verkkosivu",
    "toimittaja",
    "budjetti",
    "arkisto",
    "koulu",
    "kaavoitus",
    "palkanlaskenta",
    "pilvipalvelu",
    "rajapinta",
    "stad",
    "tjänst",
    "projekt",
]
# Rarer subjects: a query, and the inflected forms in which a post may mention it
# (each post with probability SUBJECT_SHARE). Whether a form is found follows the
# index's rule (see ``matches``): "kirjasto" finds "kirjastojen", while "päiväkoti"
# does not find "päiväkodin", whose stem the consonant gradation has changed.
SUBJECTS = [
    ("kirjasto", ["kirjasto", "kirjastojen", "kirjastossa", "kirjastoon"]),
    ("laskun", ["lasku", "laskun", "laskutus", "laskutuksen"]),
    ("bibliotek", ["bibliotek", "biblioteket", "biblioteken"]),
    ("rakennuslupa", ["rakennuslupa", "rakennusluvan", "rakennuslupien"]),
    ("päiväkoti", ["päiväkoti", "päiväkodin", "päiväkodeissa"]),
    ("asiakaspalaute", ["asiakaspalaute", "asiakaspalautteen", "asiakaspalautetta"]),
    ("avoin lähdekoodi", ["avoin lähdekoodi", "avoimen lähdekoodin", "avointa lähdekoodia"]),
    ("tietosuoja integraatio", ["tietosuojan integraatio", "integraatioiden tietosuoja"]),
]
SUBJECT_SHARE = 0.005
# Common words match most posts: the backend counts up to its cap (MAX_RESULTS).
QUERIES = [query for query, _forms in SUBJECTS] + ["palvelu", "hanke sopimus"]
# Restricted posts, in the demo's steering group workspace (read by roles).
RESTRICTED_CATEGORY = "ohjausryhma-sisainen"
RESTRICTED_POSTS = 40
TOKEN = re.compile(r"[^\W_]+")


def matches(groups: list[list[str]], terms: set[str]) -> bool:
    """The database backend's rule: every word of the query has a stem (any of its
    Finnish, Swedish and English stems, ``query_terms``) that begins one of the
    document's stems (``index_terms``)."""
    return all(any(t.startswith(stem) for stem in group for t in terms) for group in groups)


def bench_search(world):
    from search import service
    from search.backends import MAX_RESULTS, DatabaseBackend
    from search.models import SearchDocument
    from search.text import index_terms, query_terms, stems, words

    size = 20_000 if QUICK else 100_000
    say(
        f"\n## Search ({size:,} posts; database backend on {connection.vendor}"
        f"{', and Meilisearch' if service.meilisearch() else ''})"
    )
    rng = random.Random(7)
    groups = {query: query_terms(query) for query in QUERIES}
    vocabulary = set(COMMON) | {w for _q, forms in SUBJECTS for form in forms for w in words(form)}
    # For each query and each of its words: the vocabulary's words that it finds.
    finding = {
        query: [{w for w in vocabulary if matches([group], set(stems(w)))} for group in found]
        for query, found in groups.items()
    }
    generated = dict.fromkeys(QUERIES, 0)
    literal = dict.fromkeys(QUERIES, 0)
    category = world["category"].pk
    batch = []
    for n in range(size):
        text = [rng.choice(COMMON) for _ in range(30)]
        for _query, forms in SUBJECTS:
            if rng.random() < SUBJECT_SHARE:
                text.insert(rng.randrange(len(text) + 1), rng.choice(forms))
        body = " ".join(text)
        present = set(words(body))
        for query in QUERIES:
            generated[query] += all(not present.isdisjoint(f) for f in finding[query])
            literal[query] += all(w in present for w in words(query))
        batch.append(
            SearchDocument(
                kind="post",
                object_id=GENERATED_FROM + n,
                title=f"Ketju {n % 5000}",
                body=body,
                # As ``documents.document_store`` indexes a post: its own words, not the title.
                terms=index_terms(body),
                url="/",
                category_id=category,
                publicity="internal",
                author_name="Bench",
                created_at=timezone.now(),
            )
        )
        if len(batch) == 5000:
            SearchDocument.objects.bulk_create(batch)
            batch = []
    if batch:
        SearchDocument.objects.bulk_create(batch)
    fill_full_text()
    restricted, author, reader, planted = plant_restricted(world)
    backends = [DatabaseBackend()]
    engine = service.meilisearch()
    if engine is not None:
        fill_meilisearch(engine)
        backends.append(engine)
    expect = Expectations(world, groups, generated, literal)
    say(
        f"  {RESTRICTED_POSTS} restricted posts matching every query in '{restricted.slug}' "
        f"(read by {', '.join(restricted.read_roles)}), by {author.public_name}; outsider: "
        f"{world['viewer'].public_name}, reader: {reader.public_name}"
    )
    viewer = world["viewer"]
    access = {viewer: service.access_for(viewer), reader: service.access_for(reader)}
    rounds = 2 if QUICK else 5
    for backend in backends:
        name = backend.name
        # The database backend counts exactly, up to MAX_RESULTS; an engine with a
        # matching of its own must find at least the posts holding the query's words.
        exact = name == "database"
        cap = MAX_RESULTS if exact else backend.SETTINGS["pagination"]["maxTotalHits"]
        wrong: dict[str, set[str]] = {"outsider": set(), "reader": set()}

        def check(query, who, label, category_id, found, _exact=exact, _cap=cap, _wrong=wrong):
            wanted = expect.count(query, who, category_id, exact=_exact)
            if wanted == 0:
                _wrong[label].add(f"'{query}' has nothing to find")
            elif found < min(wanted, _cap) or (_exact and found != min(wanted, _cap)):
                _wrong[label].add(f"'{query}' {found} found, {min(wanted, _cap)} expected")
            return wanted

        times, floor = [], []
        for _round in range(rounds):
            for query in QUERIES:
                began = time.perf_counter()
                results = run(backend, access[viewer], query)
                times.append((time.perf_counter() - began) * 1000)
                check(query, viewer, "outsider", None, results.total)
                if exact:
                    floor.append(bare_query_ms(query))
        leaked = present = 0
        beyond: list[str] = []  # queries that found more than the outsider may see
        inside_totals = []
        for query in QUERIES:
            outsider_all = run(backend, access[viewer], query)
            reader_all = run(backend, access[reader], query)
            outsider = run(backend, access[viewer], query, restricted.pk)
            inside = run(backend, access[reader], query, restricted.pk)
            leaked += outsider.total + sum(1 for hit in outsider_all.hits if hit_in(hit, planted))
            may_see = expect.count(query, viewer, None, exact=exact)
            if exact and outsider_all.total > min(may_see, cap):
                beyond.append(f"'{query}' {outsider_all.total} found, {may_see} visible")
            present += sum(1 for hit in inside.hits if hit_in(hit, planted))
            inside_totals.append(inside.total)
            wanted_all = check(query, reader, "reader", None, reader_all.total)
            wanted_inside = check(query, reader, "reader", restricted.pk, inside.total)
            say(
                f"  {name} '{query}': outsider {outsider_all.total} (expected {may_see}), "
                f"reader {reader_all.total} "
                f"({wanted_all}); in '{restricted.slug}' outsider {outsider.total} (0), reader "
                f"{inside.total} ({wanted_inside})"
            )
        problems = [f"{label}: {p}" for label, found in wrong.items() for p in sorted(found)]
        rule = "exactly what it should" if exact else "at least the posts holding its words"
        verdict(
            f"{name}: every query finds {rule}, for an outsider and for a reader",
            not problems,
            "; ".join(problems[:4])
            + (f" (and {len(problems) - 4} more)" if len(problems) > 4 else "")
            or f"{len(QUERIES)} queries, every total as expected",
        )
        say(f"  {name}: query p50 {pct(times, 50):.1f} ms, p99 {pct(times, 99):.1f} ms")
        if floor:
            ratio = pct(times, 50) / pct(floor, 50)
            say(
                f"  floor, a bare SQL full-text query for the same words over the same "
                f"documents (first page, no access rule): p50 {pct(floor, 50):.1f} ms"
            )
            verdict(
                f"{name}: query p50 within 2× the bare SQL query's, finding what it should",
                ratio <= 2 and not problems,
                f"{ratio:.1f}× ({pct(times, 50):.1f} ms against {pct(floor, 50):.1f} ms)",
            )
        verdict(
            f"{name} search well under a second p99, every query finding what it should",
            pct(times, 99) < 1000 and not problems,
            f"{pct(times, 99):.1f} ms" + ("; but the finds were wrong" if problems else ""),
        )
        verdict(
            f"{name}: no restricted post shown to an outsider",
            leaked == 0 and not beyond,
            f"{leaked} restricted posts shown in {len(QUERIES)} queries"
            + "".join(f"; {b}" for b in beyond[:3]),
        )
        verdict(
            f"{name}: a member who may read '{restricted.slug}' finds its posts",
            present > 0 and not wrong["reader"],
            f"{min(inside_totals)} to {max(inside_totals)} found per query in the category, "
            f"which holds {RESTRICTED_POSTS} planted; {present} on the first pages",
        )


def bare_query_ms(query: str) -> float:
    """The floor: the database's own full-text match for the query's words, with the
    backend's stems and ranking, the first page only, counting the matches, without
    the access rule or anything the platform adds."""
    from search.text import query_terms

    groups = query_terms(query)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            expression = " AND ".join(
                "(" + " OR ".join(f'"{stem}"*' for stem in group) + ")" for group in groups
            )
            cursor.execute(
                "SELECT rowid FROM search_fts WHERE search_fts MATCH %s "
                "ORDER BY bm25(search_fts) LIMIT 20",
                [expression],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH %s "
                "LIMIT 1000)",
                [expression],
            )
        else:
            expression = " & ".join(
                "(" + " | ".join(f"{stem}:*" for stem in group) + ")" for group in groups
            )
            cursor.execute(
                "SELECT id FROM search_searchdocument WHERE vector @@ to_tsquery('simple', %s) "
                "ORDER BY ts_rank(vector, to_tsquery('simple', %s)) DESC LIMIT 20",
                [expression, expression],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM search_searchdocument "
                "WHERE vector @@ to_tsquery('simple', %s) LIMIT 1000) AS found",
                [expression],
            )
        cursor.fetchall()
    return (time.perf_counter() - began) * 1000


def hit_in(hit, posts: set[int]) -> bool:
    return hit.kind == "post" and hit.object_id in posts


def run(backend, access, query: str, category_id: int | None = None):
    from search import service
    from search.backends import SearchFilters

    return backend.search(
        access=access,
        query=query,
        filters=SearchFilters(category_id=category_id),
        offset=0,
        limit=service.RESULTS_PER_PAGE,
    )


def fill_full_text() -> None:
    """The generated documents' full-text side, as ``DatabaseBackend.index`` writes one
    document's: PostgreSQL's stored tsvector, SQLite's FTS5 row."""
    from search.models import SearchDocument

    generated = SearchDocument.objects.filter(kind="post", object_id__gte=GENERATED_FROM)
    if connection.vendor == "postgresql":
        generated.update(vector=SearchVector("terms", config="simple"))
        # A live index has its statistics and its GIN pending list kept by autovacuum.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE search_searchdocument")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO search_fts(rowid, terms) SELECT id, terms FROM "
                "search_searchdocument WHERE kind = 'post' AND object_id >= %s",
                [GENERATED_FROM],
            )


def plant_restricted(world):
    """Posts matching every query in a real restricted category, indexed as the platform
    indexes a thread (``search.service.index_thread_documents``)."""
    from accounts.models import User
    from forum.models import Category
    from forum.permissions import can_read_thread
    from search import service

    restricted = Category.objects.get(slug=RESTRICTED_CATEGORY)
    author, reader = (
        User.objects.filter(
            roles__role__in=restricted.read_roles, organisation__isnull=False, is_active=True
        )
        .distinct()
        .order_by("pk")[:2]
    )
    thread = bulk_thread(
        world,
        RESTRICTED_POSTS,
        "Ohjausryhmän luonnos",
        author=author,
        words=" ".join(QUERIES),
        category=restricted,
        publicity=restricted.default_publicity,
    )
    service.index_thread_documents(thread.pk)
    if can_read_thread(world["viewer"], thread) or not can_read_thread(reader, thread):
        raise RuntimeError(f"'{restricted.slug}' does not keep the outsider out or the reader in")
    planted = set(thread.posts.values_list("pk", flat=True))
    return restricted, author, reader, planted


def fill_meilisearch(engine) -> None:
    """An index of its own (see MEILISEARCH_INDEX_PREFIX in bench.run), filled afresh
    with every document of the database index."""
    from search.models import SearchDocument

    with contextlib.suppress(Exception):
        deleted = engine.client.delete_index(engine.index_name)
        engine.client.wait_for_task(deleted.task_uid, timeout_in_ms=60_000)
    engine.setup()
    task = None
    batch = []
    for document in SearchDocument.objects.iterator(chunk_size=5000):
        batch.append(engine.payload(document))
        if len(batch) == 10_000:
            task = engine.index_.add_documents(batch)
            batch = []
    if batch:
        task = engine.index_.add_documents(batch)
    if task is not None:
        engine.client.wait_for_task(task.task_uid, timeout_in_ms=600_000)


class Expectations:
    """How many documents each query should find for a viewer, counted apart from the
    backends: the generated posts from their words, every other document (the demo's,
    the restricted posts) from its stored stems, and who may see each by the forum's
    and the registry's read rules in Python (``can_read_thread``, ``can_read_need``)."""

    def __init__(self, world, groups, generated: dict, literal: dict):
        from forum.models import Publicity, Thread
        from needs_registry.models import Need
        from search.models import SearchDocument
        from search.text import words

        self.groups = groups
        self.generated = generated
        self.literal = literal
        self.category = world["category"]
        # The generated posts' thread, as the read rule sees one: internal, in ICT.
        self.generated_thread = Thread(
            category=self.category, publicity=Publicity.INTERNAL, author=world["viewer"]
        )
        others = list(SearchDocument.objects.exclude(kind="post", object_id__gte=GENERATED_FROM))
        threads = Thread.objects.select_related("category").prefetch_related(
            "category__read_organisations", "audience_organisations"
        )
        self.threads = threads.in_bulk({d.thread_id for d in others if d.thread_id})
        self.needs = Need.objects.in_bulk([d.object_id for d in others if d.kind == "need"])
        self.documents = []
        for document in others:
            terms = set(TOKEN.findall(document.terms))
            found = {q for q, g in groups.items() if matches(g, terms)}
            present = set(words(document.body))
            held = {q for q in groups if all(w in present for w in words(q))}
            # The category the document's thread is in now, whatever the document says.
            thread = self.threads.get(document.thread_id)
            category = thread.category_id if thread is not None else document.category_id
            self.documents.append((document, category, found, held))
        self.visible: dict[tuple[int, int], bool] = {}

    def _may_see(self, who, document) -> bool:
        from forum.permissions import can_read_thread
        from needs_registry.permissions import can_read_need

        key = (who.pk, document.pk)
        if key not in self.visible:
            if document.kind == "need":
                self.visible[key] = can_read_need(who, self.needs[document.object_id])
            else:
                self.visible[key] = can_read_thread(who, self.threads[document.thread_id])
        return self.visible[key]

    def count(self, query: str, who, category_id: int | None, *, exact: bool) -> int:
        """Documents ``who`` should find: by the index's rule where ``exact``, otherwise
        (an engine with a matching of its own) those holding every word of the query."""
        from forum.permissions import can_read_thread

        total = 0
        if category_id in (None, self.category.pk) and can_read_thread(who, self.generated_thread):
            total += (self.generated if exact else self.literal)[query]
        for document, category, found, held in self.documents:
            if query not in (found if exact else held):
                continue
            if category_id is not None and category != category_id:
                continue
            total += self._may_see(who, document)
        return total
