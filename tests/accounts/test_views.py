"""The member directory and member pages: who is shown, and what of them."""

import pytest

from accounts import services
from accounts.models import Role
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pori():
    return OrganisationFactory(slug="pori")


@pytest.fixture
def viewer(pori):
    return UserFactory(organisation=pori)


def test_an_active_members_page_shows_their_e_mail(client, viewer, pori):
    active = UserFactory(organisation=pori, email="aktiivi@pori.fi", title="Arkkitehti")
    client.force_login(viewer)
    page = client.get(f"/members/{active.pk}/").content.decode()
    assert "aktiivi@pori.fi" in page
    assert "Arkkitehti" in page
    assert "aktiivi@pori.fi" not in client.get("/members/").content.decode()


def test_a_deactivated_account_is_not_shown(client, viewer, pori):
    gone = UserFactory(organisation=pori, email="lahtenyt@pori.fi", display_name="Lähtenyt L")
    active = UserFactory(organisation=pori, display_name="Aktiivinen A")
    gone.is_active = False
    gone.save()
    client.force_login(viewer)
    response = client.get(f"/members/{gone.pk}/")
    assert response.status_code == 404
    assert "lahtenyt@pori.fi" not in response.content.decode()
    directory = client.get("/members/").content.decode()
    assert "Lähtenyt L" not in directory
    assert "Aktiivinen A" in directory
    assert client.get(f"/members/{active.pk}/").status_code == 200


def test_an_anonymised_member_is_a_former_member_without_details(client, viewer, pori):
    admin = UserFactory(roles=[Role.PLATFORM_ADMIN])
    former = UserFactory(organisation=pori, title="Tietohallintojohtaja")
    former.expertise.set(["integraatiot"])
    services.member_anonymise(actor=admin, user=former)
    client.force_login(viewer)
    response = client.get(f"/members/{former.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Former member of Pori" in page
    assert "anonymised.invalid" not in page
    assert "mailto:" not in page


def test_the_member_rule_itself(viewer, pori):
    from django.contrib.auth.models import AnonymousUser

    from accounts.permissions import can_read_member, shows_member_details

    active = UserFactory(organisation=pori)
    deactivated = UserFactory(organisation=pori, is_active=False)
    assert can_read_member(viewer, active)
    assert shows_member_details(viewer, active)
    assert not can_read_member(viewer, deactivated)
    assert not shows_member_details(viewer, deactivated)
    assert not can_read_member(AnonymousUser(), active)
