"""Percolation: whether one need's text matches a saved query, decided without the engine.

A saved search alerts on a new need when the search page would list it. Asking the
engine once per saved search costs a query each; instead the need's words are read once
and each distinct query is decided here with the rules of the embedded engine
(search.embedded_query, search.embedded_rank), from the same building blocks:

- the query is cut into folded words (search.text.words: case and accents folded,
  French elisions and English possessives dropped); only the first MAX_WORDS count;
- a need matches when it holds **at least one** query word, stop words aside; a query
  of stop words only is matched on those;
- a word matches itself, its synonyms (single words, or phrases found as consecutive
  words of one searchable field, as FTS5 phrases are; a multi-word synonym such as
  « intelligence artificielle » lends its alternatives to each of its words), and,
  except for stop words, the need's words within its typo budget: one typo from
  ``min_word_size_one_typo`` letters, two from ``min_word_size_two_typos``, none for
  numbers; Damerau-Levenshtein (OSA) distance where a different first letter costs one
  more, as in Meilisearch;
- the last word is also a prefix (« cybersé » finds « cybersécurité ») when it has at
  least MIN_PREFIX letters and the query ends on a letter or digit.

Known differences: the engine keeps the MAX_TYPO_TERMS closest words of the *whole
index* per word and typo level, so a query word with more than that many neighbours in
the index may miss a need the percolator finds (the tests compare both on an index
holding the need). Meilisearch, with its matching strategy « last »
(search.meili_payloads), lists no document that lacks the query's first word, where
the embedded engine and this percolator accept any word of the query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from search.base import IndexSettings
from search.embedded_query import MAX_WORDS, MIN_PREFIX, synonym_table, typo_budget
from search.text import STOP_WORDS, fold, index_text, words

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class WordTest:
    """What one query word accepts in a need (its slot in the engine's plan)."""

    word: str
    singles: frozenset[str]  # the word and its one-word synonyms
    phrases: frozenset[Phrase]  # its multi-word synonyms
    prefix: bool
    typos: int  # 0, 1 or 2


@dataclass(frozen=True)
class CompiledQuery:
    text: str
    tests: tuple[WordTest, ...]  # the words that select needs; none: every need matches


class QueryCompiler:
    """Turns query texts into WordTests for one index's settings (cached per text)."""

    def __init__(self, settings: IndexSettings):
        self.settings = settings
        self.synonyms = synonym_table(settings)
        self.longest = max((len(k) for k in self.synonyms), default=0)
        self.compile = lru_cache(maxsize=100_000)(self._compile)

    def _compile(self, text: str) -> CompiledQuery:
        tokens = words(text)[:MAX_WORDS]
        if not tokens:
            return CompiledQuery(text, ())
        stop = [w in STOP_WORDS for w in tokens]
        only_stop = all(stop)
        stripped = text.rstrip()
        last_prefix = (stripped == text and len(tokens[-1]) >= MIN_PREFIX and fold(stripped)[-1:].isalnum()
                       and (not stop[-1] or only_stop))
        alternatives: list[set[Phrase]] = [{(w,)} for w in tokens]
        for i in range(len(tokens)):
            for size in range(1, min(self.longest, len(tokens) - i) + 1):
                found = self.synonyms.get(tuple(tokens[i:i + size]))
                if found:
                    for j in range(i, i + size):
                        alternatives[j].update(found)
        tests = []
        for i, word in enumerate(tokens):
            if stop[i] and not only_stop:
                continue  # stop words neither select nor rank, unless the query has nothing else
            alts = alternatives[i]
            tests.append(WordTest(
                word=word,
                singles=frozenset(a[0] for a in alts if len(a) == 1),
                phrases=frozenset(a for a in alts if len(a) > 1),
                prefix=last_prefix and i == len(tokens) - 1,
                typos=0 if stop[i] else typo_budget(self.settings, word),
            ))
        return CompiledQuery(text, tuple(tests))


class NeedWords:
    """One document's searchable words, read once, and the queries decided against them."""

    def __init__(self, document: Mapping[str, object], settings: IndexSettings):
        self.fields = [index_text(document.get(name)).split() for name in settings.searchable]
        self.words = frozenset(w for tokens in self.fields for w in tokens)
        self.prefixes = frozenset(w[:n] for w in self.words for n in range(MIN_PREFIX, len(w) + 1))
        self.by_length: dict[int, list[str]] = defaultdict(list)
        for w in self.words:
            self.by_length[len(w)].append(w)
        self.positions: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for f, tokens in enumerate(self.fields):
            for p, w in enumerate(tokens):
                self.positions[w].append((f, p))
        self._near: dict[tuple[str, int], bool] = {}
        self._phrases: dict[Phrase, bool] = {}
        self._decided: dict[str, bool] = {}

    def has_phrase(self, phrase: Phrase) -> bool:
        known = self._phrases.get(phrase)
        if known is None:
            known = self._phrases[phrase] = any(
                self.fields[f][p:p + len(phrase)] == list(phrase) for f, p in self.positions.get(phrase[0], ())
            )
        return known

    def has_near(self, word: str, budget: int) -> bool:
        """A word of the need at 1..budget typos of word (a different first letter counts twice)."""
        key = (word, budget)
        known = self._near.get(key)
        if known is None:
            known = False
            for length in range(len(word) - budget, len(word) + budget + 1):
                for term in self.by_length.get(length, ()):
                    distance = OSA.distance(word, term, score_cutoff=budget) + (term[0] != word[0])
                    if 0 < distance <= budget:
                        known = True
                        break
                if known:
                    break
            self._near[key] = known
        return known

    def passes(self, test: WordTest) -> bool:
        return (not self.words.isdisjoint(test.singles)
                or (test.prefix and test.word in self.prefixes)
                or any(self.has_phrase(p) for p in test.phrases)
                or (test.typos > 0 and self.has_near(test.word, test.typos)))

    def matches(self, query: CompiledQuery) -> bool:
        """Whether the engine would find this document for the query's text."""
        if not query.tests:
            return True
        decided = self._decided.get(query.text)
        if decided is None:
            decided = self._decided[query.text] = any(self.passes(t) for t in query.tests)
        return decided


class Percolator:
    """Decides queries against documents of one index: ``Percolator(NEEDS).document(doc)``."""

    def __init__(self, settings: IndexSettings):
        self.settings = settings
        self.compiler = QueryCompiler(settings)

    def document(self, document: Mapping[str, object]) -> NeedWords:
        return NeedWords(document, self.settings)

    def matches(self, words_: NeedWords, text: str) -> bool:
        return words_.matches(self.compiler.compile(text))
