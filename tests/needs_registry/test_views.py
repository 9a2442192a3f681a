"""Needs registry pages, reports and the open-data API."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from accounts.models import Role
from forum.models import Domain
from needs_registry import services
from needs_registry.models import Status
from steering import services as steering_services
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


def test_open_data_api_filters_by_domain_and_refuses_an_unknown_one(client, registry):
    domain = registry["need"].domain
    listed = client.get("/api/needs", {"domain": domain}).json()["items"]
    assert [item["title"] for item in listed] == ["Varausjärjestelmä"]
    other = next(d for d in Domain.values if d != domain)
    assert client.get("/api/needs", {"domain": other}).json()["items"] == []
    # Not a domain, and bytes no text column holds: a clear 422, not a server error.
    for wrong in ("astrology", "\x00ict"):
        response = client.get("/api/needs", {"domain": wrong})
        assert response.status_code == 422
        assert "domain" in response.content.decode()


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


# What is hidden stays hidden: each leak, with someone who may see the thing seeing it.


def page(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url).content.decode()


def test_a_draft_depending_on_a_public_need_is_named_only_in_its_own_city(client, registry):
    pori_draft = services.need_create(
        actor=registry["pori_lead"],
        data={"title": "Porin luonnos", "problem": "p", "desired_outcome": "o", "domain": "ict"},
    )
    services.dependencies_set(
        actor=registry["pori_lead"], need=pori_draft, depends_on=[registry["need"]]
    )
    url = f"/needs/{registry['need'].pk}/"
    assert "Porin luonnos" in page(client, registry["pori_lead"], url)
    assert "Porin luonnos" not in page(client, None, url)
    assert "Porin luonnos" not in page(client, registry["lead"], url)


def test_a_public_need_depending_on_a_draft_names_it_only_in_the_drafts_city(client, registry):
    need = registry["need"]
    services.dependencies_set(actor=registry["lead"], need=need, depends_on=[registry["draft"]])
    url = f"/needs/{need.pk}/"
    assert "Salainen luonnos" in page(client, registry["lead"], url)
    assert "Salainen luonnos" not in page(client, registry["pori_lead"], url)
    assert "Salainen luonnos" not in page(client, None, url)


def test_saving_dependencies_keeps_links_the_editor_cannot_see(registry):
    from needs_registry.models import Need

    other = services.need_create(
        actor=registry["pori_lead"],
        data={"title": "Toinen", "problem": "p", "desired_outcome": "o", "domain": "ict"},
    )
    services.need_transition(actor=registry["pori_lead"], need=other, to_status=Status.SUBMITTED)
    need = registry["need"]
    services.dependencies_set(actor=registry["lead"], need=need, depends_on=[registry["draft"]])
    # Porvoo's draft is not Pori's to see, nor to remove.
    coordinator = UserFactory(organisation=registry["pori_lead"].organisation)
    coordinator.roles.create(role=Role.PROJECT_COORDINATOR)
    services.dependencies_set(
        actor=coordinator, need=Need.objects.get(pk=need.pk), depends_on=[other]
    )
    assert set(need.depends_on.all()) == {registry["draft"], other}


@pytest.fixture
def draft_decision(registry):
    """Porvoo's steering group member records a decision on Porvoo's own draft."""
    steering = UserFactory(organisation=registry["lead"].organisation, roles=[Role.STEERING_GROUP])
    meeting = steering_services.meeting_create(
        actor=steering, title="Ohjausryhmä", held_on="2026-11-20"
    )
    steering_services.decision_record(
        actor=steering,
        meeting=meeting,
        need=registry["draft"],
        agenda_item="§7",
        text="Valmistellaan edelleen.",
        rationale="",
        resulting_status=Status.DRAFT,
        stances={},
    )
    steering_services.agenda_item_add(actor=steering, meeting=meeting, kind="other", title="Muut")
    steering_services.agenda_publish(actor=steering, meeting=meeting)
    return meeting


def test_a_decision_on_a_draft_names_it_only_in_the_drafts_city(client, registry, draft_decision):
    url = f"/steering/meetings/{draft_decision.pk}/"
    own = page(client, registry["lead"], url)
    assert "Salainen luonnos" in own
    assert "Valmistellaan edelleen." in own
    other = page(client, registry["pori_lead"], url)
    assert "§7" in other
    assert "Salainen luonnos" not in other
    assert "Valmistellaan edelleen." not in other
    assert "Salainen luonnos" not in page(client, registry["pori_lead"], "/steering/meetings/")


def test_meetings_are_for_members_of_a_city(client, registry, draft_decision):
    outsider = UserFactory(organisation=None)
    client.force_login(outsider)
    assert client.get(f"/steering/meetings/{draft_decision.pk}/").status_code == 404
    assert "Ohjausryhmä" not in client.get("/steering/meetings/").content.decode()
    client.force_login(registry["pori_lead"])
    assert "Ohjausryhmä" in client.get("/steering/meetings/").content.decode()


def test_every_export_asks_the_export_permission(client, registry):
    from datetime import timedelta

    from django.utils import timezone

    from needs_registry.models import Need

    steering = UserFactory(organisation=registry["lead"].organisation, roles=[Role.STEERING_GROUP])
    now = timezone.now()
    round_ = services.round_open(
        actor=steering,
        title="Kierros",
        needs=[Need.objects.get(pk=registry["need"].pk)],
        points_per_city=10,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
    )
    urls = [
        f"/needs/rounds/{round_.pk}/?format=csv",
        f"/needs/rounds/{round_.pk}/?format=xlsx",
        "/needs/reports/yearly/?format=csv",
        "/needs/reports/yearly/?format=xlsx",
        "/needs/board/?format=csv",
        "/needs/board/?format=xlsx",
    ]
    client.force_login(UserFactory(organisation=None))
    assert [client.get(url).status_code for url in urls] == [403] * len(urls)
    client.force_login(registry["pori_lead"])
    assert [client.get(url).status_code for url in urls] == [200] * len(urls)
    assert "Varausjärjestelmä" in client.get(urls[0]).content.decode("utf-8-sig")


def test_a_need_is_drafted_only_from_what_the_lead_may_read(client, registry):
    from forum import services as forum_services
    from forum.models import Category

    moderator = UserFactory(roles=[Role.MODERATOR])
    thread = forum_services.thread_create(
        actor=registry["pori_lead"],
        category=Category.objects.get(slug="ict"),
        title="Avoin ketju",
        body="Avauksen teksti",
    )
    url = f"/needs/new/?from_thread={thread.pk}"
    assert "Avauksen teksti" in page(client, registry["pori_lead"], url)
    forum_services.post_set_hidden(actor=moderator, post=thread.posts.get(number=1), hidden=True)
    form = page(client, registry["pori_lead"], url)
    assert "Avoin ketju" in form
    assert "Avauksen teksti" not in form
    assert client.get("/needs/new/?from_thread=abc").status_code == 404
    assert client.get("/needs/new/?from_thread=999999").status_code == 404


def test_a_confidential_thread_does_not_fill_another_citys_need_form(client, registry):
    from forum import services as forum_services
    from forum.models import Category, Publicity
    from forum.permissions import can_read_thread

    thread = forum_services.thread_create(
        actor=registry["pori_lead"],
        category=Category.objects.get(slug="ict"),
        title="Luottamuksellinen",
        body="Porin salaisuus",
        publicity=Publicity.CONFIDENTIAL,
    )
    url = f"/needs/new/?from_thread={thread.pk}"
    assert "Porin salaisuus" in page(client, registry["pori_lead"], url)
    assert not can_read_thread(registry["lead"], thread)
    client.force_login(registry["lead"])
    response = client.get(url)
    assert response.status_code == 404
    assert "Porin salaisuus" not in response.content.decode()


def test_the_open_data_api_pages_in_the_database_at_most_100_needs(client, registry):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from needs_registry.models import Need

    need = registry["need"]
    Need.objects.bulk_create(
        Need(
            title=f"Tarve {n}",
            problem="p",
            desired_outcome="o",
            domain="ict",
            organisation=need.organisation,
            contact=need.contact,
            created_by=need.created_by,
            status=Status.SUBMITTED,
        )
        for n in range(120)
    )
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/needs?limit=100&offset=10").json()
    assert body["count"] == 121
    assert len(body["items"]) == 100
    listing = [q["sql"] for q in queries if 'FROM "needs_registry_need"' in q["sql"]]
    assert any("LIMIT 100" in sql for sql in listing), listing
    assert client.get("/api/needs?limit=101").status_code == 422
    assert len(client.get("/api/needs").json()["items"]) == 100
    schema = client.get("/api/openapi.json").json()
    limit = next(
        p for p in schema["paths"]["/api/needs"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert limit["schema"]["maximum"] == 100


def test_need_and_meeting_pages_queries_do_not_grow_with_links(client, registry, draft_decision):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    need = registry["need"]
    steering = UserFactory(organisation=registry["lead"].organisation, roles=[Role.STEERING_GROUP])
    client.force_login(registry["lead"])

    def counted(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = counted(f"/needs/{need.pk}/"), counted(f"/steering/meetings/{draft_decision.pk}/")
    for n in range(5):
        other = services.need_create(
            actor=registry["lead"],
            data={"title": f"L{n}", "problem": "p", "desired_outcome": "o", "domain": "ict"},
        )
        services.dependencies_set(actor=registry["lead"], need=other, depends_on=[need])
        steering_services.decision_record(
            actor=steering,
            meeting=draft_decision,
            need=other,
            agenda_item=f"§{n + 10}",
            text="x",
            rationale="",
            resulting_status=Status.DRAFT,
            stances={},
        )
    large = counted(f"/needs/{need.pk}/"), counted(f"/steering/meetings/{draft_decision.pk}/")
    assert small == large


def test_the_registry_menu_leads_members_to_the_steering_group_and_the_budget(client, registry):
    wanted = ["/steering/", "/steering/electronic/", "/budget/"]
    client.force_login(registry["pori_lead"])
    page = client.get("/needs/").content.decode()
    assert all(f'href="{url}"' in page for url in wanted)
    for url in wanted:
        assert client.get(url).status_code == 200
    # Before the consortium records its budget, the page says so instead of a 404.
    assert "No budget has been recorded yet" in client.get("/budget/").content.decode()
    client.logout()
    # Visitors read the public needs; the steering group's and the budget's pages are members'.
    page = client.get("/needs/").content.decode()
    assert not any(f'href="{url}"' in page for url in wanted)
    assert client.get("/budget/").status_code == 302
