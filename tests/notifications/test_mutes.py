"""A member's own mute list: nothing from a muted person reaches them."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import Role
from forum import notification_kinds as forum_kinds
from forum import services as forum_services
from notifications import services
from notifications.models import Mute, Notification
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    pori, porvoo = OrganisationFactory(slug="pori"), OrganisationFactory(slug="porvoo")
    me = UserFactory(organisation=pori, handle="minna", preferred_language="en")
    loud = UserFactory(organisation=porvoo, handle="lauri", display_name="Lauri Äänekäs")
    quiet = UserFactory(organisation=porvoo, handle="kaisa", display_name="Kaisa Hiljainen")
    category = CategoryFactory(slug="ict")
    thread = forum_services.thread_create(actor=me, category=category, title="Hanke", body="1")
    return {"me": me, "loud": loud, "quiet": quiet, "thread": thread, "category": category}


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def mine(world) -> list[tuple[str, int]]:
    return list(
        Notification.objects.filter(user=world["me"]).values_list("kind", "actor_id").order_by("id")
    )


def test_nothing_from_a_muted_person_reaches_the_member(world, django_capture_on_commit_callbacks):
    services.mute_set(user=world["me"], muted=world["loud"], on=True)
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.post_create(actor=world["loud"], thread=world["thread"], body="Hei @minna")
    assert mine(world) == []
    # The control: someone not muted still reaches the member, by reply and mention.
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.post_create(actor=world["quiet"], thread=world["thread"], body="Hei @minna")
    assert mine(world) == [(forum_kinds.MENTION, world["quiet"].pk)]


def test_taking_someone_off_the_list_lets_them_through_again(
    world, django_capture_on_commit_callbacks
):
    services.mute_set(user=world["me"], muted=world["loud"], on=True)
    assert services.mute_set(user=world["me"], muted=world["loud"], on=False) is True
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.post_create(actor=world["loud"], thread=world["thread"], body="Hei @minna")
    assert mine(world) == [(forum_kinds.MENTION, world["loud"].pk)]


def test_muting_only_silences_the_member_who_muted(world, django_capture_on_commit_callbacks):
    services.mute_set(user=world["quiet"], muted=world["loud"], on=True)
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.post_create(actor=world["loud"], thread=world["thread"], body="Hei @minna")
    assert mine(world) == [(forum_kinds.MENTION, world["loud"].pk)]


def test_nobody_mutes_themselves(world):
    with pytest.raises(ValidationError):
        services.mute_set(user=world["me"], muted=world["me"], on=True)
    assert not Mute.objects.exists()


def test_muting_from_the_profile_page_and_the_list(world):
    client = browser(world["me"])
    profile = f"/members/{world['loud'].pk}/"
    page = client.get(profile).content.decode()
    assert f'action="/notifications/muted/{world["loud"].pk}/"' in page
    page = client.post(
        f"/notifications/muted/{world['loud'].pk}/", {"on": "1", "next": profile}, follow=True
    ).content.decode()
    assert "You no longer get notifications from Lauri Äänekäs." in page
    assert "You get no notifications from this person." in page
    listing = client.get("/notifications/muted/").content.decode()
    assert "Lauri Äänekäs" in listing
    assert "Kaisa Hiljainen" not in listing
    assert Mute.objects.filter(user=world["me"], muted=world["loud"]).exists()
    page = client.post(
        f"/notifications/muted/{world['loud'].pk}/",
        {"on": "0", "next": "https://evil.example/"},
        follow=True,
    ).content.decode()
    assert "You get notifications from Lauri Äänekäs again." in page
    assert "You have muted nobody." in page  # an address elsewhere falls back to the list
    assert not Mute.objects.exists()


def test_ones_own_profile_offers_no_mute_and_the_list_is_linked(world):
    client = browser(world["me"])
    own = client.get(f"/members/{world['me'].pk}/").content.decode()
    assert "/notifications/muted/" not in own.split("<main", 1)[1]
    assert client.post(f"/notifications/muted/{world['me'].pk}/", {"on": "1"}).status_code == 404
    assert "/notifications/muted/" in client.get("/profile/").content.decode()


def test_nobody_can_see_anothers_mute_list(world):
    services.mute_set(user=world["me"], muted=world["loud"], on=True)
    assert (
        "Lauri Äänekäs" not in browser(world["quiet"]).get("/notifications/muted/").content.decode()
    )
    assert "Lauri Äänekäs" in browser(world["me"]).get("/notifications/muted/").content.decode()


def test_a_flag_reaches_moderators_even_from_someone_they_muted(world):
    moderator = UserFactory(organisation=world["me"].organisation, roles=[Role.MODERATOR])
    services.mute_set(user=moderator, muted=world["loud"], on=True)
    post = forum_services.post_create(actor=world["quiet"], thread=world["thread"], body="Asiaa")
    forum_services.flag_create(actor=world["loud"], post=post, reason="Asiaton")
    assert Notification.objects.filter(user=moderator, kind=forum_kinds.FLAG).count() == 1
