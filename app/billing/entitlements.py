"""What an organisation may do under its plan: the one place pages, API and jobs ask.

- Billing off (no ``STRIPE_SECRET_KEY``): everything is available to everyone.
- Buyers post for free: plans are suppliers'.
- Public-route needs are always free to read and to bid on, whatever the plan.
- A supplier's plan is its paid plan while the subscription is active or trialing, or
  past due within the grace period after a failed payment; otherwise the free plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy import func, select, text
from werkzeug.routing import BuildError

from app.billing.models import BillingAccount, SubscriptionStatus
from app.billing.plans import Entitlements, Plan, free_plan
from app.db import utcnow
from app.extensions import db

PARIS = ZoneInfo("Europe/Paris")
PAID_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING)


def billing_enabled() -> bool:
    return bool(current_app.config.get("BILLING_ENABLED"))


def plans() -> dict[str, Plan]:
    return current_app.config["BILLING_PLANS"]


def account_of(organisation_id: int) -> BillingAccount | None:
    return db.session.scalar(select(BillingAccount).where(BillingAccount.organisation_id == organisation_id))


def in_grace(account: BillingAccount, now: datetime | None = None) -> bool:
    """Past due after a failed payment, and the grace period not over."""
    now = now or utcnow()
    return (account.status == SubscriptionStatus.PAST_DUE and account.grace_until is not None
            and now < account.grace_until)


def plan_of_account(account: BillingAccount | None, now: datetime | None = None) -> Plan:
    """The plan an account gives: its paid plan while paid (or in grace), else the free plan."""
    known = plans()
    paid = account is not None and (account.status in PAID_STATUSES or in_grace(account, now))
    if paid and account.plan in known:
        return known[account.plan]
    return free_plan(known)


def plan_of(organisation) -> Plan:
    return plan_of_account(account_of(organisation.id))


def entitlements_of(organisation) -> Entitlements:
    """What the organisation may do; everything when billing is off or for buyers."""
    if not billing_enabled() or not organisation.is_supplier:
        return Entitlements.unlimited()
    return plan_of(organisation).entitlements


# --- bids on private-route needs --------------------------------------------------------


def month_start(now: datetime | None = None) -> datetime:
    """The start of the current calendar month in Paris, as a UTC time."""
    local = (now or utcnow()).astimezone(PARIS)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(ZoneInfo("UTC"))


def private_bids_this_month(organisation_id: int, now: datetime | None = None) -> int:
    """First submissions this month on private-route needs (withdrawn ones still count)."""
    from app.bids.models import Bid
    from app.needs.models import Need, Route

    return db.session.scalar(
        select(func.count()).select_from(Bid).join(Need, Need.id == Bid.need_id).where(
            Bid.supplier_id == organisation_id, Need.route == Route.PRIVATE,
            Bid.submitted_at.is_not(None), Bid.submitted_at >= month_start(now))
    ) or 0


@dataclass(frozen=True)
class BidAllowance:
    limit: int | None  # None: no limit
    used: int

    @property
    def left(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.used >= self.limit


def private_bid_allowance(organisation, now: datetime | None = None) -> BidAllowance:
    limit = entitlements_of(organisation).private_bids_per_month
    used = private_bids_this_month(organisation.id, now) if limit is not None else 0
    return BidAllowance(limit=limit, used=used)


def may_submit_first_bid(organisation, need, now: datetime | None = None) -> bool:
    """A first submission on ``need``: always on a public-route need, else within the allowance."""
    from app.needs.models import Route

    if need.route != Route.PRIVATE:
        return True  # public procurement: free to read and to bid, whatever the plan
    allowance = private_bid_allowance(organisation, now)
    if allowance.limit is None:
        return True
    _serialise_allowance(organisation.id)  # two first bids at once must not both take the last one
    return not private_bid_allowance(organisation, now).exhausted


ALLOWANCE_LOCK = 7_310_003  # with the organisation's id: a PostgreSQL advisory lock per supplier


def _serialise_allowance(organisation_id: int) -> None:
    """Hold the supplier's allowance until the transaction ends (PostgreSQL; SQLite writes one at a time)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key, :organisation)"),
                           {"key": ALLOWANCE_LOCK, "organisation": organisation_id})


# --- alerts and analytics --------------------------------------------------------------


def instant_alerts_allowed(organisation) -> bool:
    """Instant alerts, or the daily digest instead."""
    return entitlements_of(organisation).instant_alerts


def analytics_allowed(organisation) -> bool:
    return entitlements_of(organisation).supplier_analytics


# Notification kinds that are alerts: emailed at once only under a plan with instant alerts,
# else carried by the daily digest. Other kinds (answers, awards, invitations...) are never held.
ALERT_KINDS = frozenset({"need_matched_search", "need_matched_profile"})


def instant_alert_organisations(organisation_ids) -> set[int]:
    """Of these organisations, those whose alerts may be emailed at once (one query)."""
    from app.accounts.models import Organisation

    ids = set(organisation_ids)
    if not billing_enabled() or not ids:
        return ids
    found = set()
    for organisation in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids))):
        if instant_alerts_allowed(organisation):
            found.add(organisation.id)
    return found


def instant_alert_users(through: dict[int, set[int]]) -> set[int]:
    """Of these keys (a user, or an alert: key -> the organisations the alert comes through),
    those that may be emailed at once: through an organisation allowed instant alerts, or
    through none at all (plans are suppliers')."""
    if not billing_enabled():
        return set(through)
    allowed = instant_alert_organisations(set().union(*through.values()) if through else ())
    return {key for key, organisations in through.items() if not organisations or organisations & allowed}


def plan_name(organisation) -> str:
    """The name of the organisation's plan, in the reader's language."""
    from app.i18n import current_locale

    return plan_of(organisation).name(current_locale())


def upgrade_plan_name(wanted: str) -> str:
    """The name of the cheapest plan granting ``wanted`` (an Entitlements field), for « Upgrade to … »."""
    from app.i18n import current_locale

    def grants(plan: Plan) -> bool:
        value = getattr(plan.entitlements, wanted)
        return value is None if wanted == "private_bids_per_month" else bool(value)

    fitting = sorted((p for p in plans().values() if not p.is_free and grants(p)), key=lambda p: p.price_cents)
    return fitting[0].name(current_locale()) if fitting else "Pro"


# --- where to upgrade ------------------------------------------------------------------


BILLING_PATH = "/organisation/billing"


def upgrade_url(*, external: bool = False) -> str:
    """The organisation's billing page, where a supplier upgrades."""
    try:
        return url_for("billing.page", _external=external)
    except (BuildError, RuntimeError):  # the billing pages not registered (yet), or no request
        return BILLING_PATH
