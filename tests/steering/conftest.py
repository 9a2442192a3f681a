from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from steering import services
from tests.factories import OrganisationFactory, UserFactory


@pytest.fixture
def group(db):
    """Three member cities, each with a representative and a deputy holding the IAM role,
    an ICT lead of Pori, the coordinator, and a member without a seat."""
    coordinator_city = OrganisationFactory(slug="office", kind="office")
    coordinator = UserFactory(organisation=coordinator_city, roles=[Role.PROJECT_COORDINATOR])
    cities = {slug: OrganisationFactory(slug=slug) for slug in ("pori", "porvoo", "kajaani")}
    people = {"coordinator": coordinator}
    start = timezone.localdate() - timedelta(days=30)
    for slug, city in cities.items():
        for seat in ("representative", "deputy"):
            person = UserFactory(organisation=city, roles=[Role.STEERING_GROUP])
            services.nomination_record(
                actor=coordinator, organisation=city, person=person, seat=seat, starts_on=start
            )
            people[f"{slug}_{seat}"] = person
    people["pori_lead"] = UserFactory(organisation=cities["pori"], roles=[Role.ICT_LEAD])
    people["expert"] = UserFactory(organisation=cities["porvoo"])
    return {"cities": cities, "people": people, "start": start, "hameenlinna": coordinator_city}


def later(days: int = 3):
    return timezone.now() + timedelta(days=days)


__all__ = ["date", "later"]
