"""A supplier with a history: bids in every state, one awarded, needs in its field by month."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.bids.models import Award
from app.billing.models import BillingAccount, SubscriptionStatus
from app.billing.plans import parse_plans
from app.db import utcnow
from app.extensions import db
from app.suppliers.models import SupplierProfile
from tests.factories import make_bid, make_need, make_org

SUPPLIER_EMAIL = "figures@startup.fr"
BUYER_EMAIL = "buyer@figures.gouv.fr"


def seed_history() -> dict:
    buyer, _ = make_org("administration", verified=True, email=BUYER_EMAIL)
    supplier, user = make_org("startup", verified=True, email=SUPPLIER_EMAIL)
    profile = db.session.scalar(select(SupplierProfile).where(SupplierProfile.organisation_id == supplier.id))
    if profile is None:
        profile = SupplierProfile(organisation_id=supplier.id)
        db.session.add(profile)
    profile.categories = ["cyber"]
    db.session.commit()
    now = utcnow()
    long_ago = now - timedelta(days=60)

    def bid(status, *, price_eur=100_000, submitted_at=None):
        made = make_bid(make_need(buyer, categories=("ai.llm",)), supplier, status=status, price_eur=price_eur)
        if submitted_at is not None:
            made.submitted_at = submitted_at
        db.session.commit()
        return made

    bid("draft")
    bid("submitted")  # this month
    bid("withdrawn")  # this month
    awarded = bid("awarded", price_eur=240_000, submitted_at=long_ago)
    bid("rejected", submitted_at=long_ago)
    bid("rejected", submitted_at=long_ago)
    db.session.add(Award(need_id=awarded.need_id, bid_id=awarded.id, amount_cents=23_456_789, awarded_at=now))

    # Needs in its field (cyber and below): one this month, one 40 days ago; others outside it or too old
    this_month = make_need(buyer, categories=("cyber.soc",))
    this_month.published_at = now
    make_need(buyer, categories=("cyber.audit",))  # published 40 days ago by the factory
    too_old = make_need(buyer, categories=("cyber.soc",))
    too_old.published_at = now - timedelta(days=400)
    make_need(buyer, categories=("ai.llm",))  # not its field
    make_need(buyer, categories=("cyber.soc",), status="draft")  # not published
    db.session.commit()
    return {"supplier": supplier, "user": user, "buyer": buyer}


@pytest.fixture()
def billing_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "BILLING_ENABLED", True)
    monkeypatch.setitem(app.config, "BILLING_PLANS", parse_plans(None))
    return app


def subscribe(organisation_id: int) -> None:
    db.session.add(BillingAccount(organisation_id=organisation_id, plan="pro", status=SubscriptionStatus.ACTIVE,
                                  stripe_customer_id=f"cus_{organisation_id}"))
    db.session.commit()
