"""@mentions: what a handle links to, and whom a member may mention by name.

Names are matched folded: case and accents set aside, so typing "asa" or
"soder" finds "Åsa Söderström" and "jarvenpaa" finds "Järvenpää". PostgreSQL
folds with ``translate()``; SQLite has no such function and its ``lower()``
folds only ASCII, so on SQLite the database calls ``fold`` below, registered
on each connection (``register_sqlite_fold``). Both fold the same way.
"""

import unicodedata
from typing import Any, TypedDict

from django.db.models import CharField, F, Func, Q, Value
from django.db.models.functions import Lower, Replace
from django.urls import reverse

from accounts.models import Organisation, User
from accounts.permissions import listed_members
from forum.permissions import is_member

# Single letters and what they fold to (after lower case), then the letters
# that fold to two.
SINGLE_FROM = "áàâäãåāçčćđéèêëēíìîïīñńóòôöõøōšśúùûüūýÿžźż"
SINGLE_TO = "aaaaaaacccdeeeeeiiiiinnooooooossuuuuuyyzzz"
DOUBLE = {"æ": "ae", "ß": "ss"}
MAX_RESULTS = 8


class Candidate(TypedDict):
    kind: str
    handle: str
    name: str
    detail: str


def fold(text: str | None) -> str:
    """``text`` without case or accents, as ``Folded`` computes it in the database."""
    plain = (text or "").lower().translate(str.maketrans(SINGLE_FROM, SINGLE_TO))
    for letter, target in DOUBLE.items():
        plain = plain.replace(letter, target)
    # Anything else decomposed, its accents dropped (the same on both databases).
    decomposed = unicodedata.normalize("NFKD", plain)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class Folded(Func):
    """``fold(field)`` in SQL."""

    output_field = CharField()

    def __init__(self, field: str) -> None:
        super().__init__(F(field))

    def as_sqlite(self, compiler, connection, **extra: Any):
        return self.as_sql(compiler, connection, function="forum_fold", **extra)

    def as_sql(self, compiler, connection, function=None, **extra: Any):
        if function is not None:
            return super().as_sql(compiler, connection, function=function, **extra)
        expression = Func(
            Lower(self.source_expressions[0]),
            Value(SINGLE_FROM),
            Value(SINGLE_TO),
            function="TRANSLATE",
            output_field=CharField(),
        )
        for letter, target in DOUBLE.items():
            expression = Replace(expression, Value(letter), Value(target))
        return compiler.compile(expression)


def register_sqlite_fold(sender, connection, **kwargs) -> None:
    """Give each SQLite connection ``forum_fold`` (``connection_created`` receiver)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("forum_fold", 1, fold, deterministic=True)


def resolve(handle: str) -> tuple[str, str] | None:
    """Where ``@handle`` links to and how it is written: an organisation or an active member."""
    organisation = Organisation.objects.filter(slug=handle, is_active=True).first()
    if organisation is not None:
        return reverse("accounts:member_directory") + f"?organisation={handle}", organisation.slug
    user = User.objects.filter(handle=handle, is_active=True).first()
    if user is not None:
        return reverse("accounts:member_detail", args=[user.pk]), user.handle or handle
    return None


def candidates(*, viewer: User, query: str) -> list[Candidate]:
    """People and organisations whose name or handle matches ``query``, for the composer.

    Only members ask; only the members the directory lists (active, not
    anonymised, with a handle) and active organisations are offered, so the
    list shows nobody a profile page would not.
    """
    needle = fold(query.strip().lstrip("@"))[:60]
    if not is_member(viewer) or not needle:
        return []
    people = (
        User.objects.filter(listed_members(), organisation__isnull=False, handle__isnull=False)
        .exclude(handle="")
        .annotate(folded_name=Folded("display_name"))
        .filter(Q(folded_name__contains=needle) | Q(handle__istartswith=needle))
        .select_related("organisation")
        .order_by("display_name", "pk")[:MAX_RESULTS]
    )
    organisations = (
        Organisation.objects.filter(is_active=True)
        .annotate(
            folded_fi=Folded("name_fi"), folded_sv=Folded("name_sv"), folded_en=Folded("name_en")
        )
        .filter(
            Q(folded_fi__contains=needle)
            | Q(folded_sv__contains=needle)
            | Q(folded_en__contains=needle)
            | Q(slug__istartswith=needle)
        )
        .order_by("name_fi")[:MAX_RESULTS]
    )
    found: list[Candidate] = [
        {
            "kind": "person",
            "handle": person.handle or "",
            "name": person.public_name,
            "detail": person.organisation.name if person.organisation else "",
        }
        for person in people
    ]
    found += [
        {"kind": "organisation", "handle": o.slug, "name": o.name, "detail": ""}
        for o in organisations
    ]
    # Names that start with what was typed come first.
    found.sort(key=lambda c: not any(w.startswith(needle) for w in fold(c["name"]).split()))
    return found[:MAX_RESULTS]
