"""Money in whole cents.

Amounts are integers of cents everywhere they are computed or stored, so a
total split into shares always adds up to the total exactly. They are rounded
to whole euros only when shown (``format_euros``).

Hand-written rather than taken from a library: the two operations needed here,
largest-remainder apportionment with caps and Finnish/Swedish euro formatting,
are a few lines each, while the money libraries on PyPI bring currency tables
and exchange-rate machinery this platform has no use for.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

NBSP = "\u00a0"


def cents(euros: Decimal | int | str) -> int:
    """Euros (``Decimal("10000")``, ``"1 000,50"``, ``930``) as whole cents, rounded half up."""
    if isinstance(euros, str):
        euros = euros.replace(NBSP, "").replace(" ", "").replace("€", "").replace(",", ".")
        try:
            euros = Decimal(euros)
        except InvalidOperation as error:
            raise ValueError(f"Not an amount of euros: {euros!r}") from error
    return int((Decimal(euros) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def euros(amount_cents: int) -> Decimal:
    """Cents as an exact ``Decimal`` of euros (for exports and the API)."""
    return (Decimal(amount_cents) / 100).quantize(Decimal("0.01"))


def whole_euros(amount_cents: int) -> int:
    """Cents rounded half up to whole euros, as shown to people."""
    return int((Decimal(amount_cents) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _group(number: int, separator: str) -> str:
    sign = "-" if number < 0 else ""
    digits = str(abs(number))
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return sign + separator.join(groups)


def format_euros(amount_cents: int, language: str = "fi") -> str:
    """``516700`` → ``5 167 €`` (Finnish and Swedish) or ``€5,167`` (English)."""
    value = whole_euros(amount_cents)
    if language.startswith("en"):
        return ("-" if value < 0 else "") + "€" + _group(abs(value), ",")
    return _group(value, NBSP) + NBSP + "€"


def format_percent(fraction: Decimal, language: str = "fi", places: int = 1) -> str:
    """A share as a percentage cut to ``places`` decimals, as the budget documents show
    them: Paltamo's weight 8.849 % is shown as 8.8 %."""
    quantum = Decimal(1).scaleb(-places)
    value = (Decimal(fraction) * 100).quantize(quantum, rounding="ROUND_DOWN")
    text = f"{value:f}"
    if not language.startswith("en"):
        text = text.replace(".", ",")
    return f"{text}{NBSP}%"


def apportion(total: int, weights: Sequence[Decimal | int]) -> list[int]:
    """Split ``total`` cents in proportion to ``weights``; the parts add up to ``total``.

    Largest-remainder (Hamilton) method: everyone gets the floor of their exact
    share, and the cents left over go one each to the largest remainders, ties
    to the earlier weight, so the result is deterministic.
    """
    if total < 0:
        raise ValueError("A total to split cannot be negative.")
    weights = [Decimal(weight) for weight in weights]
    if any(weight < 0 for weight in weights):
        raise ValueError("Weights cannot be negative.")
    weight_sum = sum(weights, Decimal(0))
    if not weights:
        return []
    if weight_sum == 0:
        return [0] * len(weights)
    exact = [Decimal(total) * weight / weight_sum for weight in weights]
    parts = [int(share) for share in exact]  # floor: shares are non-negative
    left = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def apportion_capped(
    total: int, weights: Sequence[Decimal | int], caps: Sequence[int | None]
) -> tuple[list[int], int]:
    """Split ``total`` by ``weights`` with nobody above their cap (``None``: no cap).

    What a capped party cannot take is split again among the others by their
    weights, until everything is placed or everyone is at their cap. Returns
    the parts and the cents nobody could take (the shortfall).
    """
    parts = [0] * len(weights)
    open_ = [i for i, weight in enumerate(weights) if Decimal(weight) > 0]
    remaining = total
    while remaining > 0 and open_:
        trial = apportion(remaining, [weights[i] for i in open_])
        over = {
            i: cap
            for i, part in zip(open_, trial, strict=True)
            if (cap := caps[i]) is not None and parts[i] + part >= cap
        }
        if not over:
            for i, part in zip(open_, trial, strict=True):
                parts[i] += part
            remaining = 0
            break
        for i, cap in over.items():
            room = cap - parts[i]
            parts[i] += room
            remaining -= room
        open_ = [i for i in open_ if i not in over]
    return parts, remaining
