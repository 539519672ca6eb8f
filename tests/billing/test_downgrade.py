"""After a failed payment: the paid plan holds through the grace, then the free plan; owners told once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.alerts.models import Notification, OutgoingEmail
from app.billing import entitlements
from app.billing.models import BillingAccount, SubscriptionStatus
from app.billing.services import process_event
from app.db import utcnow
from app.events import commit
from app.extensions import db
from notifications.periodic import BY_NAME, run_periodic
from tests.billing.stripe_double import invoice_object, stripe_event, subscription_object
from tests.factories import make_member, make_org

GRACE = timedelta(days=7)


@pytest.fixture()
def subscribed(billing_app):
    """A supplier on Pro (an owner, a member), its subscription active for a month."""
    organisation, owner = make_org("startup", verified=True, email="owner@startup.example")
    member = make_member(organisation, role=Role.MEMBER)
    db.session.add(BillingAccount(organisation_id=organisation.id, plan="pro", stripe_customer_id="cus_1",
                                  stripe_subscription_id="sub_1", status=SubscriptionStatus.ACTIVE,
                                  state_at=utcnow() - timedelta(days=30)))
    db.session.commit()
    return organisation, owner, member


def deliver(kind: str, obj: dict, *, at, now=None) -> str:
    outcome = process_event(stripe_event(kind, obj, created=int(at.timestamp())), now=now or at)
    commit()  # as the webhook does: the outbox then hands the notifications over
    return outcome


def fail_payment(at, invoice="in_1"):
    return deliver("invoice.payment_failed", invoice_object(invoice, "cus_1", "sub_1"), at=at)


def notifications(kind: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind)))


def account(organisation) -> BillingAccount:
    db.session.expire_all()
    return entitlements.account_of(organisation.id)


def test_the_downgrade_job_is_declared_hourly():
    job = BY_NAME["billing-downgrades"]
    assert job.every == timedelta(hours=1) and job.func == "notifications.periodic.downgrade_after_grace"


def test_a_failed_payment_keeps_the_plan_for_the_grace_then_the_free_plan(subscribed):
    organisation, owner, member = subscribed
    failed_at = utcnow()

    assert fail_payment(failed_at) == "applied"

    got = account(organisation)
    assert got.status == SubscriptionStatus.PAST_DUE
    assert got.payment_failed_at == failed_at and got.grace_until == failed_at + GRACE
    assert entitlements.plan_of_account(got, failed_at + timedelta(days=6)).code == "pro"
    # The owners (not the members) are told, once, with a link to the billing page, by email too.
    [told] = notifications("billing.payment_failed")
    assert told.user_id == owner.id and told.params["grace_until"]
    assert db.session.scalar(select(OutgoingEmail).where(OutgoingEmail.user_id == owner.id)) is not None
    assert not [n for n in notifications("billing.payment_failed") if n.user_id == member.id]

    # Stripe retries the charge and fails again: same invoice, no second message, no longer grace.
    assert fail_payment(failed_at + timedelta(days=3)) == "applied"
    assert len(notifications("billing.payment_failed")) == 1
    assert account(organisation).grace_until == failed_at + GRACE

    # Before the grace ends the hourly job changes nothing.
    assert run_periodic("billing-downgrades", now=failed_at + timedelta(days=6, hours=23)) == 0
    assert account(organisation).downgraded_at is None
    assert entitlements.plan_of(organisation).code == "pro"

    # After it: the free plan, the owners told once.
    after = failed_at + GRACE + timedelta(minutes=30)
    assert run_periodic("billing-downgrades", now=after) == 1
    got = account(organisation)
    assert got.downgraded_at == after
    assert entitlements.plan_of_account(got, after).code == "free"
    [downgraded] = notifications("billing.downgraded")
    assert downgraded.user_id == owner.id
    assert run_periodic("billing-downgrades", now=after + timedelta(hours=1)) == 0
    assert len(notifications("billing.downgraded")) == 1


def test_paying_during_the_grace_restores_the_plan(subscribed):
    organisation, _owner, _member = subscribed
    failed_at = utcnow()
    fail_payment(failed_at)

    assert deliver("invoice.paid", invoice_object("in_1", "cus_1", "sub_1"), at=failed_at + timedelta(days=2)) \
        == "applied"

    got = account(organisation)
    assert got.status == SubscriptionStatus.ACTIVE
    assert (got.payment_failed_at, got.grace_until, got.downgraded_at) == (None, None, None)
    assert entitlements.plan_of_account(got, failed_at + GRACE + timedelta(days=1)).code == "pro"
    assert run_periodic("billing-downgrades", now=failed_at + GRACE + timedelta(hours=1)) == 0
    assert notifications("billing.downgraded") == []


def test_paying_after_the_downgrade_restores_the_plan(subscribed):
    organisation, _owner, _member = subscribed
    failed_at = utcnow() - GRACE - timedelta(hours=2)
    fail_payment(failed_at)
    run_periodic("billing-downgrades", now=utcnow())
    assert entitlements.plan_of(organisation).code == "free"

    deliver("invoice.paid", invoice_object("in_1", "cus_1", "sub_1"), at=utcnow())

    assert entitlements.plan_of(organisation).code == "pro" and account(organisation).downgraded_at is None


def test_an_old_payment_does_not_cure_a_newer_failure(subscribed):
    organisation, _owner, _member = subscribed
    failed_at = utcnow()
    fail_payment(failed_at)

    late = deliver("invoice.paid", invoice_object("in_0", "cus_1", "sub_1"), at=failed_at - timedelta(minutes=10),
                   now=failed_at + timedelta(minutes=1))

    assert late == "stale"
    assert account(organisation).status == SubscriptionStatus.PAST_DUE


def test_a_past_due_subscription_starts_the_grace_even_before_the_invoice_event(subscribed):
    organisation, owner, _member = subscribed
    at = utcnow()
    deliver("customer.subscription.updated", subscription_object("sub_1", "cus_1", status="past_due"), at=at)
    assert account(organisation).grace_until == at + GRACE
    assert entitlements.plan_of(organisation).code == "pro"

    # The failure event, created a second earlier, arrives after: stale, but the owners still hear once.
    assert deliver("invoice.payment_failed", invoice_object("in_1", "cus_1", "sub_1"),
                   at=at - timedelta(seconds=1), now=at) == "stale"
    assert [n.user_id for n in notifications("billing.payment_failed")] == [owner.id]


def test_billing_notices_are_service_messages_that_reach_owners_whatever_their_preferences(subscribed):
    """An owner who turned every email off still hears that the payment failed: no unsubscribe
    link or header on that email, and no line for it on the preferences page."""
    from app.alerts.kinds import KINDS, kinds_for
    from app.alerts.models import EmailMode, NotificationPreference
    from notifications.emails import build_notification_email

    organisation, owner, _member = subscribed
    owner.locale = "en"  # the email is written in the owner's language
    db.session.add(NotificationPreference(user_id=owner.id, kind="billing.payment_failed", email=EmailMode.OFF,
                                          in_app=False))
    db.session.commit()
    assert fail_payment(utcnow()) == "applied"
    [told] = notifications("billing.payment_failed")
    assert told.user_id == owner.id
    mail = build_notification_email(told)
    assert "List-Unsubscribe" not in mail.headers
    assert "unsubscribe" not in mail.text.lower() and "owner of the organisation" in mail.text
    assert all(not kind.service for kind in kinds_for("supplier"))
    assert KINDS["billing.downgraded"].service and KINDS["billing.payment_failed"].service
