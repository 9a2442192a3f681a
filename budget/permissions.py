"""Who may see and change the consortium's budget."""

from accounts.models import Organisation, Role, User
from budget.models import ConsortiumBudget
from needs_registry.models import Need
from needs_registry.permissions import acts_for_city, can_read_need


def can_view_budget(user: User) -> bool:
    """Members see the budget, every city's share and the payments."""
    return bool(user.is_authenticated and user.is_active and user.organisation_id)


def can_read_budget_open_data(budget: ConsortiumBudget) -> bool:
    """The open-data API shows a budget marked public, to anyone."""
    return budget.is_public


def can_manage_budget(user: User) -> bool:
    """The project coordinator keeps the budget and records payments."""
    return bool(user.is_authenticated and user.has_role(Role.PROJECT_COORDINATOR))


def can_manage_need_costs(user: User, need: Need) -> bool:
    """A need's costs and procurement plan: the coordinator, or the ICT lead (or
    substitute) of the city that submitted it, while they may read it."""
    if not can_read_need(user, need):
        return False
    if can_manage_budget(user):
        return True
    return acts_for_city(user) and user.organisation_id == need.organisation_id


def can_prepare_report(user: User, organisation: Organisation) -> bool:
    """A city's yearly report: its ICT lead or the lead's substitute writes and submits it."""
    return acts_for_city(user) and user.organisation_id == organisation.pk


def can_approve_report(user: User) -> bool:
    """The project coordinator, to whom the cities report, approves or returns a report."""
    return can_manage_budget(user)


def can_view_report_summary(user: User) -> bool:
    """Who is shown the consortium-wide table of reports first: the coordinator and the
    steering group. An ICT lead is taken to the city's own report instead. The table
    holds nothing more than the cities' reports, which every member reads, so it is
    not closed to anyone who may view the budget (``can_view_budget``)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.has_role(Role.PROJECT_COORDINATOR, Role.STEERING_GROUP)
    )
