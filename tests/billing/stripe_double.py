"""A local HTTP double of the Stripe API endpoints we call, and the fixtures using it.

Stripe is not reachable from the tests: ``StripeDouble`` is a real HTTP server (on
127.0.0.1, a free port, in a thread) answering Stripe-shaped JSON to

    POST /v1/customers                  -> {"id": "cus_…", "object": "customer", ...}
    POST /v1/checkout/sessions          -> {"id": "cs_test_…", "url": "https://checkout…", ...}
    POST /v1/billing_portal/sessions    -> {"id": "bps_…", "url": "https://billing…", ...}

and recording every request (path, form-decoded params, Authorization, Idempotency-Key,
Stripe-Version) so tests can assert what the application sent. ``fail_next(status)``
makes the next requests answer a Stripe error instead.

Fixtures (tests/billing/conftest.py imports them for every billing test):

- ``stripe_double``: a fresh double, stopped after the test;
- ``billing_app``: the test app in a clean app context with billing on: STRIPE_SECRET_KEY,
  STRIPE_WEBHOOK_SECRET, STRIPE_PRICE_PRO and STRIPE_API_BASE (the double) set, the plans
  and grace period as the start-up checks build them (``app.billing.plans.billing_settings``).
  ``billing_app.double`` is the double.

``sign(payload, secret, timestamp)`` builds a Stripe-Signature header the way Stripe does.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

SECRET_KEY = "sk_test_tremplin_double_51Hx"
WEBHOOK_SECRET = "whsec_tremplin_double_secret"
PRICE_PRO = "price_pro_monthly_test"


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]  # form fields as Stripe encodes them: metadata[organisation_id], line_items[0][price]
    authorization: str | None
    idempotency_key: str | None
    stripe_version: str | None
    headers: dict[str, str] = field(default_factory=dict)


class StripeDouble:
    """A local Stripe API answering the endpoints we use and recording what it receives."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._failures: list[tuple[int, dict]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                status, answer = double._answer(self.command, self.path, body, dict(self.headers.items()))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_double_{next(double._ids)}")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> StripeDouble:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- behaviour -------------------------------------------------------------------

    def fail_next(self, status: int = 500, *, times: int = 1, error: dict | None = None) -> None:
        """The next ``times`` requests answer ``status`` with a Stripe error body."""
        body = {"error": error or {"type": "api_error", "message": "Something went wrong on Stripe's end."}}
        with self._lock:
            self._failures.extend([(status, body)] * times)

    def _answer(self, method: str, path: str, body: str, headers: dict[str, str]) -> tuple[int, dict]:
        lowered = {k.lower(): v for k, v in headers.items()}
        params = dict(parse_qsl(body, keep_blank_values=True))
        with self._lock:
            self.requests.append(Recorded(method, path, params, lowered.get("authorization"),
                                          lowered.get("idempotency-key"), lowered.get("stripe-version"), lowered))
            if self._failures:
                return self._failures.pop(0)
        n = next(self._ids)
        if method != "POST":
            return 405, {"error": {"type": "invalid_request_error", "message": "Use POST."}}
        if not (lowered.get("authorization") or "").startswith("Bearer sk_"):
            return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided."}}
        if path == "/v1/customers":
            return 200, {"id": f"cus_double{n}", "object": "customer", "name": params.get("name"),
                         "email": params.get("email"), "metadata": _nested(params, "metadata"), "livemode": False}
        if path == "/v1/checkout/sessions":
            missing = [p for p in ("mode", "customer", "line_items[0][price]", "success_url") if not params.get(p)]
            if missing:
                return 400, {"error": {"type": "invalid_request_error", "param": missing[0],
                                       "message": f"Missing required param: {missing[0]}."}}
            return 200, {"id": f"cs_test_double{n}", "object": "checkout.session", "mode": params["mode"],
                         "customer": params["customer"], "client_reference_id": params.get("client_reference_id"),
                         "metadata": _nested(params, "metadata"), "status": "open",
                         "url": f"https://checkout.stripe.test/c/pay/cs_test_double{n}", "livemode": False}
        if path == "/v1/billing_portal/sessions":
            if not params.get("customer"):
                return 400, {"error": {"type": "invalid_request_error", "param": "customer",
                                       "message": "Missing required param: customer."}}
            return 200, {"id": f"bps_double{n}", "object": "billing_portal.session", "customer": params["customer"],
                         "return_url": params.get("return_url"),
                         "url": f"https://billing.stripe.test/p/session/double{n}", "livemode": False}
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL (POST: {path})."}}

    # --- reading what was received ----------------------------------------------------

    def to(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]


