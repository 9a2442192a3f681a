"""A post's controls are the server's answer for each viewer, on the page and in the
fragments live updates bring; reactions render the same way everywhere."""

import re

import pytest
from django.test import Client

from accounts.models import Role
from accounts.services import member_anonymise
from forum import permissions, services
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory
from tests.forum.test_composer import picture
from tests.queries import CATEGORY_RULES

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    pori = OrganisationFactory(slug="pori")
    porvoo = OrganisationFactory(slug="porvoo")
    category = CategoryFactory(slug="ict")
    author = UserFactory(organisation=pori, handle="liisa", display_name="Liisa Koskinen")
    member = UserFactory(organisation=porvoo, handle="johan", display_name="Johan Berg")
    moderator = UserFactory(organisation=pori, handle="mod", roles=[Role.MODERATOR])
    thread = services.thread_create(
        actor=author, category=category, title="Shared GIS", body="first", publicity="public"
    )
    reply = services.post_create(actor=member, thread=thread, body="a reply")
    return {
        "author": author,
        "member": member,
        "moderator": moderator,
        "thread": thread,
        "first": thread.posts.get(number=1),
        "reply": reply,
    }


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post_html(page: str, number: int) -> str:
    match = re.search(rf'<article[^>]*id="post-{number}".*?</article>', page, re.S)
    assert match, f"post #{number} is not on the page"
    return match.group(0)


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def actions_of(html: str) -> set[str]:
    return set(re.findall(r'data-action="([a-z-]+)"', html))


def test_post_actions_agree_with_the_rules(world):
    from django.contrib.auth.models import AnonymousUser

    thread = world["thread"]
    for user in [AnonymousUser(), world["author"], world["member"], world["moderator"]]:
        for post in [world["first"], world["reply"]]:
            post.thread = thread
            actions = permissions.post_actions(user, post)
            assert actions.edit == permissions.can_edit_post(user, post)
            assert actions.delete == permissions.can_delete_post(user, post)
            assert actions.flag == permissions.can_flag(user, post)
            assert actions.react == permissions.can_react(user, post)
            assert actions.reply == permissions.can_post(user, thread)
            assert actions.hide == permissions.can_moderate_thread(user, thread)
            assert actions.mark_solution == (
                post.number > 1 and permissions.can_mark_solution(user, thread)
            )


def test_each_viewer_gets_their_own_controls_on_the_page(world):
    url = world["thread"].get_absolute_url()
    moderator_page = client_for(world["moderator"]).get(url).content.decode()
    member_page = client_for(world["member"]).get(url).content.decode()
    author_page = client_for(world["author"]).get(url).content.decode()
    anonymous_page = client_for(None).get(url).content.decode()

    # The moderator may hide and edit anyone's post; a member may not.
    assert {"hide", "edit", "delete", "flag", "reply", "react"} <= actions_of(
        post_html(moderator_page, 2)
    )
    assert actions_of(post_html(member_page, 1)) == {"reply", "react", "more", "flag"}
    # A member edits their own post but does not flag it.
    assert {"edit", "delete"} <= actions_of(post_html(member_page, 2))
    assert "flag" not in actions_of(post_html(member_page, 2))
    assert "hide" not in actions_of(post_html(member_page, 2))
    # The thread's author may mark the reply as the answer; the member may not.
    assert "mark-solution" in actions_of(post_html(author_page, 2))
    assert "mark-solution" not in actions_of(post_html(member_page, 2))
    assert actions_of(post_html(anonymous_page, 2)) == set()


def test_a_post_has_at_most_three_tab_stops_besides_its_text(world):
    page = client_for(world["moderator"]).get(world["thread"].get_absolute_url()).content.decode()
    html = post_html(page, 2)
    # Outside the toolbar (a single tab stop) only the author and the permalink.
    outside = re.sub(r'<div class="post-actions".*?</div>\s*</article>', "", html, flags=re.S)
    outside = re.sub(r'<div class="post-body">.*?</div>', "", outside, flags=re.S)
    assert len(re.findall(r"<(a|button|summary)\b", outside)) == 2
    assert 'role="toolbar"' in html


def test_fragments_render_posts_for_the_viewer_who_asks(world):
    thread = world["thread"]
    url = f"/forum/t/{thread.pk}/fragments/?posts={world['reply'].pk}&after=1&state=1"
    for_moderator = client_for(world["moderator"]).get(url).json()
    for_member = client_for(world["member"]).get(url).json()

    [moderated] = for_moderator["posts"]
    [own] = for_member["posts"]
    assert moderated["id"] == own["id"] == world["reply"].pk
    assert "hide" in actions_of(moderated["html"])
    assert "hide" not in actions_of(own["html"])
    assert 'action="lock"' not in for_member["state"]["moderation"]
    assert 'value="lock"' in for_moderator["state"]["moderation"]
    assert 'data-state="form"' in for_member["state"]["reply_area"]


