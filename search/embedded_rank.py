"""Ranking of the embedded engine: text features per document, then one lexicographic sort.

For a text query, the documents that match at least one query word (stop words aside)
are ranked by, in order:

1. the explicit sort of the query, when there is one (missing values last);
2. words: more query words matched first (a word matches through itself, a synonym, a
   typo or, for the last word, as a prefix);
3. typos: fewer typos first (summed over the matched words);
4. attribute: words matched without a typo in the first searchable field (a need's
   title, a supplier's name) first — counted per word; finer field order comes from the
   BM25 weights;
5. BM25 with field weights decreasing in ``searchable`` order (term frequency, rarity,
   field length; it also rewards phrases of multi-word synonyms), computed when the
   text matches at most BM25_LIMIT documents — beyond that it would cost more than the
   latency budget, and index order decides;
6. index order (first indexed first).

Without text, documents are in the query's sort order, else in index order.
"""

from __future__ import annotations

import sqlite3

import numpy as np

from search.embedded_query import Plan
from search.embedded_store import table

BM25_LIMIT = 10_000
# Score only the filtered candidates when they are fewer than this share of the text matches
# (a Python call per matching row costs less than bm25() on the rows it spares).
CANDIDATE_SHARE = 0.8


def _rids(conn: sqlite3.Connection, sql: str, args: tuple) -> np.ndarray:
    (joined,) = conn.execute(sql, args).fetchone()
    if not joined:
        return np.empty(0, np.int64)
    return np.fromstring(joined, dtype=np.int64, sep=",")


class TextFeatures:
    """Per-rid words matched, typos and attribute for a planned query."""

    def __init__(self, conn: sqlite3.Connection, gen: int, fields: int, plan: Plan, size: int):
        self.words = np.zeros(size, np.int16)
        self.typos = np.zeros(size, np.int16)
        self.attribute = np.zeros(size, np.int32)
        self.score = None
        fts = table(gen, "fts")
        sql = f"SELECT group_concat(rowid) FROM {fts} WHERE {fts} MATCH ?"
        self.expressions: list[str] = []
        for slot in plan.active:
            level = np.full(size, 3, np.int8)
            in_first = np.zeros(size, np.bool_)
            for lvl, expr in slot.expressions().items():
                self.expressions.append(expr)
                rids = _rids(conn, sql, (expr,))
                rids = rids[rids < size]
                level[rids] = np.minimum(level[rids], lvl)
                if lvl == 0 and fields > 1 and len(rids):
                    first = _rids(conn, sql, (f"{{f0}} : ({expr})",))
                    in_first[first[first < size]] = True
            matched = level < 3
            self.words += matched
            self.typos += np.where(matched, level, 0).astype(np.int16)
            self.attribute += matched & ~in_first
        self.mask = self.words > 0
        self._conn, self._fts, self._fields = conn, fts, fields

    def compute_score(self, candidates: np.ndarray | None = None) -> None:
        """BM25 of each matching document, if there are few enough of them.

        With ``candidates`` (the rids left once the filter applied), only those are scored:
        SQLite computes bm25() for the rows that pass the WHERE clause alone, and a search
        within rights and open needs usually keeps a fraction of the text matches.
        """
        matches = int(self.mask.sum())
        if not self.expressions or matches > BM25_LIMIT:
            return
        weights = ", ".join(str(self._fields - f) for f in range(self._fields))
        expr = " OR ".join(f"({e})" for e in self.expressions)
        sql = f"SELECT rowid, bm25({self._fts}, {weights}) FROM {self._fts} WHERE {self._fts} MATCH ?"
        if candidates is not None and len(candidates) < matches * CANDIDATE_SHARE:
            # registered per query on this thread's connection: the set is this query's
            self._conn.create_function("tremplin_candidate", 1, frozenset(candidates.tolist()).__contains__)
            sql += " AND tremplin_candidate(rowid)"
        rows = self._conn.execute(sql, (expr,)).fetchall()
        score = np.zeros(len(self.mask), np.float64)
        if rows:
            data = np.asarray(rows, np.float64)
            rids = data[:, 0].astype(np.int64)
            keep = rids < len(score)
            score[rids[keep]] = data[keep, 1]
        self.score = score


def order(
    candidates: np.ndarray,
    sort_keys: list[np.ndarray],
    features: TextFeatures | None,
) -> np.ndarray:
    """The candidate rids in rank order."""
    keys: list[np.ndarray] = [candidates]  # last resort: index order
    if features is not None:
        if features.score is not None:
            keys.append(features.score[candidates])
        keys.append(features.attribute[candidates])
        keys.append(features.typos[candidates])
        keys.append(-features.words[candidates].astype(np.int32))
    keys.extend(key[candidates] for key in reversed(sort_keys))
    if len(keys) == 1:
        return candidates
    return candidates[np.lexsort(keys)]
