"""Password reset links: signed, expiring, single-use tokens, and the email that carries them.

A token signs the user's id and a fingerprint of the current password hash with the
SECRET_KEY (itsdangerous, salt ``RESET_SALT``), with its time of issue. It is refused
once older than ``PASSWORD_RESET_MAX_AGE`` seconds, when tampered with, and as soon as
the password changed (the fingerprint no longer matches): a link works once.

The email is stored in the outbox like every other one (an ``outgoing_emails`` row and
an ``email.queued`` event in the request's transaction); the notifications relay hands
it to the mail server after commit.
"""

from __future__ import annotations

import hashlib
import hmac
from contextlib import ExitStack

from flask import current_app, has_request_context, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.dialects import postgresql, sqlite

from app.accounts.models import User
from app.alerts.models import EmailStatus, OutgoingEmail
from app.db import utcnow
from app.events import record_event
from app.extensions import db

RESET_SALT = "tremplin.password-reset"
EMAIL_EVENT = "email.queued"  # handled by notifications.outgoing (outbox -> mail server)


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
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    with ExitStack() as stack:
        if not has_request_context() or request.url_root.rstrip("/") != public_url:
            stack.enter_context(current_app.test_request_context(base_url=public_url))
        stack.enter_context(force_locale(user.locale if user.locale in ("fr", "en") else "fr"))
        context = {
            "locale": user.locale,
            "user": user,
            "subject": _("Reset your Tremplin password"),
            "url": url_for("accounts.reset_password", token=token, _external=True),
            "minutes": minutes,
            "service": True,
        }
        env = current_app.jinja_env
        text = env.get_template("email/password_reset.txt").render(**context)
        html = env.get_template("email/password_reset.html").render(**context)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    dedup_key = f"password-reset:{user.id}:{hashlib.sha256(token.encode()).hexdigest()[:32]}"
    email_id = db.session.scalar(
        insert(OutgoingEmail)
        .values(user_id=user.id, dedup_key=dedup_key, to_address=user.email, subject=context["subject"],
                text_body=text, html_body=html, headers={}, status=EmailStatus.PENDING, attempts=0,
                created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(OutgoingEmail.id)
    )
    if email_id is not None:
        record_event(EMAIL_EVENT, email_id=email_id)
    return email_id
