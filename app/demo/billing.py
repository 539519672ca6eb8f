"""Demo billing accounts: a few suppliers on the paid plan, in the states the billing page shows.

- the startup demo account's organisation: paid plan, active, renewing in 18 days;
- the SME demo account's organisation: its last payment failed two days ago, the paid plan
  is kept for the grace period (``BILLING_GRACE_DAYS``), then the free plan applies;
- four other suppliers: two active, one cancelled at the end of its period, one cancelled;
- every other supplier: no account, the free plan.

Plans only matter when billing is on (``STRIPE_SECRET_KEY``); with billing off every feature
is available and these accounts change nothing. They hold no Stripe ids: the demo's
subscriptions do not exist at Stripe, and nothing here talks to it. No random draw is used
(the market's random stream is left as it was), and every time is relative to ``ctx.now``.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from app.billing.models import BillingAccount, SubscriptionStatus
from app.demo.context import DemoContext
from app.extensions import db

# (status, days until the period ends, cancel at period end), for suppliers beyond the demo accounts
OTHERS = (
    (SubscriptionStatus.ACTIVE, 9, False),
    (SubscriptionStatus.ACTIVE, 26, False),
    (SubscriptionStatus.ACTIVE, 5, True),
    (SubscriptionStatus.CANCELED, None, False),
)


def paid_plan_code() -> str | None:
    """The paid plan demo subscribers are on: "pro" if configured, else the first paid plan."""
    plans = current_app.config["BILLING_PLANS"]
    if "pro" in plans and not plans["pro"].is_free:
        return "pro"
    return next((code for code, plan in plans.items() if not plan.is_free), None)


def make_billing_accounts(ctx: DemoContext) -> list[BillingAccount]:
    plan = paid_plan_code()
    if plan is None:  # only a free plan is configured: nothing to subscribe to
        return []
    now = ctx.now
    grace_days = int(current_app.config.get("BILLING_GRACE_DAYS", 7))

    def account(org, status, *, period_end_in: int | None, started_days_ago: int, **fields) -> BillingAccount:
        started = now - timedelta(days=started_days_ago, hours=3)
        return BillingAccount(
            organisation_id=org.id, plan=plan, status=status,
            current_period_end=now + timedelta(days=period_end_in, hours=9) if period_end_in is not None else None,
            created_at=started, updated_at=now - timedelta(days=2), state_at=now - timedelta(days=2),
            **fields,
        )

    failed_at = now - timedelta(days=2, hours=5)
    accounts = [
        account(ctx.special_orgs["startup"], SubscriptionStatus.ACTIVE, period_end_in=18, started_days_ago=72),
        account(ctx.special_orgs["sme"], SubscriptionStatus.PAST_DUE, period_end_in=28, started_days_ago=140,
                payment_failed_at=failed_at, grace_until=failed_at + timedelta(days=grace_days)),
    ]
    specials = (ctx.special_orgs["startup"], ctx.special_orgs["sme"])
    others = [org for org in ctx.suppliers if org not in specials][: len(OTHERS)]
    for n, (org, (status, period_end_in, cancelling)) in enumerate(zip(others, OTHERS, strict=True)):
        accounts.append(account(org, status, period_end_in=period_end_in, started_days_ago=40 + 30 * n,
                                cancel_at_period_end=cancelling))
    db.session.add_all(accounts)
    return accounts
