"""Notify users on every channel: the notification row (in-app) and, when its email mode
is instant, an email. Digests pick up the others.

The emails are not written in the job that creates the notifications: it records an
``email.render`` event per batch of instant notifications, in the same transaction, and
that event's job (on the ``email`` queue) renders each message in its recipient's
language and stores it. A fan-out to thousands of suppliers thus only decides and
writes rows; rendering and sending happen beside it, and nothing is lost if either
stops midway (each message has its unique key).

Alerts (``entitlements.ALERT_KINDS``: new needs matching a saved search or the profile)
are emailed at once only if the plan of the organisation they came through includes
instant alerts (app.billing.entitlements, asked here, when the email is about to be
written, so that a downgrade takes effect at once); otherwise the notification's email
mode becomes daily and the next daily digest carries it. The in-app notification is
there immediately either way: what a paid plan buys is the push, the instant email."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import Membership
from app.alerts.models import EmailMode, Notification
from app.alerts.services import notify
from app.db import utcnow
from app.events import OutboxEvent, record_event
from app.extensions import db

RENDER_EVENT = "email.render"
RENDER_BATCH = 200


def notify_users(user_ids: Iterable[int], kind: str, **options) -> list[int]:
    """``app.alerts.services.notify`` plus the instant emails; returns the new notification ids."""
    created = notify(user_ids, kind, **options)
    instant = [] if not created else list(db.session.scalars(
        select(Notification.id).where(Notification.id.in_(created), Notification.email_mode == EmailMode.INSTANT)
        .order_by(Notification.id)))
    for start in range(0, len(instant), RENDER_BATCH):
        record_event(RENDER_EVENT, notification_ids=instant[start:start + RENDER_BATCH])
    return created


def _on_render(event: OutboxEvent) -> None:
    queue_instant_emails([int(i) for i in event.payload.get("notification_ids", [])])


def queue_instant_emails(notification_ids: list[int]) -> int:
    from notifications.emails import build_notification_email
    from notifications.outgoing import queue_mail
    from notifications.recipients import still_deliverable

    queued = 0
    for start in range(0, len(notification_ids), 500):
        chunk = notification_ids[start:start + 500]
        rows = list(db.session.scalars(
            select(Notification)
            .where(Notification.id.in_(chunk), Notification.email_mode == EmailMode.INSTANT)
            .options(selectinload(Notification.user), selectinload(Notification.need))
        ))
        held = held_alerts(rows)
        for notification in rows:
            if notification.user is not None and not still_deliverable(notification, notification.user):
                notification.email_mode = EmailMode.OFF  # no longer for this person: never emailed
                continue
            if notification.id in held:
                notification.email_mode = EmailMode.DAILY  # the plan has no instant alerts: the daily digest
                continue
            mail = build_notification_email(notification)
            if mail is not None and queue_mail(mail, dedup_key=f"notification:{notification.id}",
                                               user_id=notification.user_id):
                notification.emailed_at = utcnow()
                queued += 1
    return queued


def held_alerts(notifications: list[Notification]) -> set[int]:
    """Ids of the alerts among ``notifications`` whose recipients' plans have no instant alerts."""
    from app.billing import entitlements

    alerts = [n for n in notifications if n.kind in entitlements.ALERT_KINDS]
    if not alerts or not entitlements.billing_enabled():
        return set()
    through = {n.id: {int(i) for i in (n.params or {}).get("organisation_ids") or []} for n in alerts}
    unknown = {n.user_id for n in alerts if not through[n.id]}
    memberships: dict[int, set[int]] = {}
    if unknown:  # notifications from before organisations were recorded: the user's organisations
        for user_id, organisation_id in db.session.execute(
                select(Membership.user_id, Membership.organisation_id).where(Membership.user_id.in_(unknown))):
            memberships.setdefault(user_id, set()).add(organisation_id)
    for n in alerts:
        if not through[n.id]:
            through[n.id] = memberships.get(n.user_id, set())
    allowed = entitlements.instant_alert_users(through)  # keyed by notification: the same decision
    return {n.id for n in alerts if n.id not in allowed}


def init_app(app: Flask) -> None:
    app.extensions["tremplin.subscribers"].subscribe(RENDER_EVENT, _on_render)
