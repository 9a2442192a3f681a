"""The site's shell (base.html): its parts that are the same for every viewer in
one language are kept by the process, and yet every page shows each viewer
their own header, in their own language, with the current section marked."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.middleware.csrf import _unmask_cipher_token
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.utils import autoreload, translation

from accounts.models import Role
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

# What the menu's kept part varies on for a member on the forum's front page.
NAV_MEMBER_FORUM = ["fi", True, "forum", "index"]
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def header(client: Client, path: str = "/forum/", language: str | None = None) -> str:
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index("<body") : page.index('<main id="main"')]


def without_tokens(shell: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", shell)


def current(shell: str) -> list[str]:
    """The menu links marked as the current page."""
    return re.findall(r'href="([^"]+)" aria-current="page"', shell)


def test_each_viewer_gets_their_own_header_from_the_kept_shell():
    pori = OrganisationFactory(slug="pori")
    member = UserFactory(organisation=pori)
    moderator = UserFactory(organisation=pori, roles=[Role.MODERATOR])

    as_member = header(signed_in(member))
    # From here on the menu is the kept one: every other member is shown it too.
    assert caches["kept"].get(make_template_fragment_key("shell-nav", NAV_MEMBER_FORUM))
    as_moderator = header(signed_in(moderator))
    as_visitor = header(Client())
    as_member_again = header(signed_in(member))

    assert f'data-user-id="{member.pk}"' in as_member
    assert f'href="/members/{member.pk}/"' in as_member
    assert "nav-moderation" not in as_member
    assert 'action="/sign-out/"' in as_member
    assert without_tokens(as_member_again) == without_tokens(as_member)

    assert f'data-user-id="{moderator.pk}"' in as_moderator
    assert f'href="/members/{moderator.pk}/"' in as_moderator
    assert f"/members/{member.pk}/" not in as_moderator
    assert "nav-moderation" in as_moderator

    assert "data-user-id" not in as_visitor
    assert "/members/" not in as_visitor  # neither the directory nor a profile
    assert "nav-notifications" not in as_visitor
    assert "/accounts/oidc/iam/login/" in as_visitor or "/sign-in/" in as_visitor


def test_each_viewer_gets_their_own_tokens_and_address():
    member = UserFactory(organisation=OrganisationFactory(slug="pori"))
    first, second = signed_in(member), signed_in(UserFactory())
    one = header(first, "/forum/?page=1")
    two = header(second, "/needs/")

    def secrets(shell):
        tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', shell)
        return [_unmask_cipher_token(token) for token in tokens]

    # The language and sign-out forms carry each viewer's own secret.
    assert secrets(one) == [first.cookies[settings.CSRF_COOKIE_NAME].value] * 2
    assert secrets(two) == [second.cookies[settings.CSRF_COOKIE_NAME].value] * 2
    assert secrets(one) != secrets(two)
    assert '<input name="next" type="hidden" value="/forum/?page=1">' in one
    assert '<input name="next" type="hidden" value="/needs/">' in two


def test_each_language_gets_its_own_shell():
    member = UserFactory(organisation=OrganisationFactory(slug="pori"))
    client = signed_in(member)
    finnish = header(client, language="fi")
    swedish = header(client, language="sv")
    english = header(client, language="en")
    assert "Siirry sisältöön" in finnish and "Skip to content" not in finnish
    assert "Hoppa till innehållet" in swedish and "Siirry sisältöön" not in swedish
    assert "Skip to content" in english and "Hoppa till innehållet" not in english
    # Each language offers the two others, named in their own language.
    assert 'lang="sv"' in finnish and 'lang="fi"' not in finnish
    assert 'lang="fi"' in swedish and 'lang="sv"' not in swedish
    assert without_tokens(header(client, language="fi")) == without_tokens(finnish)


def test_the_current_section_is_marked_on_each_page():
    member = UserFactory(organisation=OrganisationFactory(slug="pori"))
    client = signed_in(member)
    assert current(header(client, "/forum/")) == ["/forum/"]
    assert current(header(client, "/needs/")) == ["/needs/"]
    assert current(header(client, "/members/")) == ["/members/"]
    assert current(header(client, "/forum/")) == ["/forum/"]


def test_a_page_rendered_without_a_request_leaves_the_kept_shell_whole():
    def brand(page: str) -> str:
        start = page.index('class="brand"')
        return page[start : page.index("</a>", start)]

    with translation.override("fi"):
        render_to_string("404.html")  # no context processors: no site name
    assert "Avoimet kaupungit" in brand(header(Client(), language="fi"))


def test_a_compiled_catalog_or_an_edited_template_lets_the_kept_parts_go():
    for changed in ("locale/fi/LC_MESSAGES/django.mo", "frontend/templates/base.html"):
        header(Client())
        assert caches["kept"].get(make_template_fragment_key("shell-foot", ["fi"]))
        autoreload.file_changed.send(sender=None, file_path=Path(changed))
        assert caches["kept"].get(make_template_fragment_key("shell-foot", ["fi"])) is None


def test_a_test_may_set_caches_of_its_own():
    with override_settings(CACHES={"default": {"BACKEND": LOCMEM}}):
        pass
    assert header(Client())  # the kept parts work again once the setting is back
