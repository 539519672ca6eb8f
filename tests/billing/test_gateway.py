"""Outbound calls to Stripe: what is sent (checked by a local double of Stripe), and failures."""

from __future__ import annotations

import ast
import socket
from pathlib import Path

import pytest

from app.billing import gateway
from app.billing.gateway import GatewayError
from tests.billing.stripe_double import PRICE_PRO, SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]


def test_a_customer_is_created_with_the_organisation_s_name_email_and_id(billing_app):
    customer_id = gateway.create_customer(organisation_id=42, name="Startup SAS", email="owner@startup.fr")

    assert customer_id.startswith("cus_")
    [sent] = billing_app.double.requests
    assert (sent.method, sent.path) == ("POST", "/v1/customers")
    assert sent.params == {"name": "Startup SAS", "email": "owner@startup.fr", "metadata[organisation_id]": "42"}
    assert sent.authorization == f"Bearer {SECRET_KEY}"
    assert sent.stripe_version  # the library pins its API version


def test_a_checkout_session_subscribes_the_customer_to_the_plan_s_price(billing_app):
    session_id, url = gateway.create_checkout_session(
        customer_id="cus_abc", price_id=PRICE_PRO, organisation_id=7,
        success_url="https://tremplin.example/organisation/billing?checkout=done",
        cancel_url="https://tremplin.example/organisation/billing", idempotency_key="checkout-7-pro-abc")

    assert session_id.startswith("cs_test_") and url.startswith("https://checkout.stripe.test/")
    [sent] = billing_app.double.to("/v1/checkout/sessions")
    assert sent.params["mode"] == "subscription"
    assert sent.params["customer"] == "cus_abc"
    assert sent.params["line_items[0][price]"] == PRICE_PRO and sent.params["line_items[0][quantity]"] == "1"
    assert sent.params["client_reference_id"] == "7"
    assert sent.params["metadata[organisation_id]"] == "7"
    assert sent.params["subscription_data[metadata][organisation_id]"] == "7"
    assert sent.params["success_url"] == "https://tremplin.example/organisation/billing?checkout=done"
    assert sent.params["cancel_url"] == "https://tremplin.example/organisation/billing"
    assert sent.idempotency_key == "checkout-7-pro-abc"
    assert sent.authorization == f"Bearer {SECRET_KEY}"


def test_a_portal_session_returns_to_the_billing_page(billing_app):
    url = gateway.create_portal_session(customer_id="cus_abc", return_url="https://tremplin.example/organisation/billing")

    assert url.startswith("https://billing.stripe.test/")
    [sent] = billing_app.double.to("/v1/billing_portal/sessions")
    assert sent.params == {"customer": "cus_abc", "return_url": "https://tremplin.example/organisation/billing"}
    assert sent.authorization == f"Bearer {SECRET_KEY}"


def test_stripe_failing_is_a_gateway_error_after_a_couple_of_retries_without_the_key(billing_app):
    billing_app.double.fail_next(500, times=10)

    with pytest.raises(GatewayError) as caught:
        gateway.create_customer(organisation_id=1, name="Startup", email="a@b.fr")

    assert caught.value.status == 500
    assert "create the customer" in str(caught.value)
    assert SECRET_KEY not in str(caught.value) and "sk_test" not in repr(caught.value.args)
    sent = billing_app.double.requests
    assert len(sent) == 1 + gateway.MAX_RETRIES  # retried, but only a couple of times
    assert len({r.idempotency_key for r in sent}) == 1  # every retry is the same request to Stripe


def test_a_refusal_is_not_retried_and_its_message_never_shows_the_key(billing_app):
    billing_app.double.fail_next(401, error={"type": "invalid_request_error",
                                             "message": f"Invalid API Key provided: {SECRET_KEY}"})

    with pytest.raises(GatewayError) as caught:
        gateway.create_portal_session(customer_id="cus_abc", return_url="https://tremplin.example/")

    assert caught.value.status == 401
    assert SECRET_KEY not in str(caught.value) and "Invalid API Key" in str(caught.value)
    assert len(billing_app.double.requests) == 1


