"""Notifications: stored as a kind, rendered in the reader's language, re-checked
against the reader's read rule when shown or e-mailed."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from accounts.models import Role
from forum import notification_kinds as forum_kinds
from forum import services as forum_services
from notifications import selectors, services
from notifications.models import Notification
from notifications.tasks import send_notification_email
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory
from tests.queries import CATEGORY_RULES, UNREAD_COUNT

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    pori, porvoo = OrganisationFactory(slug="pori"), OrganisationFactory(slug="porvoo")
    finn = UserFactory(
        organisation=pori, handle="liisa", display_name="Liisa Koskinen", preferred_language="fi"
    )
    swede = UserFactory(
        organisation=porvoo,
        handle="johan",
        display_name="Johan Berg",
        preferred_language="sv",
        notification_email="immediate",
    )
    category = CategoryFactory(slug="ict")
    thread = forum_services.thread_create(
        actor=finn, category=category, title="Yhteinen hanke", body="Aloitus"
    )
    return {"finn": finn, "swede": swede, "category": category, "thread": thread}


def _mention(world, django_capture_on_commit_callbacks, body="Mitä mieltä @johan?"):
    with django_capture_on_commit_callbacks(execute=True):
        return forum_services.post_create(actor=world["finn"], thread=world["thread"], body=body)


def test_a_swedish_reader_reads_a_finnish_members_mention_in_swedish(
    world, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    _mention(world, django_capture_on_commit_callbacks)
    stored = Notification.objects.get(user=world["swede"])
    assert stored.kind == forum_kinds.MENTION
    assert "Liisa" not in str(stored.params)  # a kind and its data, no sentence

    browser = Client()  # no language chosen on this browser: the profile's language
    browser.force_login(world["swede"])
    page = browser.get("/notifications/").content.decode()
    assert "Liisa Koskinen nämnde dig i ”Yhteinen hanke”" in page
    assert "mainitsi sinut" not in page

    (message,) = [m for m in mail.outbox if m.to == [world["swede"].email]]
    assert "Liisa Koskinen nämnde dig i ”Yhteinen hanke”" in message.body
    assert "Mitä mieltä" in message.body  # the post's words, which Johan may read
    assert stored.url in message.body

    # The same notification reads in Finnish to a Finnish reader.
    with translation.override("fi"):
        (shown,) = selectors.visible(world["swede"], [stored])
    assert shown.text == "Liisa Koskinen mainitsi sinut ketjussa ”Yhteinen hanke”"


def test_a_notification_whose_target_the_reader_lost_is_neither_shown_nor_emailed(
    world, client, django_capture_on_commit_callbacks
):
    world["swede"].notification_email = "daily"
    world["swede"].save()
    _mention(world, django_capture_on_commit_callbacks)
    client.force_login(world["swede"])
    assert "Yhteinen hanke" in client.get("/notifications/").content.decode()
    assert selectors.unread_count(user=world["swede"]) == 1

    restricted = CategoryFactory(slug="sg", read_roles=[Role.STEERING_GROUP])
    world["thread"].category = restricted
    world["thread"].save()

    assert "Yhteinen hanke" not in client.get("/notifications/").content.decode()
    assert selectors.unread_count(user=world["swede"]) == 0
    pk = Notification.objects.get(user=world["swede"]).pk
    assert client.get(f"/notifications/{pk}/").status_code == 404
    mail.outbox.clear()
    send_notification_email.call(world["swede"].pk)
    assert mail.outbox == []


def test_notify_skips_the_actor_the_inactive_and_those_who_may_not_read(world):
    outsider = UserFactory(organisation=None, handle="olli")
    gone = UserFactory(handle="gone", is_active=False)
    post = world["thread"].posts.get()
    created = services.notify(
        [world["finn"], world["swede"], world["swede"], outsider, gone],
        forum_kinds.REPLY,
        actor=world["finn"],
        target=post,
        url=post.get_absolute_url(),
    )
    assert [n.user for n in created] == [world["swede"]]
    with pytest.raises(ValueError, match="unknown notification kind"):
        services.notify([world["swede"]], "forum.nonsense", url="/")
    with pytest.raises(ValueError, match="needs its target"):
        services.notify([world["swede"]], forum_kinds.REPLY, url="/")


def test_opening_marks_read_and_goes_to_the_post(world, client, django_capture_on_commit_callbacks):
    reply = _mention(world, django_capture_on_commit_callbacks)
    notification = Notification.objects.get(user=world["swede"])
    client.force_login(world["swede"])
    response = client.get(f"/notifications/{notification.pk}/")
    assert response.status_code == 302
    assert response["Location"] == reply.get_absolute_url()
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert selectors.unread_count(user=world["swede"]) == 0
    # Someone else's notification is not theirs to open.
    client.force_login(world["finn"])
    assert client.get(f"/notifications/{notification.pk}/").status_code == 404


def test_mark_one_and_mark_all_read(world, client, django_capture_on_commit_callbacks):
    for n in range(3):
        _mention(world, django_capture_on_commit_callbacks, body=f"@johan {n}")
    first, *others = Notification.objects.filter(user=world["swede"]).order_by("pk")
    client.force_login(world["swede"])
    assert client.post(f"/notifications/{first.pk}/read/").status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert selectors.unread_count(user=world["swede"]) == 2
    client.force_login(world["finn"])
    assert client.post(f"/notifications/{others[0].pk}/read/").status_code == 404
    client.force_login(world["swede"])
    assert client.post("/notifications/read/", {"page": "1"})["Location"] == (
        "/notifications/?page=1"
    )
    assert selectors.unread_count(user=world["swede"]) == 0


def test_the_header_shows_the_unread_count(world, client, django_capture_on_commit_callbacks):
    client.force_login(world["swede"])
    assert "data-unread-count hidden>0<" in client.get("/forum/").content.decode()
    _mention(world, django_capture_on_commit_callbacks)
    assert "data-unread-count>1<" in client.get("/forum/").content.decode()


def test_the_list_is_paged_by_25(world, client):
    post = world["thread"].posts.get()
    for _ in range(30):
        services.notify(
            [world["swede"]], forum_kinds.REPLY, actor=world["finn"], target=post, url="/x/"
        )
    client.force_login(world["swede"])
    first = client.get("/notifications/").content.decode()
    assert first.count('href="/notifications/') - first.count("?page=") >= 25
    second = client.get("/notifications/?page=2").context["notifications"]
    assert len(second) == 5


@pytest.mark.parametrize("count", [1, 25])
def test_list_queries_stay_constant(world, client, django_assert_num_queries, count):
    post = world["thread"].posts.get()
    for _ in range(count):
        services.notify(
            [world["swede"]], forum_kinds.REPLY, actor=world["finn"], target=post, url="/x/"
        )
    client.force_login(world["swede"])
    client.get("/notifications/")
    with django_assert_num_queries(QUERIES):
        client.get("/notifications/")


# The session, the member with their roles (one query), the unread
# count (with the categories' read rules for its posts, see tests.queries), the
# page: count, notifications with actors, their posts; messages and the site shell.
QUERIES = 5 + UNREAD_COUNT + CATEGORY_RULES
