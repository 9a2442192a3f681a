"""Needs: the backlog board and exports at 5,000 needs, and concurrent voting."""

import random
import time

from django.db import connections
from django.test import Client
from django.utils import timezone

from bench.common import QUICK, analyze, pct, say, timed, verdict


def bench_needs(world):
    from accounts.models import User
    from needs_registry import services
    from needs_registry.models import CityPosition, CityVote, Need, Status, Support

    say(
        "\n## Needs (5,000 needs, 8 cities, 50,000 votes: 40,000 city votes + 10,000 "
        "personal supports)"
    )
    rng = random.Random(42)
    author = world["leads"][0]
    domains = ["ict", "finance", "hr", "administration", "social_health"]
    statuses = [Status.SUBMITTED, Status.UNDER_REVIEW, Status.ACCEPTED]
    needs = Need.objects.bulk_create(
        (
            Need(
                title=f"Tarve {n}",
                problem="Ongelma",
                desired_outcome="Tulos",
                domain=rng.choice(domains),
                organisation=author.organisation,
                contact=author,
                created_by=author,
                status=rng.choice(statuses),
                submitted_at=timezone.now(),
                one_off_cost_eur=rng.randint(1000, 300000),
                yearly_cost_eur=rng.randint(0, 50000),
                benefit_hours_per_year=rng.randint(0, 5000),
                vote_count=8,
                sharing_count=4,
            )
            for n in range(5000)
        ),
        batch_size=1000,
    )
    cities = world["cities"][:8]
    voter = world["leads"][0]
    CityVote.objects.bulk_create(
        (CityVote(need=need, organisation=city, voter=voter) for need in needs for city in cities),
        batch_size=5000,
    )
    CityPosition.objects.bulk_create(
        (
            CityPosition(need=need, organisation=city, stance="has_need", updated_by=voter)
            for need in needs[:2000]
            for city in cities[:4]
        ),
        batch_size=5000,
    )
    members = [
        User.objects.create(
            username=f"bench-expert-{n}",
            email=f"e{n}@bench",
            organisation=cities[n % 8],
            handle=f"bench-e{n}",
        )
        for n in range(2)
    ]
    Support.objects.bulk_create(
        (Support(need=need, user=member) for need in needs for member in members), batch_size=5000
    )
    analyze(Need, CityVote, CityPosition, Support)
    client = Client()
    client.force_login(world["leads"][0])
    runs = 10 if QUICK else 20
    times, queries = timed(client, "/needs/board/?sort=benefit", runs)
    say(
        f"  backlog board: {queries} queries, p50 {pct(times, 50):.1f} ms, "
        f"p99 {pct(times, 99):.1f} ms"
    )
    verdict(
        "backlog board under 200 ms p50 at 5,000 needs / 50,000 votes",
        pct(times, 50) < 200,
        f"{pct(times, 50):.1f} ms",
    )
    for fmt in ("csv", "xlsx"):
        start = time.perf_counter()
        response = client.get(f"/needs/board/?format={fmt}&status=")
        elapsed = time.perf_counter() - start
        say(f"  backlog export {fmt}: {elapsed * 1000:.0f} ms, {len(response.content):,} bytes")

    # Concurrent voting: every lead of every city on 25 fresh needs, at once.
    from concurrent.futures import ThreadPoolExecutor

    fresh = Need.objects.bulk_create(
        Need(
            title=f"Äänestys {n}",
            problem="p",
            desired_outcome="o",
            domain="ict",
            organisation=author.organisation,
            contact=author,
            created_by=author,
            status=Status.SUBMITTED,
        )
        for n in range(25)
    )
    leads = world["leads"]

    def vote(pair):
        need, lead = pair
        try:
            services.city_vote_cast(actor=lead, need=need)
        finally:
            connections.close_all()

    pairs = [(need, lead) for need in fresh for lead in leads]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(vote, pairs))
    elapsed = time.perf_counter() - start
    exact = all(
        Need.objects.get(pk=n.pk).vote_count == len({lead.organisation_id for lead in leads})
        for n in fresh
    )
    say(
        f"  concurrent voting: {len(pairs)} votes in {elapsed:.2f} s "
        f"({len(pairs) / elapsed:.0f} votes/s, 8 threads)"
    )
    verdict("concurrent votes leave exact totals", exact, f"{len(fresh)} needs checked")
