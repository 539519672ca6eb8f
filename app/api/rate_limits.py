"""Rate limits of the API, counted per token (or per client address without one).

Every resource shares one budget per key (``API_RATE_LIMIT``); writes (POST, PUT, PATCH,
DELETE) also count against a stricter one (``API_WRITE_RATE_LIMIT``). Over a limit the
API answers 429 as a problem, with ``Retry-After`` and ``X-RateLimit-*`` headers. The
counts live in ``RATELIMIT_STORAGE_URI`` (Redis in production, so every worker shares
them; memory:// by default).
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from sqlalchemy import select

from app.api.models import ApiToken
from app.api.tokens import hash_secret, parse_authorization
from app.extensions import db, limiter

WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]
HEADERS = {
    "X-RateLimit-Limit": "The number of requests allowed in the current window",
    "X-RateLimit-Remaining": "The number of requests left in the current window",
    "X-RateLimit-Reset": "When the current window ends (Unix time, seconds)",
}


def rate_limit_key() -> str:
    """The token's key when the request carries a known token, else the client address.

    An unknown or malformed token counts against its address, so inventing tokens does
    not buy new budgets. The key is the start of the token's stored hash (unique to the
    token, never reused), never the secret.
    """
    cached = getattr(g, "_api_rate_key", None)
    if cached is not None:
        return cached
    key = f"address:{get_remote_address()}"
    secret = parse_authorization(request.headers.get("Authorization"))
    if secret is not None:
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.token_hash == hash_secret(secret)))
        if token_id is not None:
            key = f"token:{hash_secret(secret)[:32]}"
    g._api_rate_key = key
    return key


def limit_text(item) -> str:
    """One limit (a ``limits`` item) in the request's language: « 600 requêtes par minute »."""
    amount, unit, every = item.amount, item.GRANULARITY.name, item.multiples
    if every == 1:
        per = {
            "second": ngettext("%(num)s request per second", "%(num)s requests per second", amount),
            "minute": ngettext("%(num)s request per minute", "%(num)s requests per minute", amount),
            "hour": ngettext("%(num)s request per hour", "%(num)s requests per hour", amount),
            "day": ngettext("%(num)s request per day", "%(num)s requests per day", amount),
            "month": ngettext("%(num)s request per month", "%(num)s requests per month", amount),
            "year": ngettext("%(num)s request per year", "%(num)s requests per year", amount),
        }
        return per[unit]
    units = {"second": _("seconds"), "minute": _("minutes"), "hour": _("hours"), "day": _("days"),
             "month": _("months"), "year": _("years")}
    return ngettext("%(num)s request every %(every)s %(unit)s", "%(num)s requests every %(every)s %(unit)s",
                    amount, every=every, unit=units[unit])


def limits_text(setting: str) -> str:
    """A limits setting (« 600 per minute; 20000 per hour ») in the request's language."""
    from limits import parse_many

    return "; ".join(limit_text(item) for item in parse_many(setting))


def _api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _write_limit() -> str:
    return current_app.config["API_WRITE_RATE_LIMIT"]


def limit_blueprint(blueprint: Blueprint) -> None:
    """Put an API blueprint under the API's shared limits (once, however many apps are built)."""
    if getattr(blueprint, "_tremplin_rate_limited", False):
        return
    limiter.shared_limit(_api_limit, scope="api", key_func=rate_limit_key)(blueprint)
    limiter.shared_limit(_write_limit, scope="api-write", key_func=rate_limit_key,
                         methods=WRITE_METHODS)(blueprint)
    blueprint._tremplin_rate_limited = True
