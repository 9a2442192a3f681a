"""Needs registry pages, reports and the open-data API."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from accounts.models import Role
from needs_registry import services
from needs_registry.models import Status
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    CategoryFactory(slug="ict", domain="ict")
    porvoo, pori = OrganisationFactory(slug="porvoo"), OrganisationFactory(slug="pori")
    lead = UserFactory(organisation=porvoo, roles=[Role.ICT_LEAD])
    pori_lead = UserFactory(organisation=pori, roles=[Role.ICT_LEAD])
    data = {
        "title": "Varausjärjestelmä",
        "problem": "Tilat varataan sähköpostilla.",
        "desired_outcome": "Itsepalveluvaraus.",
        "domain": "ict",
        "one_off_cost_eur": 30000,
        "yearly_cost_eur": 5000,
        "contract_years": 4,
    }
    need = services.need_create(actor=lead, data=data)
    services.need_transition(actor=lead, need=need, to_status=Status.SUBMITTED)
    services.city_position_set(actor=pori_lead, need=need, stance="has_need")
    services.city_position_set(actor=lead, need=need, stance="has_need")
    services.city_vote_cast(actor=pori_lead, need=need)
    draft = services.need_create(actor=lead, data={**data, "title": "Salainen luonnos"})
    return {"lead": lead, "pori_lead": pori_lead, "need": need, "draft": draft}


def test_a_refused_need_keeps_what_was_typed(client, registry):
    client.force_login(registry["lead"])
    response = client.post(
        "/needs/new/",
        {"title": "Puolikas tarve", "problem": "", "desired_outcome": "x", "domain": "ict"},
    )
    assert response.status_code == 400
    assert "Puolikas tarve" in response.content.decode()


def test_need_page_shows_matrix_shares_and_route(client, registry):
    client.force_login(registry["pori_lead"])
    response = client.get(f"/needs/{registry['need'].pk}/")
    page = response.content.decode()
    assert "Varausjärjestelmä" in page
    assert 'data-route="small"' in page
    shares = {s.organisation.slug: str(s.total_eur) for s in response.context["shares"]}
    assert shares == {"pori": "25000.00", "porvoo": "25000.00"}
    assert "25,000.00" in page


def test_backlog_exports_open_and_hold_the_need(client, registry):
    client.force_login(registry["pori_lead"])
    response = client.get("/needs/board/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][1] == "Varausjärjestelmä"
    assert rows[1][5] == "1"  # city votes
    assert "Salainen luonnos" not in response.content.decode("utf-8-sig")

    response = client.get("/needs/board/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][1] == "Varausjärjestelmä"
    assert values[1][7] == 2  # sharing cities


def test_backlog_board_queries_do_not_grow(client, registry, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(registry["pori_lead"])
    with CaptureQueriesContext(connection) as small:
        client.get("/needs/board/")
    for n in range(30):
        services.need_transition(
            actor=registry["lead"],
            need=services.need_create(
                actor=registry["lead"],
                data={"title": f"N{n}", "problem": "p", "desired_outcome": "o", "domain": "ict"},
            ),
            to_status=Status.SUBMITTED,
        )
    with CaptureQueriesContext(connection) as large:
        client.get("/needs/board/")
    assert len(small) == len(large)


def test_open_data_api_lists_submitted_needs_never_drafts(client, registry):
    body = client.get("/api/needs").json()
    titles = [item["title"] for item in body["items"]]
    assert titles == ["Varausjärjestelmä"]
    item = body["items"][0]
    assert item["sharing_cities"] == ["pori", "porvoo"]
    assert item["city_votes"] == 1
    assert client.get(f"/api/needs/{registry['draft'].pk}").status_code == 404


def test_open_data_api_can_be_members_only(client, registry, settings):
    settings.OPEN_DATA_PUBLIC = False
    assert client.get("/api/needs").status_code == 401
    client.force_login(registry["lead"])
    assert client.get("/api/needs").status_code == 200


def test_api_answers_match_its_own_schema(client, registry):
    import jsonschema_rs

    schema = client.get("/api/openapi.json").json()
    components = schema["components"]["schemas"]

    def resolve(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(components[node["$ref"].rsplit("/", 1)[1]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    listing = schema["paths"]["/api/needs"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    validator = jsonschema_rs.validator_for(resolve(listing))
    validator.validate(json.loads(client.get("/api/needs").content))


def test_ict_lead_turns_a_discussion_into_a_need_draft(client, registry):
    from forum import services as forum_services
    from forum.models import Category

    thread = forum_services.thread_create(
        actor=registry["pori_lead"],
        category=Category.objects.get(slug="ict"),
        title="Yhteinen chatbot?",
        body="Tarvitsisimmeko?",
    )
    client.force_login(registry["pori_lead"])
    assert "from_thread" in client.get(f"/forum/t/{thread.pk}/").content.decode()
    form = client.get(f"/needs/new/?from_thread={thread.pk}").content.decode()
    assert "Yhteinen chatbot?" in form
    response = client.post(
        "/needs/new/",
        {
            "from_thread": thread.pk,
            "title": "Yhteinen chatbot",
            "problem": "Tarvitsisimmeko?",
            "desired_outcome": "Chatbot",
            "domain": "ict",
            "one_off_cost_eur": 0,
            "yearly_cost_eur": 0,
            "contract_years": 4,
            "benefit_hours_per_year": 0,
            "urgency": "medium",
            "cost_split": "equal",
        },
    )
    assert response.status_code == 302
    from needs_registry.models import Need

    assert Need.objects.get(title="Yhteinen chatbot").origin_thread == thread


def test_need_attachments_are_checked_and_dependencies_saved(client, registry):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.forum.test_services import PNG

    client.force_login(registry["lead"])
    need = registry["need"]
    client.post(f"/needs/{need.pk}/attachments/", {"file": SimpleUploadedFile("kaavio.png", PNG)})
    client.post(
        f"/needs/{need.pk}/attachments/", {"file": SimpleUploadedFile("virus.pdf", b"MZ not a pdf")}
    )
    assert [a.original_name for a in need.attachments.all()] == ["kaavio.png"]
    client.post(f"/needs/{need.pk}/dependencies/", {"depends_on": str(registry["draft"].pk)})
    assert list(need.depends_on.all()) == [registry["draft"]]


def test_sign_in_is_where_members_only_pages_send_you(client, db):
    assert client.get("/members/")["Location"].startswith("/sign-in/?next=")
