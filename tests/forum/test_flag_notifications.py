"""Moderators hear of new flags, and the navigation leads moderators (only) to the
queue with the number of open flags they may act on."""

import pytest
from django.test import Client

from accounts.models import Role
from forum import notification_kinds as kinds
from forum import services
from notifications.models import Notification
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    pori, porvoo = OrganisationFactory(slug="pori"), OrganisationFactory(slug="porvoo")
    open_category = CategoryFactory(slug="open")
    steering = CategoryFactory(slug="sg", read_roles=[Role.STEERING_GROUP])
    author = UserFactory(organisation=pori, roles=[Role.STEERING_GROUP])
    flagger = UserFactory(organisation=porvoo, roles=[Role.STEERING_GROUP], display_name="Olli")
    moderator = UserFactory(organisation=porvoo, roles=[Role.MODERATOR], preferred_language="en")
    steering_moderator = UserFactory(
        organisation=pori, roles=[Role.MODERATOR, Role.STEERING_GROUP], preferred_language="en"
    )
    member = UserFactory(organisation=porvoo, preferred_language="en")
    public = services.thread_create(
        actor=author, category=open_category, title="Avoin aihe", body="Avaus"
    )
    secret = services.thread_create(
        actor=author, category=steering, title="Ohjausryhmän asia", body="Avaus"
    )
    return {
        "author": author,
        "flagger": flagger,
        "moderator": moderator,
        "steering_moderator": steering_moderator,
        "member": member,
        "public": public,
        "secret": secret,
    }


def first_post(thread):
    return thread.posts.get(number=1)


def flags_for(user) -> int:
    return Notification.objects.filter(user=user, kind=kinds.FLAG).count()


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_new_flag_notifies_the_moderators_who_may_read_the_thread(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_create(actor=world["flagger"], post=first_post(world["secret"]), reason="x")
    assert flags_for(world["steering_moderator"]) == 1
    assert flags_for(world["moderator"]) == 0  # outside the steering group's category
    assert flags_for(world["member"]) == 0
    services.flag_create(actor=world["flagger"], post=first_post(world["public"]), reason="x")
    assert flags_for(world["moderator"]) == 1
    assert flags_for(world["steering_moderator"]) == 2


def test_flagging_again_tells_nobody_twice(world):
    post = first_post(world["public"])
    services.flag_create(actor=world["flagger"], post=post, reason="Asiaton")
    services.flag_create(actor=world["flagger"], post=post, reason="Asiaton yhä")
    assert flags_for(world["moderator"]) == 1


def test_the_flag_notification_reads_as_a_flag_and_opens_the_queue(world):
    services.flag_create(actor=world["flagger"], post=first_post(world["public"]), reason="x")
    client = browser(world["moderator"])
    page = client.get("/notifications/").content.decode()
    assert "Olli flagged a post in “Avoin aihe” to the moderators" in page
    notification = Notification.objects.get(user=world["moderator"], kind=kinds.FLAG)
    response = client.get(f"/notifications/{notification.pk}/")
    assert response.status_code == 302
    assert response["Location"] == "/forum/moderation/"


def test_the_navigation_shows_moderators_the_queue_with_its_count(world):
    services.flag_create(actor=world["flagger"], post=first_post(world["public"]), reason="x")
    services.flag_create(actor=world["flagger"], post=first_post(world["secret"]), reason="x")
    page = browser(world["moderator"]).get("/forum/").content.decode()
    assert 'href="/forum/moderation/" id="nav-moderation"' in page
    assert '<span class="badge" data-open-flags>1</span>' in page  # only the readable one
    assert "1 open flag<" in page
    page = browser(world["steering_moderator"]).get("/forum/").content.decode()
    assert '<span class="badge" data-open-flags>2</span>' in page


def test_the_navigation_offers_no_queue_to_members_and_visitors(world):
    services.flag_create(actor=world["flagger"], post=first_post(world["public"]), reason="x")
    for client in (browser(world["member"]), browser(world["flagger"]), Client()):
        page = client.get("/forum/").content.decode()
        assert "nav-moderation" not in page
        assert "/forum/moderation/" not in page
    # The control: a moderator's page has the link.
    assert "nav-moderation" in browser(world["moderator"]).get("/forum/").content.decode()


def test_the_count_drops_as_flags_are_dealt_with(world):
    post = first_post(world["public"])
    services.flag_create(actor=world["flagger"], post=post, reason="x")
    services.post_set_hidden(actor=world["moderator"], post=post, hidden=True)
    page = browser(world["moderator"]).get("/forum/").content.decode()
    assert "data-open-flags hidden>0</span>" in page
