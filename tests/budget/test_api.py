"""The budget in the open-data API."""

from decimal import Decimal

import pytest

from budget.models import ConsortiumBudget
from tests.budget.test_views import consortium  # noqa: F401  (fixture)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_anyone_reads_each_citys_computed_share_per_year(client, consortium):  # noqa: F811
    response = client.get("/api/budget/shares", {"year": 2026})
    assert response.status_code == 200
    rows = {row["city"]["slug"]: row for row in response.json()}
    assert len(rows) == 5
    assert Decimal(rows["kajaani"]["share_eur"]) == Decimal("5166.67")
    assert Decimal(rows["kajaani"]["one_off_eur"]) == Decimal("1000.00")
    assert Decimal(rows["kajaani"]["fees_outside_budget_eur"]) == Decimal("930.00")
    assert rows["kajaani"]["months"] == 5
    every_year = client.get("/api/budget/shares").json()
    assert {row["year"] for row in every_year} == {2026, 2027, 2028, 2029}


def test_the_budget_itself_is_open_data(client, consortium):  # noqa: F811
    body = client.get("/api/budget").json()
    assert Decimal(body["total_eur"]) == Decimal("300000.00")
    assert Decimal(body["own_share_eur"]) == Decimal("150000.00")
    assert body["split_method"] == "prorated"
    assert [fee["name"] for fee in body["fees_outside_budget"]] == ["COSS"]
    assert sum(Decimal(y["own_share_eur"]) for y in body["years"]) == Decimal("150000.00")


def test_a_budget_not_marked_public_stays_off_the_api(client, consortium):  # noqa: F811
    ConsortiumBudget.objects.update(is_public=False)
    assert client.get("/api/budget").status_code == 404
    assert client.get("/api/budget/shares").status_code == 404
    # Members still see it on the budget page.
    client.force_login(UserFactory(organisation=consortium["organisations"]["pori"]))
    assert client.get("/budget/").status_code == 200


def test_the_schema_describes_the_budget(client):
    schema = client.get("/api/openapi.json").json()
    shares = schema["paths"]["/api/budget/shares"]["get"]
    assert "cost share" in shares["description"]
    share_schema = schema["components"]["schemas"]["ShareOut"]["properties"]
    assert share_schema["share_eur"]["description"]
    assert share_schema["paid_eur"]["description"]
