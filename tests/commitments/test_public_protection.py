"""The public figures' minimum cell size: no amount on the public page or in the public CSV
files is made of fewer than ``COMMITMENT_PUBLIC_MIN_CELL`` purchases (3 by default), so no
single deal's amount, disclosed or not, can be read or worked out by subtraction; members
and the operator keep exact figures."""

from __future__ import annotations

import csv
import io
from datetime import date
from itertools import combinations

import pytest
from flask_babel import force_locale

from app.commitments.stats import stepped
from app.commitments.views_dashboard import today_in_paris
from app.extensions import db
from app.main.filters import euros
from tests.commitments.builders import declared, member, operator_login
from tests.factories import login, make_org

SECRET = 4_321_987_65  # one deal whose buyer did not disclose the amount
OTHERS = (123_401_11, 234_502_22, 345_603_33, 456_704_44)


def written(cents: int) -> list[str]:
    """Every way an amount may be written on the page or in a CSV file, French and English."""
    whole, rest = divmod(cents, 100)
    forms = [str(cents), f"{whole},{rest:02d}", f"{whole}.{rest:02d}"]
    for locale in ("fr", "en"):
        with force_locale(locale):
            forms += [euros(cents), euros(cents, precise=True)]
    return forms


def text_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def csv_rows(client, table: str, query: str = "?lang=en") -> list[list[str]]:
    body = text_of(client, f"/commitment/export/{table}.csv{query}")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))


def euros_cell(value: str) -> int | None:
    try:
        whole, rest = value.split(".")
        return int(whole) * 100 + int(rest)
    except ValueError:
        return None


def public_texts(client) -> dict[str, str]:
    texts = {f"page {lang}": text_of(client, f"/commitment/public?lang={lang}") for lang in ("fr", "en")}
    for table in ("progress", "sba", "deals", "breakdown-axis", "breakdown-class", "breakdown-geography",
                  "breakdown-region", "breakdown-route", "breakdown-sovereignty"):
        for lang in ("fr", "en"):
            texts[f"{table}.csv {lang}"] = text_of(client, f"/commitment/export/{table}.csv?lang={lang}")
    return texts


def assert_never_shown(client, cents: int) -> None:
    for where, text in public_texts(client).items():
        for form in written(cents):
            assert form not in text, (where, form)


@pytest.fixture()
def lone_region(client, app):
    """Four purchases in Auvergne-Rhône-Alpes and one undisclosed deal in Bretagne, same month."""
    with app.app_context():
        alpha, alpha_owner = member("Alpha Industries")
        _, outsider = make_org("startup", name="Outsider Startup", verified=True)
        for amount in OTHERS:
            declared(alpha, amount, on=date(2025, 3, 5)).region = "84"
        declared(alpha, SECRET, on=date(2025, 3, 10), disclose=False).region = "53"
        db.session.commit()
        return {"alpha_email": alpha_owner.email, "outsider_email": outsider.email}


def test_a_region_of_one_undisclosed_deal_never_shows_its_amount(client, lone_region):
    assert_never_shown(client, SECRET)
    region = csv_rows(client, "breakdown-region")
    assert "Bretagne" not in {r[0] for r in region[1:]}
    assert region[-1][0] == "Other (groups of fewer than 3 purchases)"
    page = text_of(client, "/commitment/public?lang=fr")
    assert "Autres (groupes de moins de 3\u00a0achats)" in page
    assert any(form in page for form in written(SECRET + sum(OTHERS)))  # the total of five is shown


def test_the_hidden_amount_cannot_be_worked_out_by_subtraction(client, lone_region):
    """The breakdown's total is public (the sum of any other breakdown): no total minus some
    rows shown gives the lone deal, nor does any difference of rows."""
    totals = set()
    for table in ("breakdown-class", "breakdown-axis", "breakdown-geography"):
        rows = csv_rows(client, table)[1:]
        totals.add(sum(euros_cell(r[3]) or 0 for r in rows))
    region = csv_rows(client, "breakdown-region")[1:]
    shown = [euros_cell(r[3]) for r in region if euros_cell(r[3]) is not None]
    for total in totals:
        for n in range(len(shown) + 1):
            for subset in combinations(shown, n):
                assert total - sum(subset) != SECRET
    for a, b in combinations(shown, 2):
        assert abs(a - b) != SECRET