def test_a_locked_thread_gives_the_locked_notice_and_no_reply_to_members(world):
    thread = world["thread"]
    services.thread_moderate(actor=world["moderator"], thread=thread, locked=True)
    url = f"/forum/t/{thread.pk}/fragments/?posts={world['reply'].pk}&state=1"
    for_member = client_for(world["member"]).get(url).json()
    for_moderator = client_for(world["moderator"]).get(url).json()
    assert 'data-state="locked"' in for_member["state"]["reply_area"]
    assert "reply" not in actions_of(for_member["posts"][0]["html"])
    assert 'data-state="form"' in for_moderator["state"]["reply_area"]
    assert "reply" in actions_of(for_moderator["posts"][0]["html"])
    assert "data-locked" in for_member["state"]["thread_header"]


def test_fragments_of_a_restricted_thread_reach_only_its_readers(world):
    steering = CategoryFactory(slug="sg", read_roles=[Role.STEERING_GROUP])
    board = UserFactory(organisation=world["member"].organisation, roles=[Role.STEERING_GROUP])
    secret = services.thread_create(
        actor=board, category=steering, title="Board", body="budget talk"
    )
    url = f"/forum/t/{secret.pk}/fragments/?after=0&state=1"
    assert client_for(world["member"]).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 404
    shown = client_for(board).get(url)
    assert shown.status_code == 200
    assert "budget talk" in shown.json()["posts"][0]["html"]


def test_reactions_show_emoji_count_who_and_your_own(world):
    reply = world["reply"]
    services.reaction_toggle(actor=world["author"], post=reply, kind="thumbs_up")
    services.reaction_toggle(actor=world["moderator"], post=reply, kind="thumbs_up")
    url = world["thread"].get_absolute_url()

    for_author = post_html(client_for(world["author"]).get(url).content.decode(), 2)
    for_member = post_html(client_for(world["member"]).get(url).content.decode(), 2)
    fragment = (
        client_for(world["author"])
        .get(f"/forum/t/{world['thread'].pk}/fragments/?posts={reply.pk}")
        .json()["posts"][0]["html"]
    )

    assert "thumbs_up: " not in for_author
    chip = re.search(r'<span class="reaction-chip".*?</span>\s*</span>', for_author, re.S).group(0)
    assert "👍" in chip and " 2</button>" in chip
    assert 'aria-pressed="true"' in chip
    assert "Liisa Koskinen" in chip
    member_chip = re.search(r'<span class="reaction-chip".*?</span>\s*</span>', for_member, re.S)
    assert 'aria-pressed="false"' in member_chip.group(0)
    # Page load and live update render the same partial.
    assert without_tokens(chip) in without_tokens(fragment)


@pytest.mark.parametrize("posts", [3, 120])
def test_thread_page_and_fragments_queries_are_pinned(world, posts, django_assert_num_queries):
    thread = world["thread"]
    for n in range(posts - 2):
        post = services.post_create(actor=world["member"], thread=thread, body=f"post {n}")
        services.reaction_toggle(actor=world["author"], post=post, kind="heart")
    client = client_for(world["member"])
    with django_assert_num_queries(THREAD_PAGE_QUERIES):
        client.get(f"/forum/t/{thread.pk}/?page=last")
    with django_assert_num_queries(FRAGMENT_QUERIES):
        client.get(f"/forum/t/{thread.pk}/fragments/?after=0&state=1")


# The session, and the member with their roles in one query;
# the page is read by its post numbers (no count of the thread's posts), its tags
# and the viewer's own state of it with the thread, a thread's and category's
# access lists only when the rules need them, and the read marker is written
# only when it moves.
THREAD_PAGE_QUERIES = 7 + CATEGORY_RULES
FRAGMENT_QUERIES = 6 + CATEGORY_RULES


def test_the_keyboard_help_page_is_linked_from_the_thread_and_speaks_each_language(world):
    client = client_for(world["member"])
    page = client.get(f"/forum/t/{world['thread'].pk}/").content.decode()
    assert 'data-help-url="/forum/keyboard/"' in page
    assert 'href="/forum/keyboard/"' in page
    for language, words in [("fi", "Seuraava viesti"), ("sv", "Nästa inlägg"), ("en", "Next post")]:
        response = Client().get("/forum/keyboard/", headers={"accept-language": language})
        assert words in response.content.decode()


