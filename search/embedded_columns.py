"""In-memory columns of the embedded engine: filters, facet counts and sort keys in numpy.

Each process keeps, per index generation, a copy of the filterable and sortable values
(the ``attrs`` table) as arrays of (rid, value code) pairs. A filter becomes a boolean
mask over rids, facet counts are one ``bincount`` over the pairs of the matching rids,
and sorting reads a per-rid rank. The copy follows the database through the ``changes``
table: before each search, the rids written since the copy's sequence number are
re-read, inside the search's own read transaction, so every answer is one snapshot.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable

import numpy as np

from search.base import And, Eq, Exists, Filter, In, Not, Or, Range, Scalar
from search.embedded_store import table
from search.text import fold

Key = tuple[str, object]
FULL_RELOAD_MIN = 5_000  # more changed rids than this (or a tenth of the index): reload


def value_key(value: Scalar | float) -> Key:
    if isinstance(value, bool):
        return ("s", "true" if value else "false")
    if isinstance(value, int | float):
        return ("n", float(value))
    return ("s", str(value))


def _label(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class FieldColumn:
    """The (rid, value code) pairs of one field, appended to and marked dead in place."""

    def __init__(self) -> None:
        self.codes: dict[Key, int] = {}
        self.labels: list[str] = []
        self.numbers: list[float] = []  # per code, NaN when not a number
        self.pr = np.empty(0, np.int64)
        self.pc = np.empty(0, np.int32)
        self.pa = np.empty(0, np.bool_)
        self._num: np.ndarray | None = None
        self._ranks: np.ndarray | None = None

    def code(self, value: object) -> int:
        key = value_key(value)  # type: ignore[arg-type]
        code = self.codes.get(key)
        if code is None:
            code = self.codes[key] = len(self.labels)
            self.labels.append(_label(value))
            self.numbers.append(key[1] if key[0] == "n" else math.nan)  # type: ignore[arg-type]
            self._num = self._ranks = None
        return code

    def append(self, rids: list[int], codes: list[int]) -> None:
        if not rids:
            return
        self.pr = np.concatenate([self.pr, np.asarray(rids, np.int64)])
        self.pc = np.concatenate([self.pc, np.asarray(codes, np.int32)])
        self.pa = np.concatenate([self.pa, np.ones(len(rids), np.bool_)])

    def kill(self, rids: np.ndarray) -> None:
        if len(self.pr):
            self.pa[np.isin(self.pr, rids)] = False
            if self.pa.sum() * 2 < len(self.pa):
                keep = self.pa
                self.pr, self.pc, self.pa = self.pr[keep], self.pc[keep], self.pa[keep]

    @property
    def num(self) -> np.ndarray:
        if self._num is None:
            self._num = np.asarray(self.numbers, np.float64)
        return self._num

    @property
    def ranks(self) -> np.ndarray:
        """Sort rank of each code: numbers first in numeric order, then strings by folded form."""
        if self._ranks is None:
            keys = [
                (0, key[1], "") if key[0] == "n" else (1, 0.0, fold(str(key[1])) + "\x00" + str(key[1]))
                for key in self.codes
            ]
            order = sorted(range(len(keys)), key=keys.__getitem__)
            ranks = np.empty(len(keys), np.int64)
            ranks[order] = np.arange(len(keys))
            self._ranks = ranks
        return self._ranks

    def mask_of_codes(self, codes: Iterable[int], size: int) -> np.ndarray:
        wanted = [c for c in codes if c is not None]
        mask = np.zeros(size, np.bool_)
        if wanted:
            sel = self.pa & (self.pc == wanted[0] if len(wanted) == 1 else np.isin(self.pc, wanted))
            mask[self.pr[sel]] = True
        return mask


class Columns:
    """One process's copy of an index generation's filterable and sortable values."""

    def __init__(self, gen: int, fields: Iterable[str]):
        self.gen = gen
        self.field_names = list(fields)
        self.seq = -1
        self.alive = np.zeros(0, np.bool_)
        self.fields: dict[str, FieldColumn] = {}
        self._sort_cache: dict[tuple[str, str], np.ndarray] = {}

    # -- following the database -------------------------------------------------------

    def refresh(self, conn: sqlite3.Connection) -> None:
        """Catch up with the database snapshot of conn's current read transaction."""
        (seq,) = conn.execute(f"SELECT coalesce(max(seq), 0) FROM {table(self.gen, 'changes')}").fetchone()
        if seq == self.seq:
            return
        if self.seq >= 0:
            (first,) = conn.execute(f"SELECT coalesce(min(seq), 0) FROM {table(self.gen, 'changes')}").fetchone()
            if first <= self.seq + 1:
                changed = [r for (r,) in conn.execute(
                    f"SELECT DISTINCT rid FROM {table(self.gen, 'changes')} WHERE seq > ?", (self.seq,)
                )]
                if len(changed) <= max(FULL_RELOAD_MIN, int(self.alive.sum()) // 10):
                    self._patch(conn, changed)
                    self.seq = seq
                    return
        self._load(conn)
        self.seq = seq

    def _load(self, conn: sqlite3.Connection) -> None:
        rids = np.fromiter((r for (r,) in conn.execute(f"SELECT rid FROM {table(self.gen, 'docs')}")), np.int64)
        self.alive = np.zeros(int(rids.max()) + 1 if len(rids) else 1, np.bool_)
        self.alive[rids] = True
        self.fields = {name: FieldColumn() for name in self.field_names}
        self._add_pairs(conn.execute(f"SELECT rid, field, value FROM {table(self.gen, 'attrs')}"))
        self._sort_cache.clear()

    def _patch(self, conn: sqlite3.Connection, changed: list[int]) -> None:
        if not changed:
            return
        ids = np.asarray(changed, np.int64)
        self._grow(int(ids.max()) + 1)
        self.alive[ids] = False
        for column in self.fields.values():
            column.kill(ids)
        for start in range(0, len(changed), 500):
            chunk = changed[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for (rid,) in conn.execute(f"SELECT rid FROM {table(self.gen, 'docs')} WHERE rid IN ({marks})", chunk):
                self.alive[rid] = True
            self._add_pairs(conn.execute(
                f"SELECT rid, field, value FROM {table(self.gen, 'attrs')} WHERE rid IN ({marks})", chunk
            ))
        self._sort_cache.clear()

    def _add_pairs(self, rows: Iterable[tuple[int, str, object]]) -> None:
        pending: dict[str, tuple[list[int], list[int]]] = {name: ([], []) for name in self.fields}
        for rid, name, value in rows:
            column = self.fields.get(name)
            if column is not None:
                rids, codes = pending[name]
                rids.append(rid)
                codes.append(column.code(value))
        for name, (rids, codes) in pending.items():
            self.fields[name].append(rids, codes)

    def _grow(self, size: int) -> None:
        if size > len(self.alive):
            grown = np.zeros(max(size, len(self.alive) * 2), np.bool_)
            grown[: len(self.alive)] = self.alive
            self.alive = grown

    # -- answering -----------------------------------------------------------------

    @property
    def size(self) -> int:
        return len(self.alive)

    def mask(self, flt: Filter | None) -> np.ndarray:
        """Alive rids matching the filter (every alive rid without a filter)."""
        if flt is None:
            return self.alive.copy()
        return self._mask(flt) & self.alive

    def _mask(self, flt: Filter) -> np.ndarray:
        size = self.size
        if isinstance(flt, And):
            out = np.ones(size, np.bool_)
            for item in flt.items:
                out &= self._mask(item)
            return out
        if isinstance(flt, Or):
            out = np.zeros(size, np.bool_)
            for item in flt.items:
                out |= self._mask(item)
            return out
        if isinstance(flt, Not):
            return self.alive & ~self._mask(flt.item)
        column = self.fields[flt.field]
        if isinstance(flt, Eq):
            return column.mask_of_codes([column.codes.get(value_key(flt.value))], size)
        if isinstance(flt, In):
            return column.mask_of_codes([column.codes.get(value_key(v)) for v in flt.values], size)
        mask = np.zeros(size, np.bool_)
        if isinstance(flt, Exists):
            mask[column.pr[column.pa]] = True
            return mask
        if isinstance(flt, Range):
            numbers = column.num[column.pc] if len(column.pc) else np.empty(0)
            sel = column.pa & ~np.isnan(numbers)
            for bound, test in ((flt.gte, np.greater_equal), (flt.lte, np.less_equal),
                                (flt.gt, np.greater), (flt.lt, np.less)):
                if bound is not None:
                    sel &= test(numbers, float(bound))
            mask[column.pr[sel]] = True
            return mask
        raise TypeError(f"not a filter: {flt!r}")

    def facets(self, names: Iterable[str], matching: np.ndarray) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for name in names:
            column = self.fields[name]
            if len(column.pr):
                sel = column.pa & matching[column.pr]
                counts = np.bincount(column.pc[sel], minlength=len(column.labels))
            else:
                counts = np.zeros(0, np.int64)
            found = {column.labels[c]: int(counts[c]) for c in np.nonzero(counts)[0]}
            out[name] = dict(sorted(found.items(), key=lambda kv: (fold(kv[0]), kv[0])))
        return out

    def sort_key(self, name: str, direction: str) -> np.ndarray:
        """Per-rid key sorting ascending in the wanted direction; missing values last."""
        cached = self._sort_cache.get((name, direction))
        if cached is not None and len(cached) == self.size:
            return cached
        column = self.fields[name]
        missing = np.iinfo(np.int64).max
        key = np.full(self.size, missing, np.int64)
        if len(column.pr):
            ranks = column.ranks[column.pc[column.pa]]
            np.minimum.at(key, column.pr[column.pa], ranks if direction == "asc" else -ranks)
        self._sort_cache[(name, direction)] = key
        return key
