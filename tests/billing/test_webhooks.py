"""Stripe's webhook: signed events only, each processed once, in whatever order they come."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.billing import entitlements
from app.billing.models import BillingAccount, StripeEvent, SubscriptionStatus
from app.events import OutboxEvent
from app.extensions import db
from tests.billing.stripe_double import (
    PRICE_PRO,
    post_event,
    sign,
    stripe_event,
    subscription_object,
)
from tests.factories import make_org

NOW = int(time.time())


@pytest.fixture()
def supplier(billing_app):
    organisation, owner = make_org("startup", verified=True)
    db.session.add(BillingAccount(organisation_id=organisation.id, plan="free", stripe_customer_id="cus_42"))
    db.session.commit()
    return organisation


@pytest.fixture()
def web(billing_app):
    return billing_app.test_client()


def account(organisation) -> BillingAccount:
    db.session.expire_all()
    return entitlements.account_of(organisation.id)


def events_recorded() -> int:
    return db.session.scalar(select(func.count()).select_from(StripeEvent))


def billing_changes(organisation) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxEvent).where(
        OutboxEvent.kind == "billing.changed")) or 0


# --- signatures -------------------------------------------------------------------------------


def test_a_signed_event_is_accepted(web, supplier):
    event = stripe_event("customer.subscription.created", subscription_object("sub_1", "cus_42"), created=NOW)

    response = post_event(web, event)

    assert response.status_code == 200 and response.json == {"outcome": "applied"}
    assert account(supplier).status == SubscriptionStatus.ACTIVE
    assert entitlements.plan_of(supplier).code == "pro"


@pytest.mark.parametrize("header", [
    "t={t},v1=" + "0" * 64,  # a signature made with another secret
    None,  # no signature at all
    "garbage",
])
def test_a_badly_signed_event_is_refused_and_changes_nothing(web, supplier, header):
    payload = json.dumps(stripe_event("customer.subscription.created", subscription_object("sub_1", "cus_42")))
    headers = {} if header is None else {"Stripe-Signature": header.format(t=int(time.time()))}

    response = web.post("/billing/stripe/webhook", data=payload, content_type="application/json", headers=headers)

    assert response.status_code == 400
    assert response.content_type == "application/problem+json" and response.json["status"] == 400
    assert events_recorded() == 0 and account(supplier).status == SubscriptionStatus.NONE


def test_a_signature_with_another_secret_is_refused(web, supplier):
    event = stripe_event("customer.subscription.created", subscription_object("sub_1", "cus_42"))

    response = post_event(web, event, secret="whsec_someone_else")

    assert response.status_code == 400 and events_recorded() == 0


def test_a_replayed_old_signature_is_refused(web, supplier):
    """Stripe's tolerance is 5 minutes: a signature from 10 minutes ago is a replay."""
    event = stripe_event("customer.subscription.created", subscription_object("sub_1", "cus_42"))

    response = post_event(web, event, timestamp=int(time.time()) - 600)

    assert response.status_code == 400 and events_recorded() == 0
    assert post_event(web, event, timestamp=int(time.time()) - 60).status_code == 200  # within tolerance


def test_a_tampered_payload_is_refused(web, supplier):
    event = stripe_event("customer.subscription.created", subscription_object("sub_1", "cus_42"))
    payload = json.dumps(event)
    header = sign(payload)

    response = web.post("/billing/stripe/webhook", data=payload.replace("active", "trialing"),
                        content_type="application/json", headers={"Stripe-Signature": header})

    assert response.status_code == 400 and events_recorded() == 0


def test_the_webhook_does_not_exist_when_billing_is_off(web, supplier, monkeypatch):
    monkeypatch.setitem(web.application.config, "BILLING_ENABLED", False)

    response = post_event(web, stripe_event("customer.subscription.created", subscription_object("sub_1", "cus_42")))

    assert response.status_code == 404 and events_recorded() == 0


# --- once each ----------------------------------------------------------------------------------


def test_an_event_delivered_twice_is_applied_once(web, supplier):
    event = stripe_event("customer.subscription.created", subscription_object("sub_1", "cus_42"), created=NOW)

    assert post_event(web, event).json == {"outcome": "applied"}
    assert post_event(web, event).json == {"outcome": "duplicate"}

    assert events_recorded() == 1
    assert billing_changes(supplier) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "billing.subscription_changed")) == 1


