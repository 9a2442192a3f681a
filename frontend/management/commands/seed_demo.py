"""Create the member organisations, forum categories, demo members and pages.

Idempotent: running it again changes nothing that exists. Demo members are
the users of the demo OpenID provider (``accounts/demo_idp/users.json``),
linked to it by their ``sub`` as a first sign-in would.
"""

import json
from datetime import date
from pathlib import Path

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services as account_services
from accounts.claims import merged_claims
from accounts.models import Organisation, User
from forum import services as forum_services
from forum.models import Category, Domain, Publicity, Thread

ORGANISATIONS = [
    ("hameenlinna", "Hämeenlinna", "Tavastehus", "Hämeenlinna", 68_000),
    ("pori", "Pori", "Björneborg", "Pori", 83_000),
    ("porvoo", "Porvoo", "Borgå", "Porvoo", 51_000),
    ("seinajoki", "Seinäjoki", "Seinäjoki", "Seinäjoki", 65_000),
    ("kajaani", "Kajaani", "Kajana", "Kajaani", 36_000),
    ("heinola", "Heinola", "Heinola", "Heinola", 18_000),
    ("kankaanpaa", "Kankaanpää", "Kankaanpää", "Kankaanpää", 11_000),
    ("paimio", "Paimio", "Pemar", "Paimio", 11_000),
]

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


