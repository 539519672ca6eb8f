"""Stripe's webhook: POST /billing/stripe/webhook, signed by Stripe, no login, no CSRF token.

- Billing off: 404, as if the address did not exist.
- A missing, wrong or stale signature: 400 problem details; nothing is recorded.
- Otherwise the event is processed once (``services.process_event``), committed, and the
  answer is 200 ``{"outcome": "applied" | "duplicate" | "stale" | "ignored"}``. An error
  while processing is a 500: Stripe sends the event again later.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, request
from flask_babel import gettext as _

from app.billing import gateway, services
from app.billing.entitlements import billing_enabled
from app.events import commit
from app.extensions import csrf

log = logging.getLogger(__name__)

bp = Blueprint("billing_webhooks", __name__)
MAX_PAYLOAD = 512 * 1024  # Stripe's events are a few kilobytes


@bp.post("/billing/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    if not billing_enabled():
        abort(404)
    if (request.content_length or 0) > MAX_PAYLOAD:
        abort(413)
    try:
        event = gateway.verify_webhook(request.get_data(cache=False), request.headers.get("Stripe-Signature"))
    except gateway.InvalidSignature as exc:
        log.warning("billing: webhook refused: %s", exc)
        return ({"type": "about:blank", "title": _("Invalid signature"), "status": 400,
                 "detail": _("This request is not signed by Stripe with our webhook secret, or is too old.")},
                400, {"Content-Type": "application/problem+json"})
    outcome = services.process_event(event)
    commit()
    log.info("billing: Stripe event %s (%s): %s", event["id"], event["type"], outcome)
    return {"outcome": outcome}
