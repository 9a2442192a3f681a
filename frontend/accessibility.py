"""The accessibility statement's own words, before the consortium edits it in Wagtail.

The statement is an ``AccessibilityStatementPage`` with a Swedish and an
English translation. A new installation gets it from ``seed_demo`` or
``accessibility_statement_seed``; until the page exists, ``/accessibility/``
shows these same words, so the law's parts are never missing.
"""

from datetime import date
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.models import Locale, Page

from frontend.models import AccessibilityStatementPage, HomePage

SLUG = "saavutettavuusseloste"
ASSESSED_ON = date(2026, 12, 4)
FEEDBACK_EMAIL = "platform@open-cities.example"

TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "intro": "<p>Tämä saavutettavuusseloste koskee Avoimet kaupungit -konsortion "
        "yhteistyöpalvelua: keskusteluja, tarverekisteriä ja ohjausryhmän päätöksiä. "
        "Konsortio haluaa, että jokainen jäsen voi käyttää palvelua.</p>",
        "known_issues": "<ul>"
        "<li>Jäsenten lataamat liitteet (esimerkiksi PDF-tiedostot) eivät välttämättä ole "
        "saavutettavia. Ne ovat jäsenten omaa sisältöä, eikä konsortio tarkista niitä. "
        "Pyydä liitteen sisältö viestin kirjoittajalta tai konsortion toimistolta.</li>"
        "<li>Sisällönhallinnan muokkausnäkymän (Wagtail) saavutettavuutta ei ole arvioitu. "
        "Se on vain sisällön päivittäjien käytössä.</li>"
        "<li>Ilmoitus siitä, että joku kirjoittaa vastausta, ei tule ruudunlukijalle, "
        "jotta se ei keskeytä lukemista. Uudet viestit ilmoitetaan.</li>"
        "</ul>",
        "assessment_method": "<p>Konsortio arvioi palvelun itse. Pääsivut tarkistetaan "
        "axe-core-työkalulla suomeksi, ruotsiksi ja englanniksi puhelimen ja tietokoneen "
        "näytön leveydellä jokaisen muutoksen yhteydessä. Lisäksi palvelua on käytetty "
        "pelkällä näppäimistöllä ja ilman JavaScriptiä.</p>",
    },
    "sv": {
        "intro": "<p>Detta tillgänglighetsutlåtande gäller konsortiet Öppna städers "
        "samarbetstjänst: diskussionerna, behovsregistret och styrgruppens beslut. "
        "Konsortiet vill att alla medlemmar ska kunna använda tjänsten.</p>",
        "known_issues": "<ul>"
        "<li>Bilagor som medlemmarna laddar upp (till exempel PDF-filer) är inte "
        "nödvändigtvis tillgängliga. De är medlemmarnas eget innehåll och konsortiet "
        "granskar dem inte. Be inläggets skribent eller konsortiets kansli om innehållet.</li>"
        "<li>Redigeringsvyn för innehållshantering (Wagtail) har inte bedömts. Den används "
        "bara av dem som uppdaterar innehållet.</li>"
        "<li>Att någon skriver ett svar meddelas inte till skärmläsaren, så att läsningen "
        "inte avbryts. Nya inlägg meddelas.</li>"
        "</ul>",
        "assessment_method": "<p>Konsortiet har bedömt tjänsten själv. Huvudsidorna "
        "kontrolleras med verktyget axe-core på finska, svenska och engelska i telefonens "
        "och datorns skärmbredd vid varje ändring. Tjänsten har också använts med enbart "
        "tangentbord och utan JavaScript.</p>",
    },
    "en": {
        "intro": "<p>This accessibility statement covers the Open Cities consortium's "
        "collaboration service: the forum, the needs registry and the steering group's "
        "decisions. The consortium wants every member to be able to use the service.</p>",
        "known_issues": "<ul>"
        "<li>Attachments uploaded by members (PDF files, for example) may not be "
        "accessible. They are the members' own content and the consortium does not check "
        "them. Ask the post's author or the consortium office for the content.</li>"
        "<li>The content editing view (Wagtail) has not been assessed. Only the people who "
        "update the content use it.</li>"
        "<li>That someone is writing a reply is not announced to screen readers, so that "
        "it does not interrupt reading. New posts are announced.</li>"
        "</ul>",
        "assessment_method": "<p>The consortium assessed the service itself. The main "
        "pages are checked with the axe-core tool in Finnish, Swedish and English at phone "
        "and desktop widths on every change. The service has also been used with a "
        "keyboard only and without JavaScript.</p>",
    },
}


def statement_fields(language: str) -> dict[str, Any]:
    """The statement's field values in ``language`` (Finnish when there are none)."""
    texts = TEXTS.get(language, TEXTS["fi"])
    with translation.override(language):
        title = _("Accessibility statement")
    return {
        "title": title,
        "compliance": AccessibilityStatementPage.Compliance.PARTIAL,
        "assessed_on": ASSESSED_ON,
        "prepared_on": ASSESSED_ON,
        "feedback_email": FEEDBACK_EMAIL,
        **texts,
    }


def statement_default(language: str) -> AccessibilityStatementPage:
    """An unsaved statement with the default words, shown until the page is created."""
    return AccessibilityStatementPage(**statement_fields(language))


def accessibility_statement_seed() -> AccessibilityStatementPage | None:
    """Create the statement under the Finnish home page, with its Swedish and English versions.

    Does nothing when a statement exists or there is no home page yet.
    """
    if AccessibilityStatementPage.objects.exists():
        return None
    home = HomePage.objects.filter(locale=Locale.get_default()).first()
    if home is None:
        return None
    page = AccessibilityStatementPage(slug=SLUG, **statement_fields("fi"))
    home.add_child(instance=page)
    page.save_revision().publish()
    for code in ("sv", "en"):
        locale, _created = Locale.objects.get_or_create(language_code=code)
        copy = page.copy_for_translation(locale, copy_parents=True)
        for field, value in statement_fields(code).items():
            setattr(copy, field, value)
        copy.save_revision().publish()
    return page


def accessibility_statement_get() -> Page | None:
    """The published statement of the default locale, if there is one."""
    return (
        AccessibilityStatementPage.objects.live()
        .filter(locale=Locale.get_default())
        .order_by("path")
        .first()
    )