class Command(BaseCommand):
    help = "Create demo organisations, categories, members, discussions and pages."

    @transaction.atomic
    def handle(self, *args, **options):
        for position, (slug, fi, sv, en, population) in enumerate(ORGANISATIONS):
            Organisation.objects.get_or_create(
                slug=slug,
                defaults={
                    "name_fi": fi,
                    "name_sv": sv,
                    "name_en": en,
                    "population": population,
                    "joined_on": date(2026, 1, 1),
                    "kind": Organisation.Kind.CITY,
                },
            )
            del position
        Organisation.objects.get_or_create(
            slug="consortium-office",
            defaults={
                "name_fi": "Avoimet kaupungit -konsortion toimisto",
                "name_sv": "Öppna städer-konsortiets kansli",
                "name_en": "Open Cities consortium office",
                "kind": Organisation.Kind.OFFICE,
                "joined_on": date(2026, 1, 1),
            },
        )
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
        members = self._members()
        self._discussions(members)
        self._pages()
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))

    def _members(self) -> dict[str, User]:
        path = Path(settings.BASE_DIR) / "accounts" / "demo_idp" / "users.json"
        members: dict[str, User] = {}
        for entry in json.loads(path.read_text(encoding="utf-8")):
            account = SocialAccount.objects.filter(provider="iam", uid=entry["sub"]).first()
            if account is not None:
                members[entry["sub"]] = account.user
                continue
            claims = merged_claims({"userinfo": entry["claims"]})
            try:
                profile = account_services.iam_profile_from_claims(
                    subject=entry["sub"], claims=claims
                )
            except account_services.SignInRefused:
                continue
            user = User(username=account_services.username_for_subject(entry["sub"]))
            user.set_unusable_password()
            account_services.user_apply_iam_profile(user=user, profile=profile, is_new=True)
            SocialAccount.objects.create(
                user=user,
                provider="iam",
                uid=entry["sub"],
                extra_data={"userinfo": entry["claims"]},
            )
            members[entry["sub"]] = user
        return members

    def _discussions(self, members: dict[str, User]) -> None:
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

    def _pages(self) -> None:
        from wagtail.models import Locale, Page, Site

        from frontend.models import ContentPage, HomePage, NewsIndexPage, NewsPage

        for code, _name in settings.LANGUAGES:
            Locale.objects.get_or_create(language_code=code)
        if HomePage.objects.exists():
            return
        root = Page.get_first_root_node()
        if root is None:  # a flushed database has lost the root made by the migrations
            root = Page.add_root(
                instance=Page(title="Root", slug="root", locale=Locale.get_default())
            )
        home = HomePage(
            title="Avoimet kaupungit",
            slug="etusivu",
            intro="<p>Suomen kaupungit ja kunnat kehittävät ICT:tä yhdessä "
            "avoimella lähdekoodilla. Täällä asiantuntijat keskustelevat, "
            "ICT-vastaavat kirjaavat yhteiset kehitystarpeet"
            " ja ohjausryhmä päättää niistä.</p>",
        )
        root.add_child(instance=home)
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={"root_page": home, "hostname": "localhost", "site_name": "Open Cities"},
        )
        Page.objects.filter(depth=2).exclude(pk=home.pk).delete()
        for title, slug, body in [
            (
                "Tietoa konsortiosta",
                "konsortio",
                "<p>Avoimet kaupungit -konsortio kehittää kuntien ICT-palveluita yhdessä "
                "2026–2029. Hämeenlinna koordinoi.</p>",
            ),
            (
                "Jäsenkaupungit",
                "jasenkaupungit",
                "<p>Hämeenlinna, Pori, Porvoo, Seinäjoki, Kajaani, Heinola, Kankaanpää "
                "ja Paimio.</p>",
            ),
            (
                "Näin jätät kehitystarpeen",
                "kehitystarpeen-jattaminen",
                "<p>Kirjoita tarve luonnokseksi, pyydä kommentteja kaupunkisi asiantuntijoilta ja "
                "lähetä se ohjausryhmän käsiteltäväksi.</p>",
            ),
        ]:
            home.add_child(instance=ContentPage(title=title, slug=slug, body=body))
        news = NewsIndexPage(title="Uutiset", slug="uutiset")
        home.add_child(instance=news)
        news.add_child(
            instance=NewsPage(
                title="Yhteistyöalusta on avattu",
                slug="alusta-avattu",
                date=date(2026, 11, 23),
                body="<p>Konsortion yhteistyöalusta on otettu käyttöön.</p>",
            )
        )
        self._translations(home)

    def _translations(self, home) -> None:
        """Swedish and English versions of the demo pages, as Wagtail translations."""
        from wagtail.models import Locale, Page

        texts = {
            "sv": {
                "etusivu": (
                    "Öppna städer",
                    "<p>Finländska städer och kommuner utvecklar IKT "
                    "tillsammans med öppen källkod. Här diskuterar experterna, de "
                    "IKT-ansvariga registrerar gemensamma utvecklingsbehov och "
                    "styrgruppen beslutar om dem.</p>",
                ),
                "konsortio": (
                    "Om konsortiet",
                    "<p>Konsortiet Öppna städer utvecklar "
                    "kommunernas IKT-tjänster tillsammans 2026–2029. Tavastehus "
                    "koordinerar.</p>",
                ),
                "jasenkaupungit": (
                    "Medlemsstäder",
                    "<p>Tavastehus, Björneborg, Borgå, "
                    "Seinäjoki, Kajana, Heinola, Kankaanpää och Pemar.</p>",
                ),
                "kehitystarpeen-jattaminen": (
                    "Så lämnar du in ett behov",
                    "<p>Skriv behovet "
                    "som utkast, be om kommentarer och lämna in "
                    "det till styrgruppen.</p>",
                ),
                "uutiset": ("Nyheter", ""),
                "alusta-avattu": (
                    "Samarbetsplattformen har öppnats",
                    "<p>Konsortiets samarbetsplattform har tagits i bruk.</p>",
                ),
            },
            "en": {
                "etusivu": (
                    "Open Cities",
                    "<p>Finnish cities and municipalities develop ICT "
                    "together with open source. Here experts discuss, ICT leads log "
                    "common development needs and the steering group decides on "
                    "them.</p>",
                ),
                "konsortio": (
                    "About the consortium",
                    "<p>The Open Cities consortium develops "
                    "municipal ICT services together in 2026–2029. Hämeenlinna "
                    "coordinates.</p>",
                ),
                "jasenkaupungit": (
                    "Member cities",
                    "<p>Hämeenlinna, Pori, Porvoo, Seinäjoki, "
                    "Kajaani, Heinola, Kankaanpää and Paimio.</p>",
                ),
                "kehitystarpeen-jattaminen": (
                    "How to submit a need",
                    "<p>Write the need as a "
                    "draft, ask for comments and submit it to the "
                    "steering group.</p>",
                ),
                "uutiset": ("News", ""),
                "alusta-avattu": (
                    "The collaboration platform is open",
                    "<p>The consortium's collaboration platform is in use.</p>",
                ),
            },
        }
        pages = [home, *Page.objects.descendant_of(home).order_by("path").specific()]
        for code, by_slug in texts.items():
            locale = Locale.objects.get(language_code=code)
            for page in pages:
                if page.slug not in by_slug:
                    continue
                translation = page.copy_for_translation(locale, copy_parents=True)
                title, body = by_slug[page.slug]
                translation.title = title
                for field in ("intro", "body"):
                    if hasattr(translation, field) and body:
                        setattr(translation, field, body)
                translation.save_revision().publish()
