"""Reading a procurement system's export of needs: CSV or JSON into rows of service values,
with what could not be read (app.needs.importer checks and imports them)."""

from __future__ import annotations

import csv
import enum
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.api.needs_write_schemas import NeedWriteSchema, service_values
from app.bids.money import AmountError, parse_euros
from app.needs.doctrine import CRITERIA
from app.needs.messages import message_for
from app.needs.models import MAX_BUDGET_CENTS
from app.needs.validation import (
    FLAG_FIELDS,
    TEXT_FIELDS,
)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
MAX_EXTERNAL_ID = 100
IMPORT_ACTION = "need.imported"
PARIS = ZoneInfo("Europe/Paris")

CSV_COLUMNS = (
    "external_id", *TEXT_FIELDS, "categories", "budget_min_eur", "budget_max_eur", "currency", "route",
    "visibility", "approach", "deadline", *FLAG_FIELDS, *(f"weight_{c}" for c in CRITERIA),
)
# The CSV column a service error names.
CSV_FIELD_NAMES = {"budget_min_cents": "budget_min_eur", "budget_max_cents": "budget_max_eur", "deadline_at": "deadline"}
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