def test_stripe_unreachable_is_a_gateway_error_without_the_key(billing_app, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(billing_app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{port}")

    with pytest.raises(GatewayError) as caught:
        gateway.create_checkout_session(customer_id="cus_abc", price_id=PRICE_PRO, organisation_id=1,
                                        success_url="https://t.example/ok", cancel_url="https://t.example/ko",
                                        idempotency_key="k1")

    assert caught.value.status is None
    assert "APIConnectionError" in str(caught.value)
    assert SECRET_KEY not in str(caught.value)


def test_without_a_secret_key_nothing_is_sent(billing_app, monkeypatch):
    monkeypatch.setitem(billing_app.config, "STRIPE_SECRET_KEY", None)

    with pytest.raises(GatewayError, match="not configured"):
        gateway.create_customer(organisation_id=1, name="Startup", email=None)
    assert billing_app.double.requests == []


def test_only_the_gateway_imports_stripe():
    importers = []
    for path in sorted([*(ROOT / "app").rglob("*.py"), *(ROOT / "notifications").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            if any(name == "stripe" or name.startswith("stripe.") for name in names):
                importers.append(path.relative_to(ROOT).as_posix())
    assert sorted(set(importers)) == ["app/billing/gateway.py"]


# --- the owner's operations, through the double ---------------------------------------------------

SUCCESS = "https://tremplin.example/organisation/billing?checkout=done"
CANCEL = "https://tremplin.example/organisation/billing"


def checkout(organisation, user, plan_code="pro"):
    from app.billing.services import start_checkout

    return start_checkout(organisation, by=user, plan_code=plan_code, success_url=SUCCESS, cancel_url=CANCEL)


def test_an_owner_subscribes_through_checkout_and_the_customer_is_created_once(billing_app):
    from app.billing.entitlements import account_of
    from app.extensions import db
    from tests.factories import make_org

    supplier, owner = make_org("startup", name="Startup SAS", verified=True, email="owner@startup.example")

    url = checkout(supplier, owner)
    db.session.commit()
    again = checkout(supplier, owner)  # a second click, or back from Checkout and again

    assert url.startswith("https://checkout.stripe.test/") and again.startswith("https://checkout.stripe.test/")
    [customer] = billing_app.double.to("/v1/customers")
    assert customer.params == {"name": "Startup SAS", "email": "owner@startup.example",
                               "metadata[organisation_id]": str(supplier.id)}
    account = account_of(supplier.id)
    assert account.stripe_customer_id.startswith("cus_") and account.plan == "free"
    sessions = billing_app.double.to("/v1/checkout/sessions")
    assert len(sessions) == 2
    for sent in sessions:
        assert sent.params["customer"] == account.stripe_customer_id
        assert sent.params["line_items[0][price]"] == PRICE_PRO and sent.params["mode"] == "subscription"
        assert sent.params["client_reference_id"] == str(supplier.id)
        assert (sent.params["success_url"], sent.params["cancel_url"]) == (SUCCESS, CANCEL)
        assert sent.idempotency_key.startswith(f"checkout-{supplier.id}-pro-")
    # The same click within minutes is the same Checkout session at Stripe.
    assert sessions[0].idempotency_key == sessions[1].idempotency_key


@pytest.mark.parametrize(("who", "code"), [("member", "owners_only"), ("operator", "owners_only"),
                                           ("other_owner", "owners_only")])
def test_only_the_organisation_s_owners_subscribe(billing_app, who, code):
    from app.accounts.models import Role
    from app.billing.services import BillingError
    from tests.factories import make_member, make_operator, make_org

    supplier, _owner = make_org("startup", verified=True)
    user = {"member": lambda: make_member(supplier, role=Role.MEMBER), "operator": make_operator,
            "other_owner": lambda: make_org("startup")[1]}[who]()

    with pytest.raises(BillingError) as caught:
        checkout(supplier, user)
    assert caught.value.code == code
    with billing_app.test_request_context("/?lang=en"):
        assert caught.value.message == "Only the organisation's owners may manage its subscription."
    assert billing_app.double.requests == []


@pytest.mark.parametrize(("plan_code", "code"), [("free", "unknown_plan"), ("platinum", "unknown_plan")])
def test_only_a_paid_plan_is_subscribed(billing_app, plan_code, code):
    from app.billing.services import BillingError
    from tests.factories import make_org

    supplier, owner = make_org("startup", verified=True)
    with pytest.raises(BillingError) as caught:
        checkout(supplier, owner, plan_code)
    assert caught.value.code == code and billing_app.double.requests == []


def test_buyers_post_for_free_and_billing_off_refuses(billing_app, monkeypatch):
    from app.billing.services import BillingError
    from tests.factories import make_org

    buyer, buyer_owner = make_org("corporate", verified=True)
    with pytest.raises(BillingError) as caught:
        checkout(buyer, buyer_owner)
    assert caught.value.code == "suppliers_only"

    supplier, owner = make_org("startup", verified=True)
    monkeypatch.setitem(billing_app.config, "BILLING_ENABLED", False)
    with pytest.raises(BillingError) as caught:
        checkout(supplier, owner)
    assert caught.value.code == "billing_off" and billing_app.double.requests == []


def test_a_subscribed_organisation_goes_to_the_portal_instead(billing_app):
    from app.billing.models import BillingAccount, SubscriptionStatus
    from app.billing.services import BillingError, open_portal
    from app.extensions import db
    from tests.factories import make_org

    supplier, owner = make_org("startup", verified=True)
    db.session.add(BillingAccount(organisation_id=supplier.id, plan="pro", stripe_customer_id="cus_7",
                                  stripe_subscription_id="sub_7", status=SubscriptionStatus.ACTIVE))
    db.session.commit()

    with pytest.raises(BillingError) as caught:
        checkout(supplier, owner)
    assert caught.value.code == "already_subscribed"

    url = open_portal(supplier, by=owner, return_url=CANCEL)
    assert url.startswith("https://billing.stripe.test/")
    [sent] = billing_app.double.requests
    assert sent.path == "/v1/billing_portal/sessions"
    assert sent.params == {"customer": "cus_7", "return_url": CANCEL}


def test_the_portal_needs_a_customer_and_an_owner(billing_app):
    from app.accounts.models import Role
    from app.billing.services import BillingError, open_portal
    from tests.factories import make_member, make_org

    supplier, owner = make_org("startup", verified=True)
    with pytest.raises(BillingError) as caught:
        open_portal(supplier, by=owner, return_url=CANCEL)
    assert caught.value.code == "no_customer"
    with pytest.raises(BillingError) as caught:
        open_portal(supplier, by=make_member(supplier, role=Role.MEMBER), return_url=CANCEL)
    assert caught.value.code == "owners_only"
    assert billing_app.double.requests == []


def test_stripe_failing_during_checkout_is_said_plainly(billing_app):
    from app.billing.services import BillingError
    from tests.factories import make_org

    supplier, owner = make_org("startup", verified=True)
    billing_app.double.fail_next(500, times=10)

    with pytest.raises(BillingError) as caught:
        checkout(supplier, owner)

    assert caught.value.code == "stripe_unavailable"
    assert isinstance(caught.value.__cause__, GatewayError)
    with billing_app.test_request_context("/?lang=en"):
        assert caught.value.message == "The payment service is unavailable. Please try again in a few minutes."
