"""The naive SQL baseline of bench/search_bench.py: the same documents in a plain SQLite
table, the same queries answered with LIKE '%word%' scans, the same filter tree
translated to WHERE clauses, GROUP BY for facet counts, ORDER BY for sorts.

What the baseline does not do, and the engine does: typos, prefixes, synonyms, accent
folding, ranking by relevance, highlights. It is therefore *less* work than the engine
and finds fewer documents; the ratio printed is a lower bound on what the engine saves.

It is given its best simple shape: the count and every facet come from one scan (a
materialised CTE), and the page from a second query that stops at the page size when
there is no sort.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from search.base import And, Eq, Exists, Filter, In, IndexSettings, Not, Or, Query, Range
from search.text import STOP_WORDS

_WORD = re.compile(r"[^\W_]+")


class SqlTable:
    """One index as one SQLite table: a column per field, lists as JSON, booleans as 0/1."""

    def __init__(self, path: Path, settings: IndexSettings, sample: dict):
        self.settings = settings
        self.name = settings.name
        self.fields = [k for k in sample if k != settings.primary_key]
        self.lists = {k for k, v in sample.items() if isinstance(v, list)}
        self.bools = {k for k, v in sample.items() if isinstance(v, bool)}
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA cache_size = -65536")
        self.conn.execute("PRAGMA mmap_size = 268435456")
        columns = ", ".join(f'"{f}"' for f in self.fields)
        self.conn.execute(f'CREATE TABLE "{self.name}" (id TEXT PRIMARY KEY, {columns})')

    def insert(self, docs: list[dict]) -> None:
        marks = ", ".join("?" * (len(self.fields) + 1))
        rows = [[d[self.settings.primary_key]] + [self._cell(f, d[f]) for f in self.fields] for d in docs]
        self.conn.execute("BEGIN")
        self.conn.executemany(f'INSERT INTO "{self.name}" VALUES ({marks})', rows)
        self.conn.execute("COMMIT")
        for name in self.settings.sortable:  # what anyone would add for ORDER BY
            self.conn.execute(f'CREATE INDEX "{self.name}_{name}" ON "{self.name}" ("{name}")')
        self.conn.execute("ANALYZE")

    def _cell(self, name: str, value):
        if name in self.lists:
            return json.dumps(value, ensure_ascii=False)
        return int(value) if isinstance(value, bool) else value

    # -- WHERE ------------------------------------------------------------------------------

    def _value(self, name: str, value):
        return int(value) if isinstance(value, bool) else value

    def where(self, flt: Filter | None, args: list) -> str:
        if flt is None:
            return "1"
        if isinstance(flt, And):
            return "(" + " AND ".join(self.where(i, args) for i in flt.items) + ")" if flt.items else "1"
        if isinstance(flt, Or):
            return "(" + " OR ".join(self.where(i, args) for i in flt.items) + ")" if flt.items else "0"
        if isinstance(flt, Not):
            return f"NOT {self.where(flt.item, args)}"
        column = f'"{flt.field}"'
        if isinstance(flt, Eq | In):
            values = [flt.value] if isinstance(flt, Eq) else list(flt.values)
            args.extend(self._value(flt.field, v) for v in values)
            marks = ", ".join("?" * len(values))
            if flt.field in self.lists:
                return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE value IN ({marks}))"
            return f"{column} IN ({marks})"
        if isinstance(flt, Range):
            parts = []
            for op, bound in ((">=", flt.gte), ("<=", flt.lte), (">", flt.gt), ("<", flt.lt)):
                if bound is not None:
                    parts.append(f"{column} {op} ?")
                    args.append(bound)
            return "(" + " AND ".join(parts) + ")" if parts else "1"
        if isinstance(flt, Exists):
            if flt.field in self.lists:
                return f"json_array_length({column}) > 0"
            return f"({column} IS NOT NULL AND {column} != '')"
        raise TypeError(flt)

    def text_where(self, text: str, args: list) -> str:
        """Any query word (stop words aside) in any searchable field, as typed, no typo."""
        tokens = [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS] or _WORD.findall(text.lower())
        if not tokens:
            return "1"
        clauses = []
        for token in tokens:
            for name in self.settings.searchable:
                clauses.append(f'"{name}" LIKE ?')
                args.append(f"%{token}%")
        return "(" + " OR ".join(clauses) + ")"

    # -- search -----------------------------------------------------------------------------

    def search(self, query: Query) -> tuple[list[str], int, dict[str, dict[str, int]]]:
        args: list = []
        where = f"{self.text_where(query.text, args)} AND {self.where(query.filter, args)}"
        table = f'"{self.name}"'
        total, facets = self._count_and_facets(table, where, args, query.facets)
        order = ", ".join(f'"{name}" {direction.upper()}' for name, direction in query.sort)
        sql = f"SELECT id FROM {table} WHERE {where}" + (f" ORDER BY {order}" if order else "")
        sql += f" LIMIT {query.per_page} OFFSET {query.offset}"
        ids = [row[0] for row in self.conn.execute(sql, args)]
        return ids, total, facets

    def _count_and_facets(self, table: str, where: str, args: list, names) -> tuple[int, dict]:
        if not names:
            return self.conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", args).fetchone()[0], {}
        kept = ", ".join(f'"{n}"' for n in names)
        parts = ["SELECT '', '', count(*) FROM m"]
        for name in names:
            if name in self.lists:
                parts.append(f"SELECT '{name}', j.value, count(*) FROM m, json_each(m.\"{name}\") j GROUP BY j.value")
            else:
                parts.append(f"SELECT '{name}', \"{name}\", count(*) FROM m GROUP BY \"{name}\"")
        sql = f"WITH m AS MATERIALIZED (SELECT {kept} FROM {table} WHERE {where}) " + " UNION ALL ".join(parts)
        total, facets = 0, {n: {} for n in names}
        for name, value, count in self.conn.execute(sql, args):
            if name == "":
                total = count
            elif value not in (None, ""):
                label = ("true" if value else "false") if name in self.bools else str(value)
                facets[name][label] = count
        return total, facets
