"""Service emails about a user's own account (password reset link, password changed).

They are stored in the outbox like every other email (an ``outgoing_emails`` row and an
``email.queued`` event in the request's transaction); the notifications relay hands them
to the mail server after commit. Written in the user's language, with links built on
PUBLIC_URL.
"""

from __future__ import annotations

from contextlib import ExitStack

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from sqlalchemy.dialects import postgresql, sqlite

from app.accounts.models import User
from app.alerts.models import EmailStatus, OutgoingEmail
from app.db import utcnow
from app.events import record_event
from app.extensions import db

EMAIL_EVENT = "email.queued"  # handled by notifications.outgoing (outbox -> mail server)


def queue_account_email(user: User, *, template: str, subject, dedup_key: str, context=None) -> int | None:
    """Store the email ``email/<template>.txt|html`` for the user, sent after commit.

    ``subject`` is a lazy string, and ``context`` an optional callable returning the
    template's variables: both are evaluated in the user's language, with URLs built on
    PUBLIC_URL. The dedup key makes a retried request store the email once. The email's id,
    or None when one with this key was already stored.
    """
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    with ExitStack() as stack:
        if not has_request_context() or request.url_root.rstrip("/") != public_url:
            stack.enter_context(current_app.test_request_context(base_url=public_url))
        stack.enter_context(force_locale(user.locale if user.locale in ("fr", "en") else "fr"))
        values = {"locale": user.locale, "user": user, "subject": str(subject), "service": True,
                  **(context() if context else {})}
        env = current_app.jinja_env
        text = env.get_template(f"email/{template}.txt").render(**values)
        html = env.get_template(f"email/{template}.html").render(**values)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    email_id = db.session.scalar(
        insert(OutgoingEmail)
        .values(user_id=user.id, dedup_key=dedup_key, to_address=user.email, subject=values["subject"],
                text_body=text, html_body=html, headers={}, status=EmailStatus.PENDING, attempts=0,
                created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(OutgoingEmail.id)
    )
    if email_id is not None:
        record_event(EMAIL_EVENT, email_id=email_id)
    return email_id


def queue_password_changed_email(user: User) -> int | None:
    """Tell the user their password changed and their other sessions ended (sent after commit)."""
    from flask import url_for
    from flask_babel import lazy_gettext as _l

    return queue_account_email(
        user,
        template="password_changed",
        subject=_l("Your Tremplin password has been changed"),
        dedup_key=f"password-changed:{user.id}:{user.session_version}",
        context=lambda: {
            "forgot_url": url_for("accounts.forgot_password", _external=True),
            "changed_at": utcnow(),
        },
    )
