"""The words of matching: which words of a need count, and how they meet a supplier's words.

Both sides are folded as search.text folds them (case and accents do not count) and cut
to a light stem, so that « souveraine » meets « souverain » and « données » « donnée ».
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from search.synonyms import GROUPS
from search.text import STOP_WORDS, words

# Words of a need searched for in the suppliers index. Each word costs the embedded
# engine a typo expansion over its whole vocabulary (about 10 ms on 100k suppliers), so
# the query keeps the first ones of the title, then of the summary. Category labels are
# left out: every supplier of a category carries them (no ranking power), and the
# category query and component already account for them.
QUERY_WORDS = 6
# Words any need or offer uses: they select nothing.
_GENERIC = (
    "solution solutions plateforme plateformes platform service services outil outils tool tools logiciel "
    "logiciels software besoin besoins need needs projet projets project mise place marche prestation "
    "prestations fourniture accompagnement systeme system application applications nouveau nouvelle new "
    "offre offres mettre cadre lot lots via entre tous toutes tout vers chez afin ainsi comme aussi tres "
    "sous selon pendant depuis etre avoir faire peut doit"
)
GENERIC_WORDS = frozenset(_GENERIC.split())


def _synonym_words() -> dict[str, frozenset[str]]:
    """Single word -> the single words of its synonym group (folded)."""
    out: dict[str, set[str]] = {}
    for group in GROUPS:
        singles = {w for phrase in group if len(ws := words(phrase)) == 1 for w in ws}
        for word in singles:
            out.setdefault(word, set()).update(singles - {word})
    return {k: frozenset(v) for k, v in out.items()}


SYNONYM_WORDS = _synonym_words()


def stem(word: str) -> str:
    """A light French/English stem of a folded word: a plural mark dropped, then at most
    seven letters (« souveraine » and « souverain » meet, so do « données » and « donnée »)."""
    if len(word) > 4 and word[-1] in "sx":
        word = word[:-1]
    return word[:7]


def informative(word: str) -> bool:
    return word not in STOP_WORDS and word not in GENERIC_WORDS and (len(word) >= 3 or word in SYNONYM_WORDS)


_SPELLED_OUT = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
_SPECIAL = "œæøłđðþı"
_TOKEN = re.compile(r"[a-z0-9]+")


def stems_of(texts: Iterable[str]) -> frozenset[str]:
    """The stems of every word of these texts (what a supplier or a need "says").

    Folded in one pass over the joined text (C speed; letters outside Latin scripts are
    dropped), as search.text folds words: case and accents do not count.
    """
    joined = " ".join(t for t in texts if t).casefold()
    if any(c in joined for c in _SPECIAL):
        joined = joined.translate(_SPELLED_OUT)
    tokens = set(_TOKEN.findall(unicodedata.normalize("NFKD", joined).encode("ascii", "ignore").decode("ascii")))
    # stem() inlined: this runs over every word of every candidate
    return frozenset((w[:-1] if len(w) > 4 and w[-1] in "sx" else w)[:7] for w in tokens)
