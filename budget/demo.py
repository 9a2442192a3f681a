"""The consortium's budget as the founding decisions set it out.

Ten municipalities from 1 August 2026 to 31 July 2029 (Pori from 1 September),
about 520,000 € in total, half from Business Finland; each city at most
10,000 € a year, Pori at most 30,000 € in all and 1,000 € of the 10,000 €
funding application; the COSS partnership 930 € a year outside the budget.
"""

from datetime import date
from decimal import Decimal

from accounts.demo import ORGANISATIONS, Demo
from budget import services
from budget.models import ConsortiumBudget, NeedCost
from money import cents

NAME = "Avoimet kaupungit 2026–2029"


def seed(demo: Demo) -> None:
    budget = ConsortiumBudget.objects.filter(name=NAME).first() or _budget(demo)
    demo.kept["budget"] = budget
    _need_costs(demo)
    _reports(demo, budget)


# Costs of two needs in the works: what the project covers and what falls on the
# committed cities, whose shares then show on the need's page.
NEED_COSTS = {
    "ostolaskut": [
        ("development", "Toimittajan kehitystyö", "project", 60_000, None),
        ("tendering", "Kilpailutuksen asiantuntijapalvelu", "cities", 8_000, 7_450),
        ("deployment", "Käyttöönotto ja koulutus", "cities", 12_000, None),
    ],
    "e-arkisto": [
        ("development", "Arkistointirajapinnan kehitys", "project", 45_000, None),
        ("integration", "Asianhallinnan integraatio", "cities", 15_000, None),
    ],
}


def _need_costs(demo: Demo) -> None:
    coordinator = demo.members["coordinator"]
    needs = demo.kept.get("needs", {})
    for key, costs in NEED_COSTS.items():
        need = needs.get(key)
        if need is None or NeedCost.objects.filter(need=need).exists():
            continue
        for kind, description, payer, estimated, actual in costs:
            services.need_cost_save(
                actor=coordinator,
                need=need,
                data={
                    "kind": kind,
                    "description": description,
                    "payer": payer,
                    "estimated_cents": cents(estimated),
                    "actual_cents": None if actual is None else cents(actual),
                },
            )


def _budget(demo: Demo) -> ConsortiumBudget:
    coordinator = demo.members["coordinator"]
    budget = services.budget_create(
        actor=coordinator,
        name=NAME,
        starts_on=date(2026, 8, 1),
        ends_on=date(2029, 7, 31),
        total_cents=cents(520_000),
        external_share=Decimal("0.5"),
        funder="Business Finland",
        method="prorated",
        yearly_cap_cents=cents(10_000),
    )
    # The own share year by year: a full year carries 100,000 €.
    for year, amount in ((2026, "41666.67"), (2027, 100_000), (2028, 100_000), (2029, "18333.33")):
        services.budget_year_set(actor=coordinator, budget=budget, year=year, cents=cents(amount))
    for slug, *_names in ORGANISATIONS:
        pori = slug == "pori"
        services.participation_add(
            actor=coordinator,
            budget=budget,
            organisation=demo.organisations[slug],
            joined_on=date(2026, 9, 1) if pori else date(2026, 8, 1),
            left_on=date(2029, 8, 31) if pori else date(2029, 7, 31),
            project_cap_cents=cents(30_000) if pori else None,
            one_off_cap_cents=cents(1_000) if pori else None,
        )
    services.shared_cost_add(
        actor=coordinator,
        budget=budget,
        name="Rahoitushakemuksen valmistelu",
        amount_cents=cents(10_000),
        incurred_on=date(2026, 8, 1),
    )
    services.recurring_fee_add(
        actor=coordinator,
        budget=budget,
        name="COSS kuntakumppanuus",
        amount_cents=cents(930),
    )
    for slug, amount, paid_on, reference in (
        ("kajaani", "5166.67", date(2026, 10, 15), "Lasku 2026-014"),
        ("hameenlinna", "5166.67", date(2026, 10, 2), "Lasku 2026-010"),
        ("porvoo", "2500.00", date(2026, 11, 20), "Lasku 2026-012, 1. erä"),
    ):
        services.payment_record(
            actor=coordinator,
            budget=budget,
            organisation=demo.organisations[slug],
            year=2026,
            amount_cents=cents(amount),
            paid_on=paid_on,
            reference=reference,
        )
    return budget


REPORTS = {
    "kajaani": {
        "hours_saved": 640,
        "euros_saved_cents": cents(18_500),
        "benefits": (
            "Sähköinen lupapalvelu otettiin käyttöön syyskuussa: rakennuslupien "
            "käsittelyaika lyheni kuudesta viikosta kolmeen, ja paperisten hakemusten "
            "skannaus loppui."
        ),
    },
    "hameenlinna": {
        "hours_saved": 410,
        "euros_saved_cents": cents(9_200),
        "benefits": (
            "Yhteinen ajanvarauspalvelu korvasi kaksi erillistä järjestelmää; "
            "puhelinajanvaraukset vähenivät kolmanneksella."
        ),
        "notes": "Lisenssikulut laskevat vuonna 2027.",
    },
}


def _reports(demo: Demo, budget: ConsortiumBudget) -> None:
    """Kajaani's report for 2026 waits for the coordinator; Hämeenlinna's is approved."""
    if budget.reports.exists():
        return
    for slug, data in REPORTS.items():
        lead = demo.members[f"ict-lead-{slug}"]
        report = services.report_save(
            actor=lead,
            budget=budget,
            organisation=demo.organisations[slug],
            year=2026,
            data=dict(data),
        )
        report = services.report_submit(actor=lead, report=report)
        if slug == "hameenlinna":
            services.report_approve(actor=demo.members["coordinator"], report=report)
