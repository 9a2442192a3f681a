"""Demo data for people and organisations: the member cities, the consortium
office, and the demo OpenID provider's users as a first sign-in makes them.

``Demo`` is what ``manage.py seed_demo`` hands from one domain's demo module
to the next (see ``frontend/management/commands/seed_demo.py``).
"""

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from allauth.socialaccount.models import SocialAccount
from django.conf import settings

from accounts import services as account_services
from accounts.claims import merged_claims
from accounts.models import Organisation, User

ORGANISATIONS = [
    ("hameenlinna", "Hämeenlinna", "Tavastehus", "Hämeenlinna", 68_000),
    ("pori", "Pori", "Björneborg", "Pori", 83_000),
    ("porvoo", "Porvoo", "Borgå", "Porvoo", 51_000),
    ("seinajoki", "Seinäjoki", "Seinäjoki", "Seinäjoki", 65_000),
    ("kajaani", "Kajaani", "Kajana", "Kajaani", 36_000),
    ("heinola", "Heinola", "Heinola", "Heinola", 18_000),
    ("kankaanpaa", "Kankaanpää", "Kankaanpää", "Kankaanpää", 11_000),
    ("paimio", "Paimio", "Pemar", "Paimio", 11_000),
    ("raasepori", "Raasepori", "Raseborg", "Raseborg", 27_000),
    ("loviisa", "Loviisa", "Lovisa", "Loviisa", 14_500),
]
OFFICE = "consortium-office"
USERS_FILE = Path(settings.BASE_DIR) / "accounts" / "demo_idp" / "users.json"


@dataclass
class Demo:
    """What the demo modules share: the people by their provider subject, the
    organisations by slug, and whatever a module keeps for the ones after it
    (``kept["needs"]``, for example)."""

    members: dict[str, User] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    kept: dict[str, Any] = field(default_factory=dict)


def seed(demo: Demo) -> None:
    for slug, fi, sv, en, population in ORGANISATIONS:
        demo.organisations[slug], _created = Organisation.objects.get_or_create(
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
    demo.organisations[OFFICE], _created = Organisation.objects.get_or_create(
        slug=OFFICE,
        defaults={
            "name_fi": "Avoimet kaupungit -konsortion toimisto",
            "name_sv": "Öppna städer-konsortiets kansli",
            "name_en": "Open Cities consortium office",
            "kind": Organisation.Kind.OFFICE,
            "joined_on": date(2026, 1, 1),
        },
    )
    demo.members.update(_members())


def _members() -> dict[str, User]:
    """The demo provider's users, linked by their ``sub`` as a first sign-in would."""
    members: dict[str, User] = {}
    for entry in json.loads(USERS_FILE.read_text(encoding="utf-8")):
        account = SocialAccount.objects.filter(provider="iam", uid=entry["sub"]).first()
        if account is not None:
            members[entry["sub"]] = account.user
            continue
        claims = merged_claims({"userinfo": entry["claims"]})
        try:
            profile = account_services.iam_profile_from_claims(subject=entry["sub"], claims=claims)
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
