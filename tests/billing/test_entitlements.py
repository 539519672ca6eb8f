"""One place says what an organisation may do under its plan; public tenders are always free."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.billing import entitlements
from app.billing.models import BillingAccount, SubscriptionStatus
from app.billing.plans import parse_plans
from app.db import utcnow
from app.extensions import db
from tests.factories import make_bid, make_need, make_org


@pytest.fixture()
def billing_on(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "BILLING_ENABLED", True)
    monkeypatch.setitem(app_ctx.config, "BILLING_PLANS", parse_plans(None))
    return app_ctx


def subscribe(organisation, status=SubscriptionStatus.ACTIVE, **fields) -> BillingAccount:
    account = BillingAccount(organisation_id=organisation.id, plan="pro", status=status,
                             stripe_customer_id=f"cus_{organisation.id}", **fields)
    db.session.add(account)
    db.session.commit()
    return account


def test_without_billing_everything_is_available(app_ctx):
    supplier, _ = make_org("startup", verified=True)
    got = entitlements.entitlements_of(supplier)
    assert got.instant_alerts and got.supplier_analytics and got.private_bids_per_month is None


def test_a_supplier_without_subscription_has_the_free_plan(billing_on):
    supplier, _ = make_org("startup", verified=True)
    assert entitlements.plan_of(supplier).code == "free"
    assert not entitlements.instant_alerts_allowed(supplier)
    assert not entitlements.analytics_allowed(supplier)


@pytest.mark.parametrize(("status", "paid"), [
    (SubscriptionStatus.ACTIVE, True), (SubscriptionStatus.TRIALING, True), (SubscriptionStatus.PAST_DUE, False),
    (SubscriptionStatus.CANCELED, False), (SubscriptionStatus.UNPAID, False), (SubscriptionStatus.INCOMPLETE, False),
])
def test_the_paid_plan_holds_while_the_subscription_is_paid(billing_on, status, paid):
    supplier, _ = make_org("startup", verified=True)
    subscribe(supplier, status)
    assert (entitlements.plan_of(supplier).code == "pro") is paid
    assert entitlements.instant_alerts_allowed(supplier) is paid


def test_after_a_failed_payment_the_plan_holds_until_the_grace_ends(billing_on):
    supplier, _ = make_org("startup", verified=True)
    now = utcnow()
    subscribe(supplier, SubscriptionStatus.PAST_DUE, payment_failed_at=now, grace_until=now + timedelta(days=7))
    account = entitlements.account_of(supplier.id)
    assert entitlements.plan_of_account(account, now + timedelta(days=6)).code == "pro"
    assert entitlements.plan_of_account(account, now + timedelta(days=7, seconds=1)).code == "free"


def test_buyers_are_never_limited(billing_on):
    buyer, _ = make_org("corporate", verified=True)
    assert entitlements.entitlements_of(buyer).private_bids_per_month is None


def test_the_free_plan_counts_first_bids_on_private_needs_this_month_in_paris(billing_on):
    supplier, _ = make_org("startup", verified=True)
    corporate, _ = make_org("corporate", verified=True)
    administration, _ = make_org("administration", verified=True)
    private = [make_need(corporate, route="private") for _ in range(4)]
    public = make_need(administration, route="public")
    for need in private[:3]:
        make_bid(need, supplier)
    make_bid(public, supplier)  # public procurement never counts
    allowance = entitlements.private_bid_allowance(supplier)
    assert (allowance.limit, allowance.used, allowance.left, allowance.exhausted) == (3, 3, 0, True)
    assert not entitlements.may_submit_first_bid(supplier, private[3])
    assert entitlements.may_submit_first_bid(supplier, public)  # always free

    # A bid submitted before the month began in Paris (the evening of the last day, UTC+1) is last month's.
    first_bid = private[0]
    from app.bids.models import Bid

    bid = db.session.scalar(db.select(Bid).where(Bid.need_id == first_bid.id))
    now = datetime(2026, 12, 10, 12, tzinfo=UTC)
    bid.submitted_at = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 1 December 00:30 in Paris: this month
    db.session.commit()
    others = db.session.scalars(db.select(Bid).where(Bid.id != bid.id)).all()
    for other in others:
        other.submitted_at = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)  # 30 November 23:30 in Paris
    db.session.commit()
    assert entitlements.private_bids_this_month(supplier.id, now) == 1


def test_the_pro_plan_bids_without_limit(billing_on):
    supplier, _ = make_org("startup", verified=True)
    corporate, _ = make_org("corporate", verified=True)
    subscribe(supplier)
    for _ in range(5):
        make_bid(make_need(corporate, route="private"), supplier)
    allowance = entitlements.private_bid_allowance(supplier)
    assert allowance.limit is None and not allowance.exhausted
    assert entitlements.may_submit_first_bid(supplier, make_need(corporate, route="private"))
