"""Version tokens are read from the cache once per request: later askings in the
same request get the same token, unless the request renewed it itself."""

import pytest
from django.core.cache import cache
from django.test import Client

from config import cache_versions
from forum import category_rules
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_token_is_read_once_within_a_request_and_afresh_once_renewed_there():
    first = cache_versions.current("test:version")
    with cache_versions.read_once():
        assert cache_versions.current("test:version") == first
        cache.set("test:version", "changed elsewhere", None)  # another process's renewal
        assert cache_versions.current("test:version") == first
        assert cache_versions.current_many(["test:version", "test:other"])[0] == first
        cache_versions.renew("test:version")  # this request's own
        renewed = cache_versions.current("test:version")
        assert renewed not in (first, "changed elsewhere")
        cache_versions.renew_many(["test:version"])
        assert cache_versions.current_many(["test:version"]) != [renewed]
    # Outside a request every asking reads the cache.
    cache.set("test:version", "changed elsewhere", None)
    assert cache_versions.current("test:version") == "changed elsewhere"


@pytest.mark.django_db(transaction=True)  # the rules are kept only outside a transaction
def test_a_category_page_asks_for_the_rules_version_once(monkeypatch):
    city = OrganisationFactory(slug="pori")
    CategoryFactory(slug="ict")
    member = UserFactory(organisation=city, handle="liisa")
    client = Client()
    client.force_login(member)
    assert client.get("/forum/c/ict/").status_code == 200
    asked = []
    original = cache.get

    def counting(key, *args, **kwargs):
        asked.append(key)
        return original(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", counting)
    monkeypatch.setattr(category_rules, "_kept", None)  # as in another process
    response = client.get("/forum/c/ict/")
    assert response.status_code == 200
    assert asked.count(category_rules.VERSION_KEY) == 1
    # Without the middleware, each of the page's parts asks again.
    asked.clear()
    with monkeypatch.context() as patched:
        patched.setattr(cache_versions, "read_once", _not_at_all)
        assert client.get("/forum/c/ict/").status_code == 200
    assert asked.count(category_rules.VERSION_KEY) > 1


class _NotAtAll:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _not_at_all() -> _NotAtAll:
    return _NotAtAll()
