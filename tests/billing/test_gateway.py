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
