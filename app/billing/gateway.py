"""The only module that talks to Stripe (and the only one importing the ``stripe`` library).

Outbound calls go through a ``stripe.StripeClient`` built from the configuration at each
call: the secret key ``STRIPE_SECRET_KEY``, the API address ``STRIPE_API_BASE`` when set
(tests point it at a local double of Stripe), a short timeout and at most a couple of
retries (the library sends an Idempotency-Key on every POST, so a retry never creates
twice). Any failure is a ``GatewayError`` whose message names the operation and the
cause, and never the key.

Incoming webhooks are checked with Stripe's own ``construct_event`` against
``STRIPE_WEBHOOK_SECRET`` with its default tolerance of 300 seconds: a missing, wrong or
stale signature is an ``InvalidSignature``.
"""

from __future__ import annotations

import json
import re

import stripe
from flask import current_app

TIMEOUT_SECONDS = 10
MAX_RETRIES = 2
_KEYS = re.compile(r"\b(sk|rk|whsec)_[A-Za-z0-9_]+")


class GatewayError(RuntimeError):
    """Stripe could not be reached or refused the call; ``status`` is its HTTP status, if any."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class InvalidSignature(ValueError):
    """A webhook whose signature is missing, wrong or too old: not from Stripe."""


def _redact(text: str) -> str:
    key = current_app.config.get("STRIPE_SECRET_KEY") or ""
    if key:
        text = text.replace(key, "[redacted]")
    return _KEYS.sub(lambda m: f"{m.group(1)}_[redacted]", text)


def _client() -> stripe.StripeClient:
    key = current_app.config.get("STRIPE_SECRET_KEY")
    if not key:
        raise GatewayError("Stripe is not configured: STRIPE_SECRET_KEY is not set")
    base = current_app.config.get("STRIPE_API_BASE")
    return stripe.StripeClient(
        key,
        base_addresses={"api": base.rstrip("/")} if base else None,
        max_network_retries=MAX_RETRIES,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


def _failure(action: str, exc: stripe.StripeError) -> GatewayError:
    status = getattr(exc, "http_status", None)
    code = getattr(exc, "code", None)
    said = (getattr(exc, "user_message", None) or "").strip().splitlines()
    detail = f"{type(exc).__name__}"
    if status:
        detail += f", HTTP {status}"
    if code:
        detail += f", {code}"
    if said and said[0]:
        detail += f": {said[0][:300]}"
    return GatewayError(_redact(f"Stripe could not {action} ({detail})"), status=status, code=code)


def _call(action: str, make):
    client = _client()
    try:
        return make(client)
    except stripe.StripeError as exc:
        raise _failure(action, exc) from None


def create_customer(*, organisation_id: int, name: str, email: str | None) -> str:
    """A Stripe customer for the organisation; returns its id (cus_…)."""
    params = {"name": name, "metadata": {"organisation_id": str(organisation_id)}}
    if email:
        params["email"] = email
    customer = _call("create the customer", lambda client: client.v1.customers.create(params=params))
    return customer.id


def create_checkout_session(*, customer_id: str, price_id: str, organisation_id: int, success_url: str,
                            cancel_url: str, idempotency_key: str) -> tuple[str, str]:
    """A Checkout session subscribing the customer to ``price_id``; returns (session id, its url)."""
    params = {
        "mode": "subscription",
        "customer": customer_id,
        "line_items": [{"price": price_id, "quantity": 1}],
        "client_reference_id": str(organisation_id),
        "metadata": {"organisation_id": str(organisation_id)},
        "subscription_data": {"metadata": {"organisation_id": str(organisation_id)}},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    session = _call("open a checkout session", lambda client: client.v1.checkout.sessions.create(
        params=params, options={"idempotency_key": idempotency_key}))
    return session.id, session.url


def create_portal_session(*, customer_id: str, return_url: str) -> str:
    """A customer portal session (invoices, payment method, cancellation); returns its url."""
    session = _call("open the customer portal", lambda client: client.v1.billing_portal.sessions.create(
        params={"customer": customer_id, "return_url": return_url}))
    return session.url


def verify_webhook(payload: bytes, signature_header: str | None) -> dict:
    """The event Stripe signed, as a dict; ``InvalidSignature`` when it is not provably Stripe's."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise InvalidSignature("no webhook secret configured (STRIPE_WEBHOOK_SECRET)")
    if not signature_header:
        raise InvalidSignature("no Stripe-Signature header")
    try:
        stripe.Webhook.construct_event(payload, signature_header, secret)
        event = json.loads(payload)
    except stripe.SignatureVerificationError as exc:
        raise InvalidSignature(_redact(str(exc.user_message or "signature mismatch"))) from None
    except (ValueError, UnicodeDecodeError):
        raise InvalidSignature("the payload is not a JSON event") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event.get("type") \
            or not isinstance(event.get("created"), int):
        raise InvalidSignature("the payload is not a Stripe event")
    return event
