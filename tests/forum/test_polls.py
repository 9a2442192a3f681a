"""Polls in threads: per person or per city, open and close times, results live or
after closing, exports, all under the thread's read rule."""

import csv
import io
import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from forum import services
from forum.models import Poll, PollBallot, ThreadEvent
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory
from tests.forum.conftest import connect, receive
from tests.queries import CATEGORY_RULES


@pytest.fixture
def cities(db):
    pori = OrganisationFactory(slug="pori", name_fi="Pori", name_en="Pori")
    porvoo = OrganisationFactory(slug="porvoo", name_fi="Porvoo", name_en="Porvoo")
    people = {
        "pori_lead": UserFactory(
            organisation=pori, display_name="Pia Lead", roles=[Role.ICT_LEAD, Role.STEERING_GROUP]
        ),
        "pori_substitute": UserFactory(
            organisation=pori, roles=[Role.ICT_LEAD_SUBSTITUTE, Role.STEERING_GROUP]
        ),
        "pori_expert": UserFactory(organisation=pori, roles=[Role.STEERING_GROUP]),
        "porvoo_lead": UserFactory(organisation=porvoo, roles=[Role.ICT_LEAD, Role.STEERING_GROUP]),
        "outsider": UserFactory(organisation=porvoo, roles=[Role.ICT_LEAD]),
    }
    board = CategoryFactory(slug="board", read_roles=[Role.STEERING_GROUP])
    thread = services.thread_create(
        actor=people["pori_lead"],
        category=board,
        title="Kysely",
        body="Vastatkaa",
        publicity="internal",
    )
    return {**people, "thread": thread}


def city_poll(cities, **kwargs) -> Poll:
    return services.poll_create(
        actor=cities["pori_lead"],
        thread=cities["thread"],
        question="Otetaanko yhteinen asianhallinta?",
        options=["Kyllä", "Ei", "Ei vielä tiedossa"],
        voters=Poll.Voters.CITY,
        **kwargs,
    )


def option(poll, text):
    return poll.options.get(text=text).pk


