"""Demo data for the steering group: a seat for every member city, the past meeting
with its agenda, attendance, minutes and decisions, the next meeting with its agenda
published, and an electronic decision open for votes.

Runs after the needs registry's demo (it uses ``demo.kept["needs"]`` and
``demo.kept["meetings"]``); running it again adds nothing.
"""

from datetime import date, time, timedelta

from django.utils import timezone

from accounts.demo import Demo
from accounts.models import Role, User
from needs_registry.demo import ABSENT_AT
from needs_registry.models import Need, Status
from steering import selectors, services
from steering.models import AgendaItem, Ballot, Meeting, Minutes, Nomination

CHAIR = "steering-hameenlinna"
COORDINATOR = "coordinator"
NEXT_MEETING = "Ohjausryhmä 4/2026"
BALLOT_TITLE = "Yhteisen saavutettavuusauditoinnin kilpailutus"
TERM_START = date(2026, 8, 1)


def seed(demo: Demo) -> None:
    _roster(demo)
    meetings = demo.kept.get("meetings", {})
    past = meetings.get("3-2026")
    earlier = meetings.get("1-2026")
    if past is None:
        return
    _past_meeting(demo, earlier, past)
    _next_meeting(demo, past)
    _ballot(demo)


def _city_people(demo: Demo, slug: str) -> list[User]:
    people = [u for u in demo.members.values() if u.organisation_id == demo.organisations[slug].pk]
    # Those with the IAM's steering group role first, then ICT leads, then the others.
    return sorted(
        people,
        key=lambda u: (
            not u.has_role(Role.STEERING_GROUP),
            not u.has_role(Role.ICT_LEAD, Role.ICT_LEAD_SUBSTITUTE),
            u.pk,
        ),
    )


def _roster(demo: Demo) -> None:
    coordinator = demo.members[COORDINATOR]
    # The term began with the consortium, or with its first demo meeting if that
    # was earlier (the demo's meetings are dated back from the day it is seeded).
    starts_on = min([TERM_START, *(m.held_on for m in demo.kept.get("meetings", {}).values())])
    for city in selectors.member_cities():
        if city.slug not in demo.organisations:
            continue
        if Nomination.objects.filter(organisation=city).exists():
            continue
        people = _city_people(demo, city.slug)
        for seat, person in zip(("representative", "deputy"), people, strict=False):
            services.nomination_record(
                actor=coordinator,
                organisation=city,
                person=person,
                seat=seat,
                starts_on=starts_on,
                ends_on=date(2029, 7, 31),
            )


def _attend(demo: Demo, meeting: Meeting) -> None:
    coordinator = demo.members[COORDINATOR]
    rows = selectors.roster(meeting.held_on)
    absent = next(
        (cities for key, cities in ABSENT_AT.items() if demo.kept["meetings"].get(key) == meeting),
        set(),
    )
    for row in rows:
        # The cities the needs' decisions record absent were not represented;
        # Porvoo sent its deputy.
        if row.city.slug in absent:
            continue
        nomination = row.deputy if row.city.slug == "porvoo" and row.deputy else row.representative
        if nomination is not None:
            services.attendance_set(
                actor=coordinator,
                meeting=meeting,
                organisation=row.city,
                person=nomination.person,
            )


