"""Words for the database search: lower-cased, stemmed in Finnish, Swedish and English.

Each word is indexed under its stems in the three languages, so "kirjasto"
finds "kirjastojen" and "bibliotek" finds "biblioteket".
"""

import re
from functools import lru_cache

import snowballstemmer

WORD_RE = re.compile(r"[\w]+", re.UNICODE)
_stemmers = {lang: snowballstemmer.stemmer(lang) for lang in ("finnish", "swedish", "english")}


@lru_cache(maxsize=100_000)
def stems(word: str) -> tuple[str, ...]:
    word = word.lower()
    found = {word}
    for stemmer in _stemmers.values():
        stem = stemmer.stemWord(word)
        if len(stem) >= 3:
            found.add(stem)
    return tuple(sorted(found))


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD_RE.findall(text or "") if len(w) < 60]


def index_terms(*texts: str) -> str:
    """The space-separated stems of ``texts``, each once."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in words(text):
            for stem in stems(word):
                seen.setdefault(stem, None)
    return " ".join(seen)


def query_terms(query: str) -> list[list[str]]:
    """For each word of the query, the stems that may match it."""
    return [list(stems(word)) for word in words(query)][:10]
