"""The composer: server preview, @mention candidates, several attachments with
thumbnails, drafts of new threads and "New thread" from the forum's index."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Role
from forum import services
from forum.models import Attachment, Draft, Thread
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory
from tests.queries import CATEGORY_RULES

pytestmark = pytest.mark.django_db


def picture(name="kuva.png", size=(1200, 800), colour=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def people():
    porvoo = OrganisationFactory(slug="porvoo", name_fi="Porvoo", name_sv="Borgå")
    pori = OrganisationFactory(slug="pori", name_fi="Pori", name_sv="Björneborg")
    return {
        "asa": UserFactory(organisation=porvoo, display_name="Åsa Söderström", handle="asa-s"),
        "liisa": UserFactory(organisation=pori, display_name="Liisa Koskinen", handle="liisa-k"),
        "gone": UserFactory(
            organisation=pori, display_name="Åke Sörensen", handle="ake-s", is_active=False
        ),
        "steering": UserFactory(organisation=pori, roles=[Role.STEERING_GROUP]),
        "guest": UserFactory(organisation=None, display_name="Åsa Vieras", handle="asa-v"),
    }


@pytest.fixture
def thread(people):
    return services.thread_create(
        actor=people["liisa"],
        category=CategoryFactory(slug="yleinen"),
        title="Tervetuloa",
        body="Alku",
        publicity="internal",
    )


def test_preview_is_the_posts_own_rendering(client, people):
    client.force_login(people["liisa"])
    response = client.post(
        "/forum/preview/",
        {"body": "**Tärkeää** @asa-s <script>alert(1)</script> [x](javascript:alert(1))"},
    )
    assert response.status_code == 200
    html = response.json()["html"]
    assert "<strong>Tärkeää</strong>" in html
    assert f'href="/members/{people["asa"].pk}/"' in html
    assert "<script" not in html
    assert 'href="javascript' not in html


def test_preview_is_for_members_only(client, people):
    assert client.post("/forum/preview/", {"body": "x"})["Location"].startswith("/sign-in/")
    client.force_login(people["guest"])
    assert client.post("/forum/preview/", {"body": "x"}).status_code == 403
    client.force_login(people["liisa"])
    assert client.post("/forum/preview/", {"body": "x"}).status_code == 200


def test_preview_without_javascript_keeps_the_text_and_posts_nothing(client, people, thread):
    client.force_login(people["asa"])
    response = client.post(f"/forum/t/{thread.pk}/reply/", {"body": "Hei *kaikki*", "preview": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<em>kaikki</em>" in page
    assert "Hei *kaikki*</textarea>" in page
    assert thread.posts.count() == 1


def test_the_reply_form_shows_each_request_its_own_preview_and_target(client, people, thread):
    client.force_login(people["asa"])
    preview = re.compile(r'<section class="preview"[^>]*>')
    page = client.get(f"/forum/t/{thread.pk}/").content.decode()  # the kept form's parts
    assert "hidden" in preview.search(page).group(0)
    assert 'name="reply_to" value="1"' not in page
    response = client.post(f"/forum/t/{thread.pk}/reply/", {"body": "Hei *kaikki*", "preview": "1"})
    shown = response.content.decode()
    assert "hidden" not in preview.search(shown).group(0) and "<em>kaikki</em>" in shown
    replying = client.get(f"/forum/t/{thread.pk}/?reply_to=1").content.decode()
    assert '<input type="hidden" name="reply_to" value="1">' in replying
    assert "hidden" in preview.search(replying).group(0) and "<em>kaikki</em>" not in replying
    assert replying.count(f'action="/forum/t/{thread.pk}/reply/"') == 1


@pytest.mark.parametrize("typed", ["asa", "Åsa", "soder", "SÖDER", "@asa"])
def test_mentions_find_people_whatever_accents_are_typed(client, people, typed):
    client.force_login(people["liisa"])
    results = client.get("/forum/mentions/", {"q": typed}).json()["results"]
    assert {"kind": "person", "handle": "asa-s", "name": "Åsa Söderström", "detail": "Porvoo"} in (
        results
    )


def test_mentions_find_organisations_by_their_swedish_name(client, people):
    client.force_login(people["liisa"])
    results = client.get("/forum/mentions/", {"q": "borga"}).json()["results"]
    assert [r["handle"] for r in results] == ["porvoo"]


def test_mentions_offer_no_one_a_profile_would_not_show(client, people):
    client.force_login(people["liisa"])
    handles = [r["handle"] for r in client.get("/forum/mentions/", {"q": "s"}).json()["results"]]
    assert "asa-s" in handles
    # Deactivated, and outside every member organisation:
    assert "ake-s" not in handles
    assert "asa-v" not in handles
    client.force_login(people["guest"])
    assert client.get("/forum/mentions/", {"q": "asa"}).json()["results"] == []
    client.logout()
    assert client.get("/forum/mentions/", {"q": "asa"})["Location"].startswith("/sign-in/")


def test_several_pictures_get_thumbnails_under_the_posts_read_rule(client, people, settings):
    board = CategoryFactory(slug="board", read_roles=[Role.STEERING_GROUP])
    thread = services.thread_create(
        actor=people["steering"],
        category=board,
        title="Kaaviot",
        body="Liitteenä",
        publicity="internal",
        uploads=[picture("yksi.png"), picture("kaksi.png", colour=(0, 90, 200))],
    )
    attachments = list(thread.posts.get().attachments.order_by("pk"))
    assert [a.original_name for a in attachments] == ["yksi.png", "kaksi.png"]
    client.force_login(people["steering"])
    page = client.get(thread.get_absolute_url()).content.decode()
    for attachment in attachments:
        assert (
            f'<a href="{attachment.get_absolute_url()}"><img src="{attachment.get_thumbnail_url()}"'
            in page
        )
        response = client.get(attachment.get_thumbnail_url())
        assert response.status_code == 200
        assert response["Content-Type"] == "image/webp"
        with Image.open(io.BytesIO(content(response))) as thumbnail:
            assert max(thumbnail.size) == 480
    for outsider in [people["liisa"], None]:
        client.logout()
        if outsider:
            client.force_login(outsider)
        assert client.get(attachments[0].get_thumbnail_url()).status_code == 404
    thumbnail_file = Path(settings.MEDIA_ROOT) / attachments[0].thumbnail.name
    assert thumbnail_file.exists()


def test_deleting_the_post_removes_its_thumbnails(
    people, thread, settings, django_capture_on_commit_callbacks
):
    post = services.post_create(
        actor=people["asa"], thread=thread, body="Kuva", uploads=[picture()]
    )
    attachment = post.attachments.get()
    thumbnail_file = Path(settings.MEDIA_ROOT) / attachment.thumbnail.name
    assert thumbnail_file.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_delete(actor=people["asa"], post=post)
    assert not thumbnail_file.exists()


def test_too_many_files_are_refused_and_nothing_is_kept(client, people, thread):
    client.force_login(people["asa"])
    response = client.post(
        f"/forum/t/{thread.pk}/reply/",
        {
            "body": "Paljon kuvia",
            "attachment": [picture(f"{n}.png", size=(4, 4)) for n in range(11)],
        },
    )
    assert response.status_code == 400
    assert "Paljon kuvia</textarea>" in response.content.decode()
    assert thread.posts.count() == 1
    assert not Attachment.objects.exists()
    response = client.post(
        f"/forum/t/{thread.pk}/reply/",
        {"body": "Kaksi kuvaa", "attachment": [picture("a.png"), picture("b.png")]},
    )
    assert response.status_code == 302
    assert thread.posts.last().attachments.count() == 2


def test_a_new_threads_draft_comes_back_after_a_reload(client, people):
    CategoryFactory(slug="yleinen")
    board = CategoryFactory(slug="board", read_roles=[Role.STEERING_GROUP])
    client.force_login(people["liisa"])
    response = client.post(
        "/forum/new/draft/", {"title": "Uusi aihe", "body": "Kesken jäi", "category": board.pk}
    )
    assert response.status_code == 200
    draft = Draft.objects.get(user=people["liisa"], thread=None)
    # A category where she may not start threads is not kept.
    assert draft.category is None
    yleinen = CategoryFactory(slug="yleinen")
    client.post(
        "/forum/new/draft/", {"title": "Uusi aihe", "body": "Kesken jäi", "category": yleinen.pk}
    )
    page = client.get("/forum/new/").content.decode()
    assert 'value="Uusi aihe"' in page
    assert "Kesken jäi</textarea>" in page
    assert f'<option value="{yleinen.pk}" selected>' in page
    # Nobody else sees it.
    client.force_login(people["asa"])
    assert "Kesken jäi" not in client.get("/forum/new/").content.decode()
    client.force_login(people["liisa"])
    response = client.post(
        "/forum/new/",
        {"category": yleinen.pk, "title": "Uusi aihe", "body": "Valmis", "publicity": "internal"},
    )
    assert response.status_code == 302
    assert not Draft.objects.filter(user=people["liisa"]).exists()


def test_new_thread_from_the_index_offers_only_categories_where_one_may_start(client, people):
    open_category = CategoryFactory(slug="yleinen", name_fi="Yleinen", name_en="Yleinen")
    CategoryFactory(
        slug="paatokset",
        name_fi="Päätökset",
        name_en="Päätökset",
        start_roles=[Role.STEERING_GROUP],
    )
    client.force_login(people["liisa"])
    assert 'href="/forum/new/"' in client.get("/forum/").content.decode()
    page = client.get("/forum/new/").content.decode()
    assert "Yleinen" in page
    assert "Päätökset" not in page
    paatokset = CategoryFactory(slug="paatokset")
    response = client.post(
        "/forum/new/",
        {"category": paatokset.pk, "title": "Ohi", "body": "x", "publicity": "internal"},
    )
    assert response.status_code == 400
    assert not Thread.objects.exists()
    client.force_login(people["steering"])
    assert "Päätökset" in client.get("/forum/new/").content.decode()
    response = client.post(
        "/forum/new/",
        {"category": open_category.pk, "title": "Aihe", "body": "x", "publicity": "internal"},
    )
    assert Thread.objects.get().category == open_category
    # Anonymous visitors get no such link.
    client.logout()
    assert 'href="/forum/new/"' not in client.get("/forum/").content.decode()


def test_the_thread_page_with_pictures_keeps_its_query_count(
    client, people, thread, django_assert_num_queries
):
    client.force_login(people["asa"])

    def add_posts(count):
        for _ in range(count):
            services.post_create(
                actor=people["liisa"], thread=thread, body="Kuva", uploads=[picture(size=(8, 8))]
            )

    add_posts(2)
    client.get(thread.get_absolute_url())  # the read mark's first write
    with django_assert_num_queries(QUERIES_THREAD_PAGE):
        client.get(thread.get_absolute_url())
    add_posts(20)
    client.get(thread.get_absolute_url())
    with django_assert_num_queries(QUERIES_THREAD_PAGE):
        client.get(thread.get_absolute_url())


# The page's queries (the session, the member with their roles in one query);
# the thread's tags, the viewer's reading state, draft, tracking level and
# whether the thread has polls come with its row; the posts' people are read once
# for the page, their attachments only when a post has some.
QUERIES_THREAD_PAGE = 7 + CATEGORY_RULES


def test_the_reply_fields_hold_the_members_own_draft_and_their_language(client, people):
    category = CategoryFactory(slug="ict")
    thread = services.thread_create(
        actor=people["liisa"], category=category, title="Kalenteri", body="Aloitus"
    )
    services.draft_save(actor=people["liisa"], thread=thread, body="Liisan kesken jäänyt vastaus")

    def textarea(user, language="fi") -> str:
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        html = client.get(f"/forum/t/{thread.pk}/").content.decode()
        reply = html[html.index('id="reply"') :]
        return reply[reply.index("<textarea") : reply.index("</textarea>")]

    assert "Liisan kesken jäänyt vastaus" in textarea(people["liisa"])
    for _round in range(2):  # the second time from the fields kept for everyone
        assert "Liisan" not in textarea(people["asa"])
    assert "Liisan kesken jäänyt vastaus" in textarea(people["liisa"])
    client.force_login(people["asa"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    swedish = client.get(f"/forum/t/{thread.pk}/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    finnish = client.get(f"/forum/t/{thread.pk}/").content.decode()
    assert "Ditt meddelande" in swedish and "Ditt meddelande" not in finnish
