"""Least privilege for moderators, and widening a thread's audience only with
confirmation and an audit entry."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEntry, Role
from forum import services
from forum.models import Flag
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    pori = OrganisationFactory(slug="pori")
    porvoo = OrganisationFactory(slug="porvoo")
    hameenlinna = OrganisationFactory(slug="hameenlinna")
    people = {
        "steering": UserFactory(organisation=hameenlinna, roles=[Role.STEERING_GROUP]),
        "steering_moderator": UserFactory(
            organisation=pori, roles=[Role.STEERING_GROUP, Role.MODERATOR]
        ),
        "moderator": UserFactory(organisation=porvoo, roles=[Role.MODERATOR]),
        "member": UserFactory(organisation=porvoo),
        "flagger": UserFactory(organisation=hameenlinna, roles=[Role.STEERING_GROUP]),
    }
    open_category = CategoryFactory(slug="open")
    board = CategoryFactory(slug="board", read_roles=[Role.STEERING_GROUP])
    with django_capture_on_commit_callbacks(execute=True):
        secret = services.thread_create(
            actor=people["steering"],
            category=board,
            title="Hallituksen luottamuksellinen",
            body="Ohjausryhmän luonnos",
            publicity="confidential",
        )
        everyday = services.thread_create(
            actor=people["member"], category=open_category, title="Arkinen", body="Arkea"
        )
    return {**people, "open": open_category, "board": board, "secret": secret,
            "everyday": everyday, "porvoo": porvoo, "pori": pori}  # fmt: skip


def as_user(client, user):
    client.logout()
    client.force_login(user)
    return client


def test_a_moderator_outside_the_audience_reads_nothing_restricted(client, world):
    url = f"/forum/t/{world['secret'].pk}/"
    as_user(client, world["moderator"])
    assert client.get(url).status_code == 404
    assert client.get("/forum/c/board/").status_code == 404
    assert client.post(f"{url}moderate/", {"action": "hide"}).status_code == 404
    assert (
        "Hallituksen luottamuksellinen" not in client.get("/search/?q=hallituksen").content.decode()
    )
    as_user(client, world["steering_moderator"])
    assert client.get(url).status_code == 200
    assert "Hallituksen luottamuksellinen" in client.get("/search/?q=hallituksen").content.decode()


def test_the_queue_lists_only_flags_the_moderator_may_read(client, world):
    post = world["secret"].posts.get()
    services.flag_create(actor=world["flagger"], post=post, reason="Tarkista")
    services.flag_create(
        actor=world["flagger"], post=world["everyday"].posts.get(), reason="Arkinen lippu"
    )
    flag = Flag.objects.get(post=post)

    queue = as_user(client, world["moderator"]).get("/forum/moderation/").content.decode()
    assert "Arkinen lippu" in queue
    assert "Tarkista" not in queue
    assert "Hallituksen luottamuksellinen" not in queue
    assert client.post(f"/forum/moderation/flags/{flag.pk}/dismiss/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.post_set_hidden(actor=world["moderator"], post=post, hidden=True)

    queue = as_user(client, world["steering_moderator"]).get("/forum/moderation/").content.decode()
    assert "Tarkista" in queue
    assert client.post(f"/forum/moderation/flags/{flag.pk}/dismiss/").status_code == 302


def test_the_queue_keeps_its_query_count(client, world, django_assert_max_num_queries):
    as_user(client, world["moderator"])
    threads = [
        services.thread_create(
            actor=world["member"], category=world["open"], title=f"T{n}", body="x"
        )
        for n in range(6)
    ]
    services.flag_create(actor=world["flagger"], post=threads[0].posts.get(), reason="r")
    with django_assert_max_num_queries(100) as small:
        client.get("/forum/moderation/")
    for thread in threads[1:]:
        services.flag_create(actor=world["flagger"], post=thread.posts.get(), reason="r")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/forum/moderation/").content.decode().count("r”") >= 6


def test_a_moderator_cannot_move_a_thread_where_they_cannot_read(client, world):
    as_user(client, world["moderator"])
    response = client.post(
        f"/forum/t/{world['everyday'].pk}/moderate/",
        {"action": "move", "category": world["board"].pk, "confirm_widen": "on"},
    )
    assert response.status_code == 404
    world["everyday"].refresh_from_db()
    assert world["everyday"].category_id == world["open"].pk
    with pytest.raises(PermissionDenied):
        services.thread_moderate(
            actor=world["moderator"], thread=world["everyday"], category=world["board"]
        )


def test_moving_a_restricted_thread_out_needs_confirmation_and_is_audited(client, world):
    thread = world["secret"]
    moderator = world["steering_moderator"]
    with pytest.raises(ValidationError):
        services.thread_moderate(actor=moderator, thread=thread, category=world["open"])
    thread.refresh_from_db()
    assert thread.category_id == world["board"].pk

    as_user(client, moderator)
    url = f"/forum/t/{thread.pk}/moderate/"
    client.post(url, {"action": "move", "category": world["open"].pk})
    thread.refresh_from_db()
    assert thread.category_id == world["board"].pk

    client.post(url, {"action": "move", "category": world["open"].pk, "confirm_widen": "on"})
    thread.refresh_from_db()
    assert thread.category_id == world["open"].pk
    entry = AuditEntry.objects.filter(target=f"thread:{thread.pk}").latest("id")
    assert entry.action == AuditEntry.Action.MODERATION
    assert entry.actor == moderator
    assert entry.data["widened"] is True
    assert entry.data["from"]["category"] == "board"
    assert entry.data["from"]["category_roles"] == [Role.STEERING_GROUP]
    assert entry.data["to"]["category"] == "open"


def test_narrowing_needs_no_confirmation(world):
    thread = services.thread_moderate(
        actor=world["steering_moderator"], thread=world["everyday"], category=world["board"]
    )
    assert thread.category_id == world["board"].pk


def test_widening_the_audience_needs_confirmation_and_is_audited(client, world):
    author = world["steering"]
    thread = services.thread_create(
        actor=author,
        category=world["open"],
        title="Hämeenlinnan oma",
        body="x",
        publicity="confidential",
    )
    outsider = world["member"]
    as_user(client, outsider)
    assert client.get(f"/forum/t/{thread.pk}/").status_code == 404

    with pytest.raises(ValidationError):
        services.thread_audience_set(
            actor=author,
            thread=thread,
            publicity="confidential",
            organisations=[author.organisation, world["porvoo"]],
        )
    for publicity in ["internal", "public"]:
        with pytest.raises(ValidationError):
            services.thread_audience_set(actor=author, thread=thread, publicity=publicity)

    as_user(client, author)
    form = client.get(f"/forum/t/{thread.pk}/audience/")
    assert form.status_code == 200
    refused = client.post(
        f"/forum/t/{thread.pk}/audience/",
        {"publicity": "confidential", "audience_organisations": [author.organisation_id,
                                                                 world["porvoo"].pk]},
    )  # fmt: skip
    assert refused.status_code == 400
    done = client.post(
        f"/forum/t/{thread.pk}/audience/",
        {
            "publicity": "confidential",
            "audience_organisations": [author.organisation_id, world["porvoo"].pk],
            "confirm_widen": "on",
        },
    )
    assert done.status_code == 302
    entry = AuditEntry.objects.filter(target=f"thread:{thread.pk}").latest("id")
    assert entry.data["widened"] is True
    assert entry.data["to"]["audience"] == sorted(
        [f"org:{author.organisation_id}", f"org:{world['porvoo'].pk}", f"user:{author.pk}"]
    )
    as_user(client, outsider)
    assert client.get(f"/forum/t/{thread.pk}/").status_code == 200


def test_only_the_author_and_the_threads_moderators_change_the_audience(world):
    with pytest.raises(PermissionDenied):
        services.thread_audience_set(
            actor=world["flagger"], thread=world["everyday"], publicity="confidential"
        )
    with pytest.raises(PermissionDenied):
        services.thread_audience_set(
            actor=world["moderator"], thread=world["secret"], publicity="internal",
            confirm_widen=True,
        )  # fmt: skip
