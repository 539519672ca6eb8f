"""Query planning for the embedded engine: words, synonyms, typos, prefix, FTS5 expressions.

A query is cut into words (search.text). Each word is a *slot* whose alternatives are
grouped by typo level:

- level 0: the word itself, its synonyms (single words or phrases, from the index
  settings, applied both ways; a multi-word synonym like « intelligence artificielle »
  adds its alternatives to each of its words) and, for the last word, every word it
  begins (search as you type: « cyberséc » → « cybersécurité »; from 2 letters);
- level 1 and 2: words of the index vocabulary at that Damerau-Levenshtein (OSA)
  distance, allowed from ``min_word_size_one_typo`` / ``min_word_size_two_typos``
  letters; a typo on the first letter counts as two, as in Meilisearch.

Only the first MAX_WORDS words count. Stop words (search.text.STOP_WORDS) neither select nor rank documents, unless the query
has nothing else.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from search.base import IndexSettings
from search.embedded_store import table
from search.text import STOP_WORDS, fold, words

MIN_PREFIX = 2
MAX_WORDS = 10  # like Meilisearch, later words of a long query are ignored
MAX_TYPO_TERMS = 40  # per word and level, the closest ones


@dataclass
class Slot:
    word: str
    stop: bool = False
    prefix: bool = False
    # level -> alternatives (tuples of words; several words make a phrase)
    levels: dict[int, set[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(set))

    def expressions(self) -> dict[int, str]:
        """FTS5 expression of each non-empty level."""
        out = {}
        for level, alternatives in sorted(self.levels.items()):
            parts = sorted('"' + " ".join(alt) + '"' for alt in alternatives)
            if level == 0 and self.prefix:
                parts.append(f'"{self.word}"*')
            if parts:
                out[level] = " OR ".join(parts)
        return out


@dataclass
class Plan:
    slots: list[Slot]

    @property
    def active(self) -> list[Slot]:
        """The slots that select and rank documents (stop words only when nothing else)."""
        meaningful = [s for s in self.slots if not s.stop]
        return meaningful or self.slots

    def highlight_terms(self) -> tuple[set[str], set[str]]:
        terms: set[str] = set()
        prefixes: set[str] = set()
        for slot in self.active:
            for alternatives in slot.levels.values():
                for alt in alternatives:
                    terms.update(alt)
            if slot.prefix:
                prefixes.add(slot.word)
        return terms, prefixes


class Vocabulary:
    """The index's words by length, read incrementally from the ``terms`` table."""

    def __init__(self, gen: int):
        self.gen = gen
        self.last = 0
        self.by_length: dict[int, list[str]] = defaultdict(list)

    def refresh(self, conn: sqlite3.Connection) -> None:
        rows = conn.execute(
            f"SELECT tid, term FROM {table(self.gen, 'terms')} WHERE tid > ? ORDER BY tid", (self.last,)
        ).fetchall()
        for tid, term in rows:
            self.by_length[len(term)].append(term)
            self.last = tid

    def near(self, word: str, max_typos: int) -> dict[int, list[str]]:
        """Vocabulary words at 1..max_typos typos of word (first-letter typo counts twice)."""
        found: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for length in range(len(word) - max_typos, len(word) + max_typos + 1):
            choices = self.by_length.get(length)
            if not choices:
                continue
            for term, distance, _i in process.extract(
                word, choices, scorer=OSA.distance, score_cutoff=max_typos, limit=None
            ):
                if term[0] != word[0]:
                    distance += 1
                if 0 < distance <= max_typos:
                    found[int(distance)].append((abs(len(term) - len(word)), term))
        return {level: [t for _d, t in sorted(terms)[:MAX_TYPO_TERMS]] for level, terms in found.items()}


def synonym_table(settings: IndexSettings) -> dict[tuple[str, ...], set[tuple[str, ...]]]:
    """Folded synonyms, both ways: word or phrase -> alternative words or phrases."""
    table_: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
    for key, values in settings.synonyms.items():
        k = tuple(words(key))
        for value in values:
            v = tuple(words(value))
            if k and v and k != v:
                table_[k].add(v)
                table_[v].add(k)
    return dict(table_)


def typo_budget(settings: IndexSettings, word: str) -> int:
    if word.isdigit():
        return 0
    if len(word) >= settings.min_word_size_two_typos:
        return 2
    if len(word) >= settings.min_word_size_one_typo:
        return 1
    return 0


def plan(
    settings: IndexSettings,
    text: str,
    vocabulary: Vocabulary,
    synonyms: dict[tuple[str, ...], set[tuple[str, ...]]],
) -> Plan:
    tokens = words(text)[:MAX_WORDS]
    slots = [Slot(word=w, stop=w in STOP_WORDS) for w in tokens]
    if not slots:
        return Plan([])
    last = slots[-1]
    # search as you type: only when the query does not end with a separator
    stripped = text.rstrip()
    if stripped == text and len(last.word) >= MIN_PREFIX and fold(stripped)[-1:].isalnum():
        last.prefix = not last.stop or all(s.stop for s in slots)
    longest = max((len(k) for k in synonyms), default=0)
    for i in range(len(tokens)):
        for size in range(1, min(longest, len(tokens) - i) + 1):
            alternatives = synonyms.get(tuple(tokens[i : i + size]))
            if alternatives:
                for slot in slots[i : i + size]:
                    slot.levels[0].update(alternatives)
    for slot in slots:
        slot.levels[0].add((slot.word,))
        budget = typo_budget(settings, slot.word)
        if budget and not slot.stop:
            for level, terms in vocabulary.near(slot.word, budget).items():
                # words the prefix already finds without a typo stay at level 0
                slot.levels[level].update((t,) for t in terms if not (slot.prefix and t.startswith(slot.word)))
    return Plan(slots)
