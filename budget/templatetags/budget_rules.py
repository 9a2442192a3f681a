"""``{% if request.user|may_manage_budget %}``: the budget's rule, for links in templates."""

from django import template

from budget.permissions import can_manage_budget

register = template.Library()


@register.filter
def may_manage_budget(user) -> bool:
    return can_manage_budget(user)


@register.filter
def negate(value: int) -> int:
    return -value