@pytest.mark.django_db
def test_a_city_answers_once_and_its_other_lead_sees_it(client, cities):
    poll = city_poll(cities)
    client.force_login(cities["pori_lead"])
    response = client.post(f"/forum/polls/{poll.pk}/vote/", {"option": option(poll, "Kyllä")})
    assert response.status_code == 302
    client.force_login(cities["pori_substitute"])
    page = client.get(cities["thread"].get_absolute_url()).content.decode()
    assert "Your city has already answered (by Pia Lead)." in page
    assert f'action="/forum/polls/{poll.pk}/vote/"' not in page
    # Sent anyway (a page opened before the answer): refused, with the choice kept.
    response = client.post(f"/forum/polls/{poll.pk}/vote/", {"option": option(poll, "Ei")})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Pia Lead has already answered for your city." in page
    assert f'value="{option(poll, "Ei")}" checked' in page
    assert PollBallot.objects.get().user == cities["pori_lead"]
    # An expert without the city's role does not answer for it.
    client.force_login(cities["pori_expert"])
    response = client.post(
        f"/forum/polls/{poll.pk}/vote/",
        {"option": option(poll, "Ei")},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert "ICT lead" in response.json()["errors"][0]
    client.force_login(cities["porvoo_lead"])
    client.post(f"/forum/polls/{poll.pk}/vote/", {"option": option(poll, "Ei")})
    page = client.get(cities["thread"].get_absolute_url()).content.decode()
    assert "Cities that answered: Pori, Porvoo" in page
    assert "1 answer (50 %)" in page


@pytest.mark.django_db
def test_single_choice_open_and_close_times(cities):
    now = timezone.now()
    poll = city_poll(cities)
    with pytest.raises(ValidationError, match="only one"):
        services.poll_vote(
            actor=cities["pori_lead"],
            poll=poll,
            option_ids=[option(poll, "Kyllä"), option(poll, "Ei")],
        )
    later = city_poll(cities, opens_at=now + timedelta(hours=1), closes_at=now + timedelta(hours=2))
    with pytest.raises(ValidationError, match="not opened"):
        services.poll_vote(actor=cities["pori_lead"], poll=later, option_ids=[option(later, "Ei")])
    Poll.objects.filter(pk=later.pk).update(
        opens_at=now - timedelta(hours=2), closes_at=now - timedelta(hours=1)
    )
    later.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        services.poll_vote(actor=cities["pori_lead"], poll=later, option_ids=[option(later, "Ei")])
    assert not PollBallot.objects.exists()


@pytest.mark.django_db
def test_results_after_closing_are_hidden_until_then(client, cities):
    now = timezone.now()
    poll = services.poll_create(
        actor=cities["pori_lead"],
        thread=cities["thread"],
        question="Mikä päivä sopii?",
        options=["Maanantai", "Tiistai"],
        kind=Poll.Kind.MULTIPLE,
        results=Poll.Results.AFTER_CLOSE,
        closes_at=now + timedelta(days=1),
    )
    services.poll_vote(
        actor=cities["pori_expert"],
        poll=poll,
        option_ids=[option(poll, "Maanantai"), option(poll, "Tiistai")],
    )
    assert not ThreadEvent.objects.filter(frame__contains="poll.results").exists()
    client.force_login(cities["porvoo_lead"])
    page = client.get(cities["thread"].get_absolute_url()).content.decode()
    assert "The results are shown once the poll has closed." in page
    assert "1 answer" not in page
    assert client.get(f"/forum/polls/{poll.pk}/export.csv").status_code == 403
    Poll.objects.filter(pk=poll.pk).update(closes_at=now - timedelta(minutes=1))
    page = client.get(cities["thread"].get_absolute_url()).content.decode()
    assert "1 answer (100 %)" in page
    response = client.get(f"/forum/polls/{poll.pk}/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Choice", "Answers", "Share (%)"],
        ["Maanantai", "1", "100"],
        ["Tiistai", "1", "100"],
    ]


