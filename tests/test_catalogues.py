"""The Finnish and Swedish catalogues are complete, unambiguous and compiled.

The strings are read from the code itself (Python, templates and the
JavaScript the browser runs), the way ``makemessages`` reads them, so a string
marked for translation but missing from a catalogue fails here instead of
showing in English on a Finnish page.
"""

import ast
import io
import re
import tokenize
from collections import defaultdict
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
# Every app of the project's own: a directory beside manage.py that is installed.
APPS = tuple(
    sorted(
        {
            app.split(".")[0]
            for app in settings.INSTALLED_APPS
            if (ROOT / app.split(".")[0]).is_dir()
        }
        | {"config"}
    )
)
# Apps whose strings are still being translated: their catalogue entries are not
# yet required (every other check reads them). Empty this as each one is done.
PENDING: set[str] = set()
LANGUAGES = ("fi", "sv")
SKIP_DIRS = {"migrations", "tests", "__pycache__", "node_modules", ".venv", "demo_idp"}

# (context, msgid) -> where it is used ("app/path:line").
Uses = dict[tuple[str | None, str], list[str]]

# Words the glossary (locale/GLOSSARY.md) names as having two meanings that
# Finnish or Swedish tell apart: used anywhere, they carry a context.
AMBIGUOUS = {
    "title",  # otsikko (document) / tehtävänimike (person)
    "status",  # tila (need) / a post's or a meeting's state
    "open",  # avoin (need status) / avaa (verb)
    "search",  # haku (the page) / hae (the button)
    "reply",  # vastaus (noun) / vastaa (button)
    "vote",  # ääni (noun) / äänestä (verb)
    "position",  # kanta (a city's) / order in a list
    "public",  # julkinen (publicity class) / public to everyone
    "for",  # puolesta (a stance)
    "against",
    "blank",
    "absent",
    "date submitted",
    "post",  # viesti (noun) / lähetä (verb)
    "flag",  # ilmoita moderaattoreille / a flag
    "round",  # kierros / pyöreä
    "draft",  # luonnos (need status) / a post's unsent text
    "submitted",
}

CALLS = {
    # name: (index of the context argument or None, index of the msgid)
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}


def _source_files(suffixes: tuple[str, ...], apps=None):
    for app in apps or [app for app in APPS if app not in PENDING]:
        base = ROOT / app
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.suffix in suffixes and not SKIP_DIRS & set(path.relative_to(ROOT).parts):
                yield path


def _add(uses: Uses, context: str | None, msgid: str, where: str) -> None:
    uses.setdefault((context, msgid), []).append(where)


def _python_strings(uses: Uses, apps=None) -> None:
    for path in _source_files((".py",), apps):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in CALLS:
                continue
            context_at, msgid_at = CALLS[name]
            args = node.args
            if len(args) <= msgid_at or not all(
                isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                for arg in args[: msgid_at + 1]
            ):
                continue
            context = args[context_at].value if context_at is not None else None  # type: ignore[attr-defined]
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            _add(uses, context, args[msgid_at].value, where)  # type: ignore[attr-defined]


def _template_strings(uses: Uses, apps=None) -> None:
    # Django's own templatize() turns a template into the gettext calls that
    # makemessages hands to xgettext; reading its tokens finds the same strings.
    for path in _source_files((".html", ".txt"), apps):
        if "templates" not in path.parts:
            continue
        code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        # Only the calls matter: no indentation, which the tokenizer would judge.
        code = "\n".join(line.lstrip() for line in code.splitlines())
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(code).readline)
            if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)
        ]
        for i, token in enumerate(tokens):
            if token.type != tokenize.NAME or token.string not in CALLS:
                continue
            if i + 1 >= len(tokens) or tokens[i + 1].string != "(":
                continue
            args: list[str] = []
            for t in tokens[i + 2 :]:
                if t.type == tokenize.STRING:
                    args.append(ast.literal_eval(t.string))
                elif t.string != ",":
                    break
            context_at, msgid_at = CALLS[token.string]
            if len(args) <= msgid_at:
                continue
            where = f"{path.relative_to(ROOT)}:{token.start[0]}"
            _add(uses, args[context_at] if context_at is not None else None, args[msgid_at], where)


JS_CALL = re.compile(
    r"\b(gettext|ngettext|pgettext|npgettext)\(\s*"
    r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
    r"(?:\s*,\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'))?"
)


