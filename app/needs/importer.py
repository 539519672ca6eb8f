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

import csv
import enum
import hashlib
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text

from app.accounts.models import Organisation, User
from app.api.needs_write_schemas import NeedWriteSchema, api_field, service_values
from app.audit.models import AuditEntry
from app.audit.services import record_audit
from app.bids.money import AmountError, parse_euros
from app.db import utcnow
from app.extensions import db
from app.needs import services
from app.needs.doctrine import CRITERIA, DEFAULT_WEIGHTS
from app.needs.messages import message_for
from app.needs.models import MAX_BUDGET_CENTS
from app.needs.validation import (
    FLAG_FIELDS,
    TEXT_FIELDS,
    InvalidNeed,
    publication_problems,
    route_for,
)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
MAX_EXTERNAL_ID = 100
IMPORT_ACTION = "need.imported"
PARIS = ZoneInfo("Europe/Paris")
IMPORT_LOCK = 7_310_002  # a PostgreSQL advisory lock space: one import per buyer at a time

CSV_COLUMNS = (
    "external_id", *TEXT_FIELDS, "categories", "budget_min_eur", "budget_max_eur", "currency", "route",
    "visibility", "approach", "deadline", *FLAG_FIELDS, *(f"weight_{c}" for c in CRITERIA),
)
# The CSV column a service error names.
_CSV_FIELD = {"budget_min_cents": "budget_min_eur", "budget_max_cents": "budget_max_eur", "deadline_at": "deadline"}
_TRUE = {"true", "yes", "oui", "1", "x", "y", "o", "vrai"}
_FALSE = {"false", "no", "non", "0", "n", "faux", ""}

MESSAGES = {
    "file_too_large": _l("The file is too large: %(max)s MB at most."),
    "file_encoding": _l("The file is not UTF-8 text. Save it as CSV UTF-8 (or JSON in UTF-8) and send it again."),
    "file_unreadable": _l("The file could not be read: %(reason)s"),
    "json_invalid": _l("The file is not valid JSON (line %(line)s, column %(column)s)."),
    "json_not_list": _l("The JSON file must hold a list of needs."),
    "header_missing": _l("The first line must name the columns, such as title;summary;description."),
    "columns_unknown": _l("Unknown columns: %(columns)s."),
    "columns_repeated": _l("Columns named twice: %(columns)s."),
    "title_column_missing": _l("The file has no title column."),
    "no_rows": _l("The file holds no need."),
    "too_many_rows": _l("The file holds more than %(max)s needs: split it into several files."),
    "row_too_long": _l("This row has more cells than the header has columns."),
    "row_not_object": _l("Each item of the list must be an object with a need's fields."),
    "amount_invalid": _l("Enter an amount in euros, such as 150000 or 150000,50."),
    "currency_invalid": _l("Amounts are in euros: the currency must be EUR."),
    "boolean_invalid": _l("Enter yes or no (true/false, oui/non, 1/0)."),
    "deadline_invalid": _l(
        "Enter the deadline in ISO 8601, such as 2026-09-30T17:00 (Paris time) or 2026-09-30T15:00:00Z."),
    "weight_invalid": _l("Enter a whole percentage between 0 and 100."),
    "external_id_too_long": _l("An external id has %(max)s characters at most."),
    "external_id_repeated": _l("This external id is already on row %(row)s of the file."),
    "external_id_imported": _l("This external id was already imported, as %(reference)s."),
}


def import_message(code: str, **params) -> str:
    """The message of an import problem (else a need rule's message), in the current language."""
    if code in MESSAGES:
        text_ = str(MESSAGES[code])
        return text_ % params if params else text_
    return message_for(code, **params)


