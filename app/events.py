"""The outbox: events are recorded in the same transaction as the change they describe,
and handed to their subscribers only after that transaction commits.

Subscribers live outside ``app`` (search indexing, alerts, emails); they are loaded by
module name from the ``EVENT_SUBSCRIBERS`` setting so that ``app`` never imports them.
Without Redis the relay runs inline right after commit; with Redis it enqueues one job
per event. An event that could not be handed over stays pending and is picked up by the
outbox sweep, so a crash or an absent Redis never loses it.
"""

from __future__ import annotations

import contextlib
import enum
import importlib
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import Index, String, Text, event, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import JSON_DATA, Base, str_enum, utcnow
from app.extensions import db

log = logging.getLogger(__name__)

Handler = Callable[["OutboxEvent"], None]


class EventStatus(enum.StrEnum):
    PENDING = "pending"
    DISPATCHED = "dispatched"
    FAILED = "failed"  # retries exhausted: in the operator's dead-letter list until replayed


# Failed deliveries are retried after 30 s, 2 min, 8 min, 32 min, ~2 h, then dead-lettered.
MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failed ones (exponential, capped at 12 h)."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 4 ** max(attempts - 1, 0), 12 * 3600))


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict] = mapped_column(JSON_DATA, default=dict)
    status: Mapped[EventStatus] = mapped_column(str_enum(EventStatus, "event_status"), default=EventStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<OutboxEvent {self.id} {self.kind} {self.status}>"


_SESSION_KEY = "outbox_new_events"


def record_event(kind: str, /, **payload) -> OutboxEvent:
    """Record an event in the current transaction; it goes out after commit."""
    evt = OutboxEvent(kind=kind, payload=payload)
    db.session.add(evt)
    db.session.info.setdefault(_SESSION_KEY, []).append(evt)
    return evt


class Subscribers:
    """Event kind -> handlers. ``"*"`` receives every event."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, kind: str, handler: Handler) -> None:
        if handler not in self._handlers[kind]:
            self._handlers[kind].append(handler)

    def handlers_for(self, kind: str) -> list[Handler]:
        return [*self._handlers.get(kind, []), *self._handlers.get("*", [])]


def subscribers() -> Subscribers:
    return current_app.extensions["tremplin.subscribers"]


def deliver(event_id: int) -> bool:
    """Hand one event to its subscribers, in its own transaction. Idempotent."""
    session: Session = db.session
    evt = session.get(OutboxEvent, event_id, with_for_update=session.get_bind().dialect.name == "postgresql")
    if evt is None or evt.status != EventStatus.PENDING:
        session.rollback()
        return False
    try:
        for handler in subscribers().handlers_for(evt.kind):
            handler(evt)
    except Exception as exc:  # the event stays pending (or is dead-lettered), with the error shown
        session.rollback()
        evt = session.get(OutboxEvent, event_id)
        evt.attempts += 1
        evt.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if evt.attempts >= MAX_ATTEMPTS:
            evt.status = EventStatus.FAILED
            evt.next_attempt_at = None
        else:
            evt.next_attempt_at = utcnow() + backoff(evt.attempts)
        session.commit()
        log.exception("outbox event %s (%s) failed (attempt %s)", event_id, evt.kind, evt.attempts)
        raise
    evt.attempts += 1
    evt.status = EventStatus.DISPATCHED
    evt.dispatched_at = utcnow()
    evt.next_attempt_at = None
    evt.last_error = None
    session.commit()
    return True


def replay_event(event_id: int) -> bool:
    """Put a dead-lettered event back in line (the operator's « replay »); True if it was dead."""
    evt = db.session.get(OutboxEvent, event_id)
    if evt is None or evt.status != EventStatus.FAILED:
        return False
    evt.status = EventStatus.PENDING
    evt.attempts = 0
    evt.next_attempt_at = None
    db.session.info.setdefault("outbox_to_dispatch", []).append(evt.id)
    return True


def pending_event_ids(limit: int = 500, *, now: datetime | None = None) -> list[int]:
    """Pending events that are due: never tried, or whose backoff delay has passed."""
    now = now or utcnow()
    stmt = (
        select(OutboxEvent.id)
        .where(OutboxEvent.status == EventStatus.PENDING)
        .where(or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now))
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def _default_dispatcher(app: Flask) -> Callable[[list[int]], None]:
    """Inline relay: deliver each event right after the commit that recorded it."""

    def dispatch(ids: list[int]) -> None:
        for event_id in ids:
            # A failure is logged and kept on the event by deliver(); the sweep retries it.
            with contextlib.suppress(Exception):
                deliver(event_id)

    return dispatch


def set_dispatcher(app: Flask, dispatcher: Callable[[list[int]], None]) -> None:
    """Replace the relay (the job queue glue installs an RQ-backed one)."""
    app.extensions["tremplin.dispatch"] = dispatcher


def register_outbox(app: Flask) -> None:
    app.extensions["tremplin.subscribers"] = Subscribers()
    app.extensions.setdefault("tremplin.dispatch", _default_dispatcher(app))
    for module_name in app.config.get("EVENT_SUBSCRIBERS", ()):
        module = importlib.import_module(module_name)
        module.init_app(app)


@event.listens_for(Session, "after_commit")
def _relay_after_commit(session: Session) -> None:
    new = session.info.pop(_SESSION_KEY, None)
    if not new:
        return
    ids = [evt.id for evt in new if evt.id is not None]
    session.info.setdefault("outbox_to_dispatch", []).extend(ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_SESSION_KEY, None)


def flush_dispatch() -> None:
    """Dispatch what the last commits recorded (called after the request or job).

    Handlers may record events of their own; those go out in the same loop.
    """
    info = db.session.info
    if info.get("outbox_relaying"):
        return
    info["outbox_relaying"] = True
    try:
        while ids := info.pop("outbox_to_dispatch", None):
            current_app.extensions["tremplin.dispatch"](ids)
    finally:
        info.pop("outbox_relaying", None)


def commit() -> None:
    """Commit the unit of work, then hand its events over."""
    db.session.commit()
    flush_dispatch()
