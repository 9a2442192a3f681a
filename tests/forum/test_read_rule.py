"""The one read rule on every forum channel: pages, lists, counts, feeds,
notification e-mails, flag page, history and reply-to.

Each test shows the thing hidden from whoever may not read it and shown, in
the same setup, to someone who may.
"""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Role
from forum import selectors, services
from forum.models import Watch
from notifications import selectors as notification_selectors
from notifications.models import Notification
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Palveluverkon supistaminen"
SECRET_TEXT = "Luonnos: kolme koulua suljetaan"


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    pori = OrganisationFactory(slug="pori")
    porvoo = OrganisationFactory(slug="porvoo")
    people = {
        "author": UserFactory(organisation=pori, handle="author"),
        "colleague": UserFactory(organisation=pori, handle="colleague"),
        "outsider": UserFactory(organisation=porvoo, handle="outsider"),
        "moderator_outside": UserFactory(organisation=porvoo, roles=[Role.MODERATOR]),
        "moderator_inside": UserFactory(organisation=pori, roles=[Role.MODERATOR]),
        "admin": UserFactory(organisation=porvoo, roles=[Role.PLATFORM_ADMIN]),
    }
    open_category = CategoryFactory(slug="open")
    with django_capture_on_commit_callbacks(execute=True):
        secret = services.thread_create(
            actor=people["author"],
            category=open_category,
            title=SECRET_TITLE,
            body=SECRET_TEXT,
            publicity="confidential",
        )
        public = services.thread_create(
            actor=people["author"],
            category=open_category,
            title="Avoin keskustelu",
            body="Kaikille avoin teksti",
            publicity="public",
        )
    return {**people, "pori": pori, "porvoo": porvoo, "open": open_category, "secret": secret,
            "public": public}  # fmt: skip


