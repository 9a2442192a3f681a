"""The decision form says in words what an empty choice means, in the reader's language."""

import re
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from needs_registry import services as need_services
from steering import services


def first_option(html: str, name: str) -> str:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    option = re.search(r'<option value=""[^>]*>([^<]*)</option>', select.group(1))
    assert option, f"no empty option in {name}"
    return option.group(1)


def test_an_empty_status_or_stance_reads_as_no_change_and_not_recorded(client, group):
    people, cities = group["people"], group["cities"]
    need = need_services.need_create(
        actor=people["pori_lead"],
        data={"title": "Asianhallinta", "problem": "p", "desired_outcome": "o", "domain": "ict"},
    )
    need = need_services.need_transition(
        actor=people["pori_lead"], need=need, to_status="submitted"
    )
    meeting = services.meeting_create(
        actor=people["coordinator"],
        title="1/2026",
        held_on=timezone.localdate() - timedelta(days=1),
    )
    services.agenda_item_add(actor=people["coordinator"], meeting=meeting, kind="need", need=need)
    services.agenda_publish(actor=people["coordinator"], meeting=meeting)
    client.force_login(people["pori_representative"])
    pori = cities["pori"].pk
    shown = {}
    for language in ("fi", "sv", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        html = client.get(meeting.get_absolute_url()).content.decode()
        shown[language] = (
            first_option(html, "decision-resulting_status"),
            first_option(html, f"decision-stance_{pori}"),
        )
    assert shown == {
        "fi": ("Ei muutosta", "Ei kirjattu"),
        "sv": ("Ingen ändring", "Inte antecknad"),
        "en": ("No change", "Not recorded"),
    }
