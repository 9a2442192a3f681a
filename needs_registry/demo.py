"""Demo data for the needs registry: the cities' common ICT needs across their
whole lifecycle, with city positions, votes, commitments and cost shares, a
past steering group meeting with its decisions and an open prioritisation
round with points allocated.

Everything is written through the services, as the members named here would
write it, so the audit log, histories, notifications, discussions and search
documents are there too. Services stamp the present moment; afterwards the
demo moves its needs' own dates (created, submitted, decided and the status
timeline) back over the past year, so the registry reads as a year of work.
The audit log keeps the real moments, as it must.

Keeps ``demo.kept["needs"]`` (need by key) and ``demo.kept["meetings"]``.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.demo import Demo
from accounts.models import User
from forum.models import Domain, Thread
from needs_registry import services
from needs_registry.models import (
    CityPosition,
    CostSplit,
    Need,
    PrioritisationRound,
    Status,
    Transition,
    Urgency,
)
from steering import services as steering_services
from steering.models import Meeting

HAS = CityPosition.Stance.HAS_NEED
SOLVED = CityPosition.Stance.SOLVED
NOT_RELEVANT = CityPosition.Stance.NOT_RELEVANT

# Who acts for each city: its ICT lead, else the substitute.
CITY_ACTORS = {
    "hameenlinna": "ict-lead-hameenlinna",
    "pori": "ict-lead-pori",
    "porvoo": "ict-lead-porvoo",
    "seinajoki": "ict-lead-seinajoki",
    "kajaani": "ict-lead-kajaani",
    "raasepori": "ict-lead-raasepori",
    "loviisa": "ict-lead-loviisa",
}
STEERING = "steering-hameenlinna"
# Cities not represented at a demo meeting (by the meeting's key in MEETINGS).
ABSENT_AT = {"3-2026": {"kankaanpaa", "raasepori"}}
COORDINATOR = "coordinator"

# The path from a draft to each status, and who takes each step.
PATH = {
    Status.DRAFT: [],
    Status.SUBMITTED: [Status.SUBMITTED],
    Status.UNDER_REVIEW: [Status.SUBMITTED, Status.UNDER_REVIEW],
    Status.ACCEPTED: [Status.SUBMITTED, Status.UNDER_REVIEW, Status.ACCEPTED],
    Status.PRE_STUDY: [Status.SUBMITTED, Status.UNDER_REVIEW, Status.ACCEPTED, Status.PRE_STUDY],
    Status.PROCUREMENT: [
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.ACCEPTED,
        Status.PROCUREMENT,
    ],
    Status.DEVELOPMENT: [
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.ACCEPTED,
        Status.DEVELOPMENT,
    ],
    Status.PILOT: [
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.ACCEPTED,
        Status.DEVELOPMENT,
        Status.PILOT,
    ],
    Status.PRODUCTION: [
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.ACCEPTED,
        Status.DEVELOPMENT,
        Status.PILOT,
        Status.PRODUCTION,
    ],
    Status.REJECTED: [Status.SUBMITTED, Status.UNDER_REVIEW, Status.REJECTED],
}


@dataclass
class DemoNeed:
    key: str
    city: str
    author: str
    status: str
    days_ago: int
    title: str
    problem: str
    outcome: str
    domain: str
    one_off: int = 0
    yearly: int = 0
    years: int = 4
    hours: int = 0
    urgency: str = Urgency.MEDIUM
    split: str = CostSplit.EQUAL
    tags: tuple[str, ...] = ()
    processes: str = ""
    systems: str = ""
    candidates: str = ""
    # city -> (stance, urgency, system today, solution)
    positions: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)
    votes: dict[str, str] = field(default_factory=dict)  # city -> comment
    commitments: dict[str, int] = field(default_factory=dict)  # city -> euros
    # key of the meeting that decided it, its agenda item's number in the minutes of
    # record (the platform numbers the agenda itself) and the decision's text
    decision: tuple[str, str, str] | None = None
    reason: str = ""
    origin: str = ""  # title of the forum thread it grew from
    merged_into: str = ""  # key of the need it was merged into
    production: tuple[str, str, str, tuple[str, ...]] | None = None


def _p(stance: str, urgency: str = "", system: str = "", solution: str = ""):
    return (stance, urgency, system, solution)


NEEDS: list[DemoNeed] = [
    DemoNeed(
        key="varhaiskasvatus",
        city="hameenlinna",
        author="ict-lead-hameenlinna",
        status=Status.ACCEPTED,
        days_ago=160,
        title="Varhaiskasvatuksen asiakastietojärjestelmän uusiminen",
        problem="Varhaiskasvatuksen hakemukset, sijoitukset, läsnäolot ja asiakasmaksut "
        "hoidetaan vanhentuneessa asiakastietojärjestelmässä, jonka toimittajasopimus "
        "päättyy vuonna 2027. Huoltajat asioivat osin paperilla, ja "
        "maksupäätökset lasketaan käsin taulukkolaskennassa.",
        outcome="Yhteinen, avoimiin rajapintoihin perustuva järjestelmä, jossa huoltaja "
        "hakee paikkaa, ilmoittaa hoitoajat ja näkee maksupäätöksensä verkossa. "
        "Tiedot siirtyvät Kelan Varda-tietovarantoon automaattisesti.",
        domain=Domain.EDUCATION_CULTURE,
        one_off=450_000,
        yearly=60_000,
        hours=6_500,
        urgency=Urgency.HIGH,
        split=CostSplit.POPULATION,
        tags=("varhaiskasvatus", "varda", "asiointi"),
        processes="Varhaiskasvatuspaikan haku, sijoittaminen, hoitoaikojen ilmoittaminen, "
        "asiakasmaksujen laskenta",
        systems="Effica (päättyy 2027), Excel-taulukot maksupäätöksiin",
        candidates="Espoon ja Tampereen avoimen lähdekoodin varhaiskasvatuksen järjestelmä (eVaka)",
        positions={
            "hameenlinna": _p(HAS, Urgency.HIGH, "Effica"),
            "pori": _p(HAS, Urgency.HIGH, "Effica"),
            "porvoo": _p(HAS, Urgency.MEDIUM, "Daisy"),
            "seinajoki": _p(HAS, Urgency.MEDIUM, "Effica"),
            "kajaani": _p(SOLVED, "", "eVaka", "Otettu käyttöön 2025 osana eVaka-yhteistyötä."),
            "raasepori": _p(HAS, Urgency.HIGH, "Daisy"),
        },
        votes={
            "hameenlinna": "Sopimus päättyy 2027, tarvitsemme ratkaisun ajoissa.",
            "pori": "",
            "porvoo": "Svenskspråkigt gränssnitt är ett krav.",
            "raasepori": "",
        },
        commitments={"hameenlinna": 90_000, "pori": 110_000, "porvoo": 60_000},
        decision=("3-2026", "5 §", "Hyväksytään kehitysjonoon. Toteutus eVaka-yhteistyön kautta."),
    ),
    DemoNeed(
        key="rakennuslupa",
        city="seinajoki",
        author="ict-lead-seinajoki",
        status=Status.DEVELOPMENT,
        days_ago=330,
        title="Sähköinen rakennuslupapalvelu",
        problem="Rakennuslupahakemukset liitteineen tulevat sähköpostilla ja paperilla. "
        "Lupakäsittelijät kopioivat tiedot käsin lupajärjestelmään, ja hakija "
        "ei näe hakemuksensa käsittelyvaihetta.",
        outcome="Hakija jättää hakemuksen ja piirustukset verkossa, seuraa käsittelyä ja "
        "saa päätöksen sähköisesti. Tiedot siirtyvät rakennetun ympäristön "
        "tietojärjestelmään (Ryhti).",
        domain=Domain.TECHNICAL_ENVIRONMENT,
        one_off=280_000,
        yearly=35_000,
        hours=4_200,
        urgency=Urgency.HIGH,
        tags=("rakennusvalvonta", "ryhti", "asiointi"),
        systems="Lupapiste osittain, Facta",
        candidates="Lupapiste.fi:n avoimet rajapinnat",
        positions={
            "seinajoki": _p(HAS, Urgency.HIGH, "Facta"),
            "pori": _p(HAS, Urgency.HIGH, "Facta"),
            "kajaani": _p(HAS, Urgency.MEDIUM, "Lupapiste"),
            "loviisa": _p(HAS, Urgency.MEDIUM, "Paperi ja sähköposti"),
            "porvoo": _p(NOT_RELEVANT),
        },
        votes={"seinajoki": "", "pori": "", "kajaani": "", "loviisa": ""},
        commitments={"seinajoki": 70_000, "pori": 70_000, "kajaani": 50_000},
        decision=("1-2026", "4 §", "Hyväksytään kehitysjonoon."),
    ),
    DemoNeed(
        key="rakennuslupa-pori",
        city="pori",
        author="ict-lead-pori",
        status=Status.MERGED,
        days_ago=320,
        title="Rakennusvalvonnan lupahakemukset verkkoon",
        problem="Rakennusvalvonnan hakemukset tulevat paperilla.",
        outcome="Hakemukset verkossa.",
        domain=Domain.TECHNICAL_ENVIRONMENT,
        one_off=150_000,
        tags=("rakennusvalvonta",),
        reason="Sama tarve kuin Seinäjoen sähköinen rakennuslupapalvelu.",
        merged_into="rakennuslupa",
    ),
    DemoNeed(
        key="koulukuljetus",
        city="porvoo",
        author="ict-lead-porvoo",
        status=Status.SUBMITTED,
        days_ago=21,
        title="Elektronisk ansökan om skolskjuts",
        problem="Vårdnadshavare ansöker om skolskjuts på en pappersblankett. "
        "Besluten fattas för hand och uppgifterna skickas per e-post till "
        "taxibolagen, vilket leder till fel och förseningar vid terminsstart.",
        outcome="En tvåspråkig e-tjänst där vårdnadshavaren ansöker, får beslutet "
        "elektroniskt och där rutter och elevlistor går direkt till "
        "transportföretagen.",
        domain=Domain.EDUCATION_CULTURE,
        one_off=85_000,
        yearly=12_000,
        hours=1_200,
        urgency=Urgency.MEDIUM,
        tags=("skolskjuts", "koulukuljetus", "e-tjänst"),
        systems="Pappersblankett, Excel",
        positions={
            "porvoo": _p(HAS, Urgency.HIGH, "Excel"),
            "raasepori": _p(HAS, Urgency.HIGH, "Excel"),
            "loviisa": _p(HAS, Urgency.MEDIUM, "Paperilomake"),
            "hameenlinna": _p(SOLVED, "", "Kuntaportaali", "Oma sähköinen lomake 2024."),
        },
        votes={"porvoo": "", "raasepori": "Behövs på båda språken.", "loviisa": ""},
    ),
    DemoNeed(
        key="asiakaspalaute",
        city="pori",
        author="ict-lead-pori",
        status=Status.UNDER_REVIEW,
        days_ago=45,
        title="Sosiaalipalvelujen asiakaspalautteen sähköinen kerääminen",
        problem="Asiakaspalautetta kerätään paperilomakkeilla ja sähköpostilla. Palautteita "
        "ei voi yhdistää eikä raportoida, eikä palautteen antaja saa vastausta.",
        outcome="Saavutettava, kaksikielinen palautekanava, josta palaute ohjautuu oikealle "
        "yksikölle ja josta saadaan kuukausiraportti lautakunnalle.",
        domain=Domain.SOCIAL_HEALTH,
        one_off=40_000,
        yearly=8_000,
        hours=900,
        tags=("asiakaspalaute", "sosiaalipalvelut"),
        candidates="LimeSurvey, Decidim",
        origin="Asiakaspalautteen keruu sosiaalipalveluissa",
        positions={
            "pori": _p(HAS, Urgency.MEDIUM, "Paperilomake"),
            "porvoo": _p(SOLVED, "", "LimeSurvey", "Öppet enkätverktyg sedan 2023."),
            "kajaani": _p(HAS, Urgency.LOW, "Webropol"),
            "raasepori": _p(HAS, Urgency.MEDIUM, "Webropol"),
        },
        votes={"pori": "", "kajaani": ""},
    ),
    DemoNeed(
        key="ostolaskut",
        city="kajaani",
        author="ict-lead-kajaani",
        status=Status.PROCUREMENT,
        days_ago=250,
        title="Ostolaskujen automaattinen tiliöinti ja kierrätys",
        problem="Ostolaskut tiliöidään ja kierrätetään hyväksyjille käsin. Samat toimittajat "
        "laskuttavat kuukaudesta toiseen samoille kustannuspaikoille.",
        outcome="Laskut tiliöityvät sääntöjen ja aiempien laskujen perusteella "
        "automaattisesti, ja poikkeamat ohjautuvat käsittelijälle.",
        domain=Domain.FINANCE,
        one_off=120_000,
        yearly=30_000,
        hours=3_000,
        urgency=Urgency.HIGH,
        tags=("ostolaskut", "automaatio", "talous"),
        systems="Basware, Raindance",
        positions={
            "kajaani": _p(HAS, Urgency.HIGH, "Basware"),
            "hameenlinna": _p(HAS, Urgency.MEDIUM, "Basware"),
            "seinajoki": _p(HAS, Urgency.MEDIUM, "Raindance"),
            "pori": _p(HAS, Urgency.LOW, "Basware"),
        },
        votes={"kajaani": "", "hameenlinna": "", "seinajoki": ""},
        commitments={"kajaani": 30_000, "hameenlinna": 30_000, "seinajoki": 30_000},
        decision=("1-2026", "5 §", "Hyväksytään kehitysjonoon; hankinta yhteishankintana."),
    ),
    DemoNeed(
        key="perehdytys",
        city="hameenlinna",
        author="ict-lead-hameenlinna",
        status=Status.PRE_STUDY,
        days_ago=200,
        title="Henkilöstön sähköinen perehdytysalusta",
        problem="Uusien työntekijöiden perehdytys vaihtelee yksiköittäin. Tietoturva- ja "
        "tietosuojakoulutusten suorittamista ei pystytä seuraamaan.",
        outcome="Yhteinen perehdytysalusta, jossa pakolliset koulutukset ja niiden "
        "suoritukset näkyvät esihenkilölle.",
        domain=Domain.HR,
        one_off=60_000,
        yearly=15_000,
        hours=1_500,
        tags=("perehdytys", "henkilöstö", "tietoturva"),
        candidates="Moodle",
        positions={
            "hameenlinna": _p(HAS, Urgency.MEDIUM, "Intranet"),
            "pori": _p(HAS, Urgency.LOW, "Moodle"),
            "loviisa": _p(HAS, Urgency.MEDIUM, ""),
        },
        votes={"hameenlinna": "", "loviisa": ""},
        decision=("1-2026", "6 §", "Hyväksytään; ensin esiselvitys olemassa olevista alustoista."),
    ),
    DemoNeed(
        key="katutyot",
        city="pori",
        author="ict-lead-pori",
        status=Status.PRODUCTION,
        days_ago=360,
        title="Avoimen datan rajapinta katutöistä ja liikennejärjestelyistä",
        problem="Tieto katutöistä ja tilapäisistä liikennejärjestelyistä on PDF-tiedostoina "
        "kaupungin verkkosivuilla, eikä navigaattoreita voi päivittää niistä.",
        outcome="Avoin rajapinta (GeoJSON, DATEX II), josta karttapalvelut ja "
        "navigaattorit hakevat katutyöt automaattisesti.",
        domain=Domain.TECHNICAL_ENVIRONMENT,
        one_off=45_000,
        yearly=6_000,
        hours=400,
        tags=("avoin data", "liikenne", "rajapinta"),
        positions={
            "pori": _p(HAS, Urgency.MEDIUM, "PDF-tiedostot"),
            "seinajoki": _p(HAS, Urgency.LOW, ""),
            "kajaani": _p(HAS, Urgency.LOW, ""),
        },
        votes={"pori": "", "seinajoki": ""},
        commitments={"pori": 20_000, "seinajoki": 12_500, "kajaani": 12_500},
        decision=("1-2026", "7 §", "Hyväksytään kehitysjonoon."),
        production=(
            "Porin kaupunki, tietohallinto",
            "EUPL-1.2",
            "https://code.opencities.invalid/katutyot",
            ("pori", "seinajoki"),
        ),
    ),
    DemoNeed(
        key="paatokset",
        city="seinajoki",
        author="ict-lead-seinajoki",
        status=Status.PRODUCTION,
        days_ago=350,
        title="Päätösten ja pöytäkirjojen julkaisu verkossa",
        problem="Pöytäkirjat julkaistaan skannattuina PDF-tiedostoina, joita ruudunlukija ei "
        "lue eikä hakukone löydä.",
        outcome="Päätökset julkaistaan saavutettavina verkkosivuina ja avoimena datana "
        "henkilötiedot poistettuina.",
        domain=Domain.ADMINISTRATION,
        one_off=70_000,
        yearly=9_000,
        hours=800,
        tags=("päätöksenteko", "saavutettavuus", "avoin data"),
        systems="Dynasty, CaseM",
        positions={
            "seinajoki": _p(HAS, Urgency.HIGH, "Dynasty"),
            "hameenlinna": _p(HAS, Urgency.MEDIUM, "CaseM"),
            "porvoo": _p(HAS, Urgency.MEDIUM, "Dynasty"),
            "raasepori": _p(HAS, Urgency.MEDIUM, "Dynasty"),
        },
        votes={"seinajoki": "", "hameenlinna": "", "porvoo": ""},
        commitments={"seinajoki": 20_000, "hameenlinna": 20_000, "porvoo": 15_000},
        decision=("1-2026", "8 §", "Hyväksytään kehitysjonoon."),
        production=(
            "Konsortion toimisto",
            "MIT",
            "https://code.opencities.invalid/paatokset",
            ("seinajoki", "hameenlinna", "porvoo"),
        ),
    ),
    DemoNeed(
        key="osallistuva-budjetointi",
        city="loviisa",
        author="ict-lead-loviisa",
        status=Status.PILOT,
        days_ago=300,
        title="Asukaskyselyjen ja osallistuvan budjetoinnin alusta",
        problem="Asukaskyselyt tehdään eri työkaluilla, eikä osallistuvaan budjetointiin "
        "ole välinettä. Tulokset eivät ole vertailukelpoisia.",
        outcome="Yhteinen, kaksikielinen osallistumisalusta ehdotuksille, äänestyksille ja "
        "kyselyille.",
        domain=Domain.ADMINISTRATION,
        one_off=55_000,
        yearly=10_000,
        hours=600,
        urgency=Urgency.LOW,
        tags=("osallisuus", "decidim"),
        candidates="Decidim",
        positions={
            "loviisa": _p(HAS, Urgency.MEDIUM, "Webropol"),
            "porvoo": _p(HAS, Urgency.MEDIUM, ""),
            "hameenlinna": _p(HAS, Urgency.LOW, ""),
        },
        votes={"loviisa": "", "porvoo": ""},
        commitments={"loviisa": 15_000, "porvoo": 20_000, "hameenlinna": 20_000},
        decision=("1-2026", "9 §", "Hyväksytään kehitysjonoon; pilotti Loviisassa."),
    ),
    DemoNeed(
        key="kotihoito",
        city="kajaani",
        author="ict-lead-kajaani",
        status=Status.UNDER_REVIEW,
        days_ago=60,
        title="Kotihoidon toiminnanohjaus ja reittisuunnittelu",
        problem="Kotihoidon käyntien reitit suunnitellaan käsin joka aamu. Sijaisuudet ja "
        "peruutukset hoidetaan puhelimella.",
        outcome="Toiminnanohjaus, joka optimoi reitit ja välittää muutokset hoitajien "
        "mobiililaitteisiin.",
        domain=Domain.SOCIAL_HEALTH,
        one_off=200_000,
        yearly=40_000,
        hours=5_000,
        urgency=Urgency.HIGH,
        tags=("kotihoito", "toiminnanohjaus"),
        positions={
            "kajaani": _p(HAS, Urgency.HIGH, "Excel"),
            "seinajoki": _p(NOT_RELEVANT, "", "", ""),
            "pori": _p(NOT_RELEVANT),
        },
        votes={"kajaani": "Hyvinvointialueen kanssa yhteinen tarve."},
    ),
    DemoNeed(
        key="chatbot",
        city="seinajoki",
        author="ict-lead-seinajoki",
        status=Status.REJECTED,
        days_ago=150,
        title="Chatbot kaupungin asiakaspalveluun",
        problem="Asiakaspalvelu vastaa samoihin kysymyksiin aukioloajoista ja maksuista.",
        outcome="Chatbot vastaa yleisimpiin kysymyksiin ympäri vuorokauden.",
        domain=Domain.ICT,
        one_off=30_000,
        yearly=20_000,
        tags=("asiakaspalvelu", "chatbot"),
        positions={"seinajoki": _p(HAS, Urgency.LOW, "")},
        decision=(
            "3-2026",
            "7 §",
            "Hylätään. Palvelu hankitaan Kuntaliiton yhteishankinnasta, ei konsortiossa.",
        ),
    ),
    DemoNeed(
        key="vesimittarit",
        city="hameenlinna",
        author="ict-lead-hameenlinna",
        status=Status.SUBMITTED,
        days_ago=12,
        title="Etäluettavien vesimittarien tietojen hyödyntäminen",
        problem="Vesilaitos saa etäluettavista mittareista tuntitason kulutustiedot, mutta "
        "vuotojen havaitseminen ja asiakkaiden tiedottaminen tehdään käsin.",
        outcome="Poikkeava kulutus havaitaan automaattisesti ja asiakas saa ilmoituksen "
        "tekstiviestillä tai sähköpostilla.",
        domain=Domain.TECHNICAL_ENVIRONMENT,
        one_off=65_000,
        yearly=12_000,
        hours=700,
        tags=("vesihuolto", "iot"),
        positions={
            "hameenlinna": _p(HAS, Urgency.MEDIUM, "Kamstrup READy"),
            "seinajoki": _p(HAS, Urgency.LOW, ""),
        },
        votes={"hameenlinna": ""},
    ),
    DemoNeed(
        key="e-arkisto",
        city="porvoo",
        author="ict-lead-porvoo",
        status=Status.DEVELOPMENT,
        days_ago=280,
        title="Sähköinen arkistointi ja tiedonohjaussuunnitelma",
        problem="Asiakirjat arkistoidaan yhä paperille, koska sähköisen arkiston ja "
        "tiedonohjaussuunnitelman yhteys puuttuu.",
        outcome="Asiakirjat siirtyvät sähköiseen arkistoon tiedonohjaussuunnitelman "
        "mukaisesti ja säilytysajat hoituvat automaattisesti.",
        domain=Domain.ADMINISTRATION,
        one_off=160_000,
        yearly=25_000,
        hours=2_000,
        split=CostSplit.AGREED,
        tags=("arkistointi", "tos", "tiedonhallinta"),
        positions={
            "porvoo": _p(HAS, Urgency.HIGH, "Paperiarkisto"),
            "raasepori": _p(HAS, Urgency.HIGH, "Pappersarkiv"),
            "loviisa": _p(HAS, Urgency.MEDIUM, ""),
            "kajaani": _p(HAS, Urgency.LOW, ""),
        },
        votes={"porvoo": "", "raasepori": "", "loviisa": ""},
        commitments={"porvoo": 60_000, "raasepori": 40_000, "loviisa": 30_000},
        decision=("1-2026", "10 §", "Hyväksytään kehitysjonoon."),
    ),
    DemoNeed(
        key="lomakkeet",
        city="pori",
        author="substitute-pori",
        status=Status.ACCEPTED,
        days_ago=90,
        title="Sähköiset lomakkeet asukkaille",
        problem="Kaupungilla on yli 300 tulostettavaa lomaketta. Täytetyt lomakkeet "
        "skannataan ja syötetään järjestelmiin käsin.",
        outcome="Lomakepalvelu, jossa lomake täytetään tunnistautuneena ja tiedot siirtyvät "
        "asianhallintaan.",
        domain=Domain.ICT,
        one_off=90_000,
        yearly=18_000,
        hours=3_500,
        tags=("lomakkeet", "asiointi"),
        positions={
            "pori": _p(HAS, Urgency.HIGH, "PDF-lomakkeet"),
            "hameenlinna": _p(HAS, Urgency.MEDIUM, ""),
            "kajaani": _p(HAS, Urgency.MEDIUM, ""),
            "porvoo": _p(HAS, Urgency.MEDIUM, ""),
            "raasepori": _p(HAS, Urgency.LOW, ""),
        },
        votes={"pori": "", "hameenlinna": "", "kajaani": "", "porvoo": "", "raasepori": ""},
        commitments={"pori": 20_000, "hameenlinna": 20_000},
        decision=("3-2026", "6 §", "Hyväksytään kehitysjonoon."),
    ),
    DemoNeed(
        key="kostservice",
        city="raasepori",
        author="ict-lead-raasepori",
        status=Status.SUBMITTED,
        days_ago=30,
        title="Beställningssystem för kostservice och specialdieter",
        problem="Skolornas och daghemmens specialdieter meddelas på papper till köken. "
        "Uppgifterna uppdateras sällan och risken för misstag är stor.",
        outcome="Vårdnadshavaren anmäler specialdiet elektroniskt och köket ser aktuella "
        "uppgifter per enhet och dag.",
        domain=Domain.EDUCATION_CULTURE,
        one_off=50_000,
        yearly=9_000,
        hours=800,
        tags=("kostservice", "ruokapalvelut"),
        positions={
            "raasepori": _p(HAS, Urgency.MEDIUM, "Aromi"),
            "porvoo": _p(HAS, Urgency.MEDIUM, "Aromi"),
            "loviisa": _p(HAS, Urgency.LOW, "Aromi"),
        },
        votes={"raasepori": "", "porvoo": ""},
    ),
    DemoNeed(
        key="tekstiviestit",
        city="kajaani",
        author="ict-lead-kajaani",
        status=Status.SUBMITTED,
        days_ago=9,
        title="Kuntalaisviestinnän tekstiviesti- ja häiriötiedotepalvelu",
        problem="Vesikatkoista ja häiriöistä tiedotetaan vain verkkosivuilla ja sosiaalisessa "
        "mediassa; ikäihmiset eivät saa tietoa ajoissa.",
        outcome="Asukas tilaa osoitteeseensa kohdistuvat häiriötiedotteet tekstiviestinä.",
        domain=Domain.ICT,
        one_off=25_000,
        yearly=14_000,
        hours=300,
        tags=("viestintä", "tekstiviesti"),
        positions={"kajaani": _p(HAS, Urgency.MEDIUM, "")},
    ),
    DemoNeed(
        key="liikuntapaikat",
        city="kajaani",
        author="ict-lead-kajaani",
        status=Status.SUBMITTED,
        days_ago=18,
        title="Liikuntapaikkojen kunto- ja käyttötiedot",
        problem="Latujen, kenttien ja uimarantojen kunnosta kysytään puhelimella. "
        "Kunnossapitäjät kirjaavat tiedot vihkoon.",
        outcome="Kunnossapitäjä päivittää kunnon mobiilisti, ja tieto näkyy asukkaille "
        "kartalla ja Lipas-järjestelmässä.",
        domain=Domain.EDUCATION_CULTURE,
        one_off=35_000,
        yearly=5_000,
        hours=250,
        urgency=Urgency.LOW,
        tags=("liikunta", "lipas", "kartta"),
        positions={
            "kajaani": _p(HAS, Urgency.MEDIUM, ""),
            "seinajoki": _p(HAS, Urgency.LOW, ""),
        },
        votes={"kajaani": ""},
    ),
    DemoNeed(
        key="sopimushallinta",
        city="seinajoki",
        author="substitute-seinajoki",
        status=Status.UNDER_REVIEW,
        days_ago=70,
        title="Hankintojen ja sopimusten hallinta",
        problem="Sopimuksia seurataan taulukoissa; optioiden ja irtisanomisaikojen "
        "määräpäivät jäävät huomaamatta.",
        outcome="Sopimusrekisteri, joka muistuttaa määräajoista ja liittyy hankintojen "
        "kilpailutukseen.",
        domain=Domain.FINANCE,
        one_off=70_000,
        yearly=15_000,
        hours=1_100,
        tags=("hankinnat", "sopimukset"),
        positions={
            "seinajoki": _p(HAS, Urgency.HIGH, "Excel"),
            "pori": _p(HAS, Urgency.MEDIUM, "Cloudia"),
            "hameenlinna": _p(HAS, Urgency.MEDIUM, ""),
        },
        votes={"seinajoki": "", "pori": ""},
    ),
    DemoNeed(
        key="tyovuorot",
        city="hameenlinna",
        author="ict-lead-hameenlinna",
        status=Status.SUBMITTED,
        days_ago=25,
        title="Varhaiskasvatuksen työvuorosuunnittelu",
        problem="Päiväkotien työvuorot suunnitellaan Excelissä, eikä henkilöstömitoitusta "
        "voi seurata ajantasaisesti.",
        outcome="Työvuorosuunnittelu, joka huomioi lasten läsnäolot ja mitoituksen.",
        domain=Domain.HR,
        one_off=45_000,
        yearly=12_000,
        hours=1_800,
        tags=("varhaiskasvatus", "työvuorot"),
        positions={
            "hameenlinna": _p(HAS, Urgency.MEDIUM, "Excel"),
            "pori": _p(HAS, Urgency.MEDIUM, "Titania"),
        },
        votes={"hameenlinna": ""},
    ),
    DemoNeed(
        key="kaavoitus",
        city="porvoo",
        author="substitute-porvoo",
        status=Status.PILOT,
        days_ago=260,
        title="Kaavoituksen vuorovaikutteinen karttapalvelu",
        problem="Kaavaluonnoksista annetaan palautetta sähköpostilla ilman sijaintia; "
        "palautteiden koonti vie viikkoja.",
        outcome="Asukas kommentoi kaavaluonnosta kartalla, ja palautteet koostuvat "
        "kaavoittajalle automaattisesti.",
        domain=Domain.TECHNICAL_ENVIRONMENT,
        one_off=80_000,
        yearly=10_000,
        hours=900,
        tags=("kaavoitus", "kartta", "osallisuus"),
        candidates="Oskari",
        positions={
            "porvoo": _p(HAS, Urgency.MEDIUM, "Sähköposti"),
            "seinajoki": _p(HAS, Urgency.LOW, ""),
            "loviisa": _p(HAS, Urgency.MEDIUM, ""),
        },
        votes={"porvoo": "", "seinajoki": "", "loviisa": ""},
        commitments={"porvoo": 30_000, "seinajoki": 25_000, "loviisa": 25_000},
        decision=("1-2026", "11 §", "Hyväksytään kehitysjonoon."),
    ),
    DemoNeed(
        key="nuorisotilat",
        city="kankaanpaa",
        author="expert-kankaanpaa",
        status=Status.DRAFT,
        days_ago=5,
        title="Nuorisotilojen kävijäseuranta",
        problem="Nuorisotilojen kävijämäärät lasketaan tukkimiehen kirjanpidolla.",
        outcome="Anonyymi kävijäseuranta, josta saadaan raportit lautakunnalle.",
        domain=Domain.EDUCATION_CULTURE,
        one_off=8_000,
        tags=("nuorisotyö",),
    ),
    DemoNeed(
        key="matkalaskut",
        city="pori",
        author="expert-pori",
        status=Status.DRAFT,
        days_ago=3,
        title="Matkalaskujen käsittely mobiilisti",
        problem="Kotihoidon ja sosiaalityön matkat kirjataan paperille ja syötetään "
        "järjestelmään kuukauden lopussa.",
        outcome="Matka kirjataan puhelimella heti, ja kilometrit lasketaan reitistä.",
        domain=Domain.FINANCE,
        tags=("matkalaskut",),
    ),
    DemoNeed(
        key="fardtjanst",
        city="porvoo",
        author="expert-porvoo",
        status=Status.DRAFT,
        days_ago=2,
        title="Digital hantering av färdtjänstbeslut",
        problem="Färdtjänstbesluten skrivs ut och skickas per post till kunden och taxicentralen.",
        outcome="Beslutet går elektroniskt till kunden och direkt till beställningscentralen.",
        domain=Domain.SOCIAL_HEALTH,
        tags=("färdtjänst",),
    ),
    DemoNeed(
        key="avustukset",
        city="seinajoki",
        author="ict-lead-seinajoki",
        status=Status.SUBMITTED,
        days_ago=15,
        title="Avustushakemusten sähköinen käsittely",
        problem="Järjestöjen avustushakemukset tulevat sähköpostilla, ja käsittelijät "
        "pisteyttävät ne taulukossa.",
        outcome="Järjestö hakee avustusta verkossa, ja hakemukset, päätökset ja "
        "selvitykset ovat yhdessä paikassa.",
        domain=Domain.ADMINISTRATION,
        one_off=40_000,
        yearly=7_000,
        hours=600,
        tags=("avustukset", "järjestöt"),
        positions={
            "seinajoki": _p(HAS, Urgency.MEDIUM, "Sähköposti"),
            "loviisa": _p(HAS, Urgency.LOW, ""),
            "porvoo": _p(SOLVED, "", "Hilma", "I bruk sedan 2022."),
        },
        votes={"seinajoki": "", "loviisa": ""},
    ),
    DemoNeed(
        key="webbplats",
        city="raasepori",
        author="ict-lead-raasepori",
        status=Status.UNDER_REVIEW,
        days_ago=55,
        title="Tvåspråkig webbplats och innehållshantering",
        problem="Stadens webbplats är svårt att hålla tvåspråkig: de svenska sidorna släpar "
        "efter och länkarna mellan språkversionerna går sönder.",
        outcome="Ett gemensamt publiceringssystem med språkversioner som hålls ihop och "
        "följer tillgänglighetskraven.",
        domain=Domain.ICT,
        one_off=110_000,
        yearly=20_000,
        hours=1_000,
        tags=("webbplats", "tvåspråkighet", "tillgänglighet"),
        candidates="Wagtail, Drupal",
        positions={
            "raasepori": _p(HAS, Urgency.HIGH, "WordPress"),
            "porvoo": _p(HAS, Urgency.MEDIUM, "Sitefinity"),
            "loviisa": _p(HAS, Urgency.MEDIUM, "WordPress"),
        },
        votes={"raasepori": "", "porvoo": "", "loviisa": ""},
    ),
    DemoNeed(
        key="asiakaskoneet",
        city="pori",
        author="ict-lead-pori",
        status=Status.REJECTED,
        days_ago=140,
        title="Kirjastojen asiakaskoneiden varausjärjestelmä",
        problem="Kirjastojen asiakaskoneet varataan paperilistalla.",
        outcome="Asiakas varaa koneen kirjastokortilla verkossa.",
        domain=Domain.EDUCATION_CULTURE,
        one_off=15_000,
        yearly=3_000,
        tags=("kirjastot",),
        positions={"pori": _p(HAS, Urgency.LOW, "")},
        decision=(
            "3-2026",
            "8 §",
            "Hylätään. Ominaisuus sisältyy kirjastojärjestelmän seuraavaan versioon.",
        ),
    ),
    DemoNeed(
        key="havikki",
        city="loviisa",
        author="ict-lead-loviisa",
        status=Status.SUBMITTED,
        days_ago=7,
        title="Kouluruokailun hävikin seuranta",
        problem="Ruokahävikki punnitaan kouluissa, mutta tulokset kirjataan paperille eikä "
        "niitä verrata ruokalistaan.",
        outcome="Hävikki kirjataan tabletilla, ja ruokalistasuunnittelija näkee sen aterioittain.",
        domain=Domain.EDUCATION_CULTURE,
        one_off=20_000,
        yearly=4_000,
        hours=200,
        urgency=Urgency.LOW,
        tags=("ruokapalvelut", "hävikki", "kestävä kehitys"),
        positions={"loviisa": _p(HAS, Urgency.LOW, "Paperi")},
    ),
    DemoNeed(
        key="energia",
        city="seinajoki",
        author="ict-lead-seinajoki",
        status=Status.ACCEPTED,
        days_ago=110,
        title="Kiinteistöjen energiankulutuksen seuranta",
        problem="Kaupungin kiinteistöjen energiankulutus luetaan kuukausittain eri "
        "toimittajien portaaleista.",
        outcome="Kulutus kaikista kiinteistöistä yhdessä näkymässä, poikkeamahälytykset ja "
        "raportit energiatehokkuussopimukseen.",
        domain=Domain.TECHNICAL_ENVIRONMENT,
        one_off=75_000,
        yearly=14_000,
        hours=1_400,
        tags=("energia", "kiinteistöt", "kestävä kehitys"),
        positions={
            "seinajoki": _p(HAS, Urgency.MEDIUM, ""),
            "hameenlinna": _p(HAS, Urgency.MEDIUM, "Granlund Manager"),
            "kajaani": _p(HAS, Urgency.LOW, ""),
            "raasepori": _p(HAS, Urgency.LOW, ""),
        },
        votes={"seinajoki": "", "hameenlinna": "", "kajaani": ""},
        commitments={"seinajoki": 25_000, "hameenlinna": 25_000},
        decision=("3-2026", "9 §", "Hyväksytään kehitysjonoon."),
    ),
    DemoNeed(
        key="kotikuntakorvaus",
        city="kajaani",
        author="ict-lead-kajaani",
        status=Status.ACCEPTED,
        days_ago=100,
        title="Kotikuntakorvausten laskenta ja laskutus",
        problem="Kotikuntakorvaukset lasketaan vuosittain käsin oppilasrekisterin poiminnoista.",
        outcome="Korvaukset lasketaan oppilashallinnon tiedoista, ja laskut muodostuvat "
        "automaattisesti.",
        domain=Domain.FINANCE,
        one_off=30_000,
        yearly=5_000,
        hours=400,
        tags=("kotikuntakorvaus", "laskutus"),
        positions={
            "kajaani": _p(HAS, Urgency.MEDIUM, "Primus"),
            "hameenlinna": _p(HAS, Urgency.LOW, "Wilma"),
        },
        votes={"kajaani": "", "hameenlinna": ""},
        decision=("3-2026", "10 §", "Hyväksytään kehitysjonoon."),
    ),
    DemoNeed(
        key="tunnistautuminen",
        city="hameenlinna",
        author="ict-lead-hameenlinna",
        status=Status.PRODUCTION,
        days_ago=365,
        title="Yhteinen tunnistautuminen ja käyttäjähallinta",
        problem="Jokaisella palvelulla on omat tunnuksensa, ja lähtevän työntekijän "
        "tunnukset jäävät voimaan.",
        outcome="Konsortion yhteinen IAM, johon palvelut liitetään OpenID Connectilla.",
        domain=Domain.ICT,
        one_off=140_000,
        yearly=30_000,
        hours=2_500,
        urgency=Urgency.CRITICAL,
        tags=("iam", "tunnistautuminen", "tietoturva"),
        candidates="Keycloak",
        positions={
            "hameenlinna": _p(HAS, Urgency.CRITICAL, "AD"),
            "pori": _p(HAS, Urgency.HIGH, "AD"),
            "porvoo": _p(HAS, Urgency.HIGH, "Entra ID"),
            "seinajoki": _p(HAS, Urgency.HIGH, "AD"),
            "kajaani": _p(HAS, Urgency.HIGH, "AD"),
        },
        votes={
            "hameenlinna": "",
            "pori": "",
            "porvoo": "",
            "seinajoki": "",
            "kajaani": "",
        },
        commitments={
            "hameenlinna": 30_000,
            "pori": 35_000,
            "porvoo": 25_000,
            "seinajoki": 30_000,
            "kajaani": 20_000,
        },
        decision=("1-2026", "3 §", "Hyväksytään ensimmäiseksi yhteiseksi kehityskohteeksi."),
        production=(
            "Konsortion toimisto",
            "Apache-2.0",
            "https://code.opencities.invalid/iam",
            ("hameenlinna", "pori", "porvoo", "seinajoki", "kajaani"),
        ),
    ),
    DemoNeed(
        key="oppilashallinto",
        city="raasepori",
        author="ict-lead-raasepori",
        status=Status.SUBMITTED,
        days_ago=4,
        title="Överföring av elevuppgifter mellan skolor",
        problem="När en elev byter skola skickas uppgifterna per post eller krypterad "
        "e-post mellan kommunerna.",
        outcome="Elevuppgifterna överförs säkert och elektroniskt mellan kommunernas elevregister.",
        domain=Domain.EDUCATION_CULTURE,
        one_off=35_000,
        yearly=6_000,
        hours=300,
        tags=("elevregister", "oppilashallinto"),
        positions={"raasepori": _p(HAS, Urgency.MEDIUM, "Wilma")},
    ),
]

MEETINGS = {
    "1-2026": ("Ohjausryhmä 1/2026", 240),
    "3-2026": ("Ohjausryhmä 3/2026", 35),
}
ROUND_TITLE = "Kehitysjonon priorisointi 2027"


def seed(demo: Demo) -> None:
    members = demo.members
    if STEERING not in members or COORDINATOR not in members:
        return
    needs: dict[str, Need] = demo.kept.setdefault("needs", {})
    meetings = _meetings(demo)
    demo.kept["meetings"] = meetings
    for spec in NEEDS:
        need = Need.objects.filter(title=spec.title).first() or _need(demo, spec, meetings)
        needs[spec.key] = Need.objects.get(pk=need.pk)  # as the services left it
    _round(demo, needs)


def _meetings(demo: Demo) -> dict[str, Meeting]:
    meetings = {}
    today = timezone.localdate()
    for key, (title, days_ago) in MEETINGS.items():
        meeting = Meeting.objects.filter(title=title).first()
        meetings[key] = meeting or steering_services.meeting_create(
            actor=demo.members[COORDINATOR],
            title=title,
            held_on=today - timedelta(days=days_ago),
        )
    return meetings


def _actor(demo: Demo, city: str) -> User | None:
    sub = CITY_ACTORS.get(city)
    return demo.members.get(sub) if sub else None


def _need(demo: Demo, spec: DemoNeed, meetings: dict[str, Meeting]) -> Need:
    members = demo.members
    author = members[spec.author]
    origin = Thread.objects.filter(title=spec.origin).first() if spec.origin else None
    need = services.need_create(
        actor=author,
        data={
            "title": spec.title,
            "problem": spec.problem,
            "desired_outcome": spec.outcome,
            "domain": spec.domain,
            "affected_processes": spec.processes,
            "current_systems": spec.systems,
            "open_source_candidates": spec.candidates,
            "one_off_cost_eur": Decimal(spec.one_off),
            "yearly_cost_eur": Decimal(spec.yearly),
            "contract_years": spec.years,
            "benefit_hours_per_year": spec.hours,
            "urgency": spec.urgency,
            "cost_split": spec.split,
        },
        tags=spec.tags,
        origin_thread=origin,
    )
    if spec.status == Status.DRAFT:
        _backdate(need, spec.days_ago)
        return need
    submitter = _actor(demo, spec.city) or author
    services.need_transition(actor=submitter, need=need, to_status=Status.SUBMITTED)
    if spec.status == Status.MERGED:
        target = next(n for k, n in demo.kept["needs"].items() if k == spec.merged_into)
        services.need_transition(actor=members[STEERING], need=need, to_status=Status.UNDER_REVIEW)
        services.need_merge(actor=members[STEERING], need=need, target=target, reason=spec.reason)
        _backdate(need, spec.days_ago)
        return need
    for city, (stance, urgency, system, solution) in spec.positions.items():
        actor = _actor(demo, city)
        if actor is None:
            continue
        services.city_position_set(
            actor=actor,
            need=need,
            stance=stance,
            urgency=urgency,
            current_system=system,
            solution=solution,
        )
    for city, comment in spec.votes.items():
        actor = _actor(demo, city)
        if actor is not None:
            services.city_vote_cast(actor=actor, need=need, comment=comment)
    year = timezone.localdate().year + 1
    for city, amount in spec.commitments.items():
        actor = _actor(demo, city)
        if actor is not None:
            services.commitment_record(
                actor=actor, need=need, amount_eur=Decimal(amount), budget_year=year
            )
    steps = PATH[spec.status][1:]
    if spec.decision:
        _decide(demo, need, spec, meetings[spec.decision[0]], steps)
    else:
        for step in steps:
            who = members[COORDINATOR if step not in _STEERING_STEPS else STEERING]
            services.need_transition(actor=who, need=need, to_status=step)
    if spec.production:
        maintainer, licence, repository, cities = spec.production
        services.production_record(
            actor=members[COORDINATOR],
            need=need,
            maintainer=maintainer,
            licence=licence,
            repository_url=repository,
            cities=[demo.organisations[c] for c in cities],
        )
    _backdate(need, spec.days_ago)
    return need


_STEERING_STEPS = {Status.UNDER_REVIEW, Status.ACCEPTED, Status.REJECTED}


def _decide(demo: Demo, need: Need, spec: DemoNeed, meeting: Meeting, steps: list[str]) -> None:
    """The steering group decides at a meeting; the coordinator takes the later steps."""
    key, _number, text = spec.decision or ("", "", "")
    members = demo.members
    services.need_transition(actor=members[STEERING], need=need, to_status=Status.UNDER_REVIEW)
    need.refresh_from_db()
    decided = Status.REJECTED if spec.status == Status.REJECTED else Status.ACCEPTED
    # Every city at the meeting agreed; the ones not there are recorded absent,
    # as the meeting's attendance (steering/demo.py) shows them.
    stances = {
        organisation.pk: "absent" if slug in ABSENT_AT.get(key, ()) else "for"
        for slug, organisation in demo.organisations.items()
        if organisation.is_city
    }
    item = steering_services.agenda_item_add(
        actor=members[COORDINATOR], meeting=meeting, kind="need", need=need
    )
    steering_services.decision_record(
        actor=members[STEERING],
        meeting=meeting,
        item=item,
        agenda_item="",
        text=text,
        rationale="",
        resulting_status=decided,
        stances=stances,
    )
    for step in steps[steps.index(decided) + 1 :] if decided in steps else []:
        services.need_transition(actor=members[COORDINATOR], need=need, to_status=step)


def _backdate(need: Need, days_ago: int) -> None:
    """Spread the need's own dates over the past ``days_ago`` days (see the module's doc)."""
    now = timezone.now()
    start = now - timedelta(days=days_ago)
    steps = list(Transition.objects.filter(need=need).order_by("created_at", "id"))
    gap = (now - start) / max(len(steps), 1)
    for n, step in enumerate(steps):
        Transition.objects.filter(pk=step.pk).update(created_at=start + gap * n)
    moments = {s.to_status: start + gap * n for n, s in enumerate(steps)}
    Need.objects.filter(pk=need.pk).update(
        created_at=start,
        submitted_at=moments.get(Status.SUBMITTED),
        decided_at=moments.get(Status.ACCEPTED) or moments.get(Status.REJECTED),
        updated_at=start + gap * max(len(steps) - 1, 0),
    )


def _round(demo: Demo, needs: dict[str, Need]) -> None:
    if PrioritisationRound.objects.filter(title=ROUND_TITLE).exists():
        return
    now = timezone.now()
    keys = [
        "varhaiskasvatus",
        "lomakkeet",
        "energia",
        "kotikuntakorvaus",
        "asiakaspalaute",
        "kotihoito",
        "webbplats",
        "sopimushallinta",
    ]
    round_ = services.round_open(
        actor=demo.members[STEERING],
        title=ROUND_TITLE,
        needs=[needs[k] for k in keys],
        points_per_city=100,
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=20),
    )
    allocations = {
        "hameenlinna": {
            "varhaiskasvatus": 50,
            "energia": 20,
            "lomakkeet": 20,
            "sopimushallinta": 10,
        },
        "pori": {"varhaiskasvatus": 40, "lomakkeet": 40, "asiakaspalaute": 20},
        "porvoo": {"varhaiskasvatus": 30, "webbplats": 50, "lomakkeet": 20},
        "kajaani": {"kotihoito": 60, "kotikuntakorvaus": 30, "energia": 10},
        "raasepori": {"webbplats": 70, "varhaiskasvatus": 30},
        "seinajoki": {"energia": 50, "sopimushallinta": 50},
    }
    for city, points in allocations.items():
        actor = _actor(demo, city)
        if actor is not None:
            services.round_allocate(
                actor=actor,
                round_=round_,
                points={needs[k].pk: v for k, v in points.items()},
            )
