"""The filter evaluator (search.evaluate) decides as the engine does, one document at a time."""

from __future__ import annotations

import random

import pytest

from search.base import And, Eq, Exists, In, IndexSettings, Not, Or, Query, Range
from search.embedded import EmbeddedBackend
from search.evaluate import evaluate, matches, prepare

NEED = {
    "id": "7",
    "status": "published",
    "visibility": "restricted",
    "axes": ["ai", "data"],
    "categories": ["ai.llm", "data.platform"],
    "invited_ids": [12, 40],
    "budget_max": 400_000,
    "deadline_ts": 1_800_000_000,
    "region": "",
    "sme_set_aside": True,
    "sensitive_data": False,
}


@pytest.mark.parametrize("flt, expected", [
    (Eq("status", "published"), True),
    (Eq("status", "draft"), False),
    (Eq("axes", "data"), True),  # on a list: contains
    (In("axes", ("cyber", "ai")), True),
    (In("axes", ("cyber", "quantum")), False),
    (In("axes", ()), False),
    (Eq("invited_ids", 40), True),
    (Eq("invited_ids", "40"), False),  # a string is not the number
    (Eq("budget_max", 400_000.0), True),
    (Eq("sme_set_aside", True), True),
    (Eq("sensitive_data", True), False),
    (Eq("sensitive_data", False), True),
    (Range("budget_max", gte=400_000), True),
    (Range("budget_max", gt=400_000), False),
    (Range("budget_max", gte=100_000, lt=1_000_000), True),
    (Range("status", gte=0), False),  # strings are never in a range
    (Exists("region"), False),  # an empty value is no value
    (Eq("region", ""), False),
    (Exists("axes"), True),
    (Exists("missing"), False),
    (Not(Eq("status", "draft")), True),
    (Not(Exists("region")), True),
    (And(), True),
    (Or(), False),
    (And(Eq("status", "published"), Or(Eq("visibility", "public"), Eq("invited_ids", 12))), True),
    (And(Eq("status", "published"), Or(Eq("visibility", "public"), Eq("invited_ids", 13))), False),
    (None, True),
])
def test_each_kind_of_filter(flt, expected):
    assert matches(flt, NEED) is expected


def test_a_range_holds_on_one_value_of_a_list():
    doc = prepare({"scores": [5, 50]})
    assert evaluate(Range("scores", gte=40), doc)
    assert not evaluate(Range("scores", gt=10, lt=40), doc)  # no single value in (10, 40)


SETTINGS = IndexSettings(name="docs", searchable=("title",),
                         filterable=("kind", "tags", "n", "flag", "region", "ids"))


def random_filter(rng: random.Random, depth: int = 0):
    leaves = [
        lambda: Eq("kind", rng.choice(["a", "b", "c", "true"])),
        lambda: In("tags", rng.sample(["x", "y", "z", "w"], rng.randint(0, 2))),
        lambda: Eq("flag", rng.choice([True, False])),
        lambda: Range("n", **{rng.choice(["gte", "lte", "gt", "lt"]): rng.randint(-2, 12)}),
        lambda: Exists(rng.choice(["region", "tags", "n", "kind"])),
        lambda: Eq("ids", rng.choice([1, 2, 3, "2"])),
        lambda: Eq("region", rng.choice(["11", "", "84"])),
    ]
    if depth >= 2 or rng.random() < 0.4:
        return rng.choice(leaves)()
    kind = rng.choice(["and", "or", "not"])
    if kind == "not":
        return Not(random_filter(rng, depth + 1))
    items = [random_filter(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return And(*items) if kind == "and" else Or(*items)


def random_doc(rng: random.Random, i: int) -> dict:
    doc = {"id": str(i), "title": f"document {i}"}
    if rng.random() < 0.8:
        doc["kind"] = rng.choice(["a", "b", "c", True])
    if rng.random() < 0.7:
        doc["tags"] = rng.sample(["x", "y", "z"], rng.randint(0, 3))
    if rng.random() < 0.8:
        doc["n"] = rng.choice([0, 3, 7, 10, 2.5, "7"])
    doc["flag"] = rng.choice([True, False, None])
    doc["region"] = rng.choice(["11", "", None, "84"])
    doc["ids"] = rng.sample([1, 2, 3], rng.randint(0, 2))
    return doc


def test_agrees_with_the_embedded_engine_on_random_filters_and_documents(tmp_path):
    rng = random.Random(20261122)
    docs = [random_doc(rng, i) for i in range(60)]
    engine = EmbeddedBackend(tmp_path / "search")
    engine.add_documents(SETTINGS, docs)
    prepared = {d["id"]: prepare(d) for d in docs}
    for _ in range(300):
        flt = random_filter(rng)
        found = set(engine.search(SETTINGS, Query(filter=flt, per_page=1000)).ids)
        expected = {doc_id for doc_id, doc in prepared.items() if evaluate(flt, doc)}
        assert expected == found, flt
