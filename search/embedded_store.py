"""On-disk layout of the embedded search engine: one SQLite file per index, WAL mode.

Each index file holds ``meta`` (key/value: current generation, generation being built,
layout) and, per generation ``g``, a set of tables named ``g{g}_*``:

- ``docs``    rid (integer key), id (the primary key as text, unique), doc (JSON)
- ``fts``     FTS5 table, one column per searchable field, holding folded words
- ``attrs``   (rid, field, value) for every filterable or sortable field; a list-valued
              field gives one row per element; booleans are stored as 'true'/'false'
- ``terms``   the vocabulary (grows only), read incrementally by the typo layer
- ``changes`` rids touched by each write, in commit order, so that every process can
              patch its in-memory columns instead of reloading them
- ``touched`` ids written live while this generation was being built by a rebuild

A rebuild fills a new generation beside the current one and switches ``meta`` in one
transaction; readers read ``meta`` and the tables in the same snapshot, so none ever
sees an empty or partial index.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from search.base import IndexSettings, SearchError
from search.text import index_text

CHANGES_KEPT = 200_000  # processes further behind than this reload their columns


def layout(settings: IndexSettings) -> dict:
    """The parts of the settings that shape what is stored (others apply at query time)."""
    return {
        "searchable": list(settings.searchable),
        "attributes": attribute_fields(settings),
        "primary_key": settings.primary_key,
    }


def attribute_fields(settings: IndexSettings) -> list[str]:
    return list(dict.fromkeys(settings.filterable + settings.sortable))


def table(gen: int, name: str) -> str:
    return f"g{int(gen)}_{name}"


def create_generation(conn: sqlite3.Connection, gen: int, settings: IndexSettings) -> None:
    t = lambda name: table(gen, name)  # noqa: E731
    columns = ", ".join(f"f{i}" for i in range(len(settings.searchable)))
    conn.execute(f"CREATE TABLE {t('docs')} (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)")
    conn.execute(
        f"CREATE VIRTUAL TABLE {t('fts')} USING fts5({columns}, "
        "tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3')"
    )
    conn.execute(
        f"CREATE TABLE {t('attrs')} (rid INTEGER NOT NULL, field TEXT NOT NULL, value, "
        "PRIMARY KEY (rid, field, value)) WITHOUT ROWID"
    )
    conn.execute(f"CREATE TABLE {t('terms')} (tid INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE)")
    conn.execute(f"CREATE TABLE {t('changes')} (seq INTEGER PRIMARY KEY AUTOINCREMENT, rid INTEGER NOT NULL)")
    conn.execute(f"CREATE TABLE {t('touched')} (id TEXT PRIMARY KEY) WITHOUT ROWID")


def drop_generation(conn: sqlite3.Connection, gen: int) -> None:
    for name in ("docs", "fts", "attrs", "terms", "changes", "touched"):
        conn.execute(f"DROP TABLE IF EXISTS {table(gen, name)}")


def attribute_values(value: object) -> list[str | int | float]:
    """What a field value is filtered, faceted and sorted by (lists give each element)."""
    if value is None or value == "":
        return []  # like Meilisearch, an empty value is no value (Exists is false)
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, int | float | str):
        return [value]
    if isinstance(value, list | tuple):
        out: list[str | int | float] = []
        for item in value:
            for v in attribute_values(item):
                if v not in out:
                    out.append(v)
        return out
    return [json.dumps(value, sort_keys=True)]


def document_id(settings: IndexSettings, doc: dict) -> str:
    if not isinstance(doc, dict):
        raise SearchError(f"a document must be a dict, not {type(doc).__name__}")
    key = doc.get(settings.primary_key)
    if key is None or isinstance(key, bool | dict | list):
        raise SearchError(f"document without a usable primary key {settings.primary_key!r}")
    return str(key)


def prepare(settings: IndexSettings, docs: Iterable[dict]) -> list[tuple[str, dict, str]]:
    """(id, document, JSON) for each document, the last one winning for a repeated id."""
    prepared: dict[str, tuple[str, dict, str]] = {}
    for doc in docs:
        doc_id = document_id(settings, doc)
        try:
            encoded = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise SearchError(f"document {doc_id!r} is not JSON: {exc}") from exc
        prepared.pop(doc_id, None)
        prepared[doc_id] = (doc_id, doc, encoded)
    return list(prepared.values())


def write_documents(
    conn: sqlite3.Connection,
    gen: int,
    settings: IndexSettings,
    batch: Sequence[tuple[str, dict, str]],
    *,
    live_into_building: bool = False,
    skip_touched: bool = False,
) -> None:
    """Add or replace a prepared batch in one generation (inside the caller's transaction)."""
    t = lambda name: table(gen, name)  # noqa: E731
    if skip_touched and batch:
        touched = _existing(conn, t("touched"), "id", [doc_id for doc_id, _d, _j in batch])
        batch = [item for item in batch if item[0] not in touched]
    if not batch:
        return
    existing = dict(_rid_by_id(conn, gen, [doc_id for doc_id, _d, _j in batch]))
    attrs = attribute_fields(settings)
    fts_rows, attr_rows, terms = [], [], set()
    for doc_id, doc, encoded in batch:
        rid = existing.get(doc_id)
        if rid is None:
            rid = conn.execute(f"INSERT INTO {t('docs')} (id, doc) VALUES (?, ?)", (doc_id, encoded)).lastrowid
        else:
            conn.execute(f"UPDATE {t('docs')} SET doc = ? WHERE rid = ?", (encoded, rid))
        texts = [index_text(doc.get(name)) for name in settings.searchable]
        for text in texts:
            terms.update(text.split())
        fts_rows.append((rid, *texts))
        for name in attrs:
            attr_rows.extend((rid, name, v) for v in attribute_values(doc.get(name)))
    rids = list(existing.values())
    if rids:
        marks = ",".join("?" * len(rids))
        conn.execute(f"DELETE FROM {t('fts')} WHERE rowid IN ({marks})", rids)
        conn.execute(f"DELETE FROM {t('attrs')} WHERE rid IN ({marks})", rids)
    columns = ", ".join(f"f{i}" for i in range(len(settings.searchable)))
    marks = ", ".join("?" * (len(settings.searchable) + 1))
    conn.executemany(f"INSERT INTO {t('fts')} (rowid, {columns}) VALUES ({marks})", fts_rows)
    conn.executemany(f"INSERT OR IGNORE INTO {t('attrs')} (rid, field, value) VALUES (?, ?, ?)", attr_rows)
    conn.executemany(f"INSERT OR IGNORE INTO {t('terms')} (term) VALUES (?)", [(w,) for w in sorted(terms)])
    conn.executemany(f"INSERT INTO {t('changes')} (rid) VALUES (?)", [(row[0],) for row in fts_rows])
    if live_into_building:
        conn.executemany(f"INSERT OR IGNORE INTO {t('touched')} (id) VALUES (?)", [(i,) for i, _d, _j in batch])
    _prune_changes(conn, gen)


def delete_documents(
    conn: sqlite3.Connection, gen: int, ids: Sequence[str], *, live_into_building: bool = False
) -> None:
    t = lambda name: table(gen, name)  # noqa: E731
    found = _rid_by_id(conn, gen, ids)
    rids = [rid for _id, rid in found]
    if rids:
        marks = ",".join("?" * len(rids))
        conn.execute(f"DELETE FROM {t('fts')} WHERE rowid IN ({marks})", rids)
        conn.execute(f"DELETE FROM {t('attrs')} WHERE rid IN ({marks})", rids)
        conn.execute(f"DELETE FROM {t('docs')} WHERE rid IN ({marks})", rids)
        conn.executemany(f"INSERT INTO {t('changes')} (rid) VALUES (?)", [(r,) for r in rids])
    if live_into_building:
        conn.executemany(f"INSERT OR IGNORE INTO {t('touched')} (id) VALUES (?)", [(i,) for i in ids])


def _rid_by_id(conn: sqlite3.Connection, gen: int, ids: Sequence[str]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        out.extend(conn.execute(f"SELECT id, rid FROM {table(gen, 'docs')} WHERE id IN ({marks})", chunk))
    return out


def _existing(conn: sqlite3.Connection, name: str, column: str, values: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(values), 500):
        chunk = list(values[start : start + 500])
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in conn.execute(f"SELECT {column} FROM {name} WHERE {column} IN ({marks})", chunk))
    return found


def _prune_changes(conn: sqlite3.Connection, gen: int) -> None:
    name = table(gen, "changes")
    first, last = conn.execute(f"SELECT coalesce((SELECT min(seq) FROM {name}), 0), coalesce((SELECT max(seq) FROM {name}), 0)").fetchone()
    if last - first > 2 * CHANGES_KEPT:
        conn.execute(f"DELETE FROM {name} WHERE seq <= ?", (last - CHANGES_KEPT,))
