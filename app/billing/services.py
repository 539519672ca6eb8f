"""Billing operations: subscribing through Stripe Checkout, the customer portal, Stripe's
events, and the move to the free plan when the grace after a failed payment runs out.

Plain functions with keyword-only options; they flush, never commit (the request or job
commits once, then the outbox hands ``billing.changed`` and the notifications over).

Stripe's events arrive at least once and in any order, so ``process_event``:

- records the event first, keyed by its id (a second delivery, even concurrent, finds
  the key taken and changes nothing: outcome ``duplicate``);
- compares the event's creation time with the Stripe time of the recorded state
  (``BillingAccount.state_at``): an older event is ``stale`` and changes nothing; a
  canceled subscription never comes back, and an event about a subscription the account
  has left behind changes nothing either.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.accounts.models import Organisation
from app.audit.services import record_audit
from app.billing import gateway
from app.billing.entitlements import billing_enabled, plans
from app.billing.models import BillingAccount, StripeEvent, SubscriptionStatus
from app.billing.plans import Plan, free_plan
from app.billing.policy import can_manage_billing
from app.db import utcnow
from app.events import record_event
from app.extensions import db

log = logging.getLogger(__name__)

# Outcomes of a Stripe event
APPLIED, DUPLICATE, STALE, IGNORED = "applied", "duplicate", "stale", "ignored"
CONFLICT = "conflict"  # the customer or subscription belongs to another organisation here: for the operator

SUBSCRIPTION_EVENTS = ("customer.subscription.created", "customer.subscription.updated",
                       "customer.subscription.deleted")
# Two events of the same second: a later step of a subscription's life wins over an earlier one.
_STEP = {"customer.subscription.created": 0, "customer.subscription.updated": 1,
         "customer.subscription.deleted": 2}
# A subscription in one of these holds a plan (or is about to); others leave the account free.
LIVE_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE)
CHECKOUT_WINDOW = timedelta(minutes=10)  # a second click within it reopens the same Checkout session

MESSAGES = {
    "billing_off": _l("Paid plans are not available on this site."),
    "owners_only": _l("Only the organisation's owners may manage its subscription."),
    "suppliers_only": _l("Plans are for suppliers: buyers post their needs for free."),
    "unknown_plan": _l("This plan does not exist or cannot be subscribed to."),
    "already_subscribed": _l("Your organisation already has a subscription: change it from the customer portal."),
    "no_customer": _l("Your organisation has no subscription yet."),
    "stripe_unavailable": _l("The payment service is unavailable. Please try again in a few minutes."),
}


class BillingError(ValueError):
    """A refused billing operation; ``code`` says why, ``message`` says it to the user."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)

    @property
    def message(self) -> str:
        return str(MESSAGES.get(self.code, self.code))


# --- accounts --------------------------------------------------------------------------


def _insert():
    return postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _lock(stmt):
    """FOR UPDATE on PostgreSQL: two requests or deliveries on one account take turns."""
    return stmt.with_for_update() if db.session.get_bind().dialect.name == "postgresql" else stmt


def account_for_update(organisation_id: int) -> BillingAccount:
    """The organisation's billing account, created on the free plan if it has none, locked."""
    now = utcnow()
    db.session.execute(_insert()(BillingAccount).values(
        organisation_id=organisation_id, plan=free_plan(plans()).code, status=SubscriptionStatus.NONE.value,
        cancel_at_period_end=False, created_at=now, updated_at=now,
    ).on_conflict_do_nothing(index_elements=["organisation_id"]))
    return db.session.scalars(_lock(select(BillingAccount).where(BillingAccount.organisation_id == organisation_id))
                              .execution_options(populate_existing=True)).one()


def _find_account(*, subscription_id: str | None = None, customer_id: str | None = None,
                  organisation_id: int | None = None) -> BillingAccount | None:
    """The account an event is about: by subscription, then customer, then organisation (locked)."""
    for column, value in ((BillingAccount.stripe_subscription_id, subscription_id),
                          (BillingAccount.stripe_customer_id, customer_id)):
        if value:
            found = db.session.scalars(_lock(select(BillingAccount).where(column == value))
                                       .execution_options(populate_existing=True)).first()
            if found is not None:
                return found
    if organisation_id is not None and db.session.get(Organisation, organisation_id) is not None:
        return account_for_update(organisation_id)
    return None


def _organisation_id(*values) -> int | None:
    for value in values:
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit() and len(value) < 10):
            return int(value)
    return None


def _paid_plan(plan_code: str) -> Plan:
    plan = plans().get(plan_code or "")
    if plan is None or plan.is_free or not plan.stripe_price:
        raise BillingError("unknown_plan")
    return plan


