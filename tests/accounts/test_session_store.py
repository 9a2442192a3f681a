"""Sessions are read with one plain statement (accounts.session_store) and keep
Django's rules: a live session is read, an expired or unknown one is not."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.session_store import SessionStore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_live_session_is_read_in_one_query(client, django_assert_num_queries):
    member = UserFactory()
    client.force_login(member)
    key = client.cookies["sessionid"].value
    with django_assert_num_queries(1):
        assert SessionStore(key).load()[SESSION_KEY] == str(member.pk)
    assert client.get("/notifications/").status_code == 200


def test_an_expired_or_unknown_session_is_not(client):
    member = UserFactory()
    client.force_login(member)
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "/notifications/" in response["Location"]
    assert SessionStore("x" * 32).load() == {}
