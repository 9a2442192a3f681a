"""Who may see and change what in the needs registry."""

from accounts.models import Role, User
from needs_registry.models import Need, Status


def can_read_need(user: User, need: Need) -> bool:
    """Drafts are private to the author's city until submitted."""
    if need.status == Status.DRAFT:
        return bool(
            user.is_authenticated
            and user.is_active
            and (user.organisation_id == need.organisation_id or user.is_platform_admin)
        )
    return True


def can_vote_for_city(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.organisation_id
        and user.has_role(Role.ICT_LEAD, Role.ICT_LEAD_SUBSTITUTE)
    )
