"""The organisation's billing page: plan and status in words, the plans, Checkout and portal for owners.

Pages are read in English (``?lang=en``): the msgids; the French catalogue is the lead's.
Stripe is the local double of ``tests/billing/stripe_double.py``.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from app.accounts.models import Role
from app.billing.models import BillingAccount, SubscriptionStatus
from app.db import utcnow
from app.extensions import db
from tests.billing.stripe_double import PRICE_PRO, billing_config, stripe_double  # noqa: F401
from tests.factories import login, make_bid, make_member, make_need, make_org

PAGE = "/organisation/billing"
OFF = "Billing is turned off: every feature is available."
PUBLIC_FREE = "Public tenders are always free to read and to bid on, whatever the plan"
OWNERS_ONLY = "Only the organisation\u2019s owners manage the subscription."
GATEWAY_ERROR = "Stripe could not be reached or refused the request. Nothing was changed"


@pytest.fixture()
def billing_on(app, stripe_double, monkeypatch):  # noqa: F811 - the double fixture
    """Billing on, Stripe at the local double (``app.config`` is the session app's: restored after)."""
    for key, value in billing_config(stripe_double.url).items():
        monkeypatch.setitem(app.config, key, value)
    return stripe_double


def page(client, query: str = "") -> tuple[int, str]:
    response = client.get(f"{PAGE}?lang=en{'&' + query if query else ''}")
    return response.status_code, response.get_data(as_text=True)


def supplier(app, *, email="claire@orbinova.fr", account: dict | None = None):
    with app.app_context():
        org, _ = make_org("startup", verified=True, email=email)
        if account is not None:
            db.session.add(BillingAccount(organisation_id=org.id, **account))
            db.session.commit()
        return org.id


def account_rows(app) -> list[tuple]:
    with app.app_context():
        return [(a.organisation_id, a.plan, a.status, a.stripe_customer_id, a.stripe_subscription_id)
                for a in db.session.scalars(select(BillingAccount).order_by(BillingAccount.id))]


def has_buttons(html: str) -> bool:
    return "/organisation/billing/checkout" in html or "/organisation/billing/portal" in html


# --- billing off -------------------------------------------------------------------------


def test_the_page_needs_a_signed_in_member(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_with_billing_off_everything_is_available_and_there_is_nothing_to_buy(app, client):
    supplier(app)
    login(client, "claire@orbinova.fr")

    status, html = page(client)

    assert status == 200
    assert OFF in html and PUBLIC_FREE in html
    assert not has_buttons(html) and "Switch to" not in html
    refused = client.post(f"{PAGE}/checkout?lang=en", data={"plan": "pro"})
    assert refused.status_code == 409 and "Billing is turned off" in refused.get_data(as_text=True)
    assert account_rows(app) == []


def test_the_account_menu_links_suppliers_to_the_page(app, client):
    supplier(app)
    login(client, "claire@orbinova.fr")
    home = client.get("/?lang=en").get_data(as_text=True)
    assert 'data-marker="header-billing"' in home and f'href="{PAGE}"' in home


# --- what a supplier reads -----------------------------------------------------------------


def test_a_free_supplier_owner_sees_the_plans_in_euros_the_always_free_line_and_the_allowance(
        app, client, billing_on):
    org_id = supplier(app)
    with app.app_context():
        from app.accounts.models import Organisation

        org = db.session.get(Organisation, org_id)
        corporate, _ = make_org("corporate", verified=True)
        administration, _ = make_org("administration", verified=True)
        make_bid(make_need(corporate, route="private"), org)
        make_bid(make_need(administration, route="public"), org)  # public procurement never counts
    login(client, "claire@orbinova.fr")

    status, html = page(client)

    assert status == 200 and OFF not in html
    assert "You are on the Free plan." in html
    table = html[html.index('data-marker="plans"'):]
    assert "Free" in table and "Pro" in table
    assert "€49 excl. VAT / month" in table and "Free of charge" in table
    assert "Instant alerts" in table and "Daily digest" in table
    assert "3 bids per month" in table and "Unlimited" in table
    assert "Supplier analytics" in table and "Included" in table and "Not included" in table
    assert "Always free, unlimited" in table and PUBLIC_FREE in html
    assert "Bids on private needs this month: 1 of 3." in html
    assert "Switch to Pro" in html and f"{PAGE}/checkout" in html
    assert f"{PAGE}/portal" not in html  # no Stripe customer yet: nothing to manage

    french = client.get(f"{PAGE}?lang=fr").get_data(as_text=True)
    assert "49\u00a0€" in french  # money in the reader's typography, from integer cents


def test_a_plan_of_the_configuration_is_shown_as_configured(app, client, billing_on, monkeypatch):
    from app.billing.plans import parse_plans

    monkeypatch.setitem(app.config, "BILLING_PLANS", parse_plans({
        "decouverte": {"name": {"fr": "Découverte", "en": "Discovery"}, "price_cents": 0,
                       "entitlements": {"private_bids_per_month": 1}},
        "equipe": {"name": {"fr": "Équipe", "en": "Team"}, "price_cents": 99050, "interval": "year",
                   "stripe_price": "price_team_yearly",
                   "entitlements": {"instant_alerts": True, "private_bids_per_month": 20}},
    }))
    supplier(app)
    login(client, "claire@orbinova.fr")

    _, html = page(client)

    assert "You are on the Discovery plan." in html
    assert "€990.50 excl. VAT / year" in html and "20 bids per month" in html and "1 bid per month" in html
    assert "Switch to Team" in html and "Bids on private needs this month: 0 of 1." in html


def test_a_member_reads_the_page_but_only_owners_may_change_billing(app, client, billing_on):
    org_id = supplier(app, account={"plan": "pro", "status": SubscriptionStatus.ACTIVE,
                                    "stripe_customer_id": "cus_orbinova"})
    with app.app_context():
        from app.accounts.models import Organisation

        make_member(db.session.get(Organisation, org_id), role=Role.MEMBER, email="paul@orbinova.fr")
    login(client, "paul@orbinova.fr")

    status, html = page(client)

    assert status == 200 and "Pro plan, active" in html and "data-marker=\"plans\"" in html
    assert OWNERS_ONLY in html and not has_buttons(html)
    assert client.post(f"{PAGE}/checkout", data={"plan": "pro"}).status_code == 403
    assert client.post(f"{PAGE}/portal").status_code == 403
    assert billing_on.requests == []  # Stripe was never asked


def test_a_buyer_reads_that_posting_needs_is_free(app, client, billing_on):
    with app.app_context():
        make_org("administration", verified=True, email="achats@ministere.gouv.fr")
    login(client, "achats@ministere.gouv.fr")

    status, html = page(client)

    assert status == 200
    assert "Posting needs on Tremplin is free for buyers: there is nothing to buy." in html
    assert not has_buttons(html) and 'data-marker="plans"' not in html
    assert 'data-marker="header-billing"' not in html
    assert client.post(f"{PAGE}/checkout", data={"plan": "pro"}).status_code == 409
    assert billing_on.requests == []


# --- statuses in words -----------------------------------------------------------------------


def paris_day(moment) -> str:
    from zoneinfo import ZoneInfo

    return format_date(moment.astimezone(ZoneInfo("Europe/Paris")).date(), "long", locale="en")


def test_a_failed_payment_keeps_the_paid_plan_until_a_date_in_paris(app, client, billing_on):
    # 23:30 UTC is already the next day in Paris
    grace_until = (utcnow() + timedelta(days=3)).replace(hour=23, minute=30, second=0, microsecond=0)
    supplier(app, account={"plan": "pro", "status": SubscriptionStatus.PAST_DUE, "stripe_customer_id": "cus_late",
                           "payment_failed_at": utcnow() - timedelta(days=4), "grace_until": grace_until})
    login(client, "claire@orbinova.fr")

    _, html = page(client)

    expected = paris_day(grace_until)
    assert expected != format_date(grace_until.date(), "long", locale="en")
    assert (f"Payment failed: the Pro plan is kept until {expected}, then the Free plan applies." in html)
    assert "Manage payment or cancel" in html and "Switch to" not in html
    assert "Bids on private needs this month" not in html  # the paid plan still applies


@pytest.mark.parametrize(("fields", "says"), [
    ({"status": SubscriptionStatus.ACTIVE}, "Pro plan, active: it renews on {end}."),
    ({"status": SubscriptionStatus.ACTIVE, "cancel_at_period_end": True},
     "Cancelled at the end of the period: the Pro plan ends on {end}, then the Free plan applies."),
    ({"status": SubscriptionStatus.TRIALING}, "Trial of the Pro plan until {end}."),
    ({"status": SubscriptionStatus.CANCELED}, "Subscription cancelled: you are on the Free plan."),
    ({"status": SubscriptionStatus.PAST_DUE, "grace_until": utcnow() - timedelta(hours=1)},
     "Payment failed: you are on the Free plan."),
])
def test_the_status_is_said_in_words(app, client, billing_on, fields, says):
    end = (utcnow() + timedelta(days=12)).replace(hour=22, minute=45)
    supplier(app, account={"plan": "pro", "stripe_customer_id": "cus_s", "current_period_end": end, **fields})
    login(client, "claire@orbinova.fr")

    _, html = page(client)

    assert says.format(end=paris_day(end)) in html


def test_coming_back_from_checkout_says_what_happens_next(app, client, billing_on):
    supplier(app)
    login(client, "claire@orbinova.fr")

    _, success = page(client, "checkout=success")
    _, cancel = page(client, "checkout=cancel")
    _, plain = page(client)

    assert "Payment received by Stripe: your plan will be updated as soon as it is confirmed." in success
    assert "You are on the Free plan." in success  # the webhook, not the return, changes the plan
    assert "Payment cancelled: nothing was changed" in cancel
    assert "Payment received" not in plain and "Payment cancelled" not in plain


# --- Checkout and portal through the Stripe double -----------------------------------------------


def test_an_owner_is_sent_to_stripe_checkout_for_the_pro_price(app, client, billing_on):
    org_id = supplier(app)
    login(client, "claire@orbinova.fr")

    response = client.post(f"{PAGE}/checkout", data={"plan": "pro"})

    assert response.status_code == 303
    sessions = billing_on.to("/v1/checkout/sessions")
    assert len(sessions) == 1
    sent = sessions[0].params
    assert response.headers["Location"].startswith("https://checkout.stripe.test/c/pay/cs_test_double")
    assert sent["mode"] == "subscription" and sent["line_items[0][price]"] == PRICE_PRO
    assert sent["success_url"].endswith(f"{PAGE}?checkout=success")
    assert sent["cancel_url"].endswith(f"{PAGE}?checkout=cancel")
    assert sent["metadata[organisation_id]"] == str(org_id)
    customer = [row[3] for row in account_rows(app) if row[0] == org_id]
    assert customer and sent["customer"] == customer[0]  # the organisation's Stripe customer, kept
    assert [row[2] for row in account_rows(app)] != [SubscriptionStatus.ACTIVE]  # the webhook decides


def test_an_owner_is_sent_to_the_stripe_portal_to_manage_payment_or_cancel(app, client, billing_on):
    supplier(app, account={"plan": "pro", "status": SubscriptionStatus.ACTIVE,
                           "stripe_customer_id": "cus_orbinova", "stripe_subscription_id": "sub_orbinova"})
    login(client, "claire@orbinova.fr")
    _, html = page(client)
    assert "Manage payment or cancel" in html and "Switch to" not in html
    before = account_rows(app)

    response = client.post(f"{PAGE}/portal")

    assert response.status_code == 303
    assert response.headers["Location"].startswith("https://billing.stripe.test/p/session/")
    (sent,) = billing_on.to("/v1/billing_portal/sessions")
    assert sent.params["customer"] == "cus_orbinova" and sent.params["return_url"].endswith(PAGE)
    assert account_rows(app) == before


def test_stripe_answering_errors_shows_the_page_with_a_message_and_changes_nothing(app, client, billing_on):
    supplier(app, account={"plan": "pro", "status": SubscriptionStatus.CANCELED, "stripe_customer_id": "cus_back"})
    login(client, "claire@orbinova.fr")
    before = account_rows(app)
    billing_on.fail_next(500, times=10)

    checkout = client.post(f"{PAGE}/checkout?lang=en", data={"plan": "pro"})
    portal = client.post(f"{PAGE}/portal?lang=en")

    for response in (checkout, portal):
        html = response.get_data(as_text=True)
        assert response.status_code == 502 and GATEWAY_ERROR in html
        assert "Subscription cancelled: you are on the Free plan." in html  # the page, re-rendered
    assert account_rows(app) == before


def test_stripe_out_of_reach_shows_the_page_with_a_message_and_creates_no_account(app, client, billing_on):
    supplier(app)
    login(client, "claire@orbinova.fr")
    billing_on.stop()

    response = client.post(f"{PAGE}/checkout?lang=en", data={"plan": "pro"})

    assert response.status_code == 502 and GATEWAY_ERROR in response.get_data(as_text=True)
    assert account_rows(app) == []


def test_the_forms_carry_their_csrf_token(csrf_app, stripe_double, monkeypatch):  # noqa: F811
    for key, value in billing_config(stripe_double.url).items():
        monkeypatch.setitem(csrf_app.config, key, value)
    supplier(csrf_app, account={"plan": "pro", "status": SubscriptionStatus.ACTIVE,
                                "stripe_customer_id": "cus_csrf"})
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"email": "claire@orbinova.fr", "password": "Correct-Horse-42", "csrf_token": token})

    assert client.post(f"{PAGE}/portal").status_code == 400
    assert stripe_double.requests == []
    html = client.get(PAGE).get_data(as_text=True)
    form = html[html.index(f'action="{PAGE}/portal"'):]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post(f"{PAGE}/portal", data={"csrf_token": token})
    assert response.status_code == 303 and len(stripe_double.to("/v1/billing_portal/sessions")) == 1
