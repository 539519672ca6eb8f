"""An operation: a long piece of work run by a job, with its progress and its result."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organisation, User
from app.db import JSON_DATA, Base, str_enum, utcnow


class OperationKind(enum.StrEnum):
    NEEDS_IMPORT = "needs_import"
    EXPORT = "export"
    REINDEX = "reindex"


class OperationStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


FINISHED = frozenset({OperationStatus.DONE, OperationStatus.FAILED})


class Operation(Base):
    """``done`` of ``total`` units (rows, lines, documents) so far; ``total`` is None until known.

    ``params`` is what the job needs to run (e.g. the stored upload and the import options),
    ``result`` what the page shows when it is done (the import report, the stored export
    file), ``message`` the current step or, once failed, why in words.
    """

    __tablename__ = "operations"
    __table_args__ = (Index("ix_operations_owner_created", "owner_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OperationKind] = mapped_column(str_enum(OperationKind, "operation_kind"))
    status: Mapped[OperationStatus] = mapped_column(
        str_enum(OperationStatus, "operation_status"), default=OperationStatus.QUEUED,
        server_default=OperationStatus.QUEUED.value)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(2), default="fr")
    done: Mapped[int] = mapped_column(default=0, server_default="0")
    total: Mapped[int | None]
    message: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict] = mapped_column(JSON_DATA, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON_DATA)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    owner: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int | None:
        """Whole percent done, None while the total is unknown."""
        if self.status == OperationStatus.DONE:
            return 100
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)

    def __repr__(self) -> str:
        return f"<Operation {self.id} {self.kind} {self.status} {self.done}/{self.total}>"
