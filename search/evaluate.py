"""Deciding in Python whether one document passes a filter, as the search backends would.

Used where asking the engine would cost a query per decision: alerts test a newly
published need against thousands of saved searches' filters. The semantics are those
of the backends (search.base, the embedded engine's columns, Meilisearch):

- a field's values are its value, or the elements of a list; ``None``, ``""`` and an
  empty list are *no value* (``Exists`` is false, every comparison is false);
- ``Eq``/``In`` compare values by kind: booleans equal booleans (and their string forms
  "true"/"false", as the engines store them), numbers equal numbers (``1 == 1.0``),
  strings equal the very same string; on a list, they mean "contains";
- ``Range`` applies to numeric values only, all its bounds to one and the same value;
- ``And()`` with no item is true, ``Or()`` with no item is false, ``None`` passes all.

``prepare(document)`` reads a document once; evaluating many filters against the
prepared form is then a few set look-ups each.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from search.base import And, Eq, Exists, Filter, In, Not, Or, Range

Key = tuple[str, object]


def value_key(value: object) -> Key | None:
    """How a value compares: ("s", text) or ("n", float); None for no value."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return ("s", "true" if value else "false")
    if isinstance(value, int | float):
        return ("n", float(value))
    if isinstance(value, str):
        return ("s", value)
    return ("s", json.dumps(value, sort_keys=True))  # a dict: its JSON text, as the engine stores it


def _values(value: object) -> list[object]:
    if isinstance(value, list | tuple):
        out: list[object] = []
        for item in value:
            out.extend(_values(item))
        return out
    return [value]


class Prepared:
    """A document's filterable values, keyed for comparison (see prepare)."""

    __slots__ = ("keys", "numbers")

    def __init__(self, keys: dict[str, frozenset[Key]], numbers: dict[str, tuple[float, ...]]):
        self.keys = keys
        self.numbers = numbers


def prepare(document: Mapping[str, object]) -> Prepared:
    keys: dict[str, frozenset[Key]] = {}
    numbers: dict[str, tuple[float, ...]] = {}
    for name, raw in document.items():
        found = {k for k in (value_key(v) for v in _values(raw)) if k is not None}
        if found:
            keys[name] = frozenset(found)
            nums = tuple(k[1] for k in found if k[0] == "n")
            if nums:
                numbers[name] = nums  # type: ignore[assignment]
    return Prepared(keys, numbers)


def _in_range(number: float, flt: Range) -> bool:
    return ((flt.gte is None or number >= flt.gte) and (flt.lte is None or number <= flt.lte)
            and (flt.gt is None or number > flt.gt) and (flt.lt is None or number < flt.lt))


def evaluate(flt: Filter | None, doc: Prepared) -> bool:
    """Whether the prepared document passes the filter."""
    if flt is None:
        return True
    if isinstance(flt, And):
        return all(evaluate(item, doc) for item in flt.items)
    if isinstance(flt, Or):
        return any(evaluate(item, doc) for item in flt.items)
    if isinstance(flt, Not):
        return not evaluate(flt.item, doc)
    if isinstance(flt, Eq):
        wanted = value_key(flt.value)
        return wanted is not None and wanted in doc.keys.get(flt.field, ())
    if isinstance(flt, In):
        present = doc.keys.get(flt.field)
        return bool(present) and any(value_key(v) in present for v in flt.values)
    if isinstance(flt, Range):
        return any(_in_range(n, flt) for n in doc.numbers.get(flt.field, ()))
    if isinstance(flt, Exists):
        return flt.field in doc.keys
    raise TypeError(f"not a filter: {flt!r}")


def matches(flt: Filter | None, document: Mapping[str, object]) -> bool:
    """Whether a document passes a filter (prepare once when testing many filters)."""
    return evaluate(flt, prepare(document))