@pytest.mark.django_db
def test_a_restricted_threads_poll_and_its_export_stay_with_its_readers(client, cities):
    poll = city_poll(cities)
    services.poll_vote(actor=cities["pori_lead"], poll=poll, option_ids=[option(poll, "Kyllä")])
    for outsider in [cities["outsider"], None]:
        client.logout()
        if outsider is not None:
            client.force_login(outsider)
        for url in [f"/forum/polls/{poll.pk}/export.csv", f"/forum/polls/{poll.pk}/export.xlsx"]:
            response = client.get(url)
            assert response.status_code in {302, 404}, url
            assert b"Pori" not in response.content
        response = client.post(f"/forum/polls/{poll.pk}/vote/", {"option": option(poll, "Ei")})
        assert response.status_code in {302, 404}
    assert PollBallot.objects.count() == 1
    client.force_login(cities["porvoo_lead"])
    response = client.get(f"/forum/polls/{poll.pk}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]][:3] == ["Pori", "Kyllä", "Pia Lead"]


@pytest.mark.django_db
def test_only_the_author_and_moderators_add_polls(client, cities):
    client.force_login(cities["pori_expert"])
    url = f"/forum/t/{cities['thread'].pk}/polls/new/"
    assert client.get(url).status_code == 403
    client.force_login(cities["pori_lead"])
    response = client.post(
        url,
        {
            "question": "Sopiiko?",
            "options": "Kyllä\nEi",
            "kind": "single",
            "voters": "person",
            "results": "live",
        },
    )
    assert response.status_code == 302
    assert list(Poll.objects.get().options.values_list("text", flat=True)) == ["Kyllä", "Ei"]
    response = client.post(
        url,
        {
            "question": "Yksi",
            "options": "Vain",
            "kind": "single",
            "voters": "person",
            "results": "live",
        },
    )
    assert response.status_code == 400
    assert "Give at least two choices." in response.content.decode()


@pytest.mark.django_db
def test_a_live_vote_sends_the_results_frame(cities, django_capture_on_commit_callbacks):
    poll = city_poll(cities)
    with django_capture_on_commit_callbacks() as callbacks:
        services.poll_vote(actor=cities["pori_lead"], poll=poll, option_ids=[option(poll, "Kyllä")])
    assert callbacks
    frame = json.loads(ThreadEvent.objects.filter(thread=cities["thread"]).latest("seq").frame)
    assert frame["type"] == "poll.results"
    assert frame["poll"] == poll.pk
    assert "html" not in frame


@pytest.mark.django_db
def test_live_results_come_in_each_viewers_language_and_only_to_readers(client, cities):
    """The frame names the poll; the results are fetched as this viewer reads them."""
    pori = cities["pori_lead"].organisation
    pori.name_sv = "Björneborg"
    pori.save()
    poll = city_poll(cities)
    services.poll_vote(actor=cities["pori_lead"], poll=poll, option_ids=[option(poll, "Kyllä")])
    url = reverse("forum:thread_fragments", args=[cities["thread"].pk])
    client.force_login(cities["porvoo_lead"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    html = client.get(url, {"poll": poll.pk}).json()["polls"][str(poll.pk)]
    assert "Björneborg" in html
    assert "Pori" not in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    assert "Pori" in client.get(url, {"poll": poll.pk}).json()["polls"][str(poll.pk)]
    client.force_login(cities["outsider"])
    assert client.get(url, {"poll": poll.pk}).status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_subscribers_get_poll_results_live(cities):
    poll = await sync_to_async(city_poll)(cities)
    thread = cities["thread"]
    await sync_to_async(thread.refresh_from_db)()
    communicator, connected, _ = await connect(cities["porvoo_lead"])
    assert connected
    await communicator.send_json_to(
        {"type": "subscribe", "thread": thread.pk, "after": thread.event_seq}
    )
    assert (await receive(communicator))["type"] == "subscribed"
    kylla = await sync_to_async(option)(poll, "Kyllä")
    await sync_to_async(services.poll_vote)(
        actor=cities["pori_lead"], poll=poll, option_ids=[kylla]
    )
    event = await receive(communicator)
    while event["type"] == "presence":
        event = await receive(communicator)
    assert event["type"] == "poll.results"
    assert event == {
        "type": "poll.results",
        "thread": thread.pk,
        "seq": event["seq"],
        "poll": poll.pk,
    }
    await communicator.disconnect()
    # Nobody outside the category gets it.
    communicator, connected, _ = await connect(cities["outsider"])
    assert connected
    await communicator.send_json_to({"type": "subscribe", "thread": thread.pk, "after": 0})
    refused = await receive(communicator)
    assert refused["type"] != "subscribed"
    await communicator.disconnect()


@pytest.mark.django_db
def test_the_thread_page_with_polls_keeps_its_query_count(
    client, cities, django_assert_num_queries
):
    client.force_login(cities["porvoo_lead"])
    url = cities["thread"].get_absolute_url()

    def add_polls(count):
        for _ in range(count):
            poll = city_poll(cities)
            services.poll_vote(
                actor=cities["pori_lead"], poll=poll, option_ids=[option(poll, "Kyllä")]
            )

    add_polls(1)
    client.get(url)
    with django_assert_num_queries(QUERIES_WITH_POLLS) as small:
        client.get(url)
    add_polls(4)
    with django_assert_num_queries(QUERIES_WITH_POLLS + 4 * QUERIES_PER_POLL):
        client.get(url)
    assert small


# Results of a poll shown are counted with two queries (its answers and their
# choices); a thread holds a few polls, not a page of them.
QUERIES_PER_POLL = 2
QUERIES_WITH_POLLS = 11 + CATEGORY_RULES