def test_a_breakdown_too_small_as_a_whole_shows_no_amount_and_no_total(client, app):
    with app.app_context():
        alpha, _ = member("Alpha Industries")
        declared(alpha, SECRET, on=date(2025, 3, 10), disclose=False).region = "53"
        declared(alpha, OTHERS[0], on=date(2025, 3, 11)).region = "84"
        db.session.commit()
    for amount in (SECRET, OTHERS[0], SECRET + OTHERS[0]):
        assert_never_shown(client, amount)
    region = csv_rows(client, "breakdown-region")
    assert region[1][1] == "not shown: fewer than 3 purchases"
    page = text_of(client, "/commitment/public?lang=fr")
    assert "non affiché\u00a0: moins de 3\u00a0achats" in page


def test_the_cumulative_series_never_steps_by_a_single_deal(client, app):
    today = today_in_paris()
    singles = [(date(2025, 1, 10), 10_000_00), (date(2025, 1, 11), 20_000_00), (date(2025, 1, 12), 30_000_00),
               (date(2025, 2, 10), SECRET), (date(2025, 3, 10), 55_000_00), (date(2025, 4, 10), 66_000_00),
               (today, 77_123_45)]  # the current month: one purchase so far
    with app.app_context():
        alpha, _ = member("Alpha Industries")
        for on, amount in singles:
            declared(alpha, amount, on=on, disclose=False)
        db.session.commit()
    amounts = [a for _, a in singles]
    small = set(amounts) | {a + b for a, b in combinations(amounts, 2)}
    rows = csv_rows(client, "progress")[1:]
    values = [euros_cell(r[1]) for r in rows]
    steps = [b - a for a, b in zip([0, *values], values, strict=False) if b != a]
    assert steps and not small & set(steps), steps
    assert values[-1] == sum(amounts)  # the line ends at the total shown on the page
    assert values[0] == 60_000_00  # January: three purchases, one step
    assert values[1] == values[2] == 60_000_00  # February and March carried on
    assert_never_shown(client, SECRET)
    assert_never_shown(client, 77_123_45)


def test_stepped_carries_small_months_and_joins_the_remainder_to_the_last_step():
    assert stepped([(5, 1), (7, 1), (9, 1), (100, 1)], 3) == [0, 0, 121, 121]
    assert stepped([(5, 3), (7, 1)], 3) == [12, 12]
    assert stepped([(5, 1), (7, 1)], 3) is None
    assert stepped([(0, 0), (0, 0)], 3) == [0, 0]


def test_members_and_the_operator_still_see_exact_figures(client, lone_region):
    login(client, lone_region["alpha_email"])
    region = {r[0]: r for r in csv_rows(client, "breakdown-region")[1:]}
    assert region["Bretagne"][3] == "4321987.65"
    assert "€4,321,987.65" in text_of(client, "/commitment/?lang=en")
    client.get("/logout")
    operator_login(client)
    region = {r[0]: r for r in csv_rows(client, "breakdown-region")[1:]}
    assert region["Bretagne"][3] == "4321987.65"


def test_signed_in_readers_outside_the_alliance_get_the_protected_figures(client, lone_region):
    login(client, lone_region["outsider_email"])
    html = text_of(client, "/commitment/?lang=en")
    csv_text = text_of(client, "/commitment/export/breakdown-region.csv?lang=en")
    for form in written(SECRET):
        assert form not in html and form not in csv_text


def test_the_setting_changes_the_minimum_cell_size(client, app, lone_region, monkeypatch):
    monkeypatch.setitem(app.config, "COMMITMENT_PUBLIC_MIN_CELL", 1)
    region = {r[0]: r for r in csv_rows(client, "breakdown-region")[1:]}
    assert region["Bretagne"][3] == "4321987.65"
    monkeypatch.setitem(app.config, "COMMITMENT_PUBLIC_MIN_CELL", 6)  # five purchases in all: nothing shown
    assert_never_shown(client, sum(OTHERS) + SECRET)
    assert "not shown: fewer than 6 purchases" in text_of(client, "/commitment/public?lang=en")


def test_the_setting_is_read_from_the_environment_and_must_be_a_positive_number():
    from app.config import ConfigError, load_config

    assert load_config(None, environ={})["COMMITMENT_PUBLIC_MIN_CELL"] == 3
    assert load_config(None, environ={"COMMITMENT_PUBLIC_MIN_CELL": "5"})["COMMITMENT_PUBLIC_MIN_CELL"] == 5
    for bad in ("0", "three", "-1"):
        with pytest.raises(ConfigError) as excinfo:
            load_config(None, environ={"COMMITMENT_PUBLIC_MIN_CELL": bad})
        assert excinfo.value.setting == "COMMITMENT_PUBLIC_MIN_CELL"
