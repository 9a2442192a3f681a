"""An @organisation mention tells only those who may be told, and never by e-mail at once."""

import pytest
from django.core import mail

from forum import notification_kinds, services
from notifications.models import Notification
from notifications.services import notifications_mark_read
from notifications.tasks import send_daily_digests
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

KIND = notification_kinds.ORGANISATION_MENTION


@pytest.fixture
def world():
    pori, porvoo = OrganisationFactory(slug="pori"), OrganisationFactory(slug="porvoo")
    author = UserFactory(organisation=porvoo, handle="maija")
    reader = UserFactory(organisation=pori, handle="pekka", notification_email="immediate")
    colleague = UserFactory(organisation=pori, handle="sari", notification_email="immediate")
    category = CategoryFactory(slug="ict")
    thread = services.thread_create(actor=author, category=category, title="Yhteinen", body="1")
    return {
        "pori": pori,
        "author": author,
        "reader": reader,
        "colleague": colleague,
        "category": category,
        "thread": thread,
    }


def _post(world, body, thread=None, django_capture_on_commit_callbacks=None):
    with django_capture_on_commit_callbacks(execute=True):
        return services.post_create(
            actor=world["author"], thread=thread or world["thread"], body=body
        )


def test_an_organisation_mention_waits_for_the_digest(world, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    organisation_post = _post(
        world,
        "Kysytään @pori",
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    # Positive control: a member of Pori who reads the thread is told in the platform ...
    assert Notification.objects.filter(user=world["reader"], kind=KIND).exists()
    # ... but not e-mailed at once, although they want e-mail at once.
    assert [m for m in mail.outbox if world["reader"].email in m.to] == []

    # A personal mention still e-mails at once, and leaves the organisation mention out.
    personal_post = _post(
        world,
        "@pekka katso tämä",
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    at_once = [m for m in mail.outbox if world["reader"].email in m.to]
    assert len(at_once) == 1
    assert personal_post.get_absolute_url() in at_once[0].body
    assert organisation_post.get_absolute_url() not in at_once[0].body
    mail.outbox.clear()

    assert send_daily_digests.call() >= 1
    digest = [m for m in mail.outbox if world["reader"].email in m.to]
    assert len(digest) == 1
    assert organisation_post.get_absolute_url() in digest[0].body
    assert world["thread"].title in digest[0].body
    # Sent once: the next digest has nothing more for them.
    mail.outbox.clear()
    send_daily_digests.call()
    assert [m for m in mail.outbox if world["reader"].email in m.to] == []


def test_an_organisation_mention_tells_only_members_who_can_read_the_thread(
    world, django_capture_on_commit_callbacks
):
    confidential = services.thread_create(
        actor=world["author"],
        category=world["category"],
        title="Vain Porvoolle ja Pekalle",
        body="1",
        publicity="confidential",
        audience_organisations=[world["author"].organisation],
    )
    _post(
        world,
        "Tiedoksi @pori",
        thread=confidential,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    assert not Notification.objects.filter(
        target_id__in=confidential.posts.values("pk"), kind=KIND
    ).exists()
    # Positive control: the same mention in a thread Pori reads tells Pori's members.
    _post(
        world,
        "Tiedoksi @pori",
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    told = set(Notification.objects.filter(kind=KIND).values_list("user", flat=True))
    assert told == {world["reader"].pk, world["colleague"].pk}


def test_an_organisation_is_told_once_until_its_members_read_it(
    world, django_capture_on_commit_callbacks
):
    for _ in range(3):
        _post(
            world,
            "Taas @pori",
            django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
        )
    assert Notification.objects.filter(user=world["reader"], kind=KIND).count() == 1
    notifications_mark_read(user=world["reader"])
    _post(
        world, "Vielä @pori", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    assert Notification.objects.filter(user=world["reader"], kind=KIND).count() == 2
    assert Notification.objects.filter(user=world["colleague"], kind=KIND).count() == 1


def test_a_post_tells_at_most_three_organisations(world, django_capture_on_commit_callbacks):
    slugs = ["espoo", "vantaa", "turku", "oulu"]
    members = {slug: UserFactory(organisation=OrganisationFactory(slug=slug)) for slug in slugs}
    _post(
        world,
        " ".join(f"@{slug}" for slug in slugs),
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    told = {
        slug for slug, member in members.items()
        if Notification.objects.filter(user=member, kind=KIND).exists()
    }  # fmt: skip
    assert told == {"espoo", "vantaa", "turku"}