def page(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def test_confidential_thread_in_an_open_category_is_read_by_its_audience_only(client, world):
    url = f"/forum/t/{world['secret'].pk}/"
    first_post = world["secret"].posts.get()
    for kind in ["outsider", "moderator_outside", "admin"]:
        assert page(client, world[kind], url).status_code == 404, kind
        assert page(client, world[kind], f"/forum/p/{first_post.pk}/").status_code == 404, kind
        for listing in ["/forum/", "/forum/c/open/"]:
            assert SECRET_TITLE not in page(client, world[kind], listing).content.decode()
    assert page(client, None, url).status_code == 404

    for kind in ["author", "colleague", "moderator_inside"]:
        response = page(client, world[kind], url)
        assert response.status_code == 200, kind
        assert SECRET_TEXT in response.content.decode()
        assert SECRET_TITLE in page(client, world[kind], "/forum/c/open/").content.decode()


def test_thread_counts_follow_the_read_rule(world):
    def count(user):
        category = next(c for c in selectors.category_list(viewer=user) if c.slug == "open")
        return category.thread_count

    assert count(world["outsider"]) == 1
    assert count(world["moderator_outside"]) == 1
    assert count(world["colleague"]) == 2


def test_the_thread_page_says_who_the_audience_is(client, world):
    body = page(client, world["colleague"], f"/forum/t/{world['secret'].pk}/").content.decode()
    assert "data-audience" in body
    assert "Only for: Pori" in body
    public = page(client, world["colleague"], f"/forum/t/{world['public'].pk}/").content.decode()
    assert "data-audience" not in public


def test_the_author_picks_the_audience_and_stays_in_it(client, world):
    with pytest.raises(ValidationError):
        services.thread_create(
            actor=world["author"],
            category=world["open"],
            title="Vain Porvoolle",
            body="x",
            publicity="confidential",
            audience_organisations=[world["porvoo"]],
        )
    client.force_login(world["author"])
    refused = client.post(
        "/forum/c/open/new/",
        {
            "title": "Vain Porvoolle",
            "body": "x",
            "publicity": "confidential",
            "audience_organisations": [world["porvoo"].pk],
        },
    )
    assert refused.status_code == 400
    assert "you belong to yourself" in refused.content.decode()

    created = client.post(
        "/forum/c/open/new/",
        {
            "title": "Porille ja Porvoolle",
            "body": "Yhteinen luonnos",
            "publicity": "confidential",
            "audience_organisations": [world["pori"].pk, world["porvoo"].pk],
        },
    )
    assert created.status_code == 302
    assert (
        "Yhteinen luonnos" in page(client, world["outsider"], created["Location"]).content.decode()
    )
    admin_page = page(client, world["admin"], created["Location"])
    assert admin_page.status_code == 200  # the admin works in Porvoo: in the audience


def test_a_role_audience_reaches_the_role_in_every_city(client, world):
    hameenlinna = OrganisationFactory(slug="hameenlinna")
    member = UserFactory(organisation=hameenlinna, roles=[Role.STEERING_GROUP])
    other_member = UserFactory(organisation=world["porvoo"], roles=[Role.STEERING_GROUP])
    thread = services.thread_create(
        actor=member,
        category=world["open"],
        title="Ohjausryhmän asia",
        body="Vain ohjausryhmälle",
        publicity="confidential",
        audience_roles=[Role.STEERING_GROUP],
    )
    assert page(client, other_member, f"/forum/t/{thread.pk}/").status_code == 200
    assert "Ohjausryhmän asia" in page(client, other_member, "/forum/c/open/").content.decode()
    assert page(client, world["outsider"], f"/forum/t/{thread.pk}/").status_code == 404
    assert "Ohjausryhmän asia" not in page(client, world["colleague"], "/forum/").content.decode()


def test_feeds_leave_out_confidential_and_hidden_threads(client, world):
    hidden = services.thread_create(
        actor=world["author"], category=world["open"], title="Piilotettu ketju", body="x",
        publicity="public",
    )  # fmt: skip
    services.thread_moderate(actor=world["moderator_inside"], thread=hidden, hidden=True)
    client.logout()
    for kind in ["author", "moderator_inside"]:
        feed = client.get(f"/forum/c/open/feed/{world[kind].feed_token}/").content.decode()
        assert "Avoin keskustelu" in feed
        assert SECRET_TITLE not in feed
        assert "Piilotettu ketju" not in feed


def test_notification_emails_of_confidential_threads_carry_no_text(
    world, django_capture_on_commit_callbacks
):
    for kind in ["colleague", "outsider"]:
        Watch.objects.create(user=world[kind], category=world["open"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        thread = services.thread_create(
            actor=world["author"],
            category=world["open"],
            title=SECRET_TITLE + " 2",
            body=SECRET_TEXT,
            publicity="confidential",
        )
        services.thread_create(
            actor=world["author"],
            category=world["open"],
            title="Julkinen uutinen",
            body="x",
            publicity="public",
        )
    to_colleague = [m for m in mail.outbox if m.to == [world["colleague"].email]]
    assert to_colleague
    text = "\n".join(m.subject + m.body for m in to_colleague)
    with translation.override(world["colleague"].preferred_language):
        confidential_notice = gettext("New post in a confidential thread")
    assert confidential_notice in text
    assert thread.get_absolute_url() in text
    assert "Julkinen uutinen" in text
    assert SECRET_TITLE not in text
    assert SECRET_TEXT not in text
    to_outsider = "\n".join(m.body for m in mail.outbox if m.to == [world["outsider"].email])
    assert "Julkinen uutinen" in to_outsider
    assert confidential_notice not in to_outsider
    assert not Notification.objects.filter(
        user=world["outsider"], target_id__in=thread.posts.values("pk")
    ).exists()


def test_an_email_leaves_out_a_thread_its_reader_lost(world, django_capture_on_commit_callbacks):
    from notifications.tasks import send_notification_email

    Watch.objects.create(user=world["outsider"], thread=world["public"])
    world["outsider"].notification_email = "daily"
    world["outsider"].save()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_create(actor=world["author"], thread=world["public"], body="Uusi vastaus")
        services.thread_audience_set(
            actor=world["author"], thread=world["public"], publicity="confidential"
        )
    mail.outbox.clear()
    send_notification_email.call(world["outsider"].pk)
    assert mail.outbox == []
    notes = page_notifications(world["outsider"])
    assert all("Avoin keskustelu" not in n.text for n in notes)


def page_notifications(user):
    return notification_selectors.notification_page(user=user, number=1)[1]


def test_flag_page_of_a_hidden_post_shows_no_content(client, world):
    reply = services.post_create(
        actor=world["colleague"], thread=world["public"], body="Loukkaava viesti"
    )
    shown = page(client, world["author"], f"/forum/p/{reply.pk}/flag/")
    assert "Loukkaava viesti" in shown.content.decode()

    services.post_set_hidden(actor=world["moderator_inside"], post=reply, hidden=True)
    for kind in ["author", "outsider", "moderator_inside"]:
        response = page(client, world[kind], f"/forum/p/{reply.pk}/flag/")
        assert "Loukkaava viesti" not in response.content.decode(), kind


def test_history_follows_the_read_rule(client, world):
    post = world["secret"].posts.get()
    services.post_edit(actor=world["author"], post=post, body="Uusi versio")
    url = f"/forum/p/{post.pk}/history/"
    assert page(client, world["outsider"], url).status_code == 404
    assert page(client, world["moderator_outside"], url).status_code == 404
    history = page(client, world["colleague"], url)
    assert history.status_code == 200
    assert SECRET_TEXT in history.content.decode()


def test_a_reply_to_a_hidden_post_does_not_point_at_it(client, world):
    reply = services.post_create(
        actor=world["colleague"], thread=world["public"], body="Poistettava ajatus"
    )
    visible = services.post_create(actor=world["outsider"], thread=world["public"], body="Hyvä")
    services.post_set_hidden(actor=world["moderator_inside"], post=reply, hidden=True)
    with pytest.raises(ValidationError):
        services.post_create(
            actor=world["author"], thread=world["public"], body="Vastaus", reply_to=reply
        )

    client.force_login(world["author"])
    client.post(
        f"/forum/t/{world['public'].pk}/reply/",
        {"body": "Vastaus piilotettuun", "reply_to": reply.pk},
    )
    client.post(
        f"/forum/t/{world['public'].pk}/reply/", {"body": "Vastaus", "reply_to": visible.pk}
    )
    posts = {p.body: p for p in world["public"].posts.all()}
    assert posts["Vastaus piilotettuun"].reply_to_id is None
    assert posts["Vastaus"].reply_to_id == visible.pk
    body = client.get(f"/forum/t/{world['public'].pk}/").content.decode()
    assert "Poistettava ajatus" not in body
