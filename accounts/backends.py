"""The signed-in member as every request loads them: with their roles, in one query.

Django's backends load the member from the session, and the first permission
check then asked for their roles (``User.role_set``): two queries on every
signed-in request, the live updates' included. Here the roles come as a
column of the member's own row. The member is still read afresh on every
request, so a deactivated member or a role taken away counts at once.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.db.models import OuterRef, QuerySet, StringAgg, Subquery, TextField, Value

from accounts.models import User, UserRole
from config.compiled import Compiled

# Between the role names: no role value holds a comma.
_SEPARATOR = ","


def _with_roles(pk: int) -> QuerySet[User]:
    roles = (
        UserRole.objects.filter(user=OuterRef("pk"))
        .values("user")
        .annotate(names=StringAgg("role", Value(_SEPARATOR)))
        .values("names")
    )
    return User._default_manager.annotate(
        listed_roles=Subquery(roles, output_field=TextField())
    ).filter(pk=pk)


# Every signed-in request runs it: compiled once per process (``config.compiled``).
_MEMBER = Compiled(_with_roles, arity=1)


def member_with_roles(user_id: int | str) -> User | None:
    """The member ``user_id`` (as the session holds it) with ``role_set`` filled
    in, or None; ValueError for an id that is no number."""
    pk = int(user_id)
    if not 0 < pk < 2**63:  # no such member, and a value the column could not bind
        return None
    found = _MEMBER.run(pk)
    if not found:
        return None
    user = found[0]
    listed = user.__dict__.pop("listed_roles")
    # As the cached property would have read them.
    user.__dict__["role_set"] = frozenset(listed.split(_SEPARATOR) if listed else ())
    return user


def _active_member(backend: ModelBackend, user_id: int | str) -> User | None:
    """``ModelBackend.get_user``, the member loaded with their roles."""
    try:
        user = member_with_roles(user_id)
    except (ValueError, TypeError):
        return None
    return user if user is not None and backend.user_can_authenticate(user) else None


class MemberBackend(ModelBackend):
    """Django's own backend (local accounts, the admin's ``force_login``), the roles
    loaded with the member."""

    def get_user(self, user_id: int | str) -> User | None:
        return _active_member(self, user_id)


class MemberAuthenticationBackend(AuthenticationBackend):  # type: ignore[misc]  # untyped
    """allauth's backend (sign-in through the IAM), the roles loaded with the member."""

    def get_user(self, user_id: int | str) -> User | None:
        return _active_member(self, user_id)
