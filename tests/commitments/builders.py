"""Builders for the dashboard tests: alliance members with pledges, purchases stamped as the
product stamps them (app.commitments.eligibility.stamp), awards through the real service."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from app.bids.awards import award_bids
from app.commitments.eligibility import stamp
from app.commitments.models import Commitment, Purchase, PurchaseSource, PurchaseStatus
from app.commitments.stats import Programme
from app.extensions import db
from tests.bids.helpers import viewer
from tests.factories import make_bid, make_need, make_operator, make_org

_n = itertools.count(1)

START, END = date(2025, 1, 1), date(2027, 12, 31)


def programme(rule: str = "fr_startups_innovative_smes", *, target_eur: int = 1_000_000_000,
              start: date = START, end: date = END) -> Programme:
    return Programme.from_config({"COMMITMENT_TARGET_CENTS": target_eur * 100, "COMMITMENT_START": start,
                                  "COMMITMENT_END": end, "COMMITMENT_ELIGIBILITY": rule})


def member(name: str | None = None, *, pledge_eur: int | None = 10_000_000, kind: str = "corporate"):
    """An alliance member organisation (verified) with its owner and, unless None, a pledge."""
    org, owner = make_org(kind, name=name, verified=True)
    org.alliance_member = True
    if pledge_eur is not None:
        db.session.add(Commitment(organisation=org, amount_cents=pledge_eur * 100, period_start=START,
                                  period_end=END))
    db.session.commit()
    return org, owner


def declared(buyer, amount_cents: int, *, on: date = date(2025, 6, 15), status: str = "verified",
             supplier: str | None = None, country: str = "FR", cls: str = "startup", innovative: bool = False,
             category: str | None = "ai.llm", secnumcloud: bool | None = None, siren: str | None = None,
             disclose: bool = False) -> Purchase:
    """A purchase declared by ``buyer`` from a supplier not on Tremplin, in the given status."""
    n = next(_n)
    purchase = Purchase(
        buyer=buyer, source=PurchaseSource.DECLARED, status=PurchaseStatus(status), amount_cents=amount_cents,
        purchased_on=on, supplier_name=supplier or f"Supplier {n}", supplier_siren=siren,
        supplier_country=country, category_code=category, description=f"Purchase {n}",
    )
    stamp(purchase, declared_class=cls, declared_innovative=innovative, secnumcloud=secnumcloud)
    purchase.disclose_amount = disclose
    if status == "verified":
        purchase.verified_at = datetime(on.year, on.month, on.day, 12, tzinfo=UTC)
    elif status == "rejected":
        purchase.rejection_reason = "Not a startup."
    db.session.add(purchase)
    db.session.flush()
    return purchase


def awarded(buyer, owner, *, amount_eur: int, supplier=None, visibility: str = "public", disclose: bool = True,
            anonymised: bool = False, title: str | None = None, categories=("cyber.soc",),
            on: date | None = None) -> Purchase:
    """A need of ``buyer`` awarded on Tremplin through the real service; the purchase it makes."""
    supplier = supplier or make_org("startup", verified=True)[0]
    need = make_need(buyer, status="closed", visibility=visibility, anonymised=anonymised, title=title,
                     categories=categories)
    need.disclose_amounts = disclose
    bid = make_bid(need, supplier)
    [result] = award_bids(need, {bid.id: str(amount_eur)}, viewer=viewer(owner))
    if on is not None:
        result.purchase.purchased_on = on
    db.session.commit()
    return result.purchase


def operator_login(client):
    from tests.factories import login

    with client.application.app_context():
        email = make_operator().email
        db.session.commit()
    login(client, email)
    return email
