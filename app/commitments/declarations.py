"""Checking what a member declares about a purchase made outside Tremplin.

``check_declaration`` reads the inputs as typed (amount in euros, date, supplier...),
collects every problem, and returns the cleaned facts, or raises CommitmentError with all
of them. The evidence file is checked from its content here and stored only by the
service once everything else is right, so a refused declaration leaves no file behind.

The supplier is either a verified startup or SME on Tremplin, found by SIREN, VAT number
or exact name (``find_supplier``), or one that is not on Tremplin, then described by
name, country, identifier (SIREN in France, VAT number elsewhere in the EU), size class
and innovation label, as the declaring member states them (checked by the operator).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from babel import Locale
from flask import current_app
from sqlalchemy import func, or_, select
from werkzeug.datastructures import FileStorage

from app.accounts.identifiers import EU_COUNTRIES, IdentifierError, clean_siren, clean_vat
from app.accounts.models import Organisation, OrganisationKind
from app.bids.money import AmountError, parse_euros
from app.commitments.eligibility import SupplierClass
from app.commitments.messages import Problems
from app.extensions import db
from app.files.storage import MAX_BYTES, sniff
from app.main.filters import PARIS
from app.needs.taxonomy import BY_CODE

DESCRIPTION_MAX = 2000
NAME_MAX = 200
DECLARED_CLASSES = (SupplierClass.STARTUP, SupplierClass.SME, SupplierClass.MID, SupplierClass.LARGE)
# Two-letter territory codes that are not countries (CLDR's groupings and private-use codes)
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"})
COUNTRIES: frozenset[str] = frozenset(
    code for code in Locale("en").territories if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)


@dataclass
class Declaration:
    """The cleaned facts of a declared purchase."""

    supplier: Organisation | None
    supplier_name: str
    supplier_siren: str | None
    supplier_vat: str | None
    supplier_country: str
    declared_class: str | None
    declared_innovative: bool
    amount_cents: int
    purchased_on: date
    category_code: str
    description: str
    secnumcloud: bool | None
    disclose_amount: bool


def _text(value) -> str:
    return " ".join(str(value or "").split())


def parse_date(value: date | datetime | str | None, field: str, problems: Problems) -> date | None:
    """A date as typed: ISO (what date inputs send) or day/month/year."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        problems.add(field, "date_required")
        return None
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        problems.add(field, "date_invalid")
        return None


def parse_amount(value, field: str, problems: Problems, *, max_cents: int, too_high: str) -> int | None:
    try:
        return parse_euros(value, max_cents=max_cents)
    except AmountError as exc:
        problems.add(field, too_high if exc.code == "amount_too_high" else exc.code)
        return None


def paris_today(now: datetime) -> date:
    return now.astimezone(PARIS).date()


# --- suppliers ----------------------------------------------------------------------------------


def verified_suppliers():
    return select(Organisation).where(
        Organisation.kind.in_((OrganisationKind.STARTUP, OrganisationKind.SME)),
        Organisation.verified_at.is_not(None),
    )


def find_supplier(text: str | None) -> tuple[Organisation | None, str | None]:
    """A verified supplier on Tremplin by SIREN, SIRET, VAT number or exact name (any case).

    Returns (organisation, None), or (None, code) saying why none was chosen.
    """
    text = _text(text)
    compact = "".join(ch for ch in text if ch not in " .-").upper()
    conditions = [func.lower(Organisation.name) == func.lower(text)]
    if compact.isdigit() and len(compact) in (9, 14):
        conditions.append(Organisation.siren == compact[:9])
    elif len(compact) > 4 and compact[:2].isalpha() and compact[2:].isalnum():
        conditions.append(Organisation.vat_number == compact)
    found = list(db.session.scalars(verified_suppliers().where(or_(*conditions)).order_by(Organisation.id).limit(2)))
    if len(found) == 1:
        return found[0], None
    return None, ("supplier_ambiguous" if found else "supplier_not_found")


