"""Name normalisation for the register's search: one function used when storing and when querying, so that
"Schönberg", "Schoenberg" and "schonberg", or "Heide", "Stadt Heide" and "Heide, Stadt" find the same body."""

import re
import unicodedata

# Destatis appends the kind after a comma ("Heide, Stadt", "Kiel, Landeshauptstadt"); people put it in front.
_PREFIXES = (
    "landeshauptstadt ",
    "hansestadt ",
    "kirchspielslandgemeinde ",
    "amtsfreie gemeinde ",
    "gemeinde ",
    "stadt ",
    "amt ",
    "kreis ",
    "land ",
)
_FOLDS = (("ä", "a"), ("ö", "o"), ("ü", "u"), ("ß", "ss"), ("ae", "a"), ("oe", "o"), ("ue", "u"))


def fold(text: str) -> str:
    """Lower case, umlauts and their ae/oe/ue spellings folded to the base vowel, punctuation to spaces."""
    text = unicodedata.normalize("NFC", text).casefold()
    for old, new in _FOLDS:
        text = text.replace(old, new)
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def search_name(name: str) -> str:
    """The searchable core of a body's name: without the Destatis suffix after the comma, without a
    parenthesis and without a leading kind word ("Amt Hüttener Berge" → "huttener berge")."""
    core = name.split(",", 1)[0]
    core = re.sub(r"\(.*?\)", " ", core)
    folded = fold(core)
    for prefix in _PREFIXES:
        if folded.startswith(prefix) and len(folded) > len(prefix):
            folded = folded[len(prefix) :]
            break
    return folded


def short_name(name: str) -> str:
    """The plain name without the Destatis suffix: "Heide, Stadt" → "Heide"; empty when there is none."""
    if "," not in name:
        return ""
    return re.sub(r"\s*\(.*?\)", "", name.split(",", 1)[0]).strip()