def _nested(params: dict[str, str], name: str) -> dict[str, str]:
    prefix = f"{name}["
    return {k[len(prefix):-1]: v for k, v in params.items() if k.startswith(prefix) and k.endswith("]")}


def sign(payload: bytes | str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header: t=<ts>,v1=HMAC-SHA256(secret, "<ts>.<payload>")."""
    text = payload.decode() if isinstance(payload, bytes) else payload
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.{text}".encode(), hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def billing_config(double_url: str | None, **extra: str) -> dict[str, object]:
    """The billing settings the app builds at start-up from these Stripe settings."""
    from app.billing.plans import billing_settings

    raw = {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
           "STRIPE_PRICE_PRO": PRICE_PRO, "STRIPE_API_BASE": double_url, **extra}
    return billing_settings(lambda name, default=None: raw.get(name) or default)


@pytest.fixture()
def stripe_double():
    double = StripeDouble().start()
    try:
        yield double
    finally:
        double.stop()


@pytest.fixture()
def billing_app(app_ctx, stripe_double, monkeypatch):
    """The app, in a clean app context, with billing on and Stripe at the local double."""
    for key, value in billing_config(stripe_double.url).items():
        monkeypatch.setitem(app_ctx.config, key, value)
    monkeypatch.setattr(app_ctx, "double", stripe_double, raising=False)
    return app_ctx


# --- Stripe events as the webhook receives them ---------------------------------------------

_event_ids = itertools.count(1)


def stripe_event(kind: str, obj: dict, *, created: int | None = None, event_id: str | None = None) -> dict:
    """A Stripe event (API version 2025+ shape) about ``obj``."""
    return {"id": event_id or f"evt_test_{next(_event_ids)}_{int(time.time() * 1000)}", "object": "event",
            "type": kind, "created": int(time.time()) if created is None else created, "livemode": False,
            "api_version": "2025-08-27.basil", "data": {"object": obj}}


def subscription_object(subscription_id: str, customer_id: str, *, status: str = "active",
                        price: str = PRICE_PRO, period_end: int | None = None, cancel_at_period_end: bool = False,
                        organisation_id: int | None = None) -> dict:
    end = period_end or int(time.time()) + 30 * 86400
    return {"id": subscription_id, "object": "subscription", "customer": customer_id, "status": status,
            "cancel_at_period_end": cancel_at_period_end,
            "metadata": {"organisation_id": str(organisation_id)} if organisation_id else {},
            "items": {"object": "list", "data": [{"id": f"si_{subscription_id}", "object": "subscription_item",
                                                  "price": {"id": price, "object": "price"}, "quantity": 1,
                                                  "current_period_end": end}]}}


def invoice_object(invoice_id: str, customer_id: str, subscription_id: str) -> dict:
    return {"id": invoice_id, "object": "invoice", "customer": customer_id,
            "parent": {"type": "subscription_details", "subscription_details": {"subscription": subscription_id}}}


def post_event(client, event: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    """POST the event to the webhook, signed as Stripe would."""
    payload = json.dumps(event).encode()
    return client.post("/billing/stripe/webhook", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": sign(payload, secret, timestamp)})
