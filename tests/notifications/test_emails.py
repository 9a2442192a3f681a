"""Notification e-mails carry the post's words when the reader may read them at
send time (never of a confidential thread) and a link, at once or in the daily digest."""

import pytest
from django.conf import settings
from django.core import mail

from accounts.models import Role
from forum import services as forum_services
from notifications.tasks import send_daily_digests, send_notification_email
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    pori, porvoo = OrganisationFactory(slug="pori"), OrganisationFactory(slug="porvoo")
    author = UserFactory(organisation=pori, preferred_language="en")
    now = UserFactory(organisation=porvoo, preferred_language="en", notification_email="immediate")
    daily = UserFactory(organisation=porvoo, preferred_language="en", notification_email="daily")
    category = CategoryFactory(slug="ict")
    return {"author": author, "now": now, "daily": daily, "category": category, "pori": pori}


def thread_watched_by(world, *, publicity="public", category=None, **kwargs):
    thread = forum_services.thread_create(
        actor=world["author"],
        category=category or world["category"],
        title="Yhteinen hanke",
        body="Aloitus",
        publicity=publicity,
        **kwargs,
    )
    for who in ("now", "daily"):
        forum_services.tracking_set(user=world[who], level="watching", thread=thread)
    return thread


def mail_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


@pytest.mark.parametrize("publicity", ["public", "internal"])
def test_an_immediate_email_quotes_the_post_and_links_to_it(
    world, publicity, django_capture_on_commit_callbacks
):
    thread = thread_watched_by(world, publicity=publicity)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post = forum_services.post_create(
            actor=world["author"], thread=thread, body="Ehdotan **yhteistä** kilpailutusta."
        )
    (message,) = mail_to(world["now"])
    assert "New post in “Yhteinen hanke”" in message.body
    assert "Ehdotan **yhteistä** kilpailutusta." in message.body
    assert f"{settings.SITE_URL}{post.get_absolute_url()}" in message.body
    assert mail_to(world["daily"]) == []  # waits for the digest


def test_the_daily_digest_quotes_the_post(world, django_capture_on_commit_callbacks):
    thread = thread_watched_by(world)
    with django_capture_on_commit_callbacks(execute=True):
        post = forum_services.post_create(actor=world["author"], thread=thread, body="Päivän asia")
    mail.outbox.clear()
    send_daily_digests.call()
    (message,) = mail_to(world["daily"])
    assert "daily digest" in message.subject
    assert "Päivän asia" in message.body
    assert post.get_absolute_url() in message.body
    assert mail_to(world["now"]) == []  # already e-mailed at once


def test_a_confidential_threads_email_says_only_that_there_is_a_post(
    world, django_capture_on_commit_callbacks
):
    thread = thread_watched_by(
        world,
        publicity="confidential",
        audience_organisations=[world["pori"], world["now"].organisation],
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post = forum_services.post_create(actor=world["author"], thread=thread, body="Salaista")
    (message,) = mail_to(world["now"])
    assert "New post in a confidential thread" in message.body
    assert "Salaista" not in message.body
    assert "Yhteinen hanke" not in message.body
    assert post.get_absolute_url() in message.body  # the link, behind sign-in


def test_no_text_to_someone_who_lost_access_before_sending(
    world, django_capture_on_commit_callbacks
):
    thread = thread_watched_by(world)
    forum_services.post_create(actor=world["author"], thread=thread, body="Rajattu teksti")
    world["category"].read_roles = [Role.STEERING_GROUP]
    world["category"].save()
    mail.outbox.clear()
    send_notification_email.call(world["now"].pk)
    send_daily_digests.call()
    assert "Rajattu teksti" not in "".join(m.body for m in mail.outbox)
    assert mail_to(world["now"]) == [] and mail_to(world["daily"]) == []


def test_a_long_post_is_cut_at_a_word(world, django_capture_on_commit_callbacks):
    thread = thread_watched_by(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.post_create(actor=world["author"], thread=thread, body="sana " * 400)
    (message,) = mail_to(world["now"])
    assert "sana…" in message.body
    assert 150 < message.body.count("sana") <= 200  # about a thousand characters
