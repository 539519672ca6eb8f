"""Needs, bids and purchases written straight to the database for home-page tests.

The needs and bids services do not exist yet; these rows respect every constraint of
the models (published needs have a publication date, submitted bids a submission date).
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from app.bids.models import Bid, BidStatus
from app.commitments.models import Purchase, PurchaseSource, PurchaseStatus
from app.db import utcnow
from app.extensions import db
from app.needs.models import Invitation, Need, NeedStatus, Route, Visibility

_counter = itertools.count(1)


def make_need(buyer, *, title: str | None = None, status: NeedStatus = NeedStatus.PUBLISHED,
              visibility: Visibility = Visibility.PUBLIC, deadline_in_days: int = 30,
              budget: tuple[int, int] = (100_000_00, 500_000_00), anonymised: bool = False, **extra) -> Need:
    n = next(_counter)
    now = utcnow()
    need = Need(
        reference=f"TRM-{n:05d}",
        buyer_id=buyer.id,
        title=title or f"Need {n}",
        summary=extra.pop("summary", f"Summary of need {n}"),
        description=f"Description of need {n}",
        budget_min_cents=budget[0],
        budget_max_cents=budget[1],
        route=Route.PUBLIC if buyer.kind == "administration" else Route.PRIVATE,
        deadline_at=now + timedelta(days=deadline_in_days),
        visibility=visibility,
        anonymised=anonymised,
        anonymous_label="A ministry" if anonymised else None,
        status=status,
        published_at=None if status == NeedStatus.DRAFT else now - timedelta(days=1, minutes=n),
        **extra,
    )
    db.session.add(need)
    db.session.commit()
    return need


def make_bid(need, supplier, *, status: BidStatus = BidStatus.SUBMITTED, price_cents: int = 250_000_00) -> Bid:
    bid = Bid(
        need_id=need.id,
        supplier_id=supplier.id,
        status=status,
        price_cents=price_cents,
        summary="Our offer",
        proposal="What we propose",
        submitted_at=None if status == BidStatus.DRAFT else utcnow(),
    )
    db.session.add(bid)
    db.session.commit()
    return bid


def invite(need, supplier) -> Invitation:
    invitation = Invitation(need_id=need.id, supplier_id=supplier.id)
    db.session.add(invitation)
    db.session.commit()
    return invitation


def declare_purchase(buyer, *, amount_cents: int, status: PurchaseStatus = PurchaseStatus.DECLARED) -> Purchase:
    purchase = Purchase(
        buyer_id=buyer.id,
        source=PurchaseSource.DECLARED,
        status=status,
        supplier_name="Jeune Pousse SAS",
        supplier_siren="552100554",
        supplier_country="FR",
        amount_cents=amount_cents,
        purchased_on=date(2026, 3, 1),
        verified_at=utcnow() if status == PurchaseStatus.VERIFIED else None,
        rejection_reason="Missing evidence" if status == PurchaseStatus.REJECTED else None,
    )
    db.session.add(purchase)
    db.session.commit()
    return purchase
