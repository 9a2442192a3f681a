"""The signed-in member is loaded with their roles, afresh on every request."""

import pytest

from accounts.backends import MemberAuthenticationBackend, MemberBackend, member_with_roles
from accounts.models import Role, UserRole
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_member_comes_with_their_roles_in_one_query(django_assert_num_queries):
    moderator = UserFactory(roles=[Role.MODERATOR, Role.ICT_LEAD])
    expert = UserFactory()
    with django_assert_num_queries(1):
        loaded = member_with_roles(moderator.pk)
        assert loaded is not None
        assert loaded.role_set == {Role.MODERATOR, Role.ICT_LEAD}
        assert loaded.is_moderator
    with django_assert_num_queries(1):
        loaded = member_with_roles(expert.pk)
        assert loaded is not None
        assert loaded.role_set == frozenset()
        assert not loaded.is_moderator


@pytest.mark.parametrize("backend", [MemberBackend, MemberAuthenticationBackend])
def test_no_member_for_an_unknown_or_malformed_id(backend):
    member = UserFactory(roles=[Role.MODERATOR])
    assert backend().get_user(member.pk).role_set == {Role.MODERATOR}
    assert backend().get_user(10**6) is None
    assert backend().get_user(str(member.pk)).role_set == {Role.MODERATOR}
    assert backend().get_user(2**80) is None
    assert backend().get_user(-1) is None
    assert backend().get_user("not a number") is None


def test_a_role_taken_away_counts_on_the_next_request(client):
    moderator = UserFactory(roles=[Role.MODERATOR])
    client.force_login(moderator)
    assert client.get("/forum/moderation/").status_code == 200
    UserRole.objects.filter(user=moderator).delete()
    assert client.get("/forum/moderation/").status_code in (403, 404)


def test_a_deactivated_member_is_signed_in_no_more(client):
    member = UserFactory()
    client.force_login(member)
    assert client.get("/notifications/").status_code == 200
    member.is_active = False
    member.save()
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "/notifications/" in response["Location"]
