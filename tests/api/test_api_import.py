"""POST /api/v1/needs/import: CSV and JSON exports, modes, dry run, limits, idempotency, access."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.extensions import db
from app.needs import import_files
from app.needs.models import Need, NeedStatus
from tests.api.helpers import bearer
from tests.factories import make_member, make_org

URL = "/api/v1/needs/import"
HEADER = ("external_id;title;summary;description;categories;budget_min_eur;budget_max_eur;currency;region;"
          "visibility;deadline;eu_data_residency;requires_secnumcloud;reuse_checked;reuse_note;off_the_shelf_sought")


def deadline(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def csv_line(external_id: str, *, title: str = "Assistant de rédaction", budget_min: str = "150 000,50",
             budget_max: str = "400000", deadline_at: str | None = None, reuse_checked: str = "oui",
             categories: str = "ai.llm") -> str:
    return ";".join([external_id, title, "Un LLM hébergé en France", "Nous cherchons un assistant.", categories,
                     budget_min, budget_max, "EUR", "11", "public", deadline_at or deadline(), "oui", "non",
                     reuse_checked, "Rien à réutiliser", "oui"])


def csv_file(*lines: str, bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + "\n".join([HEADER, *lines]) + "\n").encode()


def json_need(external_id: str, **changes) -> dict:
    data = {
        "external_id": external_id,
        "title": "Plateforme de données",
        "summary": "Un entrepôt de données souverain",
        "description": "Hébergé en France.",
        "categories": ["ai.llm"],
        "budget": {"min_cents": 15_000_000, "max_cents": 40_000_000, "currency": "EUR"},
        "deadline_at": (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat(),
        "reuse_checked": True,
        "reuse_note": "Rien",
        "off_the_shelf_sought": True,
    }
    data.update(changes)
    return data


@pytest.fixture()
def people(app):
    with app.app_context():
        buyer, buyer_user = make_org("administration")
        ambassador = make_member(buyer, role=Role.AMBASSADOR)
        supplier, supplier_user = make_org("startup", verified=True)
        return {
            "buyer_id": buyer.id,
            "buyer": bearer(buyer_user, buyer, "read", "write"),
            "buyer_read": bearer(buyer_user, buyer, "read"),
            "ambassador": bearer(ambassador, buyer, "read", "write"),
            "supplier": bearer(supplier_user, supplier, "read", "write"),
        }


def count_needs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Need))


def post_csv(client, headers, data: bytes, **query):
    return client.post(URL, data=data, headers={**headers, "Content-Type": "text/csv"}, query_string=query)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


# --- CSV ---------------------------------------------------------------------------------


@pytest.mark.parametrize("separator", [";", ","])
def test_a_buyer_imports_a_csv_export_as_drafts_in_cents(app, client, people, separator):
    lines = [csv_line("PRC-1", budget_min="150 000,50"), csv_line("PRC-2", budget_min="150000.50")]
    data = csv_file(*lines, bom=True).decode("utf-8").replace(";", separator)
    if separator == ",":  # commas inside cells must then be quoted or absent
        data = data.replace("150 000,50", '"150 000,50"')
    response = post_csv(client, people["buyer"], data.encode())
    assert response.status_code == 201, response.get_data(as_text=True)
    report = response.get_json()
    assert report["counts"] == {"rows": 2, "valid": 2, "invalid": 0, "imported": 2}
    assert [(i["row"], i["line"], i["external_id"], i["status"]) for i in report["imported"]] == [
        (1, 2, "PRC-1", "draft"), (2, 3, "PRC-2", "draft")]
    with app.app_context():
        needs = [db.session.scalar(select(Need).where(Need.reference == i["reference"])) for i in report["imported"]]
        assert [n.budget_min_cents for n in needs] == [15_000_050, 15_000_050]
        assert all(n.status == NeedStatus.DRAFT and n.buyer_id == people["buyer_id"] for n in needs)
        assert needs[0].eu_data_residency and not needs[0].requires_secnumcloud
        assert [c.code for c in needs[0].categories] == ["ai.llm"]


def test_a_naive_deadline_is_paris_time(app, client, people):
    response = post_csv(client, people["buyer"], csv_file(csv_line("P", deadline_at="2099-07-01T17:00")))
    assert response.status_code == 201
    with app.app_context():
        need = db.session.scalar(select(Need).where(Need.reference == response.get_json()["imported"][0]["reference"]))
        assert need.deadline_at.replace(tzinfo=UTC) == datetime(2099, 7, 1, 15, 0, tzinfo=UTC)


def test_all_or_nothing_reports_every_bad_row_and_imports_nothing(app, client, people):
    before = count_needs(app)
    data = csv_file(csv_line("OK-1"), csv_line("BAD-1", budget_min="cent mille", title=""),
                    csv_line("OK-2"), csv_line("BAD-2", deadline_at="demain", reuse_checked="peut-être"))
    body = assert_problem(post_csv(client, people["buyer"], data, **{"lang": "en"}), 422)
    assert body["counts"] == {"rows": 4, "valid": 2, "invalid": 2, "imported": 0}
    first, second = body["rows"]
    assert (first["row"], first["line"], first["external_id"]) == (2, 3, "BAD-1")
    assert set(first["errors"]) == {"title", "budget_min_eur"}
    assert (second["row"], second["line"]) == (4, 5)
    assert set(second["errors"]) == {"deadline", "reuse_checked"}
    assert "rows.2.budget_min_eur" in body["errors"]
    assert count_needs(app) == before


def test_valid_only_imports_the_valid_rows_and_reports_the_others(app, client, people):
    before = count_needs(app)
    data = csv_file(csv_line("OK-1"), csv_line("BAD-1", budget_min="500000", budget_max="100000"), csv_line("OK-2"))
    response = post_csv(client, people["buyer"], data, mode="valid_only")
    assert response.status_code == 201
    report = response.get_json()
    assert [i["external_id"] for i in report["imported"]] == ["OK-1", "OK-2"]
    assert [(e["row"], list(e["errors"])) for e in report["errors"]] == [(2, ["budget_min_eur"])]
    assert count_needs(app) == before + 2


def test_valid_only_with_no_valid_row_answers_200_and_imports_nothing(app, client, people):
    before = count_needs(app)
    response = post_csv(client, people["buyer"], csv_file(csv_line("BAD", title="")), mode="valid_only")
    assert response.status_code == 200
    assert response.get_json()["counts"]["imported"] == 0
    assert count_needs(app) == before


def test_a_dry_run_reports_and_writes_nothing(app, client, people):
    before = count_needs(app)
    data = csv_file(csv_line("OK-1"), csv_line("BAD-1", title=""))
    response = post_csv(client, people["buyer"], data, dry_run="true")
    assert response.status_code == 200
    report = response.get_json()
    assert report["dry_run"] is True and report["imported"] == []
    assert report["counts"] == {"rows": 2, "valid": 1, "invalid": 1, "imported": 0}
    assert count_needs(app) == before
    # Nothing was kept: the same external ids import afterwards.
    assert post_csv(client, people["buyer"], csv_file(csv_line("OK-1"))).status_code == 201


def test_publish_publishes_complete_rows_and_refuses_incomplete_ones(app, client, people):
    data = csv_file(csv_line("OK"), csv_line("NO-CHECK", reuse_checked="non"))
    body = assert_problem(post_csv(client, people["buyer"], data, publish="true"), 422)
    assert [(e["row"], list(e["errors"])) for e in body["rows"]] == [(2, ["reuse_checked"])]
    response = post_csv(client, people["buyer"], data, publish="true", mode="valid_only")
    assert response.status_code == 201
    assert [(i["external_id"], i["status"]) for i in response.get_json()["imported"]] == [("OK", "published")]


def test_duplicate_external_ids_in_the_file_and_already_imported_are_refused(app, client, people):
    assert post_csv(client, people["buyer"], csv_file(csv_line("PRC-9"))).status_code == 201
    before = count_needs(app)
    data = csv_file(csv_line("PRC-9"), csv_line("NEW"), csv_line("NEW"))
    body = assert_problem(post_csv(client, people["buyer"], data, lang="en"), 422)
    assert [(e["row"], e["external_id"]) for e in body["rows"]] == [(1, "PRC-9"), (3, "NEW")]
    assert "already imported" in body["rows"][0]["errors"]["external_id"][0]
    assert "row 2" in body["rows"][1]["errors"]["external_id"][0]
    assert count_needs(app) == before


def test_another_buyer_may_use_the_same_external_id(app, client, people):
    with app.app_context():
        other, other_user = make_org("corporate")
        headers = bearer(other_user, other, "read", "write")
    assert post_csv(client, people["buyer"], csv_file(csv_line("SHARED"))).status_code == 201
    assert post_csv(client, headers, csv_file(csv_line("SHARED"))).status_code == 201


# --- JSON and uploads ----------------------------------------------------------------------


def test_a_json_export_takes_the_fields_of_post_needs(app, client, people):
    items = [json_need("J-1"), json_need("J-2", budget={"min_cents": "beaucoup", "max_cents": 5}, title=None)]
    body = assert_problem(client.post(URL, json=items, headers=people["buyer"]), 422)
    assert body["rows"][0]["row"] == 2 and body["rows"][0]["line"] is None
    assert {"budget.min_cents", "title"} <= set(body["rows"][0]["errors"])
    response = client.post(URL, json=items, headers=people["buyer"], query_string={"mode": "valid_only"})
    assert response.status_code == 201
    assert [i["external_id"] for i in response.get_json()["imported"]] == ["J-1"]


def test_a_multipart_upload_is_read_by_its_file_name(app, client, people):
    data = {"file": (io.BytesIO(csv_file(csv_line("UP-1"))), "export.csv")}
    response = client.post(URL, data=data, headers=people["buyer"], content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["format"] == "csv"


def test_unsupported_types_and_unreadable_files_are_refused(client, people):
    assert_problem(client.post(URL, data=b"<xml/>", headers={**people["buyer"], "Content-Type": "application/xml"}),
                   415)
    upload = {"file": (io.BytesIO(b"%PDF-1.4"), "export.pdf")}
    assert_problem(client.post(URL, data=upload, headers=people["buyer"], content_type="multipart/form-data"), 415)
    assert_problem(client.post(URL, data={}, headers=people["buyer"], content_type="multipart/form-data"), 400)
    latin1 = csv_file(csv_line("X", title="Système d'information")).decode().encode("latin-1")
    body = assert_problem(post_csv(client, people["buyer"], latin1), 400)
    assert "UTF-8" in body["detail"]
    assert_problem(client.post(URL, data=b"[{", headers={**people["buyer"], "Content-Type": "application/json"}),
                   400)
    assert_problem(client.post(URL, json={"title": "not a list"}, headers=people["buyer"]), 400)
    body = assert_problem(post_csv(client, people["buyer"], b"title;colour\nA;blue\n"), 422)
    assert "colour" in body["errors"]["file"][0]
    assert_problem(post_csv(client, people["buyer"], HEADER.encode()), 422)  # no rows
    assert_problem(post_csv(client, people["buyer"], csv_file(csv_line("X")), mode="some"), 422)


def test_limits_on_rows_and_size(app, client, people, monkeypatch):
    before = count_needs(app)
    monkeypatch.setattr(import_files, "MAX_ROWS", 2)
    body = assert_problem(post_csv(client, people["buyer"], csv_file(*(csv_line(f"L{n}") for n in range(3)))), 422)
    assert "2" in body["errors"]["file"][0]
    monkeypatch.setattr(import_files, "MAX_BYTES", 1000)
    assert_problem(post_csv(client, people["buyer"], csv_file(csv_line("BIG", title="x" * 2000))), 413)
    assert count_needs(app) == before


# --- idempotency and access -------------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_imports_nothing_more(app, client, people):
    before = count_needs(app)
    headers = {**people["buyer"], "Idempotency-Key": "import-2026-05"}
    data = csv_file(csv_line("ID-1"), csv_line("ID-2"))
    first = post_csv(client, headers, data)
    assert first.status_code == 201
    again = post_csv(client, headers, data)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert count_needs(app) == before + 2
    assert_problem(post_csv(client, headers, csv_file(csv_line("ID-3"))), 409)
    assert_problem(post_csv(client, headers, data, mode="valid_only"), 409)


def test_only_buyers_owners_and_members_with_a_write_token_import(app, client, people):
    data = csv_file(csv_line("ACC"))
    assert_problem(post_csv(client, {}, data), 401)
    assert_problem(post_csv(client, people["supplier"], data), 403)
    assert_problem(post_csv(client, people["buyer_read"], data), 403)
    assert_problem(post_csv(client, people["ambassador"], data), 403)
    assert post_csv(client, people["buyer"], data).status_code == 201


def test_the_openapi_document_describes_the_import(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"][URL]["post"]
    assert set(operation["requestBody"]["content"]) == {"text/csv", "application/json", "multipart/form-data"}
    assert {"200", "201", "400", "401", "403", "409", "413", "415", "422"} <= set(operation["responses"])
