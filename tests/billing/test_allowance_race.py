"""Two first bids sent at the same moment for the Free plan's last private bid: one passes.

The allowance is counted and used in one transaction held by a per-supplier lock, so the
second request sees the first one's bid. Real PostgreSQL, two threads, two connections
(SQLite writes one transaction at a time and is for development only).
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from app.bids.models import Bid
from app.billing.plans import parse_plans
from app.extensions import db
from tests.api.helpers import bearer
from tests.api.test_api_bids import body
from tests.conftest import PG_URL
from tests.factories import make_bid, make_member, make_need, make_org

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL): concurrent transactions")


def test_two_first_bids_at_once_take_the_last_private_bid_once(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "BILLING_ENABLED", True)
    monkeypatch.setitem(app.config, "BILLING_PLANS", parse_plans(None))
    with app.app_context():
        corporate, _ = make_org("corporate", verified=True)
        supplier, user = make_org("startup", verified=True)
        for _ in range(2):
            make_bid(make_need(corporate, route="private"), supplier)  # 2 of 3 used
        targets = [make_need(corporate, route="private").reference for _ in range(2)]
        # Two people of the supplier, each with a token (one token's requests queue on its last-used time).
        colleague = make_member(supplier)
        tokens = [bearer(user, supplier, "read", "write"), bearer(colleague, supplier, "read", "write")]
        supplier_id = supplier.id

    # Widen the window between counting the month's bids and writing the new one, as a busy
    # server would: without the lock both requests count 2 and both bid.
    from app.billing import entitlements

    counted = entitlements.private_bids_this_month

    def slowly_counted(*args, **kwargs):
        number = counted(*args, **kwargs)
        time.sleep(0.3)
        return number

    monkeypatch.setattr(entitlements, "private_bids_this_month", slowly_counted)
    start = threading.Barrier(2)
    statuses: list[int] = []

    def submit(reference: str, headers: dict) -> None:
        with app.test_client() as own_client:
            start.wait()
            statuses.append(own_client.put(f"/api/v1/needs/{reference}/bid", json=body(), headers=headers)
                            .status_code)

    threads = [threading.Thread(target=submit, args=pair) for pair in zip(targets, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [201, 402]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Bid).where(Bid.supplier_id == supplier_id)) == 3
