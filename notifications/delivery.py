"""Notify users on every channel: the notification row (in-app) and, when its email mode
is instant, an email queued in the same transaction. Digests pick up the others."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.alerts.models import EmailMode, Notification
from app.alerts.services import notify
from app.extensions import db


def notify_users(user_ids: Iterable[int], kind: str, **options) -> list[int]:
    """``app.alerts.services.notify`` plus the instant emails; returns the new notification ids."""
    created = notify(user_ids, kind, **options)
    queue_instant_emails(created)
    return created


def queue_instant_emails(notification_ids: list[int]) -> int:
    from notifications.emails import build_notification_email
    from notifications.outgoing import queue_mail

    queued = 0
    for start in range(0, len(notification_ids), 500):
        chunk = notification_ids[start:start + 500]
        rows = db.session.scalars(
            select(Notification)
            .where(Notification.id.in_(chunk), Notification.email_mode == EmailMode.INSTANT)
            .options(selectinload(Notification.user))
        )
        for notification in rows:
            mail = build_notification_email(notification)
            if mail is not None and queue_mail(mail, dedup_key=f"notification:{notification.id}",
                                               user_id=notification.user_id):
                queued += 1
    return queued
