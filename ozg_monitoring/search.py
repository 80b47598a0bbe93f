"""The service search: a citizen's words to the OZG-Leistung she means (issue 16, point 1).

One in-process index over the names of the OZG-Leistungen and their LeiKa-Leistungen (≈ 560 + 5,800 short texts),
the same on SQLite and PostgreSQL because the database only supplies the names. A query is folded (lower case,
umlauts and their ae/oe/ue spellings, punctuation), split into words, freed of filler words ("ich", "möchte",
"beantragen", …), each word reduced to a stem ("Anmeldung", "anmelden" → "anmeld") and widened by the curated
list of citizens' words in `data/ozg/suchbegriffe.csv` ("Kfz" → Kraftfahrzeug, "Perso" → Personalausweis,
"Hochzeit" → Eheschließung). A Leistung matches when every word is found (as a stem, inside compounds too) in
its own name or in one of its LeiKa-Leistungen; it ranks higher for words in its own name, for a name that begins
with one, and for a shorter name. When no Leistung has every word, those with the most words are shown.

The index is rebuilt when the catalogue's scope (`CATALOGUE`, its own version: status writes do not touch it)
changes: at most once per catalogue change and process, read with one query.
"""

import csv
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from common.cached_reads import Scope
from organisations.text import fold

#: The names the index is built from; its version tells a process that its index is stale.
CATALOGUE = Scope("ozg-catalogue", watches=["ozg_monitoring.OzgLeistung", "ozg_monitoring.LeikaLeistung"])

#: Words that say what she wants to do with a service but not which one.
FILLER = frozenset(
    fold(word)
    for word in [
        "ich",
        "möchte",
        "will",
        "muss",
        "kann",
        "wie",
        "wo",
        "was",
        "wer",
        "beantragen",
        "antrag",
        "antragen",
        "online",
        "digital",
        "bitte",
        "mein",
        "meine",
        "meinen",
        "meiner",
        "einen",
        "eine",
        "ein",
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "für",
        "fur",
        "zum",
        "zur",
        "im",
        "in",
        "am",
        "an",
        "auf",
        "bei",
        "mit",
        "von",
        "und",
        "oder",
        "neu",
        "neuen",
        "neue",
        "neuer",
        "neues",
        "stellen",
        "stelle",
        "machen",
        "erledigen",
        "bekommen",
        "beantrage",
        "brauche",
        "benötige",
    ]
)
#: Suffixes a stem drops, longest first, while at least `MIN_STEM` letters remain.
SUFFIXES = ("ungen", "innen", "ung", "ern", "en", "er", "es", "e")
MIN_STEM = 4
SYNONYM_FILE = "suchbegriffe.csv"


