"""Needs in every state the open data knows, written directly (the services are tested elsewhere)."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta

from stdnum.iso7064 import mod_11_10

from app.accounts.services import register_organisation
from app.bids.models import Award, BidStatus
from app.db import utcnow
from app.extensions import db
from app.needs.models import Amendment, NeedStatus
from tests.factories import PASSWORD, make_bid, make_need

_german = itertools.count(1)


def german_supplier(name: str = "Quanten GmbH"):
    """A supplier outside France, identified by its VAT number."""
    n = next(_german)
    body = f"{81234560 + n:08d}"
    reg = register_organisation(name=name, kind="startup", country="DE", email=f"de{n}@example.de",
                                password=PASSWORD, full_name=f"Anna {n}",
                                vat_number="DE" + body + mod_11_10.calc_check_digit(body))
    db.session.commit()
    return reg.organisation


def award(need, supplier, *, amount_cents: int = 25_000_000, days_ago: int = 5,
          start: date | None = None, end: date | None = None):
    """Award ``supplier``'s bid on a closed ``need`` (moving it to awarded)."""
    bid = make_bid(need, supplier, price_eur=amount_cents // 100)
    bid.status = BidStatus.AWARDED
    when = utcnow() - timedelta(days=days_ago)
    row = Award(need_id=need.id, bid_id=bid.id, amount_cents=amount_cents, awarded_at=when,
                contract_start_on=start, contract_end_on=end)
    need.status = NeedStatus.AWARDED
    need.awarded_at = need.awarded_at or when
    db.session.add(row)
    db.session.commit()
    return row


def amend(need, summary: str = "Date limite repoussée d'une semaine", days_ago: int = 20):
    db.session.add(Amendment(need_id=need.id, summary=summary, changes={"deadline_at": {"old": "a", "new": "b"}},
                             created_at=utcnow() - timedelta(days=days_ago)))
    db.session.commit()


def set_status(need, status: str):
    """Cancel or declare unsuccessful a need made closed or published by the factory."""
    need.status = NeedStatus(status)
    if status == "cancelled":
        need.cancelled_at = utcnow() - timedelta(days=2)
    if status == "unsuccessful":
        need.closed_at = utcnow() - timedelta(days=1)
    db.session.commit()
    return need


def every_state(buyer, suppliers):
    """One public need of ``buyer`` in each state open data shows, plus a draft; by label."""
    today = utcnow().date()
    needs = {
        "draft": make_need(buyer, status="draft", title="Brouillon secret"),
        "published": make_need(buyer, status="published", categories=("ai.llm", "cloud.hosting")),
        "closed": make_need(buyer, status="closed", categories=("data.analytics",)),
        "cancelled": set_status(make_need(buyer, status="published"), "cancelled"),
        "unsuccessful": set_status(make_need(buyer, status="closed", categories=("cyber.audit",)), "unsuccessful"),
        "awarded": make_need(buyer, status="closed", categories=("quantum.pqc", "cyber.crypto")),
        "amended": make_need(buyer, status="published", categories=("it.erp",)),
    }
    make_bid(needs["unsuccessful"], suppliers[0])
    award(needs["awarded"], suppliers[0], amount_cents=12_345_678,  # a running contract, started
          start=today - timedelta(days=3), end=today + timedelta(days=365))
    award(needs["awarded"], suppliers[1], amount_cents=9_000_000,  # a contract over, another to come
          start=today - timedelta(days=200), end=today - timedelta(days=10), days_ago=4)
    amend(needs["amended"])
    return needs


def parse(response) -> dict:
    assert response.status_code == 200, response.status_code
    return json.loads(response.get_data(as_text=True))
