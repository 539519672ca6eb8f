"""Throttling of sign-in and password-reset requests, per client address and per account.

The counts live in the application's rate-limit storage (``RATELIMIT_STORAGE_URI``: Redis
in production, so every worker shares them; memory otherwise), through the same
Flask-Limiter extension as the API. Two budgets per action:

- per client address: failed sign-ins (``LOGIN_RATE_LIMIT``) and every reset request
  (``PASSWORD_RESET_RATE_LIMIT``);
- per account, keyed by the email typed once normalised, whether or not an account uses
  it (so the answer reveals nothing): failed sign-ins (``LOGIN_ACCOUNT_RATE_LIMIT``) and
  reset requests (``PASSWORD_RESET_ACCOUNT_RATE_LIMIT``).

Sign-ins count their failures only: guessing and credential stuffing fail, while the people
of one office behind one address (or a test suite) may sign in as often as they need. A
spent budget refuses every attempt, the right password included, before any password check.

Should the storage fail, the request goes on (logged): the lockout kept in the database
(app.accounts.lockout) still protects accounts.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse_many

from app.extensions import limiter

log = logging.getLogger("tremplin.accounts.throttling")

ADDRESS_SETTINGS = {"login": "LOGIN_RATE_LIMIT", "password-reset": "PASSWORD_RESET_RATE_LIMIT"}
ACCOUNT_SETTINGS = {"login": "LOGIN_ACCOUNT_RATE_LIMIT", "password-reset": "PASSWORD_RESET_ACCOUNT_RATE_LIMIT"}


class Throttled(Exception):
    """Too many attempts; ``retry_after`` is the number of seconds to wait."""

    account = False  # refused for the account (the email typed) rather than the address

    def __init__(self, retry_after: int):
        self.retry_after = max(1, int(retry_after))
        super().__init__(f"retry after {self.retry_after}s")


def account_key(email: str | None) -> str:
    """A stable key for the email typed (never the address itself in the storage)."""
    from app.accounts.services import AccountError, normalise_email

    try:
        normalised = normalise_email(email or "")
    except AccountError:
        normalised = (email or "").strip().lower()
    return hashlib.sha256(normalised.encode()).hexdigest()[:32]


def _keys(scope: str, kind: str, value: str) -> tuple[str, ...]:
    return ("tremplin-accounts", scope, kind, value)


def _limits(setting: str):
    return parse_many(current_app.config[setting])


def _retry_after(items, identifiers) -> int:
    now = time.time()
    waits = [math.ceil(limiter.limiter.get_window_stats(item, *identifiers).reset_time - now) for item in items]
    return max([1, *waits])


def _exceeded(items, identifiers) -> list:
    return [item for item in items if not limiter.limiter.test(item, *identifiers)]


def _hit(setting: str, identifiers: tuple[str, ...]) -> None:
    """Count one attempt; raise Throttled when the budget was already spent."""
    items = _limits(setting)
    try:
        over = _exceeded(items, identifiers)
        if over:
            raise Throttled(_retry_after(over, identifiers))
        for item in items:
            limiter.limiter.hit(item, *identifiers)
    except Throttled:
        raise
    except Exception:  # the storage is down: let the request through, the lockout still holds
        log.exception("rate-limit storage unavailable; %s not counted", setting)


def hit_address(scope: str) -> None:
    """Count a request of this client address for the scope; raise Throttled if over budget."""
    _hit(ADDRESS_SETTINGS[scope], _address_keys(scope))


def _address_keys(scope: str) -> tuple[str, ...]:
    return _keys(scope, "address", get_remote_address() or "unknown")


def _account_keys(scope: str, email: str | None) -> tuple[str, ...]:
    return _keys(scope, "account", account_key(email))


def hit_account(scope: str, email: str | None) -> None:
    """Count a request on this account (the email typed); raise Throttled if over budget."""
    _hit(ACCOUNT_SETTINGS[scope], _account_keys(scope, email))


def check_sign_in(email: str | None) -> None:
    """Raise Throttled if this address's or this account's budget of failed sign-ins is spent.

    The address is checked first: its retry delay says nothing of the account. An account's
    refusal carries ``account=True`` so the caller can answer the same for every email.
    """
    budgets = ((ADDRESS_SETTINGS["login"], _address_keys("login"), False),
               (ACCOUNT_SETTINGS["login"], _account_keys("login", email), True))
    for setting, identifiers, is_account in budgets:
        items = _limits(setting)
        try:
            over = _exceeded(items, identifiers)
            if over:
                exc = Throttled(_retry_after(over, identifiers))
                exc.account = is_account
                raise exc
        except Throttled:
            raise
        except Exception:
            log.exception("rate-limit storage unavailable; %s not checked", setting)


def count_failure(email: str | None) -> None:
    """Count a failed sign-in against the address and the account (never raises)."""
    try:
        for setting, identifiers in ((ADDRESS_SETTINGS["login"], _address_keys("login")),
                                     (ACCOUNT_SETTINGS["login"], _account_keys("login", email))):
            for item in _limits(setting):
                limiter.limiter.hit(item, *identifiers)
    except Exception:
        log.exception("rate-limit storage unavailable; failed sign-in not counted")
