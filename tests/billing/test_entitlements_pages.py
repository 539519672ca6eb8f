"""The bid form under the Free plan: three first bids a month on private-route needs, public
tenders always free, changes never counted; Pro and billing off are never limited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.bids.models import Bid, BidStatus
from app.billing.models import BillingAccount, SubscriptionStatus
from app.billing.plans import parse_plans
from app.extensions import db
from tests.bids.helpers import form
from tests.factories import login, make_bid, make_need, make_org


@pytest.fixture()
def billing_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "BILLING_ENABLED", True)
    monkeypatch.setitem(app.config, "BILLING_PLANS", parse_plans(None))
    return app


@pytest.fixture()
def market(client, app):
    """A supplier that used its three private first bids this month, and needs to bid on."""
    with app.app_context():
        corporate, _ = make_org("corporate", verified=True)
        administration, _ = make_org("administration", verified=True)
        supplier, _ = make_org("startup", verified=True, email="free@startup.fr")
        used = [make_need(corporate, route="private") for _ in range(3)]
        bids = [make_bid(need, supplier) for need in used]
        ids = {"supplier": supplier.id, "fourth": make_need(corporate, route="private").reference,
               "public": make_need(administration, route="public").reference,
               "used": used[0].reference, "used_bid": bids[0].id}
    client.get("/lang/en")
    login(client, "free@startup.fr")
    return ids


def html(response) -> str:
    return response.get_data(as_text=True)


def bids_of(app, supplier_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Bid).where(Bid.supplier_id == supplier_id))


def subscribe(app, organisation_id: int) -> None:
    with app.app_context():
        db.session.add(BillingAccount(organisation_id=organisation_id, plan="pro", status=SubscriptionStatus.ACTIVE,
                                      stripe_customer_id=f"cus_{organisation_id}"))
        db.session.commit()


def test_a_free_suppliers_fourth_private_first_bid_this_month_is_refused_next_to_the_form(
        client, billing_on, market):
    page = html(client.get(f"/needs/{market['fourth']}/bid"))
    assert 'data-marker="plan-limit"' in page
    assert "Your Free plan allows 3 bids a month on private needs; this month&#39;s are used." in page
    assert 'href="/organisation/billing"' in page

    response = client.post(f"/needs/{market['fourth']}/bid", data=form())

    assert response.status_code == 403
    page = html(response)
    assert 'data-marker="plan-limit"' in page and 'role="alert"' in page
    assert "Upgrade to Pro to bid without limit." in page
    assert 'data-marker="bid-form"' in page  # the form stays, with what was typed
    assert bids_of(billing_on, market["supplier"]) == 3  # nothing created


def test_a_draft_is_still_saved_and_its_submission_is_what_counts(client, billing_on, market):
    response = client.post(f"/needs/{market['fourth']}/bid", data=form(action="draft"))
    assert response.status_code == 302
    assert client.post(f"/needs/{market['fourth']}/bid", data=form()).status_code == 403
    with billing_on.app_context():
        statuses = db.session.scalars(select(Bid.status).where(Bid.supplier_id == market["supplier"])).all()
    assert sorted(statuses) == sorted([BidStatus.SUBMITTED] * 3 + [BidStatus.DRAFT])


def test_changing_an_existing_bid_passes_when_the_allowance_is_used(client, billing_on, market):
    page = html(client.get(f"/needs/{market['used']}/bid"))
    assert 'data-marker="plan-limit"' not in page and 'data-marker="plan-allowance"' not in page

    response = client.post(f"/needs/{market['used']}/bid", data=form(summary="A better offer"))

    assert response.status_code == 302, html(response)
    with billing_on.app_context():
        assert db.session.get(Bid, market["used_bid"]).summary == "A better offer"


def test_a_public_route_need_is_never_limited_nor_counted_on_the_form(client, billing_on, market):
    page = html(client.get(f"/needs/{market['public']}/bid"))
    assert 'data-marker="plan-limit"' not in page and 'data-marker="plan-allowance"' not in page

    assert client.post(f"/needs/{market['public']}/bid", data=form()).status_code == 302
    assert bids_of(billing_on, market["supplier"]) == 4


def test_the_form_tells_a_free_supplier_what_is_left(client, app, billing_on):
    with app.app_context():
        corporate, _ = make_org("corporate", verified=True)
        supplier, _ = make_org("startup", verified=True, email="fresh@startup.fr")
        make_bid(make_need(corporate, route="private"), supplier)
        need = make_need(corporate, route="private").reference
    client.get("/lang/en")
    login(client, "fresh@startup.fr")

    page = html(client.get(f"/needs/{need}/bid"))

    assert 'data-marker="plan-allowance"' in page
    assert "Your Free plan: 2 bids on private needs left this month, out of 3." in page


def test_a_pro_supplier_bids_without_limit(client, billing_on, market):
    subscribe(billing_on, market["supplier"])
    page = html(client.get(f"/needs/{market['fourth']}/bid"))
    assert 'data-marker="plan-allowance"' not in page and 'data-marker="plan-limit"' not in page

    assert client.post(f"/needs/{market['fourth']}/bid", data=form()).status_code == 302
    assert bids_of(billing_on, market["supplier"]) == 4


def test_without_billing_nothing_is_limited(client, app, market):
    assert not app.config["BILLING_ENABLED"]
    page = html(client.get(f"/needs/{market['fourth']}/bid"))
    assert 'data-marker="plan-allowance"' not in page and 'data-marker="plan-limit"' not in page

    assert client.post(f"/needs/{market['fourth']}/bid", data=form()).status_code == 302
    assert bids_of(app, market["supplier"]) == 4
