"""Demo data for the forum: the categories and discussions between the cities."""

from accounts.demo import Demo
from forum import services as forum_services
from forum.models import Category, Domain, Publicity, Thread

CATEGORIES = [
    ("hallinto", Domain.ADMINISTRATION, "Hallinto", "Förvaltning", "Administration"),
    (
        "sote",
        Domain.SOCIAL_HEALTH,
        "Sosiaali- ja terveys",
        "Social- och hälsovård",
        "Social and health",
    ),
    (
        "sivistys",
        Domain.EDUCATION_CULTURE,
        "Sivistys ja kulttuuri",
        "Bildning och kultur",
        "Education and culture",
    ),
    (
        "tekninen",
        Domain.TECHNICAL_ENVIRONMENT,
        "Tekniikka ja ympäristö",
        "Teknik och miljö",
        "Technical and environment",
    ),
    ("talous", Domain.FINANCE, "Talous", "Ekonomi", "Finance"),
    ("henkilosto", Domain.HR, "Henkilöstö", "Personal", "HR"),
    ("ict", Domain.ICT, "ICT", "IKT", "ICT"),
]


def seed(demo: Demo) -> None:
    _categories()
    _discussions(demo)


def _categories() -> None:
    for position, (slug, domain, fi, sv, en) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            slug=slug,
            defaults={
                "domain": domain,
                "name_fi": fi,
                "name_sv": sv,
                "name_en": en,
                "position": position,
            },
        )
    Category.objects.get_or_create(
        slug="ohjausryhma",
        defaults={
            "name_fi": "Ohjausryhmän tiedotteet",
            "name_sv": "Styrgruppens meddelanden",
            "name_en": "Steering group announcements",
            "description_fi": "Kaikki lukevat, ohjausryhmä kirjoittaa.",
            "description_sv": "Alla läser, styrgruppen skriver.",
            "description_en": "Everyone reads; the steering group writes.",
            "position": 20,
            "start_roles": ["steering_group"],
        },
    )
    Category.objects.get_or_create(
        slug="ohjausryhma-sisainen",
        defaults={
            "name_fi": "Ohjausryhmän työtila",
            "name_sv": "Styrgruppens arbetsrum",
            "name_en": "Steering group workspace",
            "position": 21,
            "read_roles": ["steering_group", "project_coordinator"],
            "start_roles": ["steering_group", "project_coordinator"],
            "default_publicity": Publicity.CONFIDENTIAL,
        },
    )


def _discussions(demo: Demo) -> None:
    members = demo.members
    if Thread.objects.exists() or "expert-pori" not in members:
        return
    sote = Category.objects.get(slug="sote")
    ict = Category.objects.get(slug="ict")
    thread = forum_services.thread_create(
        actor=members["expert-pori"],
        category=sote,
        title="Asiakaspalautteen keruu sosiaalipalveluissa",
        body="Miten muut kaupungit keräävät asiakaspalautetta sosiaalipalveluista? "
        "Meillä on käytössä paperilomakkeet ja sähköposti.",
        tags=["asiakaspalaute", "sosiaalipalvelut"],
        publicity=Publicity.PUBLIC,
    )
    forum_services.post_create(
        actor=members["expert-porvoo"],
        thread=thread,
        body="I Borgå använder vi ett öppet enkätverktyg. @liisa-koskinen, jag kan visa det.",
    )
    forum_services.thread_create(
        actor=members["ict-lead-kajaani"],
        category=ict,
        title="Yhteinen tunnistautumisratkaisu",
        body="Konsortion IAM on nyt käytössä. Mitä järjestelmiä liitetään seuraavaksi?\n\n"
        "- laskutus\n- varausjärjestelmä",
        tags=["iam", "tunnistautuminen"],
        publicity=Publicity.INTERNAL,
    )
