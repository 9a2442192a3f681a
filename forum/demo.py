"""Demo data for the forum: the categories and discussions between the cities, in
Finnish and Swedish, with replies, reactions and pictures."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from accounts.demo import Demo
from forum import services as forum_services
from forum.models import Category, Domain, Publicity, ReactionKind, Thread

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


# Each discussion: category, author, title, publicity, tags, first post, then
# replies (author, text, reactions by others) and attached pictures (name, caption).
DISCUSSIONS = [
    (
        "sote",
        "expert-pori",
        "Asiakaspalautteen keruu sosiaalipalveluissa",
        Publicity.PUBLIC,
        ["asiakaspalaute", "sosiaalipalvelut"],
        "Miten muut kaupungit keräävät asiakaspalautetta sosiaalipalveluista? "
        "Meillä on käytössä paperilomakkeet ja sähköposti.",
        [
            (
                "expert-porvoo",
                "I Borgå använder vi ett öppet enkätverktyg. @liisa-koskinen, jag kan visa det.",
                [("expert-pori", ReactionKind.THUMBS_UP), ("expert-raasepori", ReactionKind.IDEA)],
            ),
            (
                "expert-raasepori",
                "Vi i Raseborg har samma problem. Det viktigaste för oss är att blanketten "
                "finns på båda språken och att svaren kan sorteras per enhet.",
                [("expert-porvoo", ReactionKind.SAME_HERE)],
            ),
            (
                "ict-lead-pori",
                "Kirjasin tästä tarpeen rekisteriin, jotta kaupungit voivat ilmoittaa "
                "kantansa. Palautteen raportointi lautakunnalle on meille tärkein asia.",
                [("expert-pori", ReactionKind.HEART), ("ict-lead-kajaani", ReactionKind.THUMBS_UP)],
            ),
        ],
        [("palautekanavat", "Palautteet kanavittain 2026")],
    ),
    (
        "ict",
        "ict-lead-kajaani",
        "Yhteinen tunnistautumisratkaisu",
        Publicity.INTERNAL,
        ["iam", "tunnistautuminen"],
        "Konsortion IAM on nyt käytössä. Mitä järjestelmiä liitetään seuraavaksi?\n\n"
        "- laskutus\n- varausjärjestelmä",
        [
            (
                "ict-lead-hameenlinna",
                "Hämeenlinnassa seuraavana on varhaiskasvatuksen järjestelmä, kun uusi "
                "otetaan käyttöön. Sen jälkeen intranet.",
                [("ict-lead-kajaani", ReactionKind.THUMBS_UP)],
            ),
            (
                "ict-lead-porvoo",
                "Vi ansluter bokningssystemet först. Finns det någon som redan har "
                "konfigurerat SAML-bryggan?",
                [],
            ),
            (
                "ict-lead-seinajoki",
                "Seinäjoella silta on käytössä. Laitan asetukset tänne liitteeksi ensi viikolla.",
                [
                    ("ict-lead-porvoo", ReactionKind.HEART),
                    ("ict-lead-raasepori", ReactionKind.THUMBS_UP),
                ],
            ),
        ],
        [],
    ),
    (
        "sivistys",
        "expert-hameenlinna",
        "Varhaiskasvatuksen hakemusten käsittely – kokemuksia eVakasta?",
        Publicity.PUBLIC,
        ["varhaiskasvatus", "evaka"],
        "Suunnittelemme varhaiskasvatuksen asiakastietojärjestelmän uusimista. Onko "
        "jollakulla kokemuksia avoimen lähdekoodin eVakasta, erityisesti "
        "asiakasmaksujen laskennasta?",
        [
            (
                "ict-lead-kajaani",
                "Kajaanissa eVaka on ollut käytössä vuodesta 2025. Maksupäätökset "
                "syntyvät nyt automaattisesti, ja huoltajat ilmoittavat hoitoajat itse.",
                [
                    ("expert-hameenlinna", ReactionKind.CELEBRATE),
                    ("ict-lead-pori", ReactionKind.IDEA),
                ],
            ),
            (
                "expert-porvoo",
                "Hur fungerar det svenska gränssnittet? För oss i Borgå är det ett krav.",
                [("expert-raasepori", ReactionKind.SAME_HERE)],
            ),
            (
                "ict-lead-kajaani",
                "Ruotsinkielinen käyttöliittymä on olemassa, mutta käännöksiä kannattaa "
                "tarkistaa yhdessä. Tässä kuvakaappaus hakemusnäkymästä.",
                [],
            ),
        ],
        [("hakemusnakyma", "Hakemusnäkymä")],
    ),
    (
        "tekninen",
        "expert-kankaanpaa",
        "Katuvalojen vikailmoitukset kartalla",
        Publicity.PUBLIC,
        ["katuvalaistus", "kartta"],
        "Asukkaat ilmoittavat rikkinäisistä katuvaloista puhelimella. Onko jollain "
        "käytössä karttapohjainen vikailmoitus, joka menisi suoraan urakoitsijalle?",
        [
            (
                "ict-lead-seinajoki",
                "Seinäjoella on Oskari-pohjainen palautekartta. Ilmoitukset ohjautuvat "
                "kunnossapidon työjonoon.",
                [("expert-kankaanpaa", ReactionKind.THUMBS_UP)],
            ),
        ],
        [],
    ),
    (
        "talous",
        "expert-paimio",
        "Ostolaskujen automaattinen tiliöinti: mitä säännöt kattavat?",
        Publicity.INTERNAL,
        ["ostolaskut", "automaatio"],
        "We are preparing the joint procurement of automated invoice coding. Which "
        "share of your invoices could rules cover today? Our rough estimate is 60 %.",
        [
            (
                "ict-lead-kajaani",
                "Kajaanissa noin 70 % ostolaskuista toistuu samoille kustannuspaikoille. "
                "Poikkeukset ovat lähinnä kertaluonteisia hankintoja.",
                [("expert-paimio", ReactionKind.THUMBS_UP)],
            ),
            (
                "ict-lead-hameenlinna",
                "Meillä sama luokka. Tärkeintä on, että hyväksyjä näkee, miksi tiliöinti "
                "ehdotettiin.",
                [],
            ),
        ],
        [("tilioinnit", "Automaattisesti tiliöityjen laskujen osuus")],
    ),
    (
        "henkilosto",
        "moderator-heinola",
        "Perehdytysmateriaalit ruotsiksi",
        Publicity.PUBLIC,
        ["perehdytys", "ruotsi"],
        "Onko kenelläkään tietoturvaperehdytyksen materiaaleja ruotsiksi? Heinolaan "
        "tulee kesällä ruotsinkielisiä kesätyöntekijöitä.",
        [
            (
                "expert-raasepori",
                "Ja, vi har ett färdigt paket om informationssäkerhet på svenska. Jag "
                "delar det gärna här.",
                [("moderator-heinola", ReactionKind.HEART)],
            ),
        ],
        [],
    ),
    (
        "ohjausryhma",
        "steering-hameenlinna",
        "Kehitysjonon priorisointikierros 2027 on auki",
        Publicity.PUBLIC,
        ["priorisointi"],
        "Ohjausryhmä avasi kehitysjonon priorisointikierroksen. Jokaisella kaupungilla "
        "on 100 pistettä jaettavana kierroksen tarpeille. Kierros sulkeutuu kolmen "
        "viikon kuluttua.",
        [
            (
                "steering-porvoo",
                "Styrgruppen öppnade prioriteringsomgången. Varje stad har 100 poäng att fördela.",
                [("ict-lead-raasepori", ReactionKind.THUMBS_UP)],
            ),
        ],
        [],
    ),
    (
        "ohjausryhma-sisainen",
        "steering-pori",
        "Seuraavan kokouksen esityslista",
        Publicity.CONFIDENTIAL,
        ["kokous"],
        "Ehdotan seuraavaan kokoukseen kotihoidon toiminnanohjausta ja kaksikielistä "
        "verkkosivustoa. Kommentit perjantaihin mennessä.",
        [
            (
                "coordinator",
                "Lisään myös sopimushallinnan, sillä Seinäjoki toivoi sille kiirettä.",
                [("steering-pori", ReactionKind.THUMBS_UP)],
            ),
        ],
        [],
    ),
]


def _discussions(demo: Demo) -> None:
    members = demo.members
    for category, author, title, publicity, tags, body, replies, pictures in DISCUSSIONS:
        if author not in members or Thread.objects.filter(title=title).exists():
            continue
        thread = forum_services.thread_create(
            actor=members[author],
            category=Category.objects.get(slug=category),
            title=title,
            body=body,
            tags=tags,
            publicity=publicity,
        )
        for n, (replier, text, reactions) in enumerate(replies):
            uploads = [_picture(*pictures[0])] if pictures and n == len(replies) - 1 else []
            post = forum_services.post_create(
                actor=members[replier], thread=thread, body=text, uploads=uploads
            )
            for who, kind in reactions:
                if who in members:
                    forum_services.reaction_toggle(actor=members[who], post=post, kind=kind)


def _picture(name: str, caption: str) -> SimpleUploadedFile:
    """A small bar chart drawn here, so the demo needs nothing from outside."""
    image = Image.new("RGB", (480, 270), "white")
    draw = ImageDraw.Draw(image)
    draw.text((16, 12), caption, fill=(26, 26, 26))
    bars = [(n * 7919 + len(name) * 104729) % 160 + 40 for n in range(6)]
    for n, height in enumerate(bars):
        left = 40 + n * 70
        draw.rectangle((left, 250 - height, left + 44, 250), fill=(11, 79, 138))
    draw.line((30, 250, 460, 250), fill=(77, 77, 77), width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(f"{name}.png", buffer.getvalue(), content_type="image/png")