def _check_supplier(values: dict, problems: Problems) -> dict:
    """Who the supplier is: on Tremplin, or described by hand."""
    supplier = values.get("supplier")
    search = _text(values.get("supplier_search"))
    name = _text(values.get("supplier_name"))
    country = _text(values.get("supplier_country")).upper()
    siren_text, vat_text = _text(values.get("supplier_siren")), _text(values.get("supplier_vat"))
    declared_class = _text(values.get("declared_class")) or None
    off_platform = bool(name or siren_text or vat_text)
    if supplier is None and search:
        supplier, code = find_supplier(search)
        if code:
            problems.add("supplier", code)
            return {}
    if supplier is not None:
        if not supplier.is_supplier or not supplier.is_verified:
            problems.add("supplier", "supplier_not_supplier")
        if off_platform:
            problems.add("supplier_name", "supplier_both")
        if declared_class:
            problems.add("declared_class", "class_from_profile")
        return {"supplier": supplier, "supplier_name": supplier.name, "supplier_siren": supplier.siren,
                "supplier_vat": supplier.vat_number, "supplier_country": supplier.country,
                "declared_class": None, "declared_innovative": False}
    if not off_platform and not declared_class:
        problems.add("supplier", "supplier_required")
        return {}
    if not name:
        problems.add("supplier_name", "supplier_name_required")
    elif len(name) > NAME_MAX:
        problems.add("supplier_name", "supplier_name_too_long", max=NAME_MAX)
    siren = vat = None
    if not country:
        problems.add("supplier_country", "country_required")
    elif country not in COUNTRIES:
        problems.add("supplier_country", "country_unknown")
    elif country == "FR":
        if not siren_text:
            problems.add("supplier_siren", "siren_required")
        else:
            try:
                siren = clean_siren(siren_text)
            except IdentifierError as exc:
                problems.add("supplier_siren", exc.code)
    else:
        if siren_text:
            problems.add("supplier_siren", "siren_not_french")
        if vat_text and country in EU_COUNTRIES:
            try:
                vat = clean_vat(vat_text, country)
            except IdentifierError as exc:
                problems.add("supplier_vat", exc.code)
    if declared_class not in DECLARED_CLASSES:
        problems.add("declared_class", "class_required")
    return {"supplier": None, "supplier_name": name, "supplier_siren": siren, "supplier_vat": vat,
            "supplier_country": country, "declared_class": declared_class,
            "declared_innovative": bool(values.get("declared_innovative"))}


# --- evidence -----------------------------------------------------------------------------------


def has_file(upload: FileStorage | None) -> bool:
    """Whether a file was chosen (a form without one still sends an empty part)."""
    if upload is None:
        return False
    if upload.filename:
        return True
    data = upload.stream.read(1)
    upload.stream.seek(0)
    return bool(data)


def check_evidence(upload: FileStorage | None, problems: Problems, *, required: bool) -> None:
    """Check the file from its content without storing it (the stream is rewound)."""
    if not has_file(upload):
        if required:
            problems.add("evidence", "evidence_required")
        return
    data = upload.stream.read(MAX_BYTES + 1)
    upload.stream.seek(0)
    if not data:
        problems.add("evidence", "evidence_required")
    elif len(data) > MAX_BYTES:
        problems.add("evidence", "file_too_large")
    elif sniff(data) is None:
        problems.add("evidence", "file_bad_type")


# --- the whole declaration ----------------------------------------------------------------------


def check_declaration(values: dict, *, now: datetime, evidence_required: bool) -> Declaration:
    """Every input of a declaration checked at once; CommitmentError lists all problems."""
    problems = Problems()
    supplier = _check_supplier(values, problems)
    cents = parse_amount(values.get("amount_euros"), "amount", problems,
                         max_cents=100_000_000 * 100, too_high="purchase_too_high")
    purchased_on = parse_date(values.get("purchased_on"), "purchased_on", problems)
    if purchased_on is not None:
        start, end = current_app.config["COMMITMENT_START"], current_app.config["COMMITMENT_END"]
        if purchased_on > paris_today(now):
            problems.add("purchased_on", "date_future")
        elif purchased_on < start:
            problems.add("purchased_on", "date_before_programme", start=start)
        elif purchased_on > end:
            problems.add("purchased_on", "date_after_programme", end=end)
    category = _text(values.get("category_code"))
    if not category:
        problems.add("category_code", "category_required")
    elif category not in BY_CODE:
        problems.add("category_code", "category_unknown")
    description = str(values.get("description") or "").strip()
    if not description:
        problems.add("description", "description_required")
    elif len(description) > DESCRIPTION_MAX:
        problems.add("description", "description_too_long", max=DESCRIPTION_MAX)
    check_evidence(values.get("evidence"), problems, required=evidence_required)
    problems.raise_any()
    secnumcloud = values.get("secnumcloud")
    return Declaration(
        amount_cents=cents, purchased_on=purchased_on, category_code=category, description=description,
        secnumcloud=None if secnumcloud is None else bool(secnumcloud),
        disclose_amount=bool(values.get("disclose_amount")), **supplier,
    )
