"""The front page: the latest discussions, needs under review and news, for whoever
opens it, signed in or not, each seeing only what they may read."""

import pytest
from django.test import Client

from forum import services
from forum.models import Publicity
from frontend import demo
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    demo.seed(None)  # the home page and its translations
    pori = OrganisationFactory(slug="pori")
    author = UserFactory(organisation=pori)
    category = CategoryFactory(slug="yleinen")
    public = services.thread_create(
        actor=author,
        category=category,
        title="Avoin keskustelu kirjastoista",
        body="Kaikille",
        publicity=Publicity.PUBLIC,
    )
    internal = services.thread_create(
        actor=author, category=category, title="Jäsenten oma keskustelu", body="Jäsenille"
    )
    return {"author": author, "public": public, "internal": internal}


def test_a_signed_out_visitor_sees_the_public_discussions_only(world):
    response = Client().get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert world["public"].title in page
    assert world["internal"].title not in page


def test_a_member_sees_the_consortiums_discussions_too(world):
    member = Client()
    member.force_login(UserFactory(organisation=OrganisationFactory(slug="porvoo")))
    response = member.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert world["public"].title in page
    assert world["internal"].title in page
