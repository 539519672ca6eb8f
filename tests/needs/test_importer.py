"""Reading procurement exports into needs (app.needs.importer), without the API."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.extensions import db
from app.needs import import_files, importer
from app.needs.importer import ImportFileError, Mode, import_needs, parse_deadline, parse_file
from app.needs.models import Need
from tests.factories import login, make_member, make_org

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COMPLETE = ("title;summary;description;categories;budget_min_eur;budget_max_eur;deadline;"
            "reuse_checked;reuse_note;off_the_shelf_sought")


def row(title: str = "Messagerie souveraine", budget_min: str = "150 000", budget_max: str = "300 000,00",
        deadline: str = "2026-06-30T12:00", categories: str = "ai.llm|cloud.iaas") -> str:
    return ";".join([title, "Un résumé", "Une description", categories, budget_min, budget_max, deadline,
                     "x", "Rien de réutilisable", "oui"])


@pytest.fixture()
def ctx(app):
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture()
def buyer(ctx):
    organisation, user = make_org("administration")
    return organisation, user


def needs_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Need))


# --- reading CSV --------------------------------------------------------------------------------


def test_csv_with_a_bom_semicolons_and_french_decimal_euros(ctx):
    data = ("\ufeff" + COMPLETE + "\n" + row(budget_min="150 000,50", budget_max="1.250.000,5") + "\n").encode()
    [source] = parse_file(data, "csv")
    assert source.errors == {}
    assert (source.row, source.line) == (1, 2)
    assert source.values["budget_min_cents"] == 15_000_050
    assert source.values["budget_max_cents"] == 125_000_050
    assert source.values["categories"] == ["ai.llm", "cloud.iaas"]
    assert source.values["reuse_checked"] is True and source.values["off_the_shelf_sought"] is True


def test_csv_with_commas_and_quoted_cells_spanning_lines(ctx):
    data = (b'Title,Summary,Budget_Min_EUR,external_id\n'
            b'"Cloud, sovereign","Two\nlines",150000.25,A-1\n'
            b'\n'
            b'Second,Short,"200,5",A-2\n')
    first, second = parse_file(data, "csv")
    assert (first.row, first.line, first.external_id) == (1, 2, "A-1")
    assert first.values["title"] == "Cloud, sovereign" and first.values["summary"] == "Two\nlines"
    assert first.values["budget_min_cents"] == 15_000_025
    assert (second.row, second.line, second.values["budget_min_cents"]) == (2, 5, 20_050)


def test_unreadable_cells_are_reported_by_column(ctx):
    data = ("title;budget_min_eur;budget_max_eur;currency;deadline;eu_data_residency;weight_cost\n"
            "A;cent mille;-5;USD;30/06/2026;peut-être;150\n").encode()
    [source] = parse_file(data, "csv")
    assert set(source.errors) == {"budget_min_eur", "budget_max_eur", "currency", "deadline",
                                  "eu_data_residency", "weight_cost"}


def test_deadlines_in_iso_8601_naive_ones_in_paris_time():
    assert parse_deadline("2026-07-01T17:00") == datetime(2026, 7, 1, 15, 0, tzinfo=UTC)  # summer: UTC+2
    assert parse_deadline("2026-01-15 17:00") == datetime(2026, 1, 15, 16, 0, tzinfo=UTC)  # winter: UTC+1
    assert parse_deadline("2026-07-01T17:00:00Z") == datetime(2026, 7, 1, 17, 0, tzinfo=UTC)
    assert parse_deadline("2026-07-01") == datetime(2026, 7, 1, 21, 59, tzinfo=UTC)
    assert parse_deadline("") is None
    with pytest.raises(ValueError):
        parse_deadline("01/07/2026")


@pytest.mark.parametrize(("data", "code"), [
    (b"", "no_rows"),
    (b"title;summary\n", "no_rows"),
    (b"summary;description\nA;B\n", "title_column_missing"),
    (b"title;colour\nA;B\n", "columns_unknown"),
    (b"title;Title\nA;B\n", "columns_repeated"),
    ("title\nSystème\n".encode("latin-1"), "file_encoding"),
])
def test_files_refused_as_a_whole(ctx, data, code):
    with pytest.raises(ImportFileError) as refused:
        parse_file(data, "csv")
    assert refused.value.code == code and refused.value.message


def test_row_and_size_limits(ctx, monkeypatch):
    monkeypatch.setattr(import_files, "MAX_ROWS", 3)
    with pytest.raises(ImportFileError) as refused:
        parse_file(("title\n" + "A\n" * 4).encode(), "csv")
    assert refused.value.code == "too_many_rows"
    assert len(parse_file(("title\n" + "A\n" * 3).encode(), "csv")) == 3
    monkeypatch.setattr(import_files, "MAX_BYTES", 10)
    with pytest.raises(ImportFileError) as refused:
        parse_file(b"title\nA long title\n", "csv")
    assert refused.value.code == "file_too_large"


# --- reading JSON ------------------------------------------------------------------------------


def test_json_rows_are_loaded_like_post_needs(ctx):
    data = (b'[{"title": "A", "budget": {"min_cents": 100, "max_cents": "lots"}, "external_id": "J1", "colour": 1},'
            b' "not an object"]')
    first, second = parse_file(data, "json")
    assert first.external_id == "J1" and first.line is None
    assert set(first.errors) == {"budget.max_cents", "colour"}
    assert first.values["budget_min_cents"] == 100  # the half that could be read is still checked
    assert second.row == 2 and "_row" in second.errors
    with pytest.raises(ImportFileError, match="json_not_list"):
        parse_file(b'{"title": "A"}', "json")
    with pytest.raises(ImportFileError, match="json_invalid"):
        parse_file(b"[{", "json")


# --- importing ----------------------------------------------------------------------------------


def test_all_or_nothing_writes_nothing_when_a_row_is_invalid(buyer):
    organisation, user = buyer
    rows = parse_file((COMPLETE + "\n" + row() + "\n" + row(budget_min="400000", budget_max="100000")).encode(), "csv")
    before = needs_count()
    report = import_needs(rows, buyer=organisation, by=user, file_format="csv", now=NOW)
    assert report.rejected and report.imported == []
    assert report.errors == [{"row": 2, "line": 3, "external_id": None,
                              "errors": {"budget_min_eur": [report.errors[0]["errors"]["budget_min_eur"][0]]}}]
    assert "minimum budget" in report.errors[0]["errors"]["budget_min_eur"][0]
    assert needs_count() == before


def test_valid_only_imports_the_valid_rows_with_an_audit_entry_each(buyer):
    organisation, user = buyer
    header = "external_id;" + COMPLETE
    data = "\n".join([header, "E1;" + row(), "E2;" + row(title=""), "E3;" + row(deadline="2020-01-01")]).encode()
    report = import_needs(parse_file(data, "csv"), buyer=organisation, by=user, file_format="csv",
                          mode=Mode.VALID_ONLY, now=NOW)
    assert [i["external_id"] for i in report.imported] == ["E1"]
    assert [(e["row"], list(e["errors"])) for e in report.errors] == [(2, ["title"]), (3, ["deadline"])]
    assert report.counts == {"rows": 3, "valid": 1, "invalid": 2, "imported": 1}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == importer.IMPORT_ACTION))
    assert entry.details["external_id"] == "E1" and entry.details["reference"] == report.imported[0]["reference"]
    assert importer.already_imported(organisation, ["E1", "E2"]) == {"E1": report.imported[0]["reference"]}


def test_weights_columns_replace_the_default_grid_and_must_sum_to_100(buyer):
    organisation, user = buyer
    header = COMPLETE + ";weight_sovereignty;weight_cost"
    rows = parse_file("\n".join([header, row() + ";20;10", row() + ";50;50"]).encode(), "csv")
    report = import_needs(rows, buyer=organisation, by=user, file_format="csv", mode="valid_only", now=NOW)
    assert [i["row"] for i in report.imported] == [1]
    assert list(report.errors[0]["errors"]) == ["weights"]
    need = db.session.scalar(select(Need).where(Need.reference == report.imported[0]["reference"]))
    assert need.weight_sovereignty == 20 and need.weight_cost == 10


def test_the_buyer_route_applies_and_another_is_refused(buyer):
    organisation, user = buyer
    rows = parse_file((COMPLETE + ";route\n" + row() + ";private\n" + row() + ";\n").encode(), "csv")
    report = import_needs(rows, buyer=organisation, by=user, file_format="csv", mode="valid_only", now=NOW)
    assert [(e["row"], list(e["errors"])) for e in report.errors] == [(1, ["route"])]
    need = db.session.scalar(select(Need).where(Need.reference == report.imported[0]["reference"]))
    assert need.route.value == "public" and need.sealed_bids


def test_a_dry_run_checks_publication_without_writing(buyer):
    organisation, user = buyer
    rows = parse_file((COMPLETE + "\n" + row() + "\n" + row(categories="") + "\n").encode(), "csv")
    before = needs_count()
    report = import_needs(rows, buyer=organisation, by=user, file_format="csv", dry_run=True, publish=True, now=NOW)
    assert [(e["row"], list(e["errors"])) for e in report.errors] == [(2, ["categories"])]
    assert report.valid == 1 and report.imported == []
    assert needs_count() == before


# --- the buyer's import page ---------------------------------------------------------------------


def upload(client, data: bytes, filename: str = "export.csv", **options):
    form = {"file": (io.BytesIO(data), filename), "mode": "all_or_nothing", **options}
    return client.post("/needs/import?lang=en", data=form, content_type="multipart/form-data")


@pytest.fixture()
def page_buyer(app):
    with app.app_context():
        organisation, user = make_org("corporate")
        member = make_member(organisation, role=Role.AMBASSADOR)
        return user.email, member.email


def test_the_import_page_is_linked_from_our_needs_and_closed_to_others(app, client, page_buyer):
    owner, ambassador = page_buyer
    login(client, owner)
    assert b"/needs/import" in client.get("/needs/mine").data
    assert client.get("/needs/import").status_code == 200
    client.post("/logout")
    login(client, ambassador)
    assert client.get("/needs/import").status_code == 403


def test_the_page_imports_a_file_and_shows_the_per_row_report(app, client, page_buyer):
    login(client, page_buyer[0])
    with app.app_context():
        before = needs_count()
    data = ("external_id;" + COMPLETE + "\n" + "P-1;" + row(deadline="2099-01-01") + "\n"
            + "P-2;" + row(title="", deadline="2099-01-01") + "\n").encode()
    refused = upload(client, data)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "P-2" in page and "title" in page and "nothing was imported" in page
    with app.app_context():
        assert needs_count() == before
    accepted = upload(client, data, mode="valid_only")
    assert accepted.status_code == 200
    assert "TRP-" in accepted.get_data(as_text=True)
    with app.app_context():
        assert needs_count() == before + 1


def test_the_page_refuses_an_unreadable_file(app, client, page_buyer):
    login(client, page_buyer[0])
    assert upload(client, b"%PDF", filename="export.pdf").status_code == 400
    response = upload(client, b"title;colour\nA;blue\n")
    assert response.status_code == 400 and "colour" in response.get_data(as_text=True)