def _refuse_unless_manager(organisation: Organisation, by) -> None:
    if not billing_enabled():
        raise BillingError("billing_off")
    if not can_manage_billing(by, organisation):
        raise BillingError("owners_only")


# --- the owner's operations -------------------------------------------------------------


def start_checkout(organisation: Organisation, *, by, plan_code: str, success_url: str, cancel_url: str) -> str:
    """The Stripe Checkout page where an owner subscribes the organisation to ``plan_code``.

    The Stripe customer is created once (its id kept on the billing account); a second
    click within a few minutes gets the same Checkout session (same Idempotency-Key).
    """
    _refuse_unless_manager(organisation, by)
    if not organisation.is_supplier:
        raise BillingError("suppliers_only")
    plan = _paid_plan(plan_code)
    account = account_for_update(organisation.id)
    if account.stripe_subscription_id and account.status in LIVE_STATUSES:
        raise BillingError("already_subscribed")
    try:
        if not account.stripe_customer_id:
            account.stripe_customer_id = gateway.create_customer(
                organisation_id=organisation.id, name=organisation.name, email=getattr(by, "email", None))
            record_audit("billing.customer_created", actor=by, organisation=organisation, subject=account,
                         details={"customer": account.stripe_customer_id})
            db.session.flush()
        window = int(utcnow().timestamp() // CHECKOUT_WINDOW.total_seconds())
        fingerprint = hashlib.sha256("\n".join(
            [account.stripe_customer_id, plan.stripe_price, success_url, cancel_url]).encode()).hexdigest()[:16]
        _session_id, url = gateway.create_checkout_session(
            customer_id=account.stripe_customer_id, price_id=plan.stripe_price, organisation_id=organisation.id,
            success_url=success_url, cancel_url=cancel_url,
            idempotency_key=f"checkout-{organisation.id}-{plan.code}-{window}-{fingerprint}")
    except gateway.GatewayError as exc:
        log.warning("billing: checkout for organisation %s failed: %s", organisation.id, exc)
        raise BillingError("stripe_unavailable") from exc
    record_audit("billing.checkout_started", actor=by, organisation=organisation, subject=account,
                 details={"plan": plan.code})
    return url


def open_portal(organisation: Organisation, *, by, return_url: str) -> str:
    """The Stripe customer portal (invoices, payment method, cancellation) for an owner."""
    _refuse_unless_manager(organisation, by)
    account = db.session.scalar(select(BillingAccount).where(BillingAccount.organisation_id == organisation.id))
    if account is None or not account.stripe_customer_id:
        raise BillingError("no_customer")
    try:
        return gateway.create_portal_session(customer_id=account.stripe_customer_id, return_url=return_url)
    except gateway.GatewayError as exc:
        log.warning("billing: portal for organisation %s failed: %s", organisation.id, exc)
        raise BillingError("stripe_unavailable") from exc


# --- Stripe's events ---------------------------------------------------------------------


def _stripe_time(value) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int | float) and value > 0 else None


def _claim(event_id: str, kind: str, created_at: datetime) -> bool:
    """Record the event; False when it was already recorded (by this or a concurrent delivery)."""
    inserted = db.session.execute(_insert()(StripeEvent).values(
        id=event_id, type=kind[:100], created_at=created_at, received_at=utcnow(), outcome="received",
    ).on_conflict_do_nothing(index_elements=["id"]).returning(StripeEvent.id)).first()
    return inserted is not None


def _older(account: BillingAccount, created_at: datetime, kind: str) -> bool:
    """The event predates the state recorded on the account."""
    if account.state_at is None or created_at > account.state_at:
        return False
    if created_at < account.state_at:
        return True
    # The same second: a later step of the subscription's life wins.
    applied = db.session.scalars(select(StripeEvent.type).where(
        StripeEvent.organisation_id == account.organisation_id, StripeEvent.outcome == APPLIED,
        StripeEvent.created_at == created_at)).all()
    step = _STEP.get(kind, 1)
    return any(_STEP.get(other, 1) > step for other in applied)


def _changed(account: BillingAccount, action: str, event: dict, **details) -> None:
    organisation = db.session.get(Organisation, account.organisation_id)
    record_audit(action, organisation=organisation, subject=account,
                 details={"event": event["id"], "type": event["type"], **details})
    record_event("billing.changed", organisation_id=account.organisation_id, reason=event["type"])


def _plan_of_price(price_id: str | None) -> str | None:
    for plan in plans().values():
        if price_id and plan.stripe_price == price_id:
            return plan.code
    return None


def _subscription_item(subscription: dict) -> dict:
    items = (subscription.get("items") or {}).get("data") or []
    return items[0] if items and isinstance(items[0], dict) else {}


