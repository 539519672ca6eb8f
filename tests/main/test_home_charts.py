"""The home dashboards' charts: SVG images whose description and table say the figures of the data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

from flask_babel import force_locale, format_date

from app.accounts.models import Organisation, Role
from app.bids.models import BidStatus
from app.commitments.models import PurchaseStatus
from app.db import utcnow
from app.extensions import db
from app.main.services import counts_by_month
from app.needs.models import Need, NeedStatus
from tests.factories import login, make_member, make_operator, make_org
from tests.main.builders import declare_purchase, make_bid, make_need

SVG = "{http://www.w3.org/2000/svg}"
PARIS = ZoneInfo("Europe/Paris")


def _home(client) -> str:
    client.get("/lang/en")
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _chart(html: str, chart_id: str) -> ET.Element:
    """The chart's SVG, parsed (it is well-formed XML), named and described for assistive technologies."""
    match = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', html, re.S)
    assert match, f"no chart {chart_id!r}"
    root = ET.fromstring(match.group(0))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    assert "style" not in match.group(0) and "<script" not in match.group(0)
    return root


def _desc(html: str, chart_id: str) -> str:
    return _chart(html, chart_id).find(f"{SVG}desc").text


def _table(html: str, table_id: str) -> list[list[str]]:
    """The rows of a table under a chart, each cell's text."""
    match = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert match, f"no table {table_id!r}"
    rows = re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)
    return [[unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in rows]


def _paris_month(moment: datetime) -> date:
    local = moment.astimezone(PARIS).date()
    return date(local.year, local.month, 1)


def _month_name(app, month: date) -> str:
    with app.test_request_context(), force_locale("en"):
        return format_date(month, "MMMM y")


def _months_ago(months: int) -> datetime:
    """Noon UTC on the 15th of the calendar month ``months`` before this one (Paris)."""
    first = _paris_month(utcnow())
    year, month = first.year, first.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return datetime(year, month, 15, 12, tzinfo=UTC)


def test_a_buyer_sees_its_needs_by_status_and_the_bids_received_each_month(client, app):
    with app.app_context():
        ministry, _ = make_org("administration", verified=True, email="achats@ministere.fr")
        startup, _ = make_org("startup", verified=True)
        sme, _ = make_org("sme", verified=True)
        first = make_need(ministry, title="Messagerie souveraine")
        second = make_need(ministry)
        make_need(ministry, status=NeedStatus.DRAFT)
        closed = make_need(ministry, status=NeedStatus.CLOSED)
        make_bid(first, startup)
        make_bid(first, sme, status=BidStatus.SHORTLISTED)
        make_bid(second, startup, status=BidStatus.DRAFT)  # the supplier's own work: not received
        older = make_bid(closed, startup, status=BidStatus.REJECTED)
        older.submitted_at = _months_ago(2)
        ancient = make_bid(second, sme)
        ancient.submitted_at = _months_ago(13)  # before the chart's 12 months
        db.session.commit()
        this_month, two_ago = _paris_month(utcnow()), _paris_month(_months_ago(2))
    login(client, "achats@ministere.fr")
    html = _home(client)

    desc = _desc(html, "needs-by-status")
    assert "Draft: 1 need." in desc and "Published: 2 needs." in desc and "Closed: 1 need." in desc
    assert _table(html, "needs-by-status-table") == [["Draft", "1"], ["Published", "2"], ["Closed", "1"]]

    months = _desc(html, "bids-by-month")
    assert f"{_month_name(app, this_month)}: 2 bids." in months
    assert f"{_month_name(app, two_ago)}: 1 bid." in months
    assert months.count(":") == 12  # one sentence per month, the oldest month not shown
    table = _table(html, "bids-by-month-table")
    assert len(table) == 12 and table[-1] == [_month_name(app, this_month), "2"]
    assert table[-3] == [_month_name(app, two_ago), "1"]
    assert sum(int(row[1]) for row in table) == 3


def test_the_operator_sees_activity_by_month_and_the_verification_backlog(client, app):
    with app.app_context():
        late, _ = make_org("startup", name="Pousse En Attente")
        late_org = db.session.get(Organisation, late.id)
        late_org.created_at = utcnow() - timedelta(days=40)
        make_org("sme", name="Nouvelle PME")
        ministry, _ = make_org("administration", verified=True)
        startup, _ = make_org("startup", verified=True)
        need = make_need(ministry)
        old_need = make_need(ministry)
        old_need.published_at = _months_ago(1)
        make_need(ministry, status=NeedStatus.DRAFT)  # never published
        make_bid(need, startup)
        old_purchase = declare_purchase(ministry, amount_cents=50_000_00)
        old_purchase.created_at = utcnow() - timedelta(days=45)
        declare_purchase(ministry, amount_cents=20_000_00)
        declare_purchase(ministry, amount_cents=99_000_00, status=PurchaseStatus.VERIFIED)
        make_operator(email="ops@tremplin.example")
        db.session.commit()
        this_month, last_month = _paris_month(utcnow()), _paris_month(_months_ago(1))
    login(client, "ops@tremplin.example")
    html = _home(client)

    backlog = _desc(html, "verification-backlog")
    assert "Organisations to verify: 2 (Waiting over 30 days: 1)." in backlog
    assert "Declared purchases to verify: 2 (Waiting over 30 days: 1)." in backlog
    assert _table(html, "verification-backlog-table") == [["Organisations to verify", "2", "1"],
                                                           ["Declared purchases to verify", "2", "1"]]

    now_name, last_name = _month_name(app, this_month), _month_name(app, last_month)
    assert f"{now_name}: 1 need." in _desc(html, "needs-published-by-month")
    assert f"{last_name}: 1 need." in _desc(html, "needs-published-by-month")
    assert f"{now_name}: 1 bid." in _desc(html, "bids-by-month")
    assert f"{now_name}: 1 purchase." in _desc(html, "purchases-verified-by-month")
    table = _table(html, "activity-table")
    assert len(table) == 12
    assert table[-1] == [now_name, "1", "1", "1"] and table[-2] == [last_name, "1", "0", "0"]


def test_an_ambassador_sees_the_organisations_needs_by_status(client, app):
    with app.app_context():
        group, _ = make_org("corporate", verified=True)
        make_member(group, role=Role.AMBASSADOR, email="ambassadrice@groupe.fr")
        make_need(group)
        make_need(group, status=NeedStatus.AWARDED)
        make_need(group, status=NeedStatus.AWARDED)
    login(client, "ambassadrice@groupe.fr")
    html = _home(client)
    desc = _desc(html, "needs-by-status")
    assert desc == "Published: 1 need. Awarded: 2 needs."
    assert _table(html, "needs-by-status-table") == [["Published", "1"], ["Awarded", "2"]]


def test_a_supplier_sees_its_bids_by_status_and_the_way_to_its_analytics(client, app):
    with app.app_context():
        ministry, _ = make_org("administration", verified=True)
        startup, _ = make_org("startup", verified=True, email="lea@quantix.fr")
        for status in (BidStatus.SUBMITTED, BidStatus.SUBMITTED, BidStatus.AWARDED, BidStatus.DRAFT):
            make_bid(make_need(ministry), startup, status=status)
    login(client, "lea@quantix.fr")
    html = _home(client)
    assert _desc(html, "bids-by-status") == "Draft: 1 bid. Submitted: 2 bids. Awarded: 1 bid."
    assert _table(html, "bids-by-status-table") == [["Draft", "1"], ["Submitted", "2"], ["Awarded", "1"]]
    assert 'href="/analytics"' in html


def test_the_charts_wait_for_data_and_every_home_renders(client, app):
    with app.app_context():
        make_org("administration", verified=True, email="achats@agence.fr")
        make_org("startup", email="lea@quantix.fr")
        make_operator(email="ops@tremplin.example")
        db.session.commit()
    for email in ("achats@agence.fr", "lea@quantix.fr"):
        login(client, email)
        html = _home(client)
        assert 'class="chart"' not in html  # nothing posted or bid yet: no empty chart
        client.post("/logout")
    login(client, "ops@tremplin.example")
    html = _home(client)
    assert "Organisations to verify: 1 (Waiting over 30 days: 0)." in _desc(html, "verification-backlog")
    assert _table(html, "activity-table")[-1][1:] == ["0", "0", "0"]


def test_months_are_counted_in_paris_time_by_the_database(app):
    """A need published at 23:30 UTC on the last day of a month belongs to the next month in Paris."""
    with app.app_context():
        ministry, _ = make_org("administration", verified=True)
        need = make_need(ministry)
        need.published_at = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)  # 1 June, 01:30 in Paris
        db.session.commit()
        months = dict(counts_by_month(Need.published_at, now=datetime(2026, 6, 10, tzinfo=UTC)))
        assert months[date(2026, 6, 1)] == 1 and months[date(2026, 5, 1)] == 0
        assert list(months)[0] == date(2025, 7, 1) and len(months) == 12
