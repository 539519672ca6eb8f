"""GET /api/v1/analytics: the same figures as the page, in integer cents; 402 on the Free plan."""

from __future__ import annotations

import pytest

from app.analytics.queries import month_starts
from app.db import utcnow
from tests.analytics.conftest import seed_history, subscribe
from tests.api.helpers import bearer
from tests.api.test_api_needs_write import assert_problem


@pytest.fixture()
def tokens(app):
    with app.app_context():
        seeded = seed_history()
        return {"supplier": bearer(seeded["user"], seeded["supplier"], "read"),
                "buyer": bearer(seeded["buyer"].memberships[0].user, seeded["buyer"], "read"),
                "supplier_id": seeded["supplier"].id}


def assert_figures(data: dict) -> None:
    assert data["bids_by_status"] == {"draft": 1, "submitted": 1, "shortlisted": 0, "awarded": 1, "rejected": 2,
                                      "withdrawn": 1}
    assert (data["bids_submitted"], data["bids_this_month"], data["decided"], data["awarded"]) == (5, 2, 3, 1)
    assert data["win_rate_percent"] == 33
    assert data["awarded_amount"] == {"amount_cents": 23_456_789, "currency": "EUR"}
    assert data["categories"] == ["cyber"]
    months = data["needs_by_month"]
    assert [m["month"] for m in months] == [f"{d:%Y-%m}" for d in month_starts(utcnow())]
    assert sum(m["count"] for m in months) == 2 and months[-1]["count"] == 1


def test_without_billing_a_supplier_reads_its_figures(client, tokens):
    response = client.get("/api/v1/analytics", headers=tokens["supplier"])
    assert response.status_code == 200, response.get_json()
    assert_figures(response.get_json())


def test_a_pro_supplier_reads_its_figures(client, app, billing_on, tokens):
    with app.app_context():
        subscribe(tokens["supplier_id"])
    assert_figures(client.get("/api/v1/analytics", headers=tokens["supplier"]).get_json())


def test_a_free_supplier_gets_a_402_plan_required_problem(client, billing_on, tokens):
    response = client.get("/api/v1/analytics", headers={**tokens["supplier"], "Accept-Language": "en"})
    problem = assert_problem(response, 402)
    assert problem["type"].endswith("/api/v1/docs#plan-required")
    assert problem["detail"] == "Analytics come with the Pro plan; your organisation is on the Free plan."
    assert problem["upgrade_url"].endswith("/organisation/billing")


def test_buyers_are_refused(client, tokens):
    assert_problem(client.get("/api/v1/analytics", headers=tokens["buyer"]), 403)
