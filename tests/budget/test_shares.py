"""The founding decisions' figures, computed as the platform computes them."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budget.shares import (
    Method,
    OneOffCost,
    Participant,
    Plan,
    compute,
    months_in_year,
    what_if,
)
from money import apportion, apportion_capped, cents, format_euros, format_percent, whole_euros

CITIES = [
    "hameenlinna",
    "pori",
    "porvoo",
    "seinajoki",
    "kajaani",
    "heinola",
    "kankaanpaa",
    "paimio",
    "raasepori",
    "loimaa",
]


def founding_plan(**changes) -> Plan:
    """Ten cities from 1 August 2026; 520,000 € in total, half from Business Finland;
    each city at most 10,000 € a year (Kajaani), Pori at most 30,000 € in all and
    1,000 € of the 10,000 € application."""
    participants = [
        Participant(
            key=city,
            joined_on=date(2026, 8, 1),
            project_cap=cents(30_000) if city == "pori" else None,
            one_off_cap=cents(1_000) if city == "pori" else None,
        )
        for city in CITIES
    ]
    values = {
        "starts_on": date(2026, 8, 1),
        "ends_on": date(2029, 7, 31),
        "total": cents(520_000),
        "external_share": Decimal("0.5"),
        "participants": participants,
        "yearly_cap": cents(10_000),
        "one_off_costs": [OneOffCost("Funding application", cents(10_000), date(2026, 8, 1))],
        # The own share as the budget plans it: a full 100,000 € year for the ten
        # cities, August–December 2026 and January–July 2029 in proportion.
        "year_amounts": {
            2026: cents("41666.67"),
            2027: cents(100_000),
            2028: cents(100_000),
            2029: cents("18333.33"),
        },
    }
    values.update(changes)
    return Plan(**values)


def test_kajaani_pays_5167_euros_in_2026():
    result = compute(founding_plan())
    share = result.share("kajaani", 2026)
    assert share.months == 5
    assert format_euros(share.budget) == "4\u00a0167\u00a0€"
    assert share.one_off == cents(1_000)
    assert whole_euros(share.total) == 5_167
    assert format_euros(share.total) == "5\u00a0167\u00a0€"


def test_no_city_ever_pays_above_10000_euros_a_year():
    result = compute(founding_plan())
    for year in result.years:
        for city, share in year.shares.items():
            assert share.total <= cents(10_000), (year.year, city)
    assert max(y.shares["kajaani"].total for y in result.years) == cents(10_000)


def test_pori_never_pays_above_30000_euros_plus_1000_of_the_application():
    result = compute(founding_plan())
    assert result.project_budget_total("pori") <= cents(30_000)
    pori_application = sum(y.shares["pori"].one_off for y in result.years)
    assert pori_application <= cents(1_000)
    assert result.project_total("pori") <= cents(31_000)


def test_pori_cap_binds_when_fewer_cities_take_part():
    """With five cities and a 12,000 € yearly cap the year's amount per city is far
    above the caps: Pori stops at 30,000 € in 2029 while Kajaani pays its cap."""
    plan = founding_plan(
        participants=founding_plan().participants[:5],
        yearly_cap=cents(12_000),
        year_amounts=dict.fromkeys(range(2026, 2030), cents(100_000)),
    )
    result = compute(plan)
    assert result.share("pori", 2029).budget == cents(1_000)
    assert result.share("kajaani", 2029).budget == cents(7_000)
    assert result.project_budget_total("pori") == cents(30_000)
    assert result.share("pori", 2026).one_off == cents(1_000)
    assert result.share("kajaani", 2027).total == cents(12_000)
    assert result.shortfall > 0


def test_paltamo_pays_7079_euros_of_80000_by_the_kainuu_key():
    weights = {
        "kajaani": Decimal("48.2"),
        "sotkamo": Decimal("14.5"),
        "kuhmo": Decimal("11.0"),
        "suomussalmi": Decimal("10.3"),
        "paltamo": Decimal("8.849"),
        "puolanka": Decimal("3.8"),
        "hyrynsalmi": Decimal("2.6"),
        "ristijarvi": Decimal("0.751"),
    }
    assert sum(weights.values()) == 100
    plan = Plan(
        starts_on=date(2023, 1, 1),
        ends_on=date(2023, 12, 31),
        total=cents(80_000),
        external_share=Decimal(0),
        participants=[Participant(key=city, joined_on=date(2023, 1, 1)) for city in weights],
        method=Method.WEIGHTED,
        keys={2023: weights},
    )
    year = compute(plan).years[0]
    paltamo = year.shares["paltamo"]
    assert whole_euros(paltamo.total) == 7_079
    assert format_percent(Decimal(paltamo.total) / year.amount) == "8,8\u00a0%"
    assert format_percent(Decimal(paltamo.total) / year.amount, "en") == "8.8\u00a0%"
    assert sum(share.total for share in year.shares.values()) == cents(80_000)


def test_a_later_key_revision_applies_from_its_year():
    plan = Plan(
        starts_on=date(2023, 1, 1),
        ends_on=date(2024, 12, 31),
        total=cents(160_000),
        external_share=Decimal(0),
        participants=[Participant("a", date(2023, 1, 1)), Participant("b", date(2023, 1, 1))],
        method=Method.WEIGHTED,
        keys={2023: {"a": Decimal(1), "b": Decimal(1)}, 2024: {"a": Decimal(3), "b": Decimal(1)}},
    )
    result = compute(plan)
    assert result.share("a", 2023).total == cents(40_000)
    assert result.share("a", 2024).total == cents(60_000)


def test_equal_split_ignores_months_and_prorated_counts_them():
    people = [Participant("early", date(2026, 1, 1)), Participant("late", date(2026, 7, 1))]
    plan = Plan(
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        total=cents(18_000),
        external_share=Decimal(0),
        participants=people,
    )
    prorated = compute(plan).years[0]
    assert prorated.shares["early"].total == cents(12_000)
    assert prorated.shares["late"].total == cents(6_000)
    equal = compute(Plan(**{**plan.__dict__, "method": Method.EQUAL})).years[0]
    assert equal.shares["early"].total == equal.shares["late"].total == cents(9_000)


def test_a_city_that_leaves_pays_only_its_months():
    assert months_in_year(date(2026, 8, 1), date(2029, 7, 31), 2029) == 7
    assert months_in_year(date(2026, 9, 1), None, 2026) == 4
    assert months_in_year(date(2026, 8, 15), None, 2026) == 4


def test_what_if_shows_shares_falling_as_cities_join():
    rows = what_if(founding_plan(), [5, 10, 13, 20])
    by_count = {row.participants: row for row in rows}
    assert by_count[5].full_year_share == cents(10_000)
    assert by_count[5].shortfall > 0
    assert by_count[10].full_year_share == cents(10_000)
    assert by_count[13].full_year_share < cents(10_000)
    assert by_count[20].full_year_share == cents(5_000)
    assert by_count[20].shortfall == 0


def test_amounts_are_read_as_finnish_and_english_write_them():
    assert cents("1 000,50") == 100_050
    assert cents("930") == 93_000
    assert format_euros(cents(7_079), "en") == "€7,079"
    with pytest.raises(ValueError):
        cents("kymppi")


@given(
    total=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.decimals(min_value=0, max_value=1000, places=3), min_size=1, max_size=30),
)
def test_shares_always_add_up_to_the_total(total, weights):
    parts = apportion(total, weights)
    if sum(weights) == 0:
        assert parts == [0] * len(weights)
    else:
        assert sum(parts) == total
        assert all(part >= 0 for part in parts)


@given(
    total=st.integers(min_value=0, max_value=10**10),
    rows=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=100),
            st.one_of(st.none(), st.integers(min_value=0, max_value=10**9)),
        ),
        min_size=1,
        max_size=20,
    ),
)
def test_capped_shares_and_shortfall_add_up_and_respect_caps(total, rows):
    weights = [weight for weight, _ in rows]
    caps = [cap for _, cap in rows]
    parts, shortfall = apportion_capped(total, weights, caps)
    assert sum(parts) + shortfall == total
    assert shortfall >= 0
    for part, cap in zip(parts, caps, strict=True):
        assert part >= 0
        assert cap is None or part <= cap
    if any(cap is None for cap in caps):
        assert shortfall == 0


@settings(max_examples=60, deadline=None)
@given(
    total_euros=st.integers(min_value=0, max_value=2_000_000),
    joins=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12),
    method=st.sampled_from([Method.PRORATED, Method.EQUAL, Method.WEIGHTED]),
    yearly_cap=st.one_of(st.none(), st.integers(min_value=0, max_value=50_000)),
)
def test_every_year_is_paid_in_full_or_reported_short(total_euros, joins, method, yearly_cap):
    start = date(2026, 8, 1)
    participants = [
        Participant(f"c{i}", date(2026 + (8 + offset - 1) // 12, (8 + offset - 1) % 12 + 1, 1))
        for i, offset in enumerate(joins)
    ]
    plan = Plan(
        starts_on=start,
        ends_on=date(2029, 7, 31),
        total=cents(total_euros),
        external_share=Decimal("0.5"),
        participants=participants,
        method=method,
        yearly_cap=None if yearly_cap is None else cents(yearly_cap),
        one_off_costs=[OneOffCost("Application", cents(10_000), start)],
        keys={2026: {p.key: Decimal(i + 1) for i, p in enumerate(participants)}},
    )
    result = compute(plan)
    assert sum(y.amount for y in result.years) == plan.own_share
    for year in result.years:
        assert year.paid_by_cities + year.shortfall == year.amount + year.one_off_amount
