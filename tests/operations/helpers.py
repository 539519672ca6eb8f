"""Builders for operation tests: import files of any size, and watching committed progress."""

from __future__ import annotations

import io
from contextlib import contextmanager

from sqlalchemy import func, select, text

from app.extensions import db
from app.needs.models import Need
from app.operations.progress import progress_committed

HEADER = ("external_id;title;summary;description;categories;budget_min_eur;budget_max_eur;deadline;"
          "reuse_checked;reuse_note;off_the_shelf_sought")


def import_csv(rows: int, *, invalid: tuple[int, ...] = (), prefix: str = "OP") -> bytes:
    """A CSV export of ``rows`` needs; the rows numbered in ``invalid`` have no title."""
    lines = [HEADER]
    for n in range(1, rows + 1):
        title = "" if n in invalid else f"Besoin importé {n}"
        lines.append(";".join([f"{prefix}-{n}", title, "Un résumé", "Une description", "ai.llm|cloud.iaas",
                               "150 000", "300 000,00", "2099-06-30T12:00", "x", "Rien de réutilisable", "oui"]))
    return ("\n".join(lines) + "\n").encode()


def upload_import(client, data: bytes, filename: str = "export.csv", **options):
    form = {"file": (io.BytesIO(data), filename), "mode": "all_or_nothing", **options}
    return client.post("/needs/import?lang=en", data=form, content_type="multipart/form-data")


def needs_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Need))


def committed_progress(operation_id: int) -> tuple[str, int, int | None, str | None]:
    """The operation's row as another connection sees it: only what was committed."""
    with db.engine.connect() as connection:
        row = connection.execute(text("SELECT status, done, total, message FROM operations WHERE id = :id"),
                                 {"id": operation_id}).one()
        connection.rollback()
    return row.status, row.done, row.total, row.message


@contextmanager
def watching_progress():
    """Collect, after each progress commit, what another connection reads of the operation."""
    seen: list[tuple[str, int, int | None, str | None]] = []

    def receiver(operation_id, **_counts):
        seen.append(committed_progress(operation_id))

    with progress_committed.connected_to(receiver):
        yield seen
