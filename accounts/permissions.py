"""Who may see and change people and organisations."""

from django.db.models import Q

from accounts.models import User


def can_view_members(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_read_member(user: User, member: User) -> bool:
    """Signed-in members see each other's profiles. A deactivated account is not
    shown at all; of an anonymised one, only that a former member wrote."""
    return can_view_members(user) and (member.is_active or member.anonymised_at is not None)


def shows_member_details(user: User, member: User) -> bool:
    """Title, roles, expertise and e-mail address: only of active members."""
    return can_read_member(user, member) and member.is_active and member.anonymised_at is None


def listed_members(prefix: str = "") -> Q:
    """The members a directory lists (or a relation to them, by ``prefix``): those
    whose details are shown."""
    return Q(**{f"{prefix}is_active": True, f"{prefix}anonymised_at__isnull": True})


def can_edit_profile(user: User, profile: User) -> bool:
    return user.is_authenticated and user.pk == profile.pk


def can_read_audit_log(user: User) -> bool:
    return user.is_authenticated and user.is_platform_admin


def can_anonymise(user: User) -> bool:
    return user.is_authenticated and user.is_platform_admin


def can_deactivate(user: User) -> bool:
    return user.is_authenticated and user.is_platform_admin