def _start_grace(account: BillingAccount, now: datetime) -> None:
    if account.payment_failed_at is None:
        account.payment_failed_at = now
        account.grace_until = now + timedelta(days=current_app.config["BILLING_GRACE_DAYS"])
        account.downgraded_at = None


def _clear_grace(account: BillingAccount) -> None:
    account.payment_failed_at = None
    account.grace_until = None
    account.downgraded_at = None


def _held_elsewhere(account: BillingAccount, *, customer: str | None, subscription: str | None) -> bool:
    """Whether another organisation's account already holds this Stripe customer or subscription."""
    clauses = []
    if customer:
        clauses.append(BillingAccount.stripe_customer_id == customer)
    if subscription:
        clauses.append(BillingAccount.stripe_subscription_id == subscription)
    if not clauses:
        return False
    return db.session.scalar(select(BillingAccount.id).where(or_(*clauses), BillingAccount.id != account.id)
                             .limit(1)) is not None


def _on_checkout_completed(event: dict, obj: dict, created_at: datetime, now: datetime) -> tuple[str, int | None]:
    if obj.get("mode", "subscription") != "subscription":
        return IGNORED, None  # a one-off payment or setup: no subscription to link
    metadata = obj.get("metadata") or {}
    organisation_id = _organisation_id(obj.get("client_reference_id"), metadata.get("organisation_id"))
    if organisation_id is None or db.session.get(Organisation, organisation_id) is None:
        return IGNORED, None
    account = account_for_update(organisation_id)
    customer, subscription = obj.get("customer"), obj.get("subscription")
    if account.stripe_subscription_id and subscription and subscription != account.stripe_subscription_id \
            and account.state_at is not None and created_at < account.state_at:
        return STALE, organisation_id  # an older checkout than the subscription now recorded
    if _held_elsewhere(account, customer=customer, subscription=subscription):
        log.warning("Stripe checkout %s names a customer or subscription held by another organisation; "
                    "not linked to organisation %s", obj.get("id"), organisation_id)
        return CONFLICT, organisation_id  # recorded for the operator; Stripe is not asked to retry
    # Linking does not move state_at: the subscription's own events carry its state.
    if customer:
        account.stripe_customer_id = customer
    if subscription:
        account.stripe_subscription_id = subscription
    _changed(account, "billing.checkout_completed", event, customer=customer, subscription=subscription)
    return APPLIED, organisation_id


def _on_subscription(event: dict, obj: dict, created_at: datetime, now: datetime) -> tuple[str, int | None]:
    kind = event["type"]
    subscription_id = obj.get("id")
    account = _find_account(subscription_id=subscription_id, customer_id=obj.get("customer"),
                            organisation_id=_organisation_id((obj.get("metadata") or {}).get("organisation_id")))
    if account is None:
        return IGNORED, None
    current = account.stripe_subscription_id
    if _older(account, created_at, kind):
        return STALE, account.organisation_id
    if current and subscription_id != current:
        # Another subscription: the account moves to it only when it is newer and alive.
        if kind == "customer.subscription.deleted" or obj.get("status") in ("canceled", "incomplete_expired"):
            return STALE, account.organisation_id
    elif current == subscription_id and account.status == SubscriptionStatus.CANCELED:
        return STALE, account.organisation_id  # a canceled subscription never comes back
    try:
        status = SubscriptionStatus(obj.get("status") or "")
    except ValueError:
        log.warning("billing: unknown subscription status %r in %s", obj.get("status"), event["id"])
        return IGNORED, account.organisation_id
    if kind == "customer.subscription.deleted":
        status = SubscriptionStatus.CANCELED
    item = _subscription_item(obj)
    price_id = (item.get("price") or {}).get("id") if isinstance(item.get("price"), dict) else item.get("price")
    plan = _plan_of_price(price_id)
    if plan is None:
        log.warning("billing: subscription %s has price %r of no plan", subscription_id, price_id)
    before = (account.status, account.plan)
    account.stripe_subscription_id = subscription_id
    if obj.get("customer") and not account.stripe_customer_id:
        account.stripe_customer_id = obj["customer"]
    account.status = status
    account.plan = plan or account.plan
    # current_period_end is on the subscription (older API versions) or on its items (newer)
    account.current_period_end = _stripe_time(obj.get("current_period_end") or item.get("current_period_end"))
    account.cancel_at_period_end = bool(obj.get("cancel_at_period_end"))
    if status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING):
        _clear_grace(account)
    elif status == SubscriptionStatus.PAST_DUE:
        _start_grace(account, now)
    account.state_at = created_at
    _changed(account, "billing.subscription_changed", event, subscription=subscription_id,
             status=status.value, plan=account.plan, was={"status": before[0].value, "plan": before[1]},
             cancel_at_period_end=account.cancel_at_period_end)
    return APPLIED, account.organisation_id


