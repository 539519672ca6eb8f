"""Plans through the API: a first bid on a private-route need beyond the Free allowance and an
instant saved search on the Free plan are 402 plan-required problems, nothing created;
public tenders, changes of a bid, Pro and billing off are never limited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.alerts.models import Frequency, SavedSearch
from app.bids.models import Bid
from app.billing.plans import parse_plans
from app.extensions import db
from tests.api.helpers import bearer
from tests.api.test_api_bids import body
from tests.api.test_api_needs_write import assert_problem
from tests.billing.test_entitlements_pages import subscribe
from tests.factories import make_bid, make_need, make_org

PLAN_REQUIRED = "/api/v1/docs#plan-required"


@pytest.fixture()
def billing_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "BILLING_ENABLED", True)
    monkeypatch.setitem(app.config, "BILLING_PLANS", parse_plans(None))
    return app


@pytest.fixture()
def market(app):
    with app.app_context():
        corporate, _ = make_org("corporate", verified=True)
        administration, _ = make_org("administration", verified=True)
        supplier, user = make_org("startup", verified=True)
        used = [make_need(corporate, route="private") for _ in range(3)]
        for need in used:
            make_bid(need, supplier)
        return {"supplier": supplier.id, "token": bearer(user, supplier, "read", "write"),
                "fourth": make_need(corporate, route="private").reference,
                "public": make_need(administration, route="public").reference, "used": used[0].reference}


def put(client, headers, reference, **changes):
    return client.put(f"/api/v1/needs/{reference}/bid", json=body(**changes), headers=headers)


def bids_of(app, supplier_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Bid).where(Bid.supplier_id == supplier_id))


def test_the_fourth_private_first_bid_is_a_402_plan_required_problem_and_creates_nothing(
        client, billing_on, market):
    response = put(client, {**market["token"], "Accept-Language": "en"}, market["fourth"])

    problem = assert_problem(response, 402)
    assert problem["type"].endswith(PLAN_REQUIRED)
    assert problem["detail"] == ("Your Free plan allows 3 bids a month on private needs; this month's are used. "
                                 "Upgrade to Pro to bid without limit.")
    assert problem["upgrade_url"].endswith("/organisation/billing")
    assert bids_of(billing_on, market["supplier"]) == 3


def test_changing_an_existing_bid_and_bidding_on_public_tenders_pass(client, billing_on, market):
    etag = client.get(f"/api/v1/bids?need={market['used']}", headers=market["token"]).get_json()[0]["id"]
    current = client.get(f"/api/v1/bids/{etag}", headers=market["token"]).headers["ETag"]
    changed = client.put(f"/api/v1/needs/{market['used']}/bid", json=body(summary="Mieux"),
                         headers={**market["token"], "If-Match": current})
    assert changed.status_code == 200, changed.get_json()

    assert put(client, market["token"], market["public"]).status_code == 201
    assert bids_of(billing_on, market["supplier"]) == 4


def test_a_pro_supplier_bids_without_limit(client, billing_on, market):
    subscribe(billing_on, market["supplier"])
    assert put(client, market["token"], market["fourth"]).status_code == 201


def test_without_billing_nothing_is_limited(client, app, market):
    assert put(client, market["token"], market["fourth"]).status_code == 201
    assert bids_of(app, market["supplier"]) == 4


def test_instant_saved_searches_are_a_paid_plans(client, billing_on, market):
    token = {**market["token"], "Accept-Language": "en"}
    refused = client.post("/api/v1/saved-searches", json={"name": "Cyber", "frequency": "instant"}, headers=token)
    problem = assert_problem(refused, 402)
    assert problem["type"].endswith(PLAN_REQUIRED) and "Instant email alerts come with the Pro plan" in problem["detail"]
    with billing_on.app_context():
        assert db.session.scalar(select(func.count()).select_from(SavedSearch)) == 0

    daily = client.post("/api/v1/saved-searches", json={"name": "Cyber", "frequency": "daily"}, headers=token)
    assert daily.status_code == 201
    url = f"/api/v1/saved-searches/{daily.get_json()['id']}"
    assert_problem(client.patch(url, json={"frequency": "instant"}, headers=token), 402)

    subscribe(billing_on, market["supplier"])
    assert client.patch(url, json={"frequency": "instant"}, headers=token).get_json()["frequency"] == "instant"
    with billing_on.app_context():
        assert db.session.scalar(select(SavedSearch.frequency)) == Frequency.INSTANT


def test_the_openapi_document_describes_the_402s(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "402" in paths["/api/v1/needs/{reference}/bid"]["put"]["responses"]
    assert "402" in paths["/api/v1/saved-searches"]["post"]["responses"]
    assert "402" in paths["/api/v1/saved-searches/{search_id}"]["patch"]["responses"]
    assert "402" in paths["/api/v1/analytics"]["get"]["responses"]
