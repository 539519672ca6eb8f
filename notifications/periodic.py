"""Periodic jobs, declared in one list, and the scheduler that runs them when due.

``flask jobs scheduler`` wakes up every few seconds and, for each job that is due,
claims the run in the database (one UPDATE that only one scheduler can win, so two
schedulers never run a job twice) and then either enqueues it on its RQ queue (with
``REDIS_URL``) or runs it in its own process (embedded default). Each run records when
it finished and its error, which the operator's jobs page shows.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.alerts.models import PeriodicRun
from app.db import utcnow
from app.events import commit
from app.extensions import db

log = logging.getLogger(__name__)
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Periodic:
    """A job run every ``every``, or at ``at`` (Paris time) each day, or each week on ``weekday``."""

    name: str
    func: str  # dotted path of a function taking keyword ``now``
    queue: str = "default"
    every: timedelta | None = None
    at: time | None = None
    weekday: int | None = None  # 0 = Monday, with ``at``
    kwargs: dict = field(default_factory=dict)

    def next_due(self, last_run_at: datetime | None, now: datetime) -> datetime:
        """When the job is next due, given its last run (None: never ran)."""
        if self.every is not None:
            return now if last_run_at is None else last_run_at + self.every
        # Calendar jobs: the latest slot at or before now; due if the last run predates it.
        local = now.astimezone(PARIS)
        slot = datetime.combine(local.date(), self.at, tzinfo=PARIS)
        if self.weekday is not None:
            slot -= timedelta(days=(local.weekday() - self.weekday) % 7)
        if slot > local:
            slot -= timedelta(days=7 if self.weekday is not None else 1)
        latest = slot.astimezone(now.tzinfo)
        if last_run_at is None or last_run_at < latest:
            return latest
        step = timedelta(days=7 if self.weekday is not None else 1)
        return (slot + step).astimezone(now.tzinfo)

    def describe(self) -> str:
        if self.every is not None:
            minutes = int(self.every.total_seconds() // 60)
            return f"every {minutes} min" if minutes < 60 else f"every {minutes // 60} h"
        day = "" if self.weekday is None else ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][self.weekday] + " "
        return f"{day}{self.at:%H:%M} Europe/Paris"


PERIODIC: tuple[Periodic, ...] = (
    Periodic("close-expired-needs", "notifications.periodic.close_expired_needs", every=timedelta(minutes=1)),
    Periodic("outbox-sweep", "notifications.periodic.sweep_outbox", every=timedelta(minutes=1)),
    Periodic("deadline-reminders", "notifications.handlers.remind_deadlines", queue="alerts",
             every=timedelta(hours=1)),
    Periodic("operations-interrupted", "notifications.periodic.fail_interrupted_operations",
             every=timedelta(minutes=10)),
    Periodic("billing-downgrades", "notifications.periodic.downgrade_after_grace", every=timedelta(hours=1)),
    Periodic("daily-digest", "notifications.digests.send_digests", queue="email", at=time(7, 0),
             kwargs={"frequency": "daily"}),
    Periodic("weekly-digest", "notifications.digests.send_digests", queue="email", at=time(7, 30), weekday=0,
             kwargs={"frequency": "weekly"}),
)
BY_NAME = {p.name: p for p in PERIODIC}


def resolve(dotted: str) -> Callable:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


# --- the jobs themselves -----------------------------------------------------------------

def close_expired_needs(*, now: datetime | None = None) -> int:
    from app.needs.services import close_expired_needs as close

    closed = close(now=now)
    commit()  # the need.closed events go out: notifications to followers and bidders
    return len(closed)


def downgrade_after_grace(*, now: datetime | None = None) -> int:
    """Suppliers whose grace after a failed payment ran out move to the free plan; owners hear once."""
    from app.billing.services import downgrade_after_grace as downgrade

    downgraded = downgrade(now=now)
    commit()  # billing.changed and billing.downgraded go out: the owners' notifications
    return len(downgraded)


def fail_interrupted_operations(*, now: datetime | None = None) -> int:
    """Operations whose worker died under them are marked failed, so their pages stop waiting."""
    from app.operations.services import fail_interrupted_operations as fail

    return fail(now=now)


def sweep_outbox(*, now: datetime | None = None, include_waiting: bool = False) -> int:
    """Hand over again every pending event that is due (after an outage or a failure);
    with ``include_waiting``, also those still waiting out their backoff delay."""
    from app.events import pending_event_ids

    now = now or utcnow()
    ids = pending_event_ids(now=now + timedelta(days=3650) if include_waiting else now)
    if ids:
        current_app.extensions["tremplin.dispatch"](ids)
    return len(ids)


# --- scheduling --------------------------------------------------------------------------

def _ensure_rows() -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(PeriodicRun).values([{"name": p.name} for p in PERIODIC])
                       .on_conflict_do_nothing(index_elements=["name"]))
    db.session.commit()


def claim(job: Periodic, now: datetime) -> bool:
    """Take the run of ``job`` due at ``now``; False if it is not due or another scheduler took it."""
    row = db.session.get(PeriodicRun, job.name)
    if row is None:
        _ensure_rows()
        row = db.session.get(PeriodicRun, job.name)
    seen = row.last_run_at
    if job.next_due(seen, now) > now:
        db.session.rollback()
        return False
    won = db.session.execute(
        update(PeriodicRun)
        .where(PeriodicRun.name == job.name,
               PeriodicRun.last_run_at.is_(None) if seen is None else PeriodicRun.last_run_at == seen)
        .values(last_run_at=now)
    ).rowcount == 1
    db.session.commit()
    return won


def run_periodic(name: str, *, now: datetime | None = None) -> object:
    """Run one periodic job now, recording when it finished and its error (if any)."""
    job = BY_NAME[name]
    try:
        result = resolve(job.func)(now=now, **job.kwargs)
        error = None
    except Exception as exc:
        db.session.rollback()
        log.exception("periodic job %s failed", name)
        result, error = None, f"{type(exc).__name__}: {exc}"[:2000]
    db.session.execute(update(PeriodicRun).where(PeriodicRun.name == name)
                       .values(last_finished_at=utcnow(), last_error=error))
    commit()  # the job's own work too, if it left it to us; then its events go out
    if error is not None:
        raise RuntimeError(f"periodic job {name} failed: {error}")
    return result


def tick(*, now: datetime | None = None) -> list[str]:
    """Start every job that is due; return their names."""
    now = now or utcnow()
    started = []
    for job in PERIODIC:
        if not claim(job, now):
            continue
        started.append(job.name)
        if current_app.config["JOBS_INLINE"]:
            # A failure is recorded on the run; the next tick goes on with the others.
            with contextlib.suppress(RuntimeError):
                run_periodic(job.name, now=now)
        else:
            from notifications.queue import enqueue_periodic

            enqueue_periodic(job, now)
    return started


def runs() -> list[tuple[Periodic, PeriodicRun | None]]:
    found = {r.name: r for r in db.session.scalars(select(PeriodicRun))}
    return [(p, found.get(p.name)) for p in PERIODIC]


def failing_runs() -> list[PeriodicRun]:
    return list(db.session.scalars(select(PeriodicRun).where(or_(PeriodicRun.last_error.is_not(None)))))