def test_the_reply_form_names_the_last_page_the_browser_goes_to_after_sending(world):
    client = client_for(world["member"])
    thread = world["thread"]
    page = client.get(f"/forum/t/{thread.pk}/").content.decode()
    url = re.search(r'data-last-page-url="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert url == f"/forum/t/{thread.pk}/?page=last"
    assert "a reply" in client.get(url).content.decode()


def test_pages_are_read_by_post_number_tombstones_included(world):
    """Page n shows posts 50(n-1)+1 to 50n: a deleted post keeps its place as a
    tombstone, so later posts do not shift pages (links to #post-n stay right)."""
    thread = world["thread"]
    for n in range(3, 56):
        services.post_create(actor=world["member"], thread=thread, body=f"post {n}")
    services.post_delete(actor=world["member"], post=thread.posts.get(number=10))
    client = client_for(world["member"])
    first = client.get(f"/forum/t/{thread.pk}/?page=1")
    second = client.get(f"/forum/t/{thread.pk}/?page=last")
    assert first.context["page"].number == 1
    assert [p.number for p in first.context["page"].object_list] == list(range(1, 51))
    assert [p.number for p in second.context["page"].object_list] == list(range(51, 56))
    assert second.context["page"].paginator.num_pages == 2
    assert 'id="post-10"' in first.content.decode()
    # Past the last page is the last page, as before.
    assert client.get(f"/forum/t/{thread.pk}/?page=9").context["page"].number == 2


def test_reactions_are_read_only_for_posts_someone_reacted_to(world, django_assert_num_queries):
    thread = world["thread"]
    client = client_for(world["member"])
    url = f"/forum/t/{thread.pk}/?page=1"
    client.get(url)
    with django_assert_num_queries(THREAD_PAGE_QUERIES - 1):
        page = client.get(url).content.decode()
    assert "reaction-chip" not in post_html(page, 2)
    services.reaction_toggle(actor=world["author"], post=world["reply"], kind="heart")
    client.get(url)
    with django_assert_num_queries(THREAD_PAGE_QUERIES):
        page = client.get(url).content.decode()
    assert "reaction-chip" in post_html(page, 2)
    assert "Liisa Koskinen" in post_html(page, 2)


def test_a_page_reads_its_people_once_and_attachments_only_when_a_post_has_some(
    world, django_assert_num_queries
):
    thread, member = world["thread"], world["member"]
    client = client_for(member)
    url = f"/forum/t/{thread.pk}/?page=1"
    kuopio = OrganisationFactory(slug="kuopio", name_fi="Kuopio")
    for n in range(12):
        writer = UserFactory(organisation=kuopio, display_name=f"Kirjoittaja {n}")
        services.post_create(
            actor=writer, thread=thread, body=f"Viesti {n}", reply_to=world["reply"]
        )
    nobody_reacted = THREAD_PAGE_QUERIES - 1  # see the test above
    client.get(url)
    with django_assert_num_queries(nobody_reacted + 1):  # the replied-to posts
        page = client.get(url).content.decode()
    assert "Kirjoittaja 11" in post_html(page, 14)
    assert "Kuopio" in post_html(page, 14)
    assert "Johan Berg (#2)" in post_html(page, 14)  # the post it replies to, and its author
    assert "attachments" not in page
    services.post_create(
        actor=member,
        thread=thread,
        body="Liite",
        uploads=[picture(name="kartta.png", size=(8, 8))],
    )
    client.get(url)
    with django_assert_num_queries(nobody_reacted + 2):  # and the attachments
        page = client.get(url).content.decode()
    assert "kartta.png" in post_html(page, 15)


def test_reactions_of_former_members_read_in_the_same_queries(world, django_assert_num_queries):
    thread, reply = world["thread"], world["reply"]
    client = client_for(world["member"])
    url = f"/forum/t/{thread.pk}/?page=1"
    admin = UserFactory(roles=[Role.PLATFORM_ADMIN])
    kuopio = OrganisationFactory(slug="kuopio", name_fi="Kuopio")
    people = [UserFactory(organisation=kuopio) for _ in range(3)]
    services.reaction_toggle(actor=people[0], post=reply, kind="heart")
    client.get(url)
    with django_assert_num_queries(THREAD_PAGE_QUERIES):
        client.get(url)
    for person in people[1:]:
        services.reaction_toggle(actor=person, post=reply, kind="heart")
    for person in people:
        member_anonymise(actor=admin, user=person)
    client.get(url)
    with django_assert_num_queries(THREAD_PAGE_QUERIES):
        page = client.get(url).content.decode()
    assert post_html(page, 2).count("Entinen jäsen (Kuopio)") == 3
