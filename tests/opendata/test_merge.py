"""The compiled release follows the OCDS merge rules."""

from __future__ import annotations

from app.opendata.merge import compile_releases


def _release(date: str, **fields) -> dict:
    return {"ocid": "ocds-x-1", "id": f"r-{date}", "date": date, "tag": ["tender"], **fields}


def test_later_releases_win_and_identified_lists_merge_item_by_item():
    first = _release("2026-01-01T00:00:00Z", tender={"id": "T", "title": "A", "status": "active",
                                                     "submissionMethod": ["written", "inPerson"]},
                     parties=[{"id": "b", "name": "Buyer", "roles": ["buyer"],
                               "additionalIdentifiers": [{"scheme": "X", "id": "1"}]}])
    second = _release("2026-02-01T00:00:00Z", tender={"id": "T", "status": "complete",
                                                      "submissionMethod": ["electronicSubmission"]},
                      parties=[{"id": "s", "name": "Supplier", "roles": ["supplier"]},
                               {"id": "b", "additionalIdentifiers": [{"scheme": "Y", "id": "2"}]}],
                      awards=[{"id": "1", "status": "active"}])
    compiled = compile_releases([second, first])  # any order: merged by date
    assert compiled["id"] == "ocds-x-1-2026-02-01T00:00:00Z"
    assert compiled["date"] == "2026-02-01T00:00:00Z" and compiled["tag"] == ["compiled"]
    assert compiled["tender"] == {"id": "T", "title": "A", "status": "complete",
                                  "submissionMethod": ["electronicSubmission"]}
    assert compiled["parties"] == [
        {"id": "b", "name": "Buyer", "roles": ["buyer"], "additionalIdentifiers": [{"scheme": "Y", "id": "2"}]},
        {"id": "s", "name": "Supplier", "roles": ["supplier"]},
    ]
    assert first["parties"][0]["additionalIdentifiers"] == [{"scheme": "X", "id": "1"}]  # inputs untouched


def test_a_null_removes_a_field():
    compiled = compile_releases([_release("2026-01-01T00:00:00Z", tender={"id": "T", "title": "A"}),
                                 _release("2026-01-02T00:00:00Z", tender={"id": "T", "title": None})])
    assert compiled["tender"] == {"id": "T"}
