"""``{{ cents|euros }}`` and ``{{ fraction|percent }}`` in the reader's language."""

from decimal import Decimal

from django import template
from django.utils import translation

import money

register = template.Library()


@register.filter
def euros(amount_cents: int | None) -> str:
    if amount_cents is None:
        return "–"
    return money.format_euros(int(amount_cents), translation.get_language() or "fi")


@register.filter
def percent(fraction: Decimal | None) -> str:
    if fraction is None:
        return "–"
    return money.format_percent(Decimal(fraction), translation.get_language() or "fi")
