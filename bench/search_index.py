"""Search: query time over 100,000 posts, database backend and Meilisearch when set."""

import contextlib
import random
import time

from django.db import connection
from django.utils import timezone

from bench.common import QUICK, pct, say, verdict


def bench_search(world):
    from search import service
    from search.backends import DatabaseBackend, SearchFilters
    from search.models import SearchDocument
    from search.text import index_terms

    size = 20_000 if QUICK else 100_000
    say(
        f"\n## Search ({size:,} posts; database backend on {connection.vendor}"
        f"{', and Meilisearch' if service.meilisearch() else ''})"
    )
    rng = random.Random(7)
    vocabulary = [
        "kirjasto",
        "kirjastojen",
        "laskutus",
        "laskun",
        "asiakaspalaute",
        "varausjärjestelmä",
        "tunnistautuminen",
        "sote",
        "koulu",
        "päiväkoti",
        "kaavoitus",
        "rakennuslupa",
        "palkanlaskenta",
        "budjetti",
        "arkisto",
        "avoin",
        "lähdekoodi",
        "integraatio",
        "rajapinta",
        "pilvipalvelu",
        "tietosuoja",
        "biblioteket",
        "skola",
        "dagis",
        "faktura",
    ]
    category = world["category"].pk
    restricted = 999_999
    batch = []
    for n in range(size):
        body = " ".join(rng.choice(vocabulary) for _ in range(30))
        batch.append(
            SearchDocument(
                kind="post",
                object_id=10_000_000 + n,
                title=f"Ketju {n % 5000}",
                body=body,
                terms=index_terms(body),
                url="/",
                category_id=restricted if n % 10 == 0 else category,
                publicity="internal",
                author_name="Bench",
                created_at=timezone.now(),
            )
        )
        if len(batch) == 5000:
            SearchDocument.objects.bulk_create(batch)
            batch = []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO search_fts(rowid, terms) SELECT id, terms FROM "
                "search_searchdocument WHERE object_id >= 10000000"
            )
    backends = [DatabaseBackend()]
    engine = service.meilisearch()
    if engine is not None:
        # An index of its own (see MEILISEARCH_INDEX_PREFIX above), filled afresh.
        with contextlib.suppress(Exception):
            deleted = engine.client.delete_index(engine.index_name)
            engine.client.wait_for_task(deleted.task_uid, timeout_in_ms=60_000)
        engine.setup()
        task = None
        documents = SearchDocument.objects.filter(object_id__gte=10_000_000)
        batch = []
        for document in documents.iterator(chunk_size=5000):
            batch.append(engine.payload(document))
            if len(batch) == 10_000:
                task = engine.index_.add_documents(batch)
                batch = []
        if batch:
            task = engine.index_.add_documents(batch)
        if task is not None:
            engine.client.wait_for_task(task.task_uid, timeout_in_ms=600_000)
        backends.append(engine)
    queries = [
        "kirjasto",
        "laskutus",
        "asiakaspalaute",
        "rakennuslupa",
        "biblioteket",
        "tietosuoja integraatio",
        "päiväkoti",
        "avoin lähdekoodi",
    ] * (2 if QUICK else 5)
    access = service.access_for(world["viewer"])
    for backend in backends:
        times = []
        leaks = 0
        for query in queries:
            began = time.perf_counter()
            results = backend.search(
                access=access,
                query=query,
                filters=SearchFilters(),
                offset=0,
                limit=service.RESULTS_PER_PAGE,
            )
            times.append((time.perf_counter() - began) * 1000)
            leaks += sum(
                1 for hit in results.hits if hit.object_id % 10 == 0 and hit.object_id >= 10_000_000
            )
        name = backend.name
        say(f"  {name}: query p50 {pct(times, 50):.1f} ms, p99 {pct(times, 99):.1f} ms")
        verdict(
            f"{name} search well under a second p99",
            pct(times, 99) < 1000,
            f"{pct(times, 99):.1f} ms",
        )
        verdict(f"{name}: no restricted post shown to an outsider", leaks == 0, f"{leaks} leaked")
