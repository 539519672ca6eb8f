"""Bulk import of needs from a procurement system's export (CSV or JSON).

No request code here: callers (the API's ``POST /needs/import``, the buyer's import page)
check who may post needs (``policy.can_post_need``), read the file, then call
``parse_file`` and ``import_needs`` and commit once.

Formats
-------
CSV: UTF-8 (with or without a byte order mark), fields separated by ``;`` or ``,`` (the
one the header row uses most), a header row naming the columns (case-insensitive, in any
order; ``title`` is required, every other column optional, an unknown column refuses the
file). The columns:

- ``external_id``: the need's id in the procurement system (at most 100 characters).
  Optional; when given it must be unique in the file and not already imported by the
  organisation (each imported need leaves a ``need.imported`` audit entry holding it).
- ``title``, ``summary``, ``description``, ``cpv_code``, ``region`` (INSEE code),
  ``anonymous_label``, ``reuse_note``, ``off_the_shelf_note``, ``custom_justification``.
- ``categories``: category codes separated by ``|`` (``ai.llm|cloud.iaas``).
- ``budget_min_eur``, ``budget_max_eur``: euros, whole or with cents, with a comma or a
  dot (``150000``, ``150 000``, ``150000,50``, ``150.000,50``); read into integer cents
  without floats (app.bids.money.parse_euros). ``currency``: empty or ``EUR``.
- ``route``, ``visibility`` (public | restricted | invitation), ``approach`` (reuse |
  off_the_shelf | custom): empty means the buyer's route, public, off_the_shelf.
- ``deadline``: ISO 8601 (``2026-09-30T17:00``, ``2026-09-30T15:00:00Z``); a time
  without an offset is Paris time; a date alone means 23:59 Paris time that day.
- yes/no columns (``true``/``false``, ``yes``/``no``, ``oui``/``non``, ``1``/``0``,
  ``x``; empty is no): ``eu_data_residency``, ``requires_secnumcloud``,
  ``sensitive_data``, ``open_source_preferred``, ``sme_set_aside``, ``anonymised``,
  ``sealed_bids``, ``reuse_checked``, ``off_the_shelf_sought``.
- ``weight_<criterion>`` (``weight_sovereignty``...): whole percentages; criteria left
  out keep the default grid's weight, and all nine must sum to 100.

JSON: a list of objects with the fields of ``POST /api/v1/needs`` (money in integer
cents in a ``budget`` object, ``deadline_at`` with an offset, ``weights`` by criterion),
plus an optional ``external_id``.

Rules
-----
Every row is checked by the rules of single creation (``services.check_need_values``)
before anything is written, and every problem is reported per row: ``row`` (1-based
data row), ``line`` (the CSV line where the row starts, the header being line 1; None for
JSON), ``external_id`` and ``errors`` ({field: [messages]}, fields named as in the file).

- ``all_or_nothing`` (default): one invalid row and nothing is imported.
- ``valid_only``: the valid rows are imported, the invalid ones reported.
- ``dry_run``: rows are checked and reported, nothing is written.
- ``publish``: imported needs are published at once rather than kept as drafts; then a
  row that could not be published (checklist unticked, no category...) is an invalid row,
  reported with the reasons, so nothing is ever left half done.

Limits: ``MAX_BYTES`` per file, ``MAX_ROWS`` data rows. Everything happens in the
caller's transaction: rolling it back undoes the whole import.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select, text

from app.accounts.models import Organisation, User
from app.api.needs_write_schemas import api_field
from app.audit.models import AuditEntry
from app.audit.services import record_audit
from app.db import utcnow
from app.extensions import db
from app.needs import services
from app.needs.doctrine import CRITERIA, DEFAULT_WEIGHTS
from app.needs.import_files import (  # re-exported: the importer's callers read files through it
    CSV_COLUMNS,
    CSV_FIELD_NAMES,
    IMPORT_ACTION,
    MAX_BYTES,
    MAX_EXTERNAL_ID,
    MAX_ROWS,
    MESSAGES,
    FileFormat,
    ImportFileError,
    NeedImportRowSchema,
    SourceRow,
    fingerprint,
    import_message,
    parse_csv,
    parse_deadline,
    parse_file,
    parse_json,
)
from app.needs.messages import message_for
from app.needs.validation import (
    InvalidNeed,
    publication_problems,
    route_for,
)

PROGRESS_EVERY = 25  # rows between two calls of an import's progress callback
IMPORT_LOCK = 7_310_002  # a PostgreSQL advisory lock space: one import per buyer at a time

__all__ = ["NeedImportRowSchema", "CSV_COLUMNS", "FileFormat", "IMPORT_ACTION", "ImportFileError", "MAX_BYTES", "MAX_ROWS", "MESSAGES", "SourceRow", "fingerprint", "import_message", "parse_csv", "parse_deadline", "parse_file", "parse_json", "ImportReport", "Mode", "already_imported", "import_needs"]


class Mode(enum.StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    VALID_ONLY = "valid_only"

@dataclass
class ImportReport:
    mode: Mode
    file_format: FileFormat
    dry_run: bool
    publish: bool
    rows: int = 0
    valid: int = 0
    imported: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        """All-or-nothing with an invalid row: nothing was imported."""
        return self.mode == Mode.ALL_OR_NOTHING and bool(self.errors)

    @property
    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "valid": self.valid, "invalid": len(self.errors), "imported": len(self.imported)}

    def as_dict(self) -> dict:
        return {"mode": self.mode.value, "format": self.file_format.value, "dry_run": self.dry_run,
                "publish": self.publish, "imported": self.imported, "errors": self.errors, "counts": self.counts}


# --- checking and importing ------------------------------------------------------------


def _field_name(file_format: FileFormat, name: str | None) -> str:
    if name is None:
        return "_row"
    if file_format == FileFormat.CSV:
        return CSV_FIELD_NAMES.get(name, name)
    return api_field(name)


def _publishable(clean: Mapping[str, object], now: datetime):
    """publication_problems of a need that would hold these checked values."""
    draft = SimpleNamespace(**clean, weights={c: clean[f"weight_{c}"] for c in CRITERIA})
    return publication_problems(draft, now=now)


def already_imported(buyer: Organisation, external_ids: list[str]) -> dict[str, str]:
    """External ids of this list the buyer already imported, with the reference of each need."""
    found: dict[str, str] = {}
    for start in range(0, len(external_ids), 500):
        chunk = external_ids[start:start + 500]
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == IMPORT_ACTION, AuditEntry.organisation_id == buyer.id,
            AuditEntry.details["external_id"].as_string().in_(chunk)))
        for entry in entries:
            found.setdefault(entry.details["external_id"], entry.details.get("reference", "?"))
    return found


def import_needs(rows: list[SourceRow], *, buyer: Organisation, by: User, file_format: FileFormat | str,
                 mode: Mode | str = Mode.ALL_OR_NOTHING, dry_run: bool = False, publish: bool = False,
                 now: datetime | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> ImportReport:
    """Check every row, then (unless refused or a dry run) create the valid ones.

    Never commits; writes nothing when the report is ``rejected`` or on a dry run. The
    caller has checked that ``by`` may post needs for ``buyer``. ``progress`` (if given) is
    called with ``("check", rows checked, rows)`` every ``PROGRESS_EVERY`` rows and at the
    end of the check, then ``("write", needs created, needs to create)`` likewise, its
    first call (0 created) coming before anything is written.
    """
    def tell(phase: str, done: int, total: int) -> None:
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(phase, done, total)

    now = now or utcnow()
    file_format, mode = FileFormat(file_format), Mode(mode)
    report = ImportReport(mode=mode, file_format=file_format, dry_run=dry_run, publish=publish, rows=len(rows))
    if not dry_run and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"),
                           {"space": IMPORT_LOCK, "key": buyer.id})
    defaults = {f"weight_{c}": w for c, w in DEFAULT_WEIGHTS.items()}
    if (route := route_for(buyer.kind)) is not None:
        defaults["route"] = route.value
    imported_before = already_imported(buyer, sorted({r.external_id for r in rows if r.external_id}))
    first_row: dict[str, int] = {}
    valid: list[tuple[SourceRow, dict]] = []
    tell("check", 0, len(rows))
    for checked, source in enumerate(rows, start=1):
        errors = {name: list(texts) for name, texts in source.errors.items()}

        def add(name: str, message: str, errors=errors) -> None:
            errors.setdefault(name, []).append(message)

        external_id = source.external_id
        if external_id is not None:
            if len(external_id) > MAX_EXTERNAL_ID:
                add("external_id", import_message("external_id_too_long", max=MAX_EXTERNAL_ID))
            elif external_id in first_row:
                add("external_id", import_message("external_id_repeated", row=first_row[external_id]))
            elif external_id in imported_before:
                add("external_id", import_message("external_id_imported", reference=imported_before[external_id]))
            first_row.setdefault(external_id, source.row)
        values = {**defaults, **source.values}
        problems = []
        try:
            clean = services.check_need_values(values, buyer=buyer, now=now)
        except InvalidNeed as exc:
            problems = exc.errors
        else:
            if publish:
                problems = _publishable(clean, now)
        for problem in problems:
            name = _field_name(file_format, problem.field)
            if name not in source.errors:  # a cell that could not be read says so once
                add(name, message_for(problem.code, **problem.params))
        if errors:
            report.errors.append({"row": source.row, "line": source.line, "external_id": external_id,
                                  "errors": errors})
        else:
            valid.append((source, values))
        tell("check", checked, len(rows))
    report.valid = len(valid)
    if dry_run or report.rejected:
        return report
    tell("write", 0, len(valid))
    for written, (source, values) in enumerate(valid, start=1):
        need = services.create_need(buyer=buyer, by=by, values=values, now=now)
        if publish:
            services.publish_need(need, by=by, now=now)
        record_audit(IMPORT_ACTION, actor=by, organisation=buyer, subject=need,
                     details={"external_id": source.external_id, "reference": need.reference,
                              "row": source.row, "format": file_format.value})
        report.imported.append({"row": source.row, "line": source.line, "external_id": source.external_id,
                                "reference": need.reference, "status": need.status.value})
        tell("write", written, len(valid))
    return report
