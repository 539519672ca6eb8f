"""Notifications: creating them once each, reading them, and the user's choices about them.

``notify`` is what event handlers call. A unique key per (recipient, kind, subject,
reason) makes a second run of the same job create nothing; muted needs and the user's
preferences are applied here, so every channel obeys them alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.alerts.kinds import KINDS
from app.alerts.models import EmailMode, MutedNeed, Notification, NotificationPreference
from app.db import utcnow
from app.extensions import db

BATCH = 1000


def dedup_key(kind: str, user_id: int, need_id: int | None, reason: str = "") -> str:
    return f"{kind}:{user_id}:{need_id if need_id is not None else '-'}:{reason}"[:200]


def preferences_of(user_ids: Iterable[int], kind: str) -> dict[int, NotificationPreference]:
    ids = list(set(user_ids))
    found: dict[int, NotificationPreference] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        for pref in db.session.scalars(select(NotificationPreference).where(
                NotificationPreference.kind == kind, NotificationPreference.user_id.in_(chunk))):
            found[pref.user_id] = pref
    return found


def muted_users(user_ids: Iterable[int], need_id: int | None) -> set[int]:
    if need_id is None:
        return set()
    ids = list(set(user_ids))
    muted: set[int] = set()
    for start in range(0, len(ids), BATCH):
        muted.update(db.session.scalars(select(MutedNeed.user_id).where(
            MutedNeed.need_id == need_id, MutedNeed.user_id.in_(ids[start:start + BATCH]))))
    return muted


def _insert(rows: list[dict]) -> list[int]:
    """Insert notifications, skipping those whose key exists; return the ids created."""
    if not rows:
        return []
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    created: list[int] = []
    for start in range(0, len(rows), BATCH):
        stmt = (insert(Notification).values(rows[start:start + BATCH])
                .on_conflict_do_nothing(index_elements=["dedup_key"]).returning(Notification.id))
        created.extend(db.session.scalars(stmt))
    return created


def notify(user_ids: Iterable[int], kind: str, *, need_id: int | None = None, reason: str = "",
           params: dict | None = None, email_modes: dict[int, EmailMode] | None = None,
           per_user_params: dict[int, dict] | None = None, now: datetime | None = None) -> list[int]:
    """Notify each user once for (kind, need, reason); return the ids of new notifications.

    ``email_modes`` overrides the kind's default per user (e.g. a saved search's
    frequency); a user's preference « no email » always wins, and a user who muted the
    need hears nothing about it.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    now = now or utcnow()
    users = list(dict.fromkeys(user_ids))
    muted = muted_users(users, need_id)
    service = KINDS[kind].service  # billing notices reach the owners whatever their preferences
    prefs = {} if service else preferences_of(users, kind)
    default = KINDS[kind].default_email
    rows = []
    for user_id in users:
        if user_id in muted:
            continue
        pref = prefs.get(user_id)
        in_app = pref.in_app if pref is not None else True
        chosen = pref.email if pref is not None else default
        mode = EmailMode.OFF if chosen == EmailMode.OFF else (email_modes or {}).get(user_id, chosen)
        if not in_app and mode == EmailMode.OFF:
            continue
        rows.append({
            "user_id": user_id,
            "kind": kind,
            "need_id": need_id,
            "dedup_key": dedup_key(kind, user_id, need_id, reason),
            "params": {**(params or {}), **(per_user_params or {}).get(user_id, {})},
            "created_at": now,
            "read_at": None if in_app else now,  # email only: nothing waits in the centre
            "email_mode": mode,
        })
    return _insert(rows)


def shown_to(user_id: int):
    """The user's notifications that the inbox, its unread count and the API show: those about
    no need, or about a need the user may still see through one of their organisations (or as
    the operator). One about a need that has since become out of reach (a member who left, a
    supplier no longer verified, an invitation-only need) stays stored but is not shown."""
    from app.accounts.models import User
    from app.needs.models import Need
    from app.needs.policy import Viewer, visible_needs_clause

    user = db.session.get(User, user_id)
    memberships = list(user.memberships or []) if user is not None else []
    viewers = [Viewer.of(user, membership) for membership in memberships] or [Viewer.of(user, None)]
    visible = select(Need.id).where(Need.id == Notification.need_id,
                                    or_(*(visible_needs_clause(viewer) for viewer in viewers)))
    return and_(Notification.user_id == user_id, or_(Notification.need_id.is_(None), visible.exists()))


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        shown_to(user_id), Notification.read_at.is_(None))) or 0


def mark_read(user_id: int, notification_ids: Iterable[int] | None = None, *, now: datetime | None = None) -> int:
    """Mark some (or all) of a user's notifications read; return how many changed."""
    stmt = update(Notification).where(shown_to(user_id), Notification.read_at.is_(None))
    if notification_ids is not None:
        stmt = stmt.where(Notification.id.in_(list(notification_ids)))
    return db.session.execute(stmt.values(read_at=now or utcnow())).rowcount or 0


def set_preference(user_id: int, kind: str, *, email: EmailMode | None = None, in_app: bool | None = None,
                   now: datetime | None = None) -> NotificationPreference:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    pref = db.session.scalar(select(NotificationPreference).where(
        NotificationPreference.user_id == user_id, NotificationPreference.kind == kind))
    if pref is None:
        pref = NotificationPreference(user_id=user_id, kind=kind, email=KINDS[kind].default_email, in_app=True)
        db.session.add(pref)
    if email is not None:
        pref.email = EmailMode(email)
    if in_app is not None:
        pref.in_app = in_app
    pref.updated_at = now or utcnow()
    db.session.flush()
    return pref


def mute_need(user_id: int, need_id: int) -> bool:
    """Stop notifications about a need for this user; False if it was already muted."""
    exists = db.session.scalar(select(MutedNeed.id).where(MutedNeed.user_id == user_id,
                                                          MutedNeed.need_id == need_id))
    if exists:
        return False
    db.session.add(MutedNeed(user_id=user_id, need_id=need_id))
    db.session.flush()
    return True


def unmute_need(user_id: int, need_id: int) -> bool:
    muted = db.session.scalar(select(MutedNeed).where(MutedNeed.user_id == user_id, MutedNeed.need_id == need_id))
    if muted is None:
        return False
    db.session.delete(muted)
    db.session.flush()
    return True