def _past_meeting(demo: Demo, earlier: Meeting | None, past: Meeting) -> None:
    coordinator, chair = demo.members[COORDINATOR], demo.members[CHAIR]
    # The needs decided at the meeting are on its agenda already (needs_registry/demo.py).
    if past.agenda_items.exclude(kind=AgendaItem.Kind.NEED).exists():
        return
    services.agenda_item_add(
        actor=coordinator,
        meeting=past,
        kind="minutes",
        title="Edellisen kokouksen pöytäkirjan hyväksyminen",
    )
    budget = services.agenda_item_add(
        actor=coordinator,
        meeting=past,
        kind="budget",
        title="Vuoden 2026 kustannusten seuranta",
        proposal="Merkitään kustannusseuranta tiedoksi.",
    )
    procurement = services.agenda_item_add(
        actor=coordinator,
        meeting=past,
        kind="procurement",
        title="Toimittajaneuvottelujen tilanne",
        proposal="Merkitään tiedoksi.",
        publicity="steering",
    )
    if past.agenda_published_at is None:
        services.agenda_publish(actor=coordinator, meeting=past)
    if earlier is not None and earlier.agenda_published_at is None:
        services.agenda_item_add(
            actor=coordinator, meeting=earlier, kind="other", title="Konsortion käynnistys"
        )
        services.agenda_publish(actor=coordinator, meeting=earlier)
    _attend(demo, past)
    if earlier is not None:
        _attend(demo, earlier)
    cities = {c.slug: c for c in selectors.member_cities(past.held_on)}
    away = {slug for slug in cities if slug in ABSENT_AT.get("3-2026", ())}
    present = {slug: city for slug, city in cities.items() if slug not in away}
    agreed = {
        **{c.pk: "for" for c in present.values()},
        **{cities[slug].pk: "absent" for slug in away},
    }
    services.decision_record(
        actor=chair,
        meeting=past,
        item=budget,
        agenda_item=f"{budget.number} §",
        text="Merkittiin kustannusseuranta tiedoksi. Kaupungit raportoivat toteutuneet "
        "kustannukset koordinaattorille vuosittain.",
        stances=agreed,
    )
    services.decision_record(
        actor=chair,
        meeting=past,
        item=procurement,
        agenda_item=f"{procurement.number} §",
        text="Jatketaan neuvotteluja kahden toimittajan kanssa.",
        stances={
            **agreed,
            **({cities["kajaani"].pk: "against"} if "kajaani" in present else {}),
        },
        dissents=(
            {cities["kajaani"].pk: "Kajaani olisi kilpailuttanut hankinnan avoimella menettelyllä."}
            if "kajaani" in present
            else {}
        ),
    )
    if earlier is not None and not Minutes.objects.filter(meeting=earlier).exists():
        minutes = services.minutes_save(
            actor=coordinator,
            meeting=earlier,
            text="Ohjausryhmä kokoontui ensimmäisen kerran ja hyväksyi työjärjestyksen.",
            publicity="public",
        )
        services.minutes_approve(actor=chair, minutes=minutes, at_meeting=past)
    services.minutes_save(
        actor=coordinator,
        meeting=past,
        text=(
            "1 § Kokouksen avaus ja läsnäolijat\n\n"
            "Puheenjohtaja avasi kokouksen. Todettiin kokous päätösvaltaiseksi.\n\n"
            "2 § Kehitysjonon tarpeet\n\n"
            "Käsiteltiin esityslistan tarpeet; päätökset kirjattu alustalle.\n\n"
            "3 § Kustannusseuranta\n\nMerkittiin tiedoksi."
        ),
        publicity="public",
    )


def _next_meeting(demo: Demo, past: Meeting) -> None:
    coordinator = demo.members[COORDINATOR]
    if Meeting.objects.filter(title=NEXT_MEETING).exists():
        return
    meeting = services.meeting_create(
        actor=coordinator,
        title=NEXT_MEETING,
        held_on=timezone.localdate() + timedelta(days=14),
        starts_at=time(13, 0),
        ends_at=time(15, 0),
        location="Hämeenlinnan kaupungintalo, Raatihuoneenkatu 9 / Teams",
    )
    services.agenda_item_add(
        actor=coordinator,
        meeting=meeting,
        kind="minutes",
        title=f"Kokouksen {past.title} pöytäkirjan hyväksyminen",
    )
    awaiting = Need.objects.filter(status__in=[Status.SUBMITTED, Status.UNDER_REVIEW]).order_by(
        "-vote_count", "id"
    )[:2]
    for need in awaiting:
        services.agenda_item_add(
            actor=coordinator,
            meeting=meeting,
            kind="need",
            need=need,
            proposal="Hyväksytään tarve kehitysjonoon.",
        )
    services.agenda_item_add(
        actor=coordinator,
        meeting=meeting,
        kind="membership",
        title="Loviisan liittyminen konsortioon",
        proposal="Hyväksytään Loviisan liittyminen 1.1.2027 alkaen.",
    )
    services.agenda_item_add(
        actor=coordinator,
        meeting=meeting,
        kind="reports",
        title="Kaupunkien vuosiraportit 2026",
    )
    services.agenda_publish(actor=coordinator, meeting=meeting)


def _ballot(demo: Demo) -> None:
    if Ballot.objects.filter(title=BALLOT_TITLE).exists():
        return
    chair = demo.members[CHAIR]
    ballot = services.ballot_open(
        actor=chair,
        title=BALLOT_TITLE,
        proposal=(
            "Kilpailutetaan yhteinen saavutettavuusauditointi kaikkien jäsenkaupunkien "
            "verkkopalveluille. Hankinnan arvo on kansallisen kynnysarvon alle."
        ),
        closes_at=timezone.now() + timedelta(days=5),
        publicity="members",
    )
    for sub in ("steering-pori", "steering-porvoo"):
        voter = demo.members.get(sub)
        if voter is not None and selectors.nomination_for(voter) is not None:
            services.ballot_vote(actor=voter, ballot=ballot, stance="for")
