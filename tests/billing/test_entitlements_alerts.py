"""Alerts under the plans: instant alert emails are Pro's; a Free supplier's instant alerts wait
for the daily digest (decided when delivered, so a downgrade holds them at once), while
the in-app notification is there immediately and other notifications are never held."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.alerts.models import EmailMode, Notification, OutgoingEmail, SavedSearch
from app.billing.models import BillingAccount, SubscriptionStatus
from app.billing.plans import parse_plans
from app.events import commit
from app.extensions import db
from notifications.delivery import notify_users
from notifications.digests import send_digests
from notifications.fanout import fan_out_need
from tests.factories import login, make_org
from tests.notifications.test_fanout import save, soc_need, told


def turn_billing_on(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "BILLING_ENABLED", True)
    monkeypatch.setitem(app.config, "BILLING_PLANS", parse_plans(None))


def subscribe(organisation, status=SubscriptionStatus.ACTIVE) -> BillingAccount:
    account = BillingAccount(organisation_id=organisation.id, plan="pro", status=status,
                             stripe_customer_id=f"cus_{organisation.id}")
    db.session.add(account)
    db.session.commit()
    return account


def emails_to(user) -> list[OutgoingEmail]:
    return list(db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.user_id == user.id)))


@pytest.fixture()
def buyer(app_ctx):
    org, _ = make_org("administration", name="Ministère des Essais", verified=True)
    return org


@pytest.fixture()
def instant_searchers(app_ctx, buyer, monkeypatch):
    """A Free and a Pro supplier, each with an instant search for SOC needs (saved before billing was on)."""
    free, free_user = make_org("startup", verified=True)
    pro, pro_user = make_org("startup", verified=True)
    save(free_user, free, "SOC", "soc", frequency="instant")
    save(pro_user, pro, "SOC", "soc", frequency="instant")
    turn_billing_on(app_ctx, monkeypatch)
    subscribe(pro)
    return {"free": (free, free_user), "pro": (pro, pro_user)}


def test_a_free_suppliers_instant_search_sends_no_instant_email_and_the_daily_digest_carries_it(
        buyer, instant_searchers):
    _free, user = instant_searchers["free"]
    need = soc_need(buyer)

    fan_out_need(need.id)
    commit()  # the email.render event's job runs after the commit

    note = told()[user.id]
    assert note.read_at is None  # in the notification centre at once
    assert note.email_mode == EmailMode.DAILY and note.emailed_at is None
    assert emails_to(user) == []

    assert send_digests("daily") >= 1
    commit()
    digest = emails_to(user)
    assert len(digest) == 1 and digest[0].dedup_key.startswith(f"digest:{user.id}:daily:")
    assert need.title in digest[0].text_body
    assert db.session.get(Notification, note.id).digested_at is not None


def test_a_pro_suppliers_instant_search_sends_the_instant_email(buyer, instant_searchers):
    _pro, user = instant_searchers["pro"]
    need = soc_need(buyer)

    fan_out_need(need.id)
    commit()

    note = told()[user.id]
    assert note.email_mode == EmailMode.INSTANT and note.emailed_at is not None
    sent = emails_to(user)
    assert [e.dedup_key for e in sent] == [f"notification:{note.id}"]
    assert need.title in sent[0].subject + sent[0].text_body
    send_digests("daily")
    commit()
    assert len(emails_to(user)) == 1  # nothing more in the digest


def test_a_downgrade_takes_effect_at_the_next_delivery(buyer, instant_searchers):
    pro, user = instant_searchers["pro"]
    account = db.session.scalar(select(BillingAccount).where(BillingAccount.organisation_id == pro.id))
    account.status = SubscriptionStatus.CANCELED
    db.session.commit()

    fan_out_need(soc_need(buyer).id)
    commit()

    assert told()[user.id].email_mode == EmailMode.DAILY
    assert emails_to(user) == []


def test_profile_alerts_are_held_but_other_notifications_are_not(buyer, app_ctx, monkeypatch):
    free, user = make_org("startup", verified=True)
    turn_billing_on(app_ctx, monkeypatch)
    need = soc_need(buyer)
    params = {"need_title": need.title, "need_reference": need.reference}
    notify_users([user.id], "need_matched_profile", need_id=need.id, reason="profile",
                 params={**params, "score": 80, "organisation_ids": [free.id]},
                 email_modes={user.id: EmailMode.INSTANT})
    notify_users([user.id], "need_answered", need_id=need.id, reason="q1", params=params)
    commit()

    profile = db.session.scalar(select(Notification).where(Notification.kind == "need_matched_profile"))
    answered = db.session.scalar(select(Notification).where(Notification.kind == "need_answered"))
    assert profile.email_mode == EmailMode.DAILY and profile.emailed_at is None
    assert answered.email_mode == EmailMode.INSTANT and answered.emailed_at is not None
    assert [e.dedup_key for e in emails_to(user)] == [f"notification:{answered.id}"]


def test_without_billing_instant_searches_email_at_once(buyer, app_ctx):
    free, user = make_org("startup", verified=True)
    save(user, free, "SOC", "soc", frequency="instant")

    fan_out_need(soc_need(buyer).id)
    commit()

    assert told()[user.id].email_mode == EmailMode.INSTANT
    assert len(emails_to(user)) == 1


# --- the saved searches page ------------------------------------------------------------------


def test_the_searches_page_marks_instant_alerts_as_pro_and_refuses_them_on_free(client, app, monkeypatch):
    with app.app_context():
        org, user = make_org("startup", verified=True, email="free-alerts@startup.fr")
        save(user, org, "Kept at once", "soc", frequency="instant")  # saved before the plans existed
    turn_billing_on(app, monkeypatch)
    client.get("/lang/en")
    login(client, "free-alerts@startup.fr")

    page = client.get("/alerts/searches").get_data(as_text=True)
    assert "At once, by email (Pro plan)" in page
    assert 'data-marker="instant-held"' in page  # the downgraded instant search: delivered daily

    response = client.post("/alerts/searches", data={"name": "Cyber", "frequency": "instant", "q": "cyber"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Instant email alerts come with the Pro plan" in page
    assert 'data-marker="plan-upgrade"' in page and "/organisation/billing" in page
    with app.app_context():
        assert db.session.scalars(select(SavedSearch.name)).all() == ["Kept at once"]