def _invoice_subscription(obj: dict) -> str | None:
    # Older API versions: invoice.subscription; newer: invoice.parent.subscription_details.subscription
    parent = obj.get("parent") or {}
    return obj.get("subscription") or (parent.get("subscription_details") or {}).get("subscription")


def _on_invoice(event: dict, obj: dict, created_at: datetime, now: datetime) -> tuple[str, int | None]:
    subscription_id = _invoice_subscription(obj)
    account = _find_account(subscription_id=subscription_id, customer_id=obj.get("customer"))
    if account is None:
        return IGNORED, None
    if subscription_id and account.stripe_subscription_id and subscription_id != account.stripe_subscription_id:
        return STALE, account.organisation_id  # an invoice of a subscription left behind
    failed = event["type"] == "invoice.payment_failed"
    if _older(account, created_at, event["type"]):
        if failed and account.status == SubscriptionStatus.PAST_DUE and account.downgraded_at is None:
            # The newer state confirms the failure: the owners still hear of it (once per invoice).
            _announce_failure(account, obj)
        return STALE, account.organisation_id
    if account.status == SubscriptionStatus.CANCELED:
        return STALE, account.organisation_id
    if failed:
        account.status = SubscriptionStatus.PAST_DUE
        _start_grace(account, now)
        account.state_at = created_at
        _changed(account, "billing.payment_failed", event, invoice=obj.get("id"),
                 grace_until=account.grace_until.isoformat())
        _announce_failure(account, obj)
    else:
        if account.status in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID):
            account.status = SubscriptionStatus.ACTIVE
        _clear_grace(account)
        account.state_at = created_at
        _changed(account, "billing.invoice_paid", event, invoice=obj.get("id"), status=account.status.value)
    return APPLIED, account.organisation_id


def _announce_failure(account: BillingAccount, invoice: dict) -> None:
    record_event("billing.payment_failed", organisation_id=account.organisation_id,
                 invoice_id=invoice.get("id") or "", grace_until=account.grace_until.isoformat()
                 if account.grace_until else None)


HANDLERS = {
    "checkout.session.completed": _on_checkout_completed,
    **{kind: _on_subscription for kind in SUBSCRIPTION_EVENTS},
    "invoice.paid": _on_invoice,
    "invoice.payment_failed": _on_invoice,
}


def process_event(event: dict, *, now: datetime | None = None) -> str:
    """Apply one verified Stripe event once; returns its outcome (applied, duplicate, stale, ignored)."""
    now = now or utcnow()
    event_id, kind = str(event["id"]), str(event["type"])
    created_at = _stripe_time(event.get("created")) or now
    if not _claim(event_id, kind, created_at):
        return DUPLICATE
    handler = HANDLERS.get(kind)
    obj = (event.get("data") or {}).get("object")
    if handler is None or not isinstance(obj, dict):
        outcome, organisation_id = IGNORED, None
    else:
        outcome, organisation_id = handler(event, obj, created_at, now)
    db.session.execute(update(StripeEvent).where(StripeEvent.id == event_id)
                       .values(outcome=outcome, organisation_id=organisation_id))
    return outcome


# --- after the grace ---------------------------------------------------------------------


def downgrade_after_grace(*, now: datetime | None = None) -> list[int]:
    """Accounts past due whose grace has run out move to the free plan; their owners hear once.

    Returns the organisation ids downgraded. Nothing changes in the plan itself
    (``entitlements.plan_of_account`` already gives the free plan): the account is marked
    ``downgraded_at`` so the owners are told once and pages can say why.
    """
    now = now or utcnow()
    accounts = db.session.scalars(_lock(select(BillingAccount).where(
        BillingAccount.status == SubscriptionStatus.PAST_DUE, BillingAccount.grace_until.is_not(None),
        BillingAccount.grace_until <= now, BillingAccount.downgraded_at.is_(None),
    ).order_by(BillingAccount.id))).all()
    for account in accounts:
        account.downgraded_at = now
        organisation = db.session.get(Organisation, account.organisation_id)
        record_audit("billing.downgraded", organisation=organisation, subject=account,
                     details={"plan": account.plan, "grace_until": account.grace_until.isoformat()})
        record_event("billing.changed", organisation_id=account.organisation_id, reason="downgraded")
        record_event("billing.downgraded", organisation_id=account.organisation_id,
                     downgraded_at=now.isoformat(), plan=account.plan)
    db.session.flush()
    return [account.organisation_id for account in accounts]
