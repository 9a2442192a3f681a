"""Demo data for the site's Wagtail pages: home, content pages and news."""

from datetime import date

from django.conf import settings
from wagtail.models import Locale, Page, Site

from accounts.demo import Demo
from frontend.accessibility import accessibility_statement_seed
from frontend.models import ContentPage, HomePage, NewsIndexPage, NewsPage


def seed(demo: Demo) -> None:
    """The home page, content pages and news, in Finnish with Swedish and English translations."""
    for code, _name in settings.LANGUAGES:
        Locale.objects.get_or_create(language_code=code)
    if HomePage.objects.exists():
        accessibility_statement_seed()
        return
    root = Page.get_first_root_node()
    if root is None:  # a flushed database has lost the root made by the migrations
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=Locale.get_default()))
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
            "<p>Hämeenlinna, Pori, Porvoo, Seinäjoki, Kajaani, Heinola, Kankaanpää ja Paimio.</p>",
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
    _translations(home)
    accessibility_statement_seed()


def _translations(home) -> None:
    """Swedish and English versions of the demo pages, as Wagtail translations."""
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
                "Seinäjoki, Kajana, Heinola, Kankaanpää, Pemar, Raseborg och Lovisa.</p>",
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
                "Kajaani, Heinola, Kankaanpää, Paimio, Raseborg and Loviisa.</p>",
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
