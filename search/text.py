"""Text normalisation shared by the search backends: folding, tokens, stop words, highlights.

- ``fold`` makes text case- and accent-insensitive: « Sécurité » and « SECURITE » both
  become ``securite``; ligatures and special letters are spelled out (œ → oe, æ → ae,
  ß → ss, ø → o, ł → l).
- ``words`` cuts folded text into words for French and English: letters and digits are
  kept (``5g``, ``iso27001``), hyphens and punctuation separate words
  (« post-quantique » → ``post``, ``quantique``), French elisions are dropped
  (« l'intelligence » → ``intelligence``, « qu'elle » → ``elle``), and so is the English
  possessive (« company's » → ``company``).
- ``STOP_WORDS`` is a light French/English list used for ranking only: backends do not
  need a query's stop words to match, but still match them when a query has nothing else.
- ``highlight`` puts MARK_START/MARK_END around the words of the original text whose
  folded form is one of the matched terms (or starts with one of the matched prefixes).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator

from search.base import MARK_END, MARK_START

_SPELLED_OUT = str.maketrans(
    {
        "œ": "oe",
        "æ": "ae",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "ſ": "s",
        "’": "'",
        "ʼ": "'",
        "‘": "'",
    }
)

# A word, possibly preceded by a French elision (l', d', qu', jusqu'...) that is dropped.
_ELISIONS = r"(?:jusqu|lorsqu|puisqu|quoiqu|qu|[cdjlmnst])['’]"
_WORD = re.compile(rf"(?:(?<![^\W_]){_ELISIONS}(?=[^\W_]))?([^\W_]+)", re.IGNORECASE)

_FRENCH_STOP_WORDS = (
    "le la les l un une des de du d au aux a et ou en dans par pour sur avec sans ce ces "
    "cet cette son sa ses leur leurs nos notre vos votre qui que quoi dont y est sont "
    "ne pas plus se s il elle ils elles on nous vous je tu"
)
_ENGLISH_STOP_WORDS = (
    "the an of and or in on at to for by with without from into is are be this that "
    "these those it its as our your their we you"
)
STOP_WORDS: frozenset[str] = frozenset(_FRENCH_STOP_WORDS.split() + _ENGLISH_STOP_WORDS.split())


def fold(text: str) -> str:
    """Lower-case, accent-free form of text (« Cybersécurité Œuvre » → ``cybersecurite oeuvre``)."""
    text = text.casefold().translate(_SPELLED_OUT)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _is_possessive(text: str, start: int, end: int) -> bool:
    """The « s » of an English possessive (« company's »)."""
    return (
        end - start == 1
        and text[start] in "sS"
        and start >= 2
        and text[start - 1] in "'’"
        and text[start - 2].isalnum()
    )


def _spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, folded word) for each word of the original text."""
    for match in _WORD.finditer(text):
        start, end = match.span(1)
        if _is_possessive(text, start, end):
            continue
        word = fold(match.group(1))
        # folding may split a character into letters and marks only; keep alnum runs
        for part in _WORD.finditer(word):
            yield start, end, part.group(1)


def words(text: str) -> list[str]:
    """Folded words of text, in order (elisions and possessives dropped)."""
    if not text:
        return []
    return [w for _s, _e, w in _spans(text)]


def index_text(value: object) -> str:
    """The folded words of a field value (string, number or list of them), space-joined."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, list | tuple):
        return " ".join(index_text(v) for v in value)
    if isinstance(value, dict):
        return " ".join(index_text(v) for v in value.values())
    return " ".join(words(str(value)))


def is_stop_word(word: str) -> bool:
    return word in STOP_WORDS


def highlight(text: str, terms: Collection[str], prefixes: Collection[str] = ()) -> str:
    """Text with MARK_START/MARK_END around each word matching a folded term or prefix."""
    if not text or not (terms or prefixes):
        return text
    out: list[str] = []
    last = 0
    for start, end, word in _spans(text):
        if word in terms or any(word.startswith(p) for p in prefixes):
            if start < last:  # one original word folded into several parts
                continue
            out.append(text[last:start])
            out.append(MARK_START + text[start:end] + MARK_END)
            last = end
    out.append(text[last:])
    return "".join(out)
