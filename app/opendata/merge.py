"""Compiling OCDS releases into one compiled release, by the standard's merge rules (1.1).

The releases of one contracting process are merged oldest first:

- the release's own ``id``, ``date`` and ``tag`` are not merged (``omitWhenMerged``);
- objects merge field by field, a later value replacing an earlier one;
- arrays of objects that carry an ``id`` (parties, awards, contracts, items,
  amendments, suppliers...) merge item by item on that ``id`` ("identifier merge"),
  items that a later release does not mention staying as they were;
- arrays of strings, and the arrays the schema marks ``wholeListMerge``
  (``additionalIdentifiers``, ``additionalClassifications``), are replaced whole;
- an explicit ``null`` removes the field.

The compiled release takes the ``ocid``, the date of the latest release, the id
``<ocid>-<that date>`` and the tag ``["compiled"]``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

OMIT_WHEN_MERGED = frozenset({"id", "date", "tag"})
WHOLE_LIST_MERGE = frozenset({"additionalIdentifiers", "additionalClassifications"})


def _merge_object(target: dict, source: dict) -> None:
    for key, value in source.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict):
            current = target.get(key)
            if not isinstance(current, dict):
                current = target[key] = {}
            _merge_object(current, value)
        elif isinstance(value, list) and key not in WHOLE_LIST_MERGE and _identified(value):
            current = target.get(key)
            target[key] = _merge_identified(current if isinstance(current, list) else [], value)
        else:
            target[key] = copy.deepcopy(value)


def _identified(items: list) -> bool:
    return bool(items) and all(isinstance(item, dict) and "id" in item for item in items)


def _merge_identified(current: list, items: list) -> list:
    by_id = {(type(item.get("id")).__name__, item.get("id")): item for item in current if isinstance(item, dict)}
    for item in items:
        key = (type(item["id"]).__name__, item["id"])
        if key in by_id:
            _merge_object(by_id[key], item)
        else:
            merged: dict = {}
            _merge_object(merged, item)
            current.append(merged)
            by_id[key] = merged
    return current


def compile_releases(releases: Iterable[dict]) -> dict:
    """The compiled release of one process's releases (given in any order)."""
    ordered = sorted(releases, key=lambda r: r["date"])
    if not ordered:
        raise ValueError("no release to compile")
    body: dict = {}
    for release in ordered:
        _merge_object(body, {k: v for k, v in release.items() if k not in OMIT_WHEN_MERGED})
    ocid, date = ordered[-1]["ocid"], ordered[-1]["date"]
    compiled = {"ocid": ocid, "id": f"{ocid}-{date}", "date": date, "tag": ["compiled"]}
    compiled.update((k, v) for k, v in body.items() if k != "ocid")
    return compiled
