"""The layout holds on every main page at a phone's, a tablet's and a desktop's width,
in Finnish, Swedish and English: nothing wider than the window, no section drawn
over another. Long Finnish compounds are the usual culprits."""

import pytest
from django.conf import settings

from accounts.models import User
from tests.e2e.conftest import sign_in
from tests.e2e.layout import LAYOUT_JS, WIDTHS, main_pages

pytestmark = pytest.mark.browser


def test_every_main_page_holds_at_every_width_in_every_language(site, new_page):
    page = new_page("fi")
    sign_in(page, site, "ICT lead, Pori")
    member = User.objects.get(display_name="Pekka Salonen")
    pages = main_pages(member)
    problems = []
    # One signed-in page for everything: each page is loaded once per language and
    # measured at each width (the stylesheet re-lays it out on resize).
    for language in ("fi", "sv", "en"):
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site.url}]
        )
        for name, path in pages:
            page.set_viewport_size({"width": max(WIDTHS), "height": 900})
            response = page.goto(f"{site.url}{path}")
            assert response is not None
            assert response.status == 200, (name, path, response.status)
            assert page.locator("html").get_attribute("lang") == language, (name, language)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                problems.extend(
                    (language, width, name, problem) for problem in page.evaluate(LAYOUT_JS)
                )
    assert problems == [], "\n".join(map(str, problems))
