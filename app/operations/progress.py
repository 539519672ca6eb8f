"""Committing an operation's progress as the job advances, apart from the job's own work.

The job's work (the imported needs, say) is one transaction, committed at the end or rolled
back on failure. Its progress is written through a connection of its own, committed at once,
so the progress page (another request, another session) sees it move.

SQLite lets one connection write at a time: while the job's transaction holds the write lock
(e.g. while an import creates its needs) a second connection could only wait for it. So on
SQLite, ``hold()`` keeps the counts in memory during such a step and the final commit writes
them; PostgreSQL shows them as they come.
"""

from __future__ import annotations

from blinker import Namespace
from sqlalchemy import update

from app.extensions import db
from app.operations.models import Operation

_signals = Namespace()
# Sent after each committed write of progress: sender is the operation id, with done, total, message.
progress_committed = _signals.signal("operation-progress-committed")


class Progress:
    """Counts of one running operation: ``done`` of ``total`` units, and the current step."""

    def __init__(self, operation_id: int, *, total: int | None = None):
        self.operation_id = operation_id
        self.done = 0
        self.total = total
        self.message: str | None = None
        self._held = False

    def step(self, message: str, *, total: int | None = None) -> None:
        """Start a step (checking rows, writing needs...): its name, counts back to zero."""
        self.message, self.done = message, 0
        if total is not None:
            self.total = total
        self._write()

    def advance(self, done: int) -> None:
        """``done`` units of the current step are finished (an absolute count, not an increment)."""
        self.done = done
        self._write()

    def hold(self) -> None:
        """From now on the job holds the database's write lock: on SQLite, counts wait for the end."""
        self._held = db.engine.dialect.name == "sqlite"

    def _write(self) -> None:
        if self._held:
            return
        with db.engine.begin() as connection:
            connection.execute(
                update(Operation.__table__)
                .where(Operation.__table__.c.id == self.operation_id)
                .values(done=self.done, total=self.total, message=self.message)
            )
        progress_committed.send(self.operation_id, done=self.done, total=self.total, message=self.message)