def _javascript_strings(uses: Uses) -> None:
    for path in _source_files((".js", ".mjs")):
        if "static" not in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for match in JS_CALL.finditer(text):
            name, first, second = match.groups()
            first = ast.literal_eval(first)
            line = text.count("\n", 0, match.start()) + 1
            where = f"{path.relative_to(ROOT)}:{line}"
            if name.startswith(("p", "np")):
                _add(uses, first, ast.literal_eval(second), where)
            else:
                _add(uses, None, first, where)


def _django_strings(apps=None) -> Uses:
    uses: Uses = {}
    _python_strings(uses, apps)
    _template_strings(uses, apps)
    return uses


def _javascript_catalogue_strings() -> Uses:
    uses: Uses = {}
    _javascript_strings(uses)
    return uses


def _catalogue(language: str, domain: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.po"))


def _described(keys) -> list[str]:
    return sorted(f"{context} | {msgid}" if context else msgid for context, msgid in keys)


def test_the_code_is_read():
    """The reader finds strings of every kind, so the checks below cannot pass empty."""
    django = _django_strings()
    assert ("noun: the search page", "Search") in django  # a template, with a context
    assert (None, "Skip to content") in django  # a template
    assert any(
        where.endswith(".py") or ".py:" in where for uses in django.values() for where in uses
    )
    assert (None, "New post by %(name)s") in _javascript_catalogue_strings()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_catalogue_is_complete_and_reviewed(language, domain):
    """Every string of the code has a translation, and none is fuzzy or left empty."""
    catalogue = _catalogue(language, domain)
    untranslated = [e.msgid for e in catalogue.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated in {language}/{domain}.po: {untranslated}"
    assert not fuzzy, f"fuzzy in {language}/{domain}.po: {fuzzy}"

    used = _django_strings() if domain == "django" else _javascript_catalogue_strings()
    present = {(e.msgctxt, e.msgid) for e in catalogue if not e.obsolete}
    missing = {key: where for key, where in used.items() if key not in present}
    assert not missing, f"missing from {language}/{domain}.po: " + "; ".join(
        f"{_described([key])[0]} ({where[0]})" for key, where in sorted(missing.items(), key=str)
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_catalogue_has_each_entry_once(language, domain):
    """An entry appended twice would let one translation hide the other."""
    seen: dict[tuple[str | None, str], int] = defaultdict(int)
    for entry in _catalogue(language, domain):
        if not entry.obsolete:
            seen[(entry.msgctxt, entry.msgid)] += 1
    assert not [key for key, count in seen.items() if count > 1]


def test_ambiguous_words_carry_a_context():
    """A word with two meanings (see the glossary) never goes out without a context."""
    uses = {**_django_strings()}
    for key, where in _javascript_catalogue_strings().items():
        uses.setdefault(key, []).extend(where)
    bare = {
        msgid: where
        for (context, msgid), where in uses.items()
        if context is None and msgid.strip().rstrip(":").lower() in AMBIGUOUS
    }
    assert not bare, "add a context (pgettext) to: " + "; ".join(
        f"{msgid!r} at {', '.join(where)}" for msgid, where in sorted(bare.items())
    )


def test_the_glossarys_contexts_are_the_codes():
    """Each context the glossary names is one the code uses, so translators can trust it."""
    glossary = (ROOT / "locale" / "GLOSSARY.md").read_text(encoding="utf-8")
    named = {
        context
        for cell in re.findall(r"contexts? ((?:`[^`]+`(?:, )?)+)", glossary)
        for context in re.findall(r"`([^`]+)`", cell)
    }
    assert "document title" in named
    used = {context for context, _msgid in _django_strings(APPS)}
    used |= {context for context, _msgid in _javascript_catalogue_strings()}
    assert not named - used, f"the glossary names contexts the code does not use: {named - used}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_compiled_catalogue_matches_its_source(language, domain):
    """The .mo the server reads says what the .po says (run ``make messages``)."""
    source = ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
    compiled = source.with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run make messages"
    expected = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.pofile(str(source)).translated_entries()
    }
    actual = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.mofile(str(compiled))
        if e.msgid
    }
    stale = sorted(
        _described(key for key in expected.keys() ^ actual.keys())
        + _described(key for key in expected.keys() & actual.keys() if expected[key] != actual[key])
    )
    assert not stale, f"{compiled.name} ({language}) is older than its .po: {stale[:10]}"
