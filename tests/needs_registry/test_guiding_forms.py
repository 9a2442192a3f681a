"""Pages that tell a member what to do next: empty states, plain actions, explanations."""

import pytest

from accounts.models import Role
from needs_registry import services
from needs_registry.models import Status
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

NEED = {
    "title": "Varausjärjestelmä",
    "problem": "Tilat varataan sähköpostilla.",
    "desired_outcome": "Itsepalveluvaraus.",
    "domain": "ict",
    "one_off_cost_eur": 30000,
    "yearly_cost_eur": 5000,
    "contract_years": 4,
}


@pytest.fixture
def lead():
    return UserFactory(organisation=OrganisationFactory(slug="porvoo"), roles=[Role.ICT_LEAD])


def test_an_empty_registry_invites_the_first_need_instead_of_blaming_the_search(client, lead):
    client.force_login(lead)
    empty = client.get("/needs/").content.decode()
    filtered = client.get("/needs/?status=accepted").content.decode()
    assert "No needs have been recorded yet." in empty
    assert "Write the first need" in empty
    assert "No needs match." not in empty
    # A search that finds nothing says so, and offers the way back.
    assert "No needs match." in filtered
    assert "Show all needs" in filtered


def test_the_need_page_explains_who_pays_and_what_a_vote_is(client, lead):
    need = services.need_create(actor=lead, data=NEED)
    services.need_transition(actor=lead, need=need, to_status=Status.SUBMITTED)
    client.force_login(lead)
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "A vote does not commit any money" in page
    assert "the cost is not yet shared" in page
    services.city_position_set(actor=lead, need=need, stance="has_need")
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "the cost is not yet shared" not in page
    assert 'role="region"' in page  # the share table scrolls in its own labelled box


def test_a_city_submits_its_draft_with_one_plain_button(client, lead):
    draft = services.need_create(actor=lead, data=NEED)
    client.force_login(lead)
    page = client.get(f"/needs/{draft.pk}/").content.decode()
    assert "Submit to the consortium" in page
    assert '<option value="submitted">' not in page
    response = client.post(f"/needs/{draft.pk}/transition/", {"to_status": "submitted"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    # Once submitted there is nothing to submit.
    assert "Submit to the consortium" not in client.get(f"/needs/{draft.pk}/").content.decode()


def test_only_the_drafts_own_city_is_offered_the_submit_button(client, lead):
    other = UserFactory(organisation=OrganisationFactory(slug="pori"), roles=[Role.ICT_LEAD])
    draft = services.need_create(actor=lead, data=NEED)
    client.force_login(other)
    assert client.get(f"/needs/{draft.pk}/").status_code == 404
    client.force_login(lead)
    assert "Submit to the consortium" in client.get(f"/needs/{draft.pk}/").content.decode()