def stem(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class Words:
    """The curated list: per stem of a citizen's word the stems it also means, and the OZG-IDs she most likely
    means by it (ranked first: "Kfz" is the Zulassung more often than the Kfz-Steuer)."""

    meanings: dict[str, tuple[str, ...]]
    first: dict[str, frozenset[int]]


def _load_words(path: Path) -> Words:
    meanings: dict[str, set[str]] = {}
    first: dict[str, set[int]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            word = stem(fold(row["begriff"]))
            meanings.setdefault(word, set()).update(
                stem(fold(part)) for part in row["bedeutet"].split("|") if part.strip()
            )
            first.setdefault(word, set()).update(int(part) for part in row["zuerst"].split("|") if part.strip())
    return Words(
        meanings={word: tuple(sorted(stems)) for word, stems in meanings.items()},
        first={word: frozenset(ids) for word, ids in first.items() if ids},
    )


_words_cache: Words | None = None


def words() -> Words:
    global _words_cache
    if _words_cache is None:
        _words_cache = _load_words(Path(settings.DATA_DIR) / "ozg" / SYNONYM_FILE)
    return _words_cache


@dataclass(frozen=True)
class Term:
    """One word of the query: its own stem, the stems it also means, the OZG-IDs it means first."""

    word: str
    own: str
    also: tuple[str, ...]
    first: frozenset[int]


def terms(query: str) -> list[Term]:
    typed = [word for word in fold(query).split() if word not in FILLER and len(word) >= 2]
    curated = words()
    found = []
    for word in typed:
        base = stem(word)
        also = {*curated.meanings.get(base, ()), *curated.meanings.get(word, ())} - {base}
        first = curated.first.get(base, frozenset()) | curated.first.get(word, frozenset())
        found.append(Term(word, base, tuple(sorted(also)), first))
    return found


@dataclass
class _Entry:
    pk: int
    ozg_id: int
    name: str
    name_text: str
    leika_names: list[str]

    def __post_init__(self):
        # The names also without spaces: "Gewerbe-Anmeldung" is folded to "gewerbe anmeldung"; her
        # "Gewerbeanmeldung" must find it too.
        self.name_compact = self.name_text.replace(" ", "")
        self.leika_compact = [text.replace(" ", "") for text in self.leika_names]


class _Index:
    def __init__(self):
        self.version = None
        self.entries: list[_Entry] = []
        self.lock = threading.Lock()


_index = _Index()


def _entries() -> list[_Entry]:
    from .models import LeikaLeistung, OzgLeistung

    version = CATALOGUE.version()
    if _index.version == version:
        return _index.entries
    with _index.lock:
        if _index.version != version:
            leika: dict[int, list[str]] = {}
            for ozg_id, name in LeikaLeistung.objects.filter(ozg_leistung__isnull=False).values_list(
                "ozg_leistung_id", "name"
            ):
                leika.setdefault(ozg_id, []).append(name)
            _index.entries = [
                _Entry(pk, ozg_id, name, " " + fold(name) + " ", [" " + fold(text) + " " for text in leika.get(pk, [])])
                for pk, ozg_id, name in OzgLeistung.objects.order_by("ozg_id").values_list("pk", "ozg_id", "name")
            ]
            _index.version = version
    return _index.entries


def _starts_a_word(stem_: str, text: str) -> bool:
    return re.search(r"(?:^|\s)" + re.escape(stem_), text) is not None


def _term_score(term: Term, entry: _Entry) -> int:
    """How well one word matches: in the Leistung's own name (more at a word's start) rather than in a LeiKa name,
    her own word rather than one it also means."""
    best = 0
    for alternative, own in ((term.own, True), *((also, False) for also in term.also)):
        if alternative in entry.name_text or alternative in entry.name_compact:
            best = max(best, (5 if _starts_a_word(alternative, entry.name_text) else 3) + (1 if own else 0))
        elif any(alternative in text for text in entry.leika_compact):
            best = max(best, 2 if own else 1)
    return best


def _in_one_leika_name(query: list[Term], entry: _Entry) -> bool:
    """Every word in one LeiKa-Leistung's name ("Gewerbe anmelden" in "Gewerbeanmeldung")."""
    return any(
        all(any(stem_ in text for stem_ in (term.own, *term.also)) for term in query) for text in entry.leika_compact
    )


def _score(entry: _Entry, query: list[Term]) -> tuple[int, int]:
    """(words found, score) of one Leistung."""
    found = score = 0
    for term in query:
        best = _term_score(term, entry)
        if best:
            found += 1
            score += best + (10 if entry.ozg_id in term.first else 0)
    if len(query) > 1 and found == len(query) and _in_one_leika_name(query, entry):
        score += 4
    return found, score


def ranked_ids(query: str) -> list[int]:
    """The primary keys of the OZG-Leistungen matching `query`, best first (empty when no word is left or none
    matches). Words she typed that match nothing are allowed only when no Leistung has all of them."""
    query_terms = terms(query)
    if not query_terms:
        return []
    scored = []
    for entry in _entries():
        found, score = _score(entry, query_terms)
        if found:
            scored.append((found, score, entry))
    if not scored:
        return []
    most = max(found for found, _score_, _entry in scored)
    best = [item for item in scored if item[0] == most]
    best.sort(key=lambda item: (-item[1], len(item[2].name), item[2].name))
    return [entry.pk for _found, _score_, entry in best]
