"""Tracking levels per thread and per category, as in Discourse: watching (every
post), tracking (mentions and replies, with a count of new posts), normal
(mentions and replies) and muted (nothing, and left out of the front page)."""

import re

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from forum import notification_kinds as kinds
from forum import services
from forum.models import Watch
from notifications.models import Notification
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    pori, porvoo = OrganisationFactory(slug="pori"), OrganisationFactory(slug="porvoo")
    category = CategoryFactory(slug="ict", name_fi="ICT", name_en="ICT")
    steering = CategoryFactory(slug="sg", read_roles=[Role.STEERING_GROUP])
    starter = UserFactory(
        organisation=pori, handle="aino", display_name="Aino Aloittaja", preferred_language="en"
    )
    reader = UserFactory(
        organisation=porvoo, handle="ville", display_name="Ville Lukija", preferred_language="en"
    )
    writer = UserFactory(
        organisation=porvoo,
        handle="kirsi",
        display_name="Kirsi Kirjoittaja",
        preferred_language="en",
    )
    thread = services.thread_create(
        actor=starter, category=category, title="Yhteinen hanke", body="Aloitus"
    )
    secret = services.thread_create(
        actor=UserFactory(organisation=pori, roles=[Role.STEERING_GROUP]),
        category=steering,
        title="Ohjausryhmän asia",
        body="Salainen",
    )
    return {
        "category": category,
        "steering": steering,
        "starter": starter,
        "reader": reader,
        "writer": writer,
        "thread": thread,
        "secret": secret,
    }


def kinds_for(user) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def post(world, body, *, actor="writer", reply_to=None):
    # Notifications are sent by a task queued with the post: it runs once the post commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.post_create(
            actor=world[actor], thread=world["thread"], body=body, reply_to=reply_to
        )


def level(world, who, value, **target):
    services.tracking_set(user=world[who], level=value, **target)


# ---------------------------------------------------------------- services


def test_watching_a_thread_tells_of_every_post(world):
    level(world, "reader", "watching", thread=world["thread"])
    post(world, "Ensimmäinen vastaus")
    post(world, "Toinen vastaus")
    assert kinds_for(world["reader"]) == [kinds.REPLY, kinds.REPLY]


@pytest.mark.parametrize("chosen", ["tracking", "normal"])
def test_tracking_and_normal_tell_of_mentions_and_replies_only(world, chosen):
    level(world, "reader", chosen, thread=world["thread"])
    mine = post(world, "Minun viestini", actor="reader")
    post(world, "Tavallinen vastaus")
    assert kinds_for(world["reader"]) == []
    post(world, "Vastaus sinulle", reply_to=mine)
    post(world, "Mitä mieltä @ville?")
    assert kinds_for(world["reader"]) == sorted([kinds.QUOTE, kinds.MENTION])


def test_muting_a_thread_silences_even_mentions_and_replies(world):
    mine = post(world, "Minun viestini", actor="reader")
    level(world, "reader", "muted", thread=world["thread"])
    post(world, "Vastaus sinulle", reply_to=mine)
    post(world, "Mitä mieltä @ville?")
    assert kinds_for(world["reader"]) == []
    # The control: another member mentioned in the same post is told.
    post(world, "Entä @aino?")
    assert kinds.MENTION in kinds_for(world["starter"])


