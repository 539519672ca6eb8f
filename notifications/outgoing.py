"""Outgoing emails: rows first, then handed to the mail server by a job.

``queue_mail`` stores a rendered message (once per key) and records an ``email.queued``
event in the same transaction; the event's handler sends it after commit, on the
``email`` queue. When the mail server refuses, the handler raises: the event is retried
with exponential backoff (``app.events``) and ends in the dead-letter list if the server
never takes it. A message is marked sent as soon as the server accepted it, so a rerun
after success sends nothing.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.alerts.models import EmailStatus, OutgoingEmail
from app.db import utcnow
from app.events import OutboxEvent, record_event
from app.extensions import db
from notifications.email import Mail, send_mail

EMAIL_EVENT = "email.queued"


def queue_mail(mail: Mail, *, dedup_key: str, user_id: int | None = None) -> int | None:
    """Store a message to send after commit; return its id, or None if one with this key exists."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(OutgoingEmail)
        .values(user_id=user_id, dedup_key=dedup_key[:200], to_address=mail.to, subject=mail.subject[:300],
                text_body=mail.text, html_body=mail.html, headers=dict(mail.headers),
                status=EmailStatus.PENDING, attempts=0, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(OutgoingEmail.id)
    )
    email_id = db.session.scalar(stmt)
    if email_id is None:
        return None
    record_event(EMAIL_EVENT, email_id=email_id)
    return email_id


def send_outgoing(email_id: int) -> bool:
    """Send one stored message unless it went already; raise MailError if the server refuses."""
    email = db.session.get(OutgoingEmail, email_id)
    if email is None or email.status == EmailStatus.SENT:
        return False
    email.attempts += 1
    mail = Mail(to=email.to_address, subject=email.subject, text=email.text_body, html=email.html_body,
                headers=dict(email.headers or {}))
    send_mail(mail)  # MailError -> the event handler fails, the outbox retries later
    email.status = EmailStatus.SENT
    email.sent_at = utcnow()
    email.last_error = None
    db.session.flush()
    return True


def _on_email_queued(event: OutboxEvent) -> None:
    send_outgoing(int(event.payload["email_id"]))


def pending_emails(limit: int = 100) -> list[OutgoingEmail]:
    return list(db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.status == EmailStatus.PENDING)
                                   .order_by(OutgoingEmail.id).limit(limit)))


def init_app(app: Flask) -> None:
    app.extensions["tremplin.subscribers"].subscribe(EMAIL_EVENT, _on_email_queued)
