"""CSV exports: a file Excel opens (BOM, semicolons, euros with two decimals from cents),
no formula injection, and the same access rules as the pages showing the tables."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from app.extensions import db
from tests.commitments.builders import awarded, declared, member, operator_login
from tests.factories import login, make_org


@pytest.fixture()
def alliance(client, app):
    with app.app_context():
        alpha, alpha_owner = member("Alpha Industries", pledge_eur=7_000_000)
        beta, beta_owner = member("Beta Banque", pledge_eur=3_000_000)
        _, gamma_owner = make_org("corporate", name="Gamma Outsider", verified=True)
        declared(alpha, 123_456_78, supplier="=HYPERLINK(\"http://evil.example\",\"click\")", on=date(2025, 3, 1))
        declared(alpha, 5_00, supplier="-2+3", on=date(2025, 3, 2))
        declared(beta, 222_222_22, supplier="Cyberbeta SAS", on=date(2025, 4, 1))
        awarded(alpha, alpha_owner, amount_eur=987_654, disclose=False, title="Secret amount deal")
        awarded(beta, beta_owner, amount_eur=55_555, disclose=True, title="Open amount deal")
        db.session.commit()
        return {"alpha": alpha.id, "beta": beta.id, "alpha_email": alpha_owner.email,
                "gamma_email": gamma_owner.email}


def download(client, table: str, query: str = ""):
    return client.get(f"/commitment/export/{table}.csv{query}")


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")  # UTF-8 with a byte order mark, for Excel
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_a_csv_file_is_an_attachment_excel_reads_with_amounts_in_euros_and_cents(client, app, alliance, monkeypatch):
    monkeypatch.setitem(app.config, "COMMITMENT_PUBLIC_MIN_CELL", 1)  # few purchases: no row folded
    response = download(client, "breakdown-axis")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="')
    header, *rows = rows_of(response)
    assert header[0] == "Par axe" or header[0] == "By axis"  # the reader's language
    ai = next(r for r in rows if r[0] == "Intelligence artificielle")
    assert ai[3] == "345684,00"  # 123,456.78 + 5.00 + 222,222.22 in French: decimal comma, no grouping
    english = rows_of(download(client, "breakdown-axis", "?lang=en"))
    assert next(r for r in english if r[0] == "Artificial intelligence")[3] == "345684.00"


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(client, alliance):
    login(client, alliance["alpha_email"])
    rows = rows_of(download(client, "purchases", "?lang=en"))
    suppliers = [r[2] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in suppliers
    assert "'-2+3" in suppliers
    assert not any(s.startswith(("=", "+", "-", "@")) for s in suppliers)
    assert "123456.78" in [r[3] for r in rows[1:]]  # amounts stay numbers


def test_aggregate_tables_are_public_and_show_no_undisclosed_deal_amount(client, alliance):
    for table in ("progress", "sba", "breakdown-class", "breakdown-geography", "breakdown-region",
                  "breakdown-route", "breakdown-sovereignty"):
        assert download(client, table).status_code == 200, table
    deals = rows_of(download(client, "deals", "?lang=en"))
    by_title = {r[3]: r[6] for r in deals[1:]}
    assert by_title == {"Secret amount deal": "amount not disclosed", "Open amount deal": "55555.00"}


def test_member_tables_need_a_signed_in_member_or_the_operator(client, alliance):
    for table in ("members", "sba-buyers", "purchases"):
        response = download(client, table)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, alliance["gamma_email"])  # a buyer outside the alliance
    for table in ("members", "sba-buyers", "purchases"):
        assert download(client, table).status_code == 403


def test_a_member_downloads_its_own_rows_only(client, alliance):
    login(client, alliance["alpha_email"])
    members = rows_of(download(client, "members", "?lang=en"))
    assert [r[0] for r in members[1:]] == ["Alpha Industries"]
    assert members[1][1] == "7000000.00"
    assert [r[0] for r in rows_of(download(client, "sba-buyers", "?lang=en"))[1:]] == ["Alpha Industries"]
    purchases = rows_of(download(client, "purchases", "?lang=en"))
    assert {r[0] for r in purchases[1:]} == {"Alpha Industries"}
    assert "Cyberbeta SAS" not in {r[2] for r in purchases[1:]}
    for table in ("members", "purchases", "sba-buyers"):
        assert download(client, table, f"?organisation={alliance['beta']}").status_code == 404


def test_the_operator_downloads_every_members_rows_or_one_members(client, alliance):
    operator_login(client)
    members = rows_of(download(client, "members", "?lang=en"))
    assert [r[0] for r in members[1:]] == ["Alpha Industries", "Beta Banque"]  # largest pledge first
    purchases = rows_of(download(client, "purchases", f"?organisation={alliance['beta']}&lang=en"))
    assert {r[0] for r in purchases[1:]} == {"Beta Banque"}
    everyone = rows_of(download(client, "purchases", "?lang=en"))
    assert {r[0] for r in everyone[1:]} == {"Alpha Industries", "Beta Banque"}


def test_an_unknown_table_is_not_found(client, alliance):
    assert download(client, "users").status_code == 404
    assert download(client, "breakdown-salary").status_code == 404