class Mode(enum.StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    VALID_ONLY = "valid_only"


class FileFormat(enum.StrEnum):
    CSV = "csv"
    JSON = "json"


class ImportFileError(ValueError):
    """The file as a whole is refused (``code``: a key of MESSAGES); nothing is imported."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        return import_message(self.code, **self.params)


@dataclass
class SourceRow:
    """One need as read from the file: service values, and what could not be read."""

    row: int
    line: int | None
    external_id: str | None
    values: dict
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


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


def fingerprint(data: bytes, *parts: object) -> str:
    """A hash of a file and the options it was imported with (for Idempotency-Key)."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode() + b"\0")
    digest.update(data)
    return digest.hexdigest()


# --- reading files ---------------------------------------------------------------------


def parse_file(data: bytes, file_format: FileFormat | str) -> list[SourceRow]:
    """The rows of a CSV or JSON file; ImportFileError when the file as a whole is refused."""
    if len(data) > MAX_BYTES:
        raise ImportFileError("file_too_large", max=MAX_BYTES // (1024 * 1024))
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError("file_encoding") from None
    if "\x00" in content:
        raise ImportFileError("file_encoding")
    rows = parse_json(content) if FileFormat(file_format) == FileFormat.JSON else parse_csv(content)
    if not rows:
        raise ImportFileError("no_rows")
    return rows


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _column_name(cell: str) -> str:
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


def parse_csv(content: str) -> list[SourceRow]:
    lines = content.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise ImportFileError("no_rows")
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=_delimiter(first))
    rows: list[SourceRow] = []
    header: list[str] | None = None
    previous_line = 0
    try:
        for record in reader:
            line, previous_line = previous_line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = _csv_header(record)
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileError("too_many_rows", max=MAX_ROWS)
            rows.append(_csv_row(header, record, row=len(rows) + 1, line=line))
    except csv.Error as exc:
        raise ImportFileError("file_unreadable", reason=_("line %(line)s: %(error)s", line=reader.line_num, error=exc)) from None
    if header is None:
        raise ImportFileError("header_missing")
    return rows


def _csv_header(record: list[str]) -> list[str]:
    names = [_column_name(cell) for cell in record]
    unknown = [name for name in names if name and name not in CSV_COLUMNS]
    if unknown:
        raise ImportFileError("columns_unknown", columns=", ".join(unknown))
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise ImportFileError("columns_repeated", columns=", ".join(repeated))
    if "title" not in names:
        raise ImportFileError("title_column_missing")
    return names


def _csv_row(header: list[str], record: list[str], *, row: int, line: int) -> SourceRow:
    cells = {name: cell.strip() for name, cell in zip(header, record, strict=False) if name}
    external_id = cells.pop("external_id", "") or None
    source = SourceRow(row=row, line=line, external_id=external_id, values={})
    if len(record) > len(header) and any(cell.strip() for cell in record[len(header):]):
        source.add_error("_row", import_message("row_too_long"))
    values = source.values
    for name, cell in cells.items():
        if name in TEXT_FIELDS:
            values[name] = cell or None
        elif name in FLAG_FIELDS:
            if cell.lower() in _TRUE | _FALSE:
                values[name] = cell.lower() in _TRUE
            else:
                source.add_error(name, import_message("boolean_invalid"))
        elif name == "categories":
            values["categories"] = [code.strip() for code in cell.split("|") if code.strip()]
        elif name in ("budget_min_eur", "budget_max_eur"):
            _csv_amount(source, name, cell)
        elif name == "currency":
            if cell.upper() not in ("", "EUR", "€"):
                source.add_error(name, import_message("currency_invalid"))
        elif name in ("route", "visibility", "approach"):
            if cell:
                values[name] = cell.lower()
        elif name == "deadline":
            _csv_deadline(source, cell)
        elif name.startswith("weight_"):
            _csv_weight(source, name, cell)
    return source


def _csv_amount(source: SourceRow, name: str, cell: str) -> None:
    if not cell:
        return  # the need's rules say the budget is required
    try:
        source.values[name.replace("_eur", "_cents")] = parse_euros(cell, max_cents=MAX_BUDGET_CENTS)
    except AmountError as exc:
        code = {"amount_not_positive": "budget_positive", "amount_too_high": "budget_too_high"}.get(
            exc.code, "amount_invalid")
        source.add_error(name, import_message(code))


def parse_deadline(cell: str) -> datetime | None:
    """An ISO 8601 deadline in UTC (naive = Paris time, a date alone = 23:59 Paris); None when empty."""
    raw = cell.strip()
    if not raw:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        moment = datetime.combine(date.fromisoformat(raw), time(23, 59))
    else:
        moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment.astimezone(UTC)


def _csv_deadline(source: SourceRow, cell: str) -> None:
    try:
        deadline = parse_deadline(cell)
    except ValueError:
        source.add_error("deadline", import_message("deadline_invalid"))
        return
    if deadline is not None:
        source.values["deadline_at"] = deadline


def _csv_weight(source: SourceRow, name: str, cell: str) -> None:
    if not cell:
        return
    raw = cell.removesuffix("%").strip()
    if raw.isdigit() and raw.isascii() and int(raw) <= 100:
        source.values[name] = int(raw)
    else:
        source.add_error(name, import_message("weight_invalid"))


class NeedImportRowSchema(NeedWriteSchema):
    """A need of a JSON import: the fields of POST /needs and the procurement system's id."""

    external_id = ma.fields.String(allow_none=True, metadata={"description": "The need's id in the exporting system"})


def parse_json(content: str) -> list[SourceRow]:
    try:
        items = json.loads(content)
    except json.JSONDecodeError as exc:
        raise ImportFileError("json_invalid", line=exc.lineno, column=exc.colno) from None
    if not isinstance(items, list):
        raise ImportFileError("json_not_list")
    if len(items) > MAX_ROWS:
        raise ImportFileError("too_many_rows", max=MAX_ROWS)
    return [_json_row(item, row=number) for number, item in enumerate(items, start=1)]


def _json_row(item, *, row: int) -> SourceRow:
    if not isinstance(item, dict):
        source = SourceRow(row=row, line=None, external_id=None, values={})
        source.add_error("_row", import_message("row_not_object"))
        return source
    raw_id = item.get("external_id")
    external_id = raw_id.strip() or None if isinstance(raw_id, str) else None
    try:
        data, messages = NeedImportRowSchema().load(item), {}
    except ma.ValidationError as exc:
        data, messages = dict(exc.valid_data or {}), exc.messages
    budget = data.pop("budget", None) if not {"min_cents", "max_cents"} <= set(data.get("budget") or {}) else None
    source = SourceRow(row=row, line=None, external_id=external_id, values=service_values(data))
    for key, amount in (budget or {}).items():  # the half of a budget that could be read
        if key in ("min_cents", "max_cents"):
            source.values[f"budget_{key}"] = amount
    for name, texts in _flatten(messages).items():
        for message in texts:
            source.add_error(name, message)
    return source


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, inner in messages.items():
            for name, texts in _flatten(inner, f"{prefix}.{key}" if prefix else str(key)).items():
                flat.setdefault(name, []).extend(texts)
    elif isinstance(messages, list | tuple):
        for item in messages:
            for name, texts in _flatten(item, prefix).items():
                flat.setdefault(name, []).extend(texts)
    else:
        flat.setdefault(prefix or "_row", []).append(str(messages))
    return flat


# --- checking and importing ------------------------------------------------------------


def _field_name(file_format: FileFormat, name: str | None) -> str:
    if name is None:
        return "_row"
    if file_format == FileFormat.CSV:
        return _CSV_FIELD.get(name, name)
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
                 now: datetime | None = None) -> ImportReport:
    """Check every row, then (unless refused or a dry run) create the valid ones.

    Never commits; writes nothing when the report is ``rejected`` or on a dry run. The
    caller has checked that ``by`` may post needs for ``buyer``.
    """
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
    for source in rows:
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
    report.valid = len(valid)
    if dry_run or report.rejected:
        return report
    for source, values in valid:
        need = services.create_need(buyer=buyer, by=by, values=values, now=now)
        if publish:
            services.publish_need(need, by=by, now=now)
        record_audit(IMPORT_ACTION, actor=by, organisation=buyer, subject=need,
                     details={"external_id": source.external_id, "reference": need.reference,
                              "row": source.row, "format": file_format.value})
        report.imported.append({"row": source.row, "line": source.line, "external_id": source.external_id,
                                "reference": need.reference, "status": need.status.value})
    return report
