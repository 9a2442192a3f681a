"""Every change to a need, a city's say on it, a round or a meeting is in the audit log,
and the cities' positions and commitments keep their history."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEntry, Role
from needs_registry import services
from needs_registry.models import CityPosition, NeedCityHistory, Status
from steering import services as steering_services
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

NEED = {
    "title": "Laskutuksen automatisointi",
    "problem": "Laskut käsitellään käsin.",
    "desired_outcome": "Laskut kulkevat automaattisesti.",
    "domain": "finance",
    "one_off_cost_eur": Decimal("40000"),
    "yearly_cost_eur": Decimal("10000"),
}


@pytest.fixture
def people():
    CategoryFactory(slug="talous", domain="finance")
    porvoo = OrganisationFactory(slug="porvoo")
    pori = OrganisationFactory(slug="pori", name_en="Pori")
    hameenlinna = OrganisationFactory(slug="hameenlinna")
    return {
        "porvoo_lead": UserFactory(organisation=porvoo, roles=[Role.ICT_LEAD]),
        "pori_lead": UserFactory(
            organisation=pori, roles=[Role.ICT_LEAD], display_name="Johan Berg"
        ),
        "steering": UserFactory(organisation=hameenlinna, roles=[Role.STEERING_GROUP]),
        "coordinator": UserFactory(organisation=hameenlinna, roles=[Role.PROJECT_COORDINATOR]),
    }


@pytest.fixture
def need(people):
    need = services.need_create(actor=people["porvoo_lead"], data=NEED)
    return services.need_transition(
        actor=people["porvoo_lead"], need=need, to_status=Status.SUBMITTED
    )


def _round(people, need):
    now = timezone.now()
    return services.round_open(
        actor=people["steering"],
        title="Kevät",
        needs=[need],
        points_per_city=100,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=7),
    )


def edit_need(people, need):
    services.need_update(
        actor=people["porvoo_lead"], need=need, data={"title": "Uusi otsikko"}, tags=["lasku"]
    )
    return AuditEntry.Action.NEED_EDITED, f"need:{need.pk}", "porvoo_lead", "title, tags"


def set_position(people, need):
    services.city_position_set(
        actor=people["pori_lead"], need=need, stance=CityPosition.Stance.HAS_NEED
    )
    return AuditEntry.Action.CITY_POSITION, f"need:{need.pk}", "pori_lead", "pori: "


def record_commitment(people, need):
    services.commitment_record(
        actor=people["pori_lead"], need=need, amount_eur=Decimal("5000"), budget_year=2027
    )
    return AuditEntry.Action.COMMITMENT, f"need:{need.pk}", "pori_lead", "pori: "


def allocate_points(people, need):
    round_ = _round(people, need)
    services.round_allocate(actor=people["pori_lead"], round_=round_, points={need.pk: 60})
    return AuditEntry.Action.POINTS_ALLOCATED, f"round:{round_.pk}", "pori_lead", "pori: 60"


def close_round(people, need):
    round_ = _round(people, need)
    services.round_close(actor=people["steering"], round_=round_)
    return AuditEntry.Action.ROUND_CLOSED, f"round:{round_.pk}", "steering", "closed"


def create_meeting(people, need):
    meeting = steering_services.meeting_create(
        actor=people["coordinator"], title="Ohjausryhmä 3/2026", held_on=date(2026, 3, 1)
    )
    return AuditEntry.Action.MEETING, f"meeting:{meeting.pk}", "coordinator", "created"


def edit_meeting(people, need):
    meeting = steering_services.meeting_create(
        actor=people["coordinator"], title="Ohjausryhmä 3/2026", held_on=date(2026, 3, 1)
    )
    steering_services.meeting_update(
        actor=people["steering"], meeting=meeting, title=meeting.title, held_on=date(2026, 3, 2)
    )
    return AuditEntry.Action.MEETING, f"meeting:{meeting.pk}", "steering", "changed: held_on"


def record_production(people, need):
    need.status = Status.PRODUCTION
    need.save()
    services.production_record(
        actor=people["coordinator"],
        need=need,
        maintainer="Porvoo",
        licence="EUPL-1.2",
        repository_url="https://example.org/lasku",
        cities=[people["pori_lead"].organisation],
    )
    return AuditEntry.Action.PRODUCTION, f"need:{need.pk}", "coordinator", "maintainer"


@pytest.mark.parametrize(
    "act",
    [
        edit_need,
        set_position,
        record_commitment,
        allocate_points,
        close_round,
        create_meeting,
        edit_meeting,
        record_production,
    ],
)
def test_each_change_is_audited_with_who_and_what(people, need, act):
    action, target, who, summary = act(people, need)

    entry = AuditEntry.objects.filter(action=action).first()
    assert entry is not None
    assert entry.target == target
    assert entry.actor == people[who]
    assert entry.actor_name == people[who].display_name
    assert entry.actor_organisation == people[who].organisation.slug
    assert entry.summary.startswith(summary)


def test_an_edit_that_changes_nothing_is_not_audited(people, need):
    services.need_update(actor=people["porvoo_lead"], need=need, data={"title": need.title})
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.NEED_EDITED).exists()


def test_positions_and_commitments_keep_their_history(people, need):
    lead = people["pori_lead"]
    services.city_position_set(actor=lead, need=need, stance=CityPosition.Stance.NOT_RELEVANT)
    services.city_position_set(
        actor=lead, need=need, stance=CityPosition.Stance.HAS_NEED, urgency="high"
    )
    services.city_position_set(
        actor=lead, need=need, stance=CityPosition.Stance.HAS_NEED, urgency="high"
    )
    services.commitment_record(actor=lead, need=need, amount_eur=Decimal("5000"), budget_year=2027)
    services.commitment_record(actor=lead, need=need, amount_eur=Decimal("7500"), budget_year=2027)

    history = list(NeedCityHistory.objects.filter(need=need).order_by("created_at", "id"))
    assert [h.kind for h in history] == ["position", "position", "commitment", "commitment"]
    assert history[0].before == {}
    assert history[1].before["stance"] == "not_relevant"
    assert history[1].after["stance"] == "has_need"
    assert history[3].before["amount_eur"] == "5000.00"
    assert history[3].after["amount_eur"] == "7500.00"
    assert all(h.actor == lead for h in history)
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.COMMITMENT).first()
    assert entry.data["before"]["amount_eur"] == "5000.00"
    assert entry.data["after"]["amount_eur"] == "7500.00"


def test_the_need_page_shows_the_history_under_the_matrix(client, people, need):
    lead = people["pori_lead"]
    client.force_login(people["porvoo_lead"])
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "History of positions and commitments" in page
    assert "No positions or commitments yet." in page

    services.city_position_set(actor=lead, need=need, stance=CityPosition.Stance.NOT_RELEVANT)
    services.city_position_set(actor=lead, need=need, stance=CityPosition.Stance.HAS_NEED)
    services.commitment_record(actor=lead, need=need, amount_eur=Decimal("5000"), budget_year=2027)
    services.commitment_record(actor=lead, need=need, amount_eur=Decimal("7500"), budget_year=2027)

    page = client.get(f"/needs/{need.pk}/").content.decode()
    history = page[page.index("History of positions and commitments") :]
    assert "Pori: position from Not relevant to We have this need (Johan Berg)" in history
    assert "Pori, commitment for 2027: share (€) from 5000.00 to 7500.00 (Johan Berg)" in history
    assert "Pori" in history


def test_the_need_page_shows_the_history_in_finnish(client, people, need):
    services.city_position_set(
        actor=people["pori_lead"], need=need, stance=CityPosition.Stance.HAS_NEED
    )
    client.force_login(people["porvoo_lead"])
    client.cookies["opencities_language"] = "fi"
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "Kantojen ja sitoumusten historia" in page


def test_a_meeting_is_corrected_on_its_page_and_the_change_audited(client, people):
    meeting = steering_services.meeting_create(
        actor=people["coordinator"], title="Ohjausryhmä 3/2026", held_on=date(2026, 3, 1)
    )
    client.force_login(people["porvoo_lead"])
    # Not published yet: only the steering group and the coordinator see the meeting.
    assert client.get(f"/steering/meetings/{meeting.pk}/").status_code == 404
    data = {"meeting-title": "Ohjausryhmä 4/2026", "meeting-held_on": "2026-04-01"}
    assert client.post(f"/steering/meetings/{meeting.pk}/edit/", data).status_code == 404

    client.force_login(people["steering"])
    # The old address leads to the meeting's page.
    assert client.get(f"/needs/meetings/{meeting.pk}/")["Location"] == (
        f"/steering/meetings/{meeting.pk}/"
    )
    page = client.get(f"/steering/meetings/{meeting.pk}/").content.decode()
    assert "Correct the meeting" in page
    response = client.post(f"/steering/meetings/{meeting.pk}/edit/", data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.title, meeting.held_on) == ("Ohjausryhmä 4/2026", date(2026, 4, 1))
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.MEETING).first()
    assert entry.actor == people["steering"]
    assert entry.summary == "changed: title, held_on"
    assert entry.data["before"]["title"] == "Ohjausryhmä 3/2026"
    assert entry.data["after"]["held_on"] == "2026-04-01"