def test_a_duplicate_changes_nothing_even_after_a_newer_state(web, supplier):
    created = stripe_event("customer.subscription.created", subscription_object("sub_1", "cus_42"), created=NOW)
    deleted = stripe_event("customer.subscription.deleted",
                           subscription_object("sub_1", "cus_42", status="canceled"), created=NOW + 60)
    post_event(web, created)
    post_event(web, deleted)

    assert post_event(web, created).json == {"outcome": "duplicate"}
    assert account(supplier).status == SubscriptionStatus.CANCELED


def test_checkout_completion_links_the_subscription_to_the_organisation(web, billing_app):
    organisation, _ = make_org("startup", verified=True)  # no billing account yet
    session = {"id": "cs_test_1", "object": "checkout.session", "mode": "subscription", "customer": "cus_new",
               "subscription": "sub_new", "client_reference_id": str(organisation.id),
               "metadata": {"organisation_id": str(organisation.id)}}

    assert post_event(web, stripe_event("checkout.session.completed", session, created=NOW)).json == {
        "outcome": "applied"}
    post_event(web, stripe_event("customer.subscription.created", subscription_object("sub_new", "cus_new"),
                                 created=NOW - 1))  # created a second before the checkout completed

    linked = account(organisation)
    assert (linked.stripe_customer_id, linked.stripe_subscription_id) == ("cus_new", "sub_new")
    assert linked.status == SubscriptionStatus.ACTIVE and linked.plan == "pro"
    row = db.session.get(StripeEvent, db.session.scalar(select(StripeEvent.id).where(
        StripeEvent.type == "checkout.session.completed")))
    assert row.organisation_id == organisation.id and row.outcome == "applied"


def test_subscription_fields_are_recorded(web, supplier):
    end = NOW + 20 * 86400
    post_event(web, stripe_event("customer.subscription.updated",
                                 subscription_object("sub_1", "cus_42", status="trialing", period_end=end,
                                                     cancel_at_period_end=True), created=NOW))

    got = account(supplier)
    assert got.status == SubscriptionStatus.TRIALING and got.plan == "pro" and got.cancel_at_period_end
    assert int(got.current_period_end.timestamp()) == end
    assert int(got.state_at.timestamp()) == NOW
    [change] = db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "billing.changed")).all()
    assert change.payload["organisation_id"] == supplier.id


def test_other_events_and_unknown_customers_are_ignored(web, supplier):
    assert post_event(web, stripe_event("charge.succeeded", {"id": "ch_1", "object": "charge"})).json == {
        "outcome": "ignored"}
    assert post_event(web, stripe_event("customer.subscription.created",
                                        subscription_object("sub_9", "cus_unknown"))).json == {"outcome": "ignored"}
    payment = {"id": "cs_test_pay", "object": "checkout.session", "mode": "payment", "customer": "cus_42",
               "client_reference_id": str(supplier.id)}
    assert post_event(web, stripe_event("checkout.session.completed", payment)).json == {"outcome": "ignored"}
    assert account(supplier).status == SubscriptionStatus.NONE and events_recorded() == 3


def test_an_unknown_price_keeps_the_plan(web, supplier):
    post_event(web, stripe_event("customer.subscription.created",
                                 subscription_object("sub_1", "cus_42", price="price_unknown"), created=NOW))
    assert account(supplier).plan == "free" and account(supplier).status == SubscriptionStatus.ACTIVE


# --- in any order ---------------------------------------------------------------------------------


def test_an_update_arriving_before_the_creation_wins(web, supplier):
    created = stripe_event("customer.subscription.created",
                           subscription_object("sub_1", "cus_42", status="incomplete"), created=NOW)
    updated = stripe_event("customer.subscription.updated", subscription_object("sub_1", "cus_42"), created=NOW + 5)

    assert post_event(web, updated).json == {"outcome": "applied"}
    assert post_event(web, created).json == {"outcome": "stale"}

    assert account(supplier).status == SubscriptionStatus.ACTIVE
    assert entitlements.plan_of(supplier).code == "pro"
    assert billing_changes(supplier) == 1  # the stale one changed nothing


