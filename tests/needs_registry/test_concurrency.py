"""Votes and points hold under concurrency: many at once, totals exactly right."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import close_old_connections, connections
from django.utils import timezone

from accounts.models import Role
from needs_registry import services
from needs_registry.models import CityVote, Need, RoundAllocation, Status, VoteRecord
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CITIES = [
    "hameenlinna",
    "pori",
    "porvoo",
    "seinajoki",
    "kajaani",
    "heinola",
    "kankaanpaa",
    "paimio",
]


def run_all(jobs, workers=16):
    def run(job):
        try:
            job()
            return None
        except Exception as error:
            return error
        finally:
            close_old_connections()
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [e for e in pool.map(run, jobs) if e is not None]


@pytest.fixture
def voters():
    people = []
    for slug in CITIES:
        city = OrganisationFactory(slug=slug)
        people.append(UserFactory(organisation=city, roles=[Role.ICT_LEAD]))
        people.append(UserFactory(organisation=city, roles=[Role.ICT_LEAD_SUBSTITUTE]))
    return people


def make_needs(author, count):
    return [
        Need.objects.create(
            title=f"Need {n}",
            problem="p",
            desired_outcome="o",
            domain="ict",
            organisation=author.organisation,
            contact=author,
            created_by=author,
            status=Status.SUBMITTED,
        )
        for n in range(count)
    ]


def test_two_hundred_concurrent_votes_leave_exact_totals(voters):
    needs = make_needs(voters[0], 13)
    jobs = [
        (lambda voter=voter, need=need: services.city_vote_cast(actor=voter, need=need))
        for need in needs
        for voter in voters
    ]
    assert len(jobs) == 208

    errors = run_all(jobs)

    assert errors == []
    for need in Need.objects.all():
        assert need.vote_count == len(CITIES)
    assert CityVote.objects.count() == len(needs) * len(CITIES)
    assert VoteRecord.objects.filter(action="cast").count() == len(needs) * len(CITIES)
    assert VoteRecord.objects.count() == 208


def test_concurrent_point_allocations_never_exceed_the_budget(voters):
    needs = make_needs(voters[0], 4)
    now = timezone.now()
    steering = UserFactory(organisation=voters[0].organisation, roles=[Role.STEERING_GROUP])
    round_ = services.round_open(
        actor=steering,
        title="R",
        needs=needs,
        points_per_city=100,
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=1),
    )
    jobs = [
        (
            lambda voter=voter, need=need: services.round_allocate(
                actor=voter, round_=round_, points={need.pk: 60}
            )
        )
        for voter in voters
        for need in needs
    ]
    run_all(jobs)
    for slug in CITIES:
        spent = sum(
            RoundAllocation.objects.filter(round=round_, organisation__slug=slug).values_list(
                "points", flat=True
            )
        )
        assert spent == 60
