"""Who may see and change people and organisations."""

from accounts.models import User


def can_view_members(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_edit_profile(user: User, profile: User) -> bool:
    return user.is_authenticated and user.pk == profile.pk


def can_read_audit_log(user: User) -> bool:
    return user.is_authenticated and user.is_platform_admin


def can_anonymise(user: User) -> bool:
    return user.is_authenticated and user.is_platform_admin
