"""The Free plan's last bid on a private need, asked for from many tabs at once, on real
PostgreSQL: one first bid takes it, every other one is told the plan's allowance is used.

(tests/billing/test_allowance_race.py races two API clients; here the web form, many tabs.)
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from app.bids.forms import plan_limit_message
from app.bids.models import Bid
from app.billing.plans import parse_plans
from app.extensions import db
from tests.bids.helpers import form
from tests.concurrency.helpers import PG_URL, SKIP_REASON, THREADS, fresh, signed_in, together
from tests.factories import make_bid, make_member, make_need, make_org

pytestmark = pytest.mark.skipif(not PG_URL, reason=SKIP_REASON)


def test_many_first_bids_at_once_take_the_free_plans_last_private_bid_once(app, monkeypatch):
    monkeypatch.setitem(app.config, "BILLING_ENABLED", True)
    monkeypatch.setitem(app.config, "BILLING_PLANS", parse_plans(None))
    fresh(app)
    with app.app_context():
        corporate, _ = make_org("corporate", verified=True)
        supplier, user = make_org("startup", verified=True)
        for _ in range(2):
            make_bid(make_need(corporate, route="private"), supplier)  # 2 of the Free plan's 3 used
        targets = [make_need(corporate, route="private").reference for _ in range(THREADS)]
        emails = [user.email] + [make_member(supplier).email for _ in range(THREADS - 1)]
        supplier_id = supplier.id
        db.session.remove()
    browsers = [signed_in(app, email) for email in emails]

    # Widen the window between counting the month's bids and writing the new one, as a busy
    # server would: without the per-supplier lock every tab counts 2 and bids.
    from app.billing import entitlements

    counted = entitlements.private_bids_this_month

    def slowly_counted(*args, **kwargs):
        number = counted(*args, **kwargs)
        time.sleep(0.1)
        return number

    monkeypatch.setattr(entitlements, "private_bids_this_month", slowly_counted)

    answers = together([lambda b=b, ref=ref: b.post(f"/needs/{ref}/bid", data=form())
                        for b, ref in zip(browsers, targets, strict=True)])

    assert sorted(a.status for a in answers) == [302] + [403] * (THREADS - 1)
    with app.test_request_context(), app.app_context():
        from app.accounts.models import Organisation

        refusal = plan_limit_message(db.session.get(Organisation, supplier_id))
        for a in answers:
            if a.status == 403:
                assert 'data-marker="plan-limit"' in a.text and refusal in a.text
        assert db.session.scalar(select(func.count()).select_from(Bid).where(Bid.supplier_id == supplier_id)) == 3
        db.session.remove()
