"""Daily and weekly digests: one email per user gathering what was not sent at once.

``send_digests("daily")`` (or ``"weekly"``) takes every notification whose email mode is
that frequency and that no digest has reported yet, and sends each user one email:
first the needs closing this week (among those notifications, plus the published needs
the user follows and may still see), then one section per need listing what happened.

- A need the user muted, or a kind whose email the user turned off after the
  notification was created, is left out; those notifications are marked « not emailed »
  (email mode off) so that no later digest picks them up.
- The message is stored under ``digest:<user>:<frequency>:<period>`` (the Paris date,
  or the ISO year-week), and the notifications it reports get ``digested_at`` in the
  same transaction: a second run in the same period sends nothing. Notifications that
  arrive after a period's digest went out wait for the next period's.
- Users are handled in batches, one transaction each; the commit hands the queued
  emails to the outbox.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import Membership, User
from app.alerts.models import EmailMode, MutedNeed, Notification, NotificationPreference
from app.db import utcnow
from app.events import commit
from app.extensions import db
from app.main.filters import PARIS
from app.needs.models import Need, NeedFollow, NeedStatus
from notifications.emails import build_digest_email
from notifications.outgoing import queue_mail
from notifications.recipients import may_still_see, still_deliverable

USERS_PER_BATCH = 100
CLOSING_WINDOW = timedelta(days=7)
FREQUENCIES = (EmailMode.DAILY, EmailMode.WEEKLY)


def digest_period(frequency: str, now: datetime) -> str:
    """The period a digest covers, as seen in Paris: « 2026-11-27 » or « 2026-W48 »."""
    local = now.astimezone(PARIS).date()
    if EmailMode(frequency) == EmailMode.DAILY:
        return local.isoformat()
    year, week, _day = local.isocalendar()
    return f"{year}-W{week:02d}"


def closes_soon(need: Need, now: datetime) -> bool:
    return need.status == NeedStatus.PUBLISHED and now < need.deadline_at <= now + CLOSING_WINDOW


def send_digests(frequency: str, *, now: datetime | None = None) -> int:
    """Queue this period's digests; return how many were queued."""
    mode = EmailMode(frequency)
    if mode not in FREQUENCIES:
        raise ValueError(f"digests are daily or weekly, not {frequency!r}")
    now = now or utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    user_ids = list(db.session.scalars(
        select(Notification.user_id)
        .where(Notification.email_mode == mode, Notification.digested_at.is_(None))
        .distinct().order_by(Notification.user_id)
    ))
    queued = 0
    for start in range(0, len(user_ids), USERS_PER_BATCH):
        queued += _send_batch(user_ids[start:start + USERS_PER_BATCH], mode, now)
        commit()
    return queued


def _send_batch(user_ids: list[int], mode: EmailMode, now: datetime) -> int:
    users = {user.id: user for user in db.session.scalars(
        select(User).where(User.id.in_(user_ids))
        .options(selectinload(User.memberships).selectinload(Membership.organisation)))}
    pending: dict[int, list[Notification]] = defaultdict(list)
    for notification in db.session.scalars(
            select(Notification)
            .where(Notification.user_id.in_(user_ids), Notification.email_mode == mode,
                   Notification.digested_at.is_(None))
            .options(selectinload(Notification.need))
            .order_by(Notification.created_at, Notification.id)):
        pending[notification.user_id].append(notification)
    muted: dict[int, set[int]] = defaultdict(set)
    for user_id, need_id in db.session.execute(
            select(MutedNeed.user_id, MutedNeed.need_id).where(MutedNeed.user_id.in_(user_ids))):
        muted[user_id].add(need_id)
    emails_off = {(row.user_id, row.kind) for row in db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.kind)
        .where(NotificationPreference.user_id.in_(user_ids), NotificationPreference.email == EmailMode.OFF))}
    followed: dict[int, list[Need]] = defaultdict(list)
    for user_id, need in db.session.execute(
            select(NeedFollow.user_id, Need).join(Need, Need.id == NeedFollow.need_id)
            .where(NeedFollow.user_id.in_(user_ids), NeedFollow.muted_at.is_(None),
                   Need.status == NeedStatus.PUBLISHED, Need.deadline_at > now,
                   Need.deadline_at <= now + CLOSING_WINDOW)):
        followed[user_id].append(need)

    queued = 0
    for user_id in user_ids:
        user = users.get(user_id)
        notifications = pending.get(user_id, [])
        if user is None or not user.active or not user.email:
            included, left_out = [], notifications
        else:
            included = [n for n in notifications
                        if n.need_id not in muted[user_id] and (user_id, n.kind) not in emails_off
                        and still_deliverable(n, user, now=now)]
            reported = {n.id for n in included}
            left_out = [n for n in notifications if n.id not in reported]
        for notification in left_out:
            notification.email_mode = EmailMode.OFF  # never emailed: no later digest takes it
        if not included:
            continue
        candidates = [n.need for n in included if n.need is not None] + followed.get(user_id, [])
        closing = {need.id: need for need in candidates
                   if need.id not in muted[user_id] and closes_soon(need, now) and may_still_see(user, need)}
        mail = build_digest_email(user, mode.value, included, list(closing.values()))
        key = f"digest:{user_id}:{mode.value}:{digest_period(mode, now)}"
        if queue_mail(mail, dedup_key=key, user_id=user_id) is None:
            continue  # this period's digest went already: these wait for the next one
        for notification in included:
            notification.digested_at = now
        queued += 1
    db.session.flush()
    return queued