def test_within_the_same_second_the_creation_does_not_undo_an_update(web, supplier):
    created = stripe_event("customer.subscription.created",
                           subscription_object("sub_1", "cus_42", status="incomplete"), created=NOW)
    updated = stripe_event("customer.subscription.updated", subscription_object("sub_1", "cus_42"), created=NOW)

    post_event(web, updated)
    assert post_event(web, created).json == {"outcome": "stale"}
    assert account(supplier).status == SubscriptionStatus.ACTIVE


def test_a_deleted_subscription_stays_canceled_whatever_older_update_arrives(web, supplier):
    post_event(web, stripe_event("customer.subscription.created", subscription_object("sub_1", "cus_42"),
                                 created=NOW))
    post_event(web, stripe_event("customer.subscription.deleted",
                                 subscription_object("sub_1", "cus_42", status="canceled"), created=NOW + 100))

    late = stripe_event("customer.subscription.updated", subscription_object("sub_1", "cus_42"), created=NOW + 50)
    assert post_event(web, late).json == {"outcome": "stale"}
    # Even an update stamped later cannot bring a canceled subscription back.
    later = stripe_event("customer.subscription.updated", subscription_object("sub_1", "cus_42"), created=NOW + 200)
    assert post_event(web, later).json == {"outcome": "stale"}

    assert account(supplier).status == SubscriptionStatus.CANCELED
    assert entitlements.plan_of(supplier).code == "free"


def test_the_end_of_an_old_subscription_does_not_cancel_the_new_one(web, supplier):
    post_event(web, stripe_event("customer.subscription.created", subscription_object("sub_old", "cus_42"),
                                 created=NOW))
    post_event(web, stripe_event("customer.subscription.created", subscription_object("sub_new", "cus_42"),
                                 created=NOW + 10))

    late = stripe_event("customer.subscription.deleted",
                        subscription_object("sub_old", "cus_42", status="canceled"), created=NOW + 20)
    assert post_event(web, late).json == {"outcome": "stale"}
    got = account(supplier)
    assert got.stripe_subscription_id == "sub_new" and got.status == SubscriptionStatus.ACTIVE


def test_the_price_of_the_subscription_sets_the_plan(web, supplier):
    post_event(web, stripe_event("customer.subscription.created", subscription_object("sub_1", "cus_42"),
                                 created=NOW))
    assert account(supplier).plan == "pro" and PRICE_PRO in {p.stripe_price for p in entitlements.plans().values()}


def test_two_concurrent_deliveries_of_one_event_apply_it_once(billing_app, supplier):
    """Stripe may deliver an event twice at once: the event's key lets only one of them apply it."""
    import threading

    from app.billing.services import process_event
    from app.events import commit

    event = stripe_event("customer.subscription.created", subscription_object("sub_1", "cus_42"), created=NOW)
    outcomes, first_claimed = [], threading.Event()

    def deliver(hold: bool):
        with billing_app.app_context():
            try:
                outcomes.append(process_event(event))
                if hold:
                    first_claimed.set()
                    time.sleep(0.5)  # the second delivery arrives while this one is not committed
                commit()
            finally:
                first_claimed.set()
                db.session.remove()

    first = threading.Thread(target=deliver, args=(True,))
    first.start()
    first_claimed.wait(10)
    second = threading.Thread(target=deliver, args=(False,))
    second.start()
    first.join(20)
    second.join(20)

    assert sorted(outcomes) == ["applied", "duplicate"]
    assert events_recorded() == 1 and billing_changes(supplier) == 1


def test_a_checkout_naming_another_organisations_customer_is_a_recorded_conflict(web, billing_app):
    """Stripe gets a 200 (no endless retries), nothing is linked, the event says why."""
    first, _ = make_org("startup", verified=True)
    second, _ = make_org("startup", verified=True)

    def session(organisation, number):
        return {"id": f"cs_test_{number}", "object": "checkout.session", "mode": "subscription",
                "customer": "cus_shared", "subscription": f"sub_{number}",
                "client_reference_id": str(organisation.id), "metadata": {"organisation_id": str(organisation.id)}}

    assert post_event(web, stripe_event("checkout.session.completed", session(first, 1), created=NOW)).json == {
        "outcome": "applied"}
    answer = post_event(web, stripe_event("checkout.session.completed", session(second, 2), created=NOW + 1))
    assert answer.status_code == 200 and answer.json == {"outcome": "conflict"}
    db.session.expire_all()
    assert account(first).stripe_customer_id == "cus_shared"
    assert account(second).stripe_customer_id is None and account(second).stripe_subscription_id is None
