"""The procurement route a contract's estimated value requires, by contract type.

The thresholds come from ``settings.PROCUREMENT_THRESHOLDS_EUR`` (national and EU
figures per contract type, with their sources named there). The estimated value
is the whole contract term's, all cities together, excluding VAT (1397/2016,
section 27). Goods and services read the two older settings
``PROCUREMENT_NATIONAL_THRESHOLD_EUR`` and ``PROCUREMENT_EU_THRESHOLD_EUR`` at
call time, so changing either changes the route everywhere.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ContractType(models.TextChoices):
    GOODS_SERVICES = "goods_services", _("Goods and services")
    CONSTRUCTION = "construction", _("Construction works")
    SOCIAL_HEALTH = "social_health", _("Social and health services")
    DESIGN_CONTEST = "design_contest", _("Design contest")


class Route(models.TextChoices):
    SMALL = "small", pgettext_lazy("procurement route", "Small procurement")
    NATIONAL = "national", pgettext_lazy("procurement route", "National procurement")
    EU = "eu", pgettext_lazy("procurement route", "EU procurement")


ROUTE_EXPLAINED = {
    Route.SMALL: _(
        "Below the national threshold: the cities' own procurement rules apply; "
        "ask for several offers."
    ),
    Route.NATIONAL: _(
        "At or above the national threshold: a contract notice in HILMA and the "
        "procedures of the Procurement Act."
    ),
    Route.EU: _(
        "At or above the EU threshold: a contract notice in HILMA and the EU's TED, "
        "with the EU procedures and time limits."
    ),
}


@dataclasses.dataclass(frozen=True)
class Thresholds:
    national: int  # euros
    eu: int


@dataclasses.dataclass(frozen=True)
class ProcurementRoute:
    code: str
    label: str | Promise
    explained: str | Promise
    contract_type: str
    thresholds: Thresholds
    # The threshold the value reached (None below the national one).
    threshold: int | None


def thresholds(contract_type: str) -> Thresholds:
    if contract_type == ContractType.GOODS_SERVICES:
        return Thresholds(
            settings.PROCUREMENT_NATIONAL_THRESHOLD_EUR, settings.PROCUREMENT_EU_THRESHOLD_EUR
        )
    national, eu = settings.PROCUREMENT_THRESHOLDS_EUR[contract_type]
    return Thresholds(national, eu)


def route_for(
    value_eur: Decimal | int, contract_type: str = ContractType.GOODS_SERVICES
) -> ProcurementRoute:
    """The route for a contract of ``value_eur`` (excl. VAT) of ``contract_type``."""
    limits = thresholds(contract_type)
    value = Decimal(value_eur)
    if value >= limits.eu:
        code, threshold = Route.EU, limits.eu
    elif value >= limits.national:
        code, threshold = Route.NATIONAL, limits.national
    else:
        code, threshold = Route.SMALL, None
    return ProcurementRoute(
        code=code.value,
        label=code.label,
        explained=ROUTE_EXPLAINED[code],
        contract_type=contract_type,
        thresholds=limits,
        threshold=threshold,
    )