def test_watching_a_category_tells_of_new_threads_and_their_posts(world):
    level(world, "reader", "watching", category=world["category"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        thread = services.thread_create(
            actor=world["writer"], category=world["category"], title="Uusi", body="Avaus"
        )
        services.post_create(actor=world["writer"], thread=thread, body="Lisää")
    assert kinds_for(world["reader"]) == sorted([kinds.NEW_THREAD, kinds.REPLY])


def test_a_threads_own_level_wins_over_its_categorys(world):
    level(world, "reader", "watching", category=world["category"])
    level(world, "reader", "muted", thread=world["thread"])
    post(world, "Vastaus")
    assert kinds_for(world["reader"]) == []
    level(world, "reader", "muted", category=world["category"])
    level(world, "reader", "watching", thread=world["thread"])
    post(world, "Toinen vastaus")
    assert kinds_for(world["reader"]) == [kinds.REPLY]


def test_muting_a_category_silences_its_threads(world):
    level(world, "reader", "muted", category=world["category"])
    post(world, "Hei @ville")
    assert kinds_for(world["reader"]) == []


def test_who_starts_a_thread_watches_it_and_who_replies_tracks_it(world):
    assert Watch.objects.get(user=world["starter"], thread=world["thread"]).level == "watching"
    post(world, "Vastaus")
    assert Watch.objects.get(user=world["writer"], thread=world["thread"]).level == "tracking"
    assert kinds_for(world["starter"]) == [kinds.REPLY]
    post(world, "Toinen", actor="reader")
    assert kinds_for(world["writer"]) == []  # tracking: no plain replies


def test_taking_part_keeps_a_level_the_member_chose(world):
    level(world, "reader", "muted", thread=world["thread"])
    post(world, "Vastaan silti", actor="reader")
    assert Watch.objects.get(user=world["reader"], thread=world["thread"]).level == "muted"
    # Watching through the category is closer than tracking: no row to lower it.
    level(world, "writer", "watching", category=world["category"])
    post(world, "Vastaus")
    assert not Watch.objects.filter(user=world["writer"], thread=world["thread"]).exists()


def test_no_level_on_what_the_member_may_not_read(world):
    with pytest.raises(PermissionDenied):
        level(world, "reader", "watching", thread=world["secret"])
    with pytest.raises(PermissionDenied):
        level(world, "reader", "watching", category=world["steering"])
    with pytest.raises(ValidationError):
        level(world, "reader", "loud", thread=world["thread"])
    assert not Watch.objects.filter(user=world["reader"]).exists()


def test_a_category_back_to_normal_keeps_no_row(world):
    level(world, "reader", "tracking", category=world["category"])
    level(world, "reader", "normal", category=world["category"])
    assert not Watch.objects.filter(user=world["reader"], category=world["category"]).exists()


# ---------------------------------------------------------------- pages


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_thread_page_offers_the_levels_as_a_radio_group(world):
    page = browser(world["reader"]).get(f"/forum/t/{world['thread'].pk}/").content.decode()
    assert 'name="level" value="watching"' in page
    assert 'value="normal" id="tracking-normal" checked' in page
    assert "How closely do you follow this thread?" in page
    assert (
        Client().get(f"/forum/t/{world['thread'].pk}/").content.decode().count('name="level"') == 0
    )  # nobody to notify: no control for a visitor


def test_the_thread_page_shows_the_threads_own_level_over_its_categorys(world):
    url = f"/forum/t/{world['thread'].pk}/"
    client = browser(world["reader"])
    level(world, "reader", "muted", category=world["category"])
    assert 'value="muted" id="tracking-muted" checked' in client.get(url).content.decode()
    level(world, "reader", "watching", thread=world["thread"])
    page = client.get(url).content.decode()
    assert 'value="watching" id="tracking-watching" checked' in page
    assert 'id="tracking-muted" checked' not in page


def test_each_member_sees_their_own_level_and_token_on_the_same_thread(world):
    url = f"/forum/t/{world['thread'].pk}/"
    level(world, "writer", "watching", thread=world["thread"])
    clients = {name: browser(world[name]) for name in ("reader", "writer")}
    # A second member at the reader's level is shown the same kept control.
    clients["second reader"] = browser(UserFactory(preferred_language="en"))
    pages = {name: client.get(url).content.decode() for name, client in clients.items()}
    assert 'id="tracking-normal" checked' in pages["reader"]
    assert 'id="tracking-watching" checked' not in pages["reader"]
    assert 'id="tracking-watching" checked' in pages["writer"]
    assert "<span data-tracking-level>Watching</span>" in pages["writer"]
    assert "<span data-tracking-level>Normal</span>" in pages["reader"]
    for name, client in clients.items():
        token = re.search(
            r'class="tracking-form"><input type="hidden" name="csrfmiddlewaretoken" '
            r'value="([^"]+)"',
            pages[name],
        )
        # The form carries the member's own secret, not one kept from another page.
        assert token and _unmask_cipher_token(token.group(1)) == (
            client.cookies[settings.CSRF_COOKIE_NAME].value
        )


def test_choosing_a_level_on_the_thread_page(world):
    client = browser(world["reader"])
    url = f"/forum/t/{world['thread'].pk}/tracking/"
    response = client.post(url, {"level": "watching"}, follow=True)
    page = response.content.decode()
    assert 'value="watching" id="tracking-watching" checked' in page
    assert "Notifications: Watching. Saved." in page
    assert Watch.objects.get(user=world["reader"], thread=world["thread"]).level == "watching"


def test_a_bad_level_is_refused_and_changes_nothing(world):
    client = browser(world["reader"])
    level(world, "reader", "tracking", thread=world["thread"])
    url = f"/forum/t/{world['thread'].pk}/tracking/"
    page = client.post(url, {"level": "loud"}, follow=True).content.decode()
    assert "Choose one of the notification levels." in page
    assert Watch.objects.get(user=world["reader"], thread=world["thread"]).level == "tracking"


def test_choosing_a_level_on_the_category_page(world):
    client = browser(world["reader"])
    url = f"/forum/c/{world['category'].slug}/tracking/"
    page = client.post(url, {"level": "muted"}, follow=True).content.decode()
    assert 'value="muted" id="tracking-muted" checked' in page
    assert "How closely do you follow this category?" in page
    assert Watch.objects.get(user=world["reader"], category=world["category"]).level == "muted"


def test_a_thread_the_member_may_not_read_answers_not_found(world):
    response = browser(world["reader"]).post(
        f"/forum/t/{world['secret'].pk}/tracking/", {"level": "watching"}
    )
    assert response.status_code == 404


def test_a_muted_thread_leaves_the_front_page_but_stays_in_its_category(world):
    other = services.thread_create(
        actor=world["writer"], category=world["category"], title="Toinen aihe", body="Avaus"
    )
    level(world, "reader", "muted", thread=world["thread"])
    client = browser(world["reader"])
    front = client.get("/forum/").content.decode()
    assert "Yhteinen hanke" not in front
    assert other.title in front  # the control
    listing = client.get(f"/forum/c/{world['category'].slug}/").content.decode()
    assert "Yhteinen hanke" in listing
    assert ">muted</span>" in listing
    # Someone who did not mute it still sees it on the front page.
    assert "Yhteinen hanke" in browser(world["writer"]).get("/forum/").content.decode()


def test_a_tracked_thread_shows_how_many_posts_are_new(world):
    client = browser(world["reader"])
    client.get(f"/forum/t/{world['thread'].pk}/")  # read up to the first post
    post(world, "Yksi")
    post(world, "Kaksi")
    assert 'data-new-posts="2"' not in client.get("/forum/").content.decode()  # normal
    level(world, "reader", "tracking", thread=world["thread"])
    page = client.get("/forum/").content.decode()
    assert 'data-new-posts="2"' in page
    assert "2 new posts" in page


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_levels_add_no_queries_to_thread_lists(world):
    client = browser(world["reader"])
    small = _queries(client, "/forum/")
    for n in range(20):
        thread = services.thread_create(
            actor=world["writer"], category=world["category"], title=f"Aihe {n}", body="Avaus"
        )
        level(world, "reader", ["watching", "tracking", "muted", "normal"][n % 4], thread=thread)
    level(world, "reader", "tracking", category=world["category"])
    assert _queries(client, "/forum/") == small
    assert _queries(client, f"/forum/c/{world['category'].slug}/") == _queries(
        browser(world["starter"]), f"/forum/c/{world['category'].slug}/"
    )


def test_the_levels_read_in_the_members_language(world):
    world["reader"].preferred_language = "sv"
    world["reader"].save()
    page = browser(world["reader"]).get(f"/forum/t/{world['thread'].pk}/").content.decode()
    assert "Bevakar" in page
    assert "Hur noga följer du den här tråden?" in page
    assert "How closely" not in page
