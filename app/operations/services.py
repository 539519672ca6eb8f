"""Starting and running operations. ``start_operation`` never commits (the request does);
``run_operation`` is the job: it claims the operation, runs it, and commits its end.

A runner (``app.operations.runners``) does the work in the job's one transaction and
returns the result to keep; it raises ``OperationFailed`` to stop with a message for the
user (the transaction is rolled back: nothing is changed). It receives an
``OperationInput`` rather than the row, so that it never writes the row its progress is
being written to from another connection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.accounts.models import Organisation, User
from app.db import utcnow
from app.events import record_event
from app.extensions import db
from app.i18n import current_locale
from app.operations.models import Operation, OperationKind, OperationStatus
from app.operations.progress import Progress

log = logging.getLogger(__name__)

QUEUED_EVENT = "operation.queued"


class OperationFailed(Exception):
    """Stop the operation: ``message`` says why, for the user; ``result`` is kept (e.g. a report)."""

    def __init__(self, message: str, *, result: dict | None = None):
        super().__init__(message)
        self.message = message
        self.result = result


@dataclass(frozen=True)
class OperationInput:
    id: int
    kind: OperationKind
    owner_id: int
    organisation_id: int | None
    params: dict

    @classmethod
    def of(cls, operation: Operation) -> OperationInput:
        return cls(operation.id, operation.kind, operation.owner_id, operation.organisation_id,
                   dict(operation.params or {}))


Runner = Callable[[OperationInput, Progress], dict]


def start_operation(kind: OperationKind | str, *, owner: User, organisation: Organisation | None = None,
                    params: dict | None = None, total: int | None = None, locale: str | None = None) -> Operation:
    """Record an operation to run after the commit (inline, or on a worker). Never commits."""
    operation = Operation(kind=OperationKind(kind), owner_id=owner.id,
                          organisation_id=organisation.id if organisation is not None else None,
                          params=params or {}, total=total, locale=locale or _locale_of(owner))
    db.session.add(operation)
    db.session.flush()
    record_event(QUEUED_EVENT, operation_id=operation.id, kind=operation.kind.value)
    return operation


def _locale_of(owner: User) -> str:
    try:
        locale = current_locale()
    except RuntimeError:  # no request: the owner's own language
        locale = owner.locale
    return locale if locale in ("fr", "en") else "fr"


def runners() -> dict[OperationKind, Runner]:
    from app.operations import runners as found

    return {OperationKind.NEEDS_IMPORT: found.run_needs_import, OperationKind.EXPORT: found.run_export,
            OperationKind.REINDEX: found.run_reindex}


def claim(operation_id: int) -> bool:
    """Mark a queued operation running, committed at once; False if another run has it."""
    claimed = db.session.execute(
        update(Operation)
        .where(Operation.id == operation_id, Operation.status == OperationStatus.QUEUED)
        .values(status=OperationStatus.RUNNING, started_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def run_operation(operation_id: int) -> bool:
    """Run one operation to its end (done or failed); False if it was not waiting to run.

    Safe to call twice for one operation (a redelivered job): only the first claims it.
    """
    if not claim(operation_id):
        return False
    operation = db.session.get(Operation, operation_id)
    given = OperationInput.of(operation)
    progress = Progress(operation_id, total=operation.total)
    with force_locale(operation.locale):
        try:
            result = runners()[given.kind](given, progress)
        except OperationFailed as exc:
            db.session.rollback()
            _finish(operation_id, OperationStatus.FAILED, progress, message=exc.message, result=exc.result)
        except Exception:
            db.session.rollback()
            log.exception("operation %s (%s) failed", operation_id, given.kind)
            _finish(operation_id, OperationStatus.FAILED, progress,
                    message=_("The operation stopped on an unexpected error and changed nothing. "
                              "Try again; if it fails again, tell the Tremplin team."))
        else:
            _finish(operation_id, OperationStatus.DONE, progress, message=None, result=result)
    return True


def _finish(operation_id: int, status: OperationStatus, progress: Progress, *, message: str | None,
            result: dict | None = None) -> None:
    """The operation's end, committed with the runner's work (one transaction)."""
    operation = db.session.get(Operation, operation_id)
    operation.status = status
    operation.message = message
    operation.result = result
    operation.total = progress.total
    operation.done = progress.total if status == OperationStatus.DONE and progress.total is not None else progress.done
    operation.finished_at = utcnow()
    db.session.commit()


# An operation's job may run for an hour on a worker (notifications.queue.JOB_TIMEOUTS); one
# still « running » well after that had its worker stopped under it (killed, restarted).
INTERRUPTED_AFTER = timedelta(minutes=75)


def fail_interrupted_operations(*, now: datetime | None = None) -> int:
    """Mark failed the operations whose job died while running; return how many.

    Their work was one transaction that never committed, so nothing was changed: the
    message says so, in the starter's language, and the owner can start it again.
    """
    now = now or utcnow()
    stuck = db.session.scalars(
        select(Operation).where(Operation.status == OperationStatus.RUNNING,
                                Operation.started_at < now - INTERRUPTED_AFTER)
        .order_by(Operation.id)).all()
    for operation in stuck:
        with force_locale(operation.locale):
            operation.message = _("The operation was interrupted before its end (the server running it "
                                  "stopped) and changed nothing. Start it again.")
        operation.status = OperationStatus.FAILED
        operation.finished_at = now
    db.session.commit()
    if stuck:
        log.warning("marked %d interrupted operation(s) failed: %s", len(stuck), [o.id for o in stuck])
    return len(stuck)


def recent_operations(*, kind: OperationKind | None = None, limit: int = 10) -> list[Operation]:
    stmt = select(Operation).order_by(Operation.id.desc()).limit(limit)
    if kind is not None:
        stmt = stmt.where(Operation.kind == kind)
    return list(db.session.scalars(stmt))
