"""Password reset links: signed, expiring, single-use tokens, and the email that carries them.

A token signs the user's id and a fingerprint of the current password hash with the
SECRET_KEY (itsdangerous, salt ``RESET_SALT``), with its time of issue. It is refused
once older than ``PASSWORD_RESET_MAX_AGE`` seconds, when tampered with, and as soon as
the password changed (the fingerprint no longer matches): a link works once.

The email is stored in the outbox like every other one (app.accounts.emails).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from app.accounts.emails import queue_account_email
from app.accounts.models import User
from app.extensions import db

RESET_SALT = "tremplin.password-reset"


class InvalidResetToken(Exception):
    """The link is not usable; ``reason`` is "expired" or "invalid" (tampered, used, unknown)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:24]


def make_reset_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def read_reset_token(token: str) -> User:
    """The user whose password this token may reset; InvalidResetToken otherwise."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise InvalidResetToken("expired") from None
    except BadData:
        raise InvalidResetToken("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("f"), str):
        raise InvalidResetToken("invalid")
    user = db.session.get(User, data["u"])
    if user is None or not user.active or not hmac.compare_digest(_fingerprint(user), data["f"]):
        raise InvalidResetToken("invalid")
    return user


def queue_reset_email(user: User) -> int | None:
    """Store the email with a fresh reset link for the user, sent after commit."""
    token = make_reset_token(user)
    return queue_account_email(
        user,
        template="password_reset",
        subject=_l("Reset your Tremplin password"),
        dedup_key=f"password-reset:{user.id}:{hashlib.sha256(token.encode()).hexdigest()[:32]}",
        context=lambda: {
            "url": url_for("accounts.reset_password", token=token, _external=True),
            "minutes": current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
        },
    )
