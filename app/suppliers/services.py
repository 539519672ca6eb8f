"""Changing what a supplier organisation shows: its profile, solutions and certifications.

Plain functions in the caller's transaction (they flush, never commit). Each checks the
values it is given and refuses them all at once with ``InvalidSupplier`` (field, code
pairs, the message from ``message_for``); each change writes an audit entry and records
the ``supplier.updated`` event, on which app.matching.indexing rewrites the supplier's
search document after the commit.

Who may call them is decided by app.suppliers.policy.can_edit_supplier.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from babel import Locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.accounts.models import Organisation, SizeCategory
from app.audit.services import record_audit
from app.db import MAX_ROW_ID, utcnow
from app.events import record_event
from app.extensions import db
from app.needs import taxonomy
from app.needs.regions import REGIONS
from app.suppliers.models import (
    Certification,
    CertificationKind,
    Deployment,
    Solution,
    SupplierProfile,
)

PROFILE_TEXTS = ("headline", "description")
PROFILE_FLAGS = ("eu_controlled", "extraterritorial_exposure", "exit_plan", "owns_technology")
PROFILE_FIELDS = (*PROFILE_TEXTS, *PROFILE_FLAGS, "categories", "regions_served", "references")

SOLUTION_TEXTS = ("name", "summary", "description", "category_code", "license", "hosting_country",
                  "hosting_provider", "website")
SOLUTION_FLAGS = ("open_source", "secnumcloud", "shared")
SOLUTION_FIELDS = (*SOLUTION_TEXTS, *SOLUTION_FLAGS, "deployment")

IDENTITY_FIELDS = ("website", "size")  # the organisation's own, shown beside the profile

CERTIFICATION_FIELDS = ("kind", "reference", "issuer", "issued_on", "expires_on", "solution_id")

MAX_LENGTHS = {
    "headline": 200, "name": 160, "summary": 500, "license": 60, "hosting_provider": 120, "website": 300,
    "reference": 120, "issuer": 120, "client": 200, "reference_summary": 500,
}
MAX_CATEGORIES = 20
MAX_REFERENCES = 20
MIN_REFERENCE_YEAR = 1950
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)

ERROR_MESSAGES = {
    "required": _l("This field is required."),
    "too_long": _l("This text is too long: %(max)s characters at most."),
    "not_a_boolean": _l("Answer yes or no (true or false)."),
    "not_a_list": _l("Send a list."),
    "category_unknown": _l("Choose the categories from the list: one of those sent does not exist."),
    "too_many_categories": _l("Choose %(max)s categories at most."),
    "region_unknown": _l("Choose the regions from the list: one of those sent does not exist."),
    "too_many_references": _l("Give %(max)s references at most."),
    "reference_invalid": _l("A reference gives the client, a short summary and optionally the year."),
    "year_invalid": _l("Give the year as a number between %(min)s and %(max)s."),
    "name_taken": _l("You already have a solution with this name."),
    "license_required": _l("Name the open source licence, such as EUPL-1.2 or Apache-2.0."),
    "country_invalid": _l("Give the country as a two-letter ISO code, such as FR or DE."),
    "deployment_invalid": _l("Choose how the solution is deployed: saas, on_premise, hybrid or service."),
    "secnumcloud_needs_hosting": _l("A SecNumCloud-qualified solution names its hosting provider and country."),
    "website_invalid": _l("Give a web address starting with https:// or http://."),
    "size_invalid": _l("Choose the size of the company from the list."),
    "kind_invalid": _l("Choose the kind of certification from the list."),
    "date_invalid": _l("Give the date as YYYY-MM-DD."),
    "dates_unordered": _l("The expiry date comes after the issue date."),
    "solution_unknown": _l("Choose one of your own solutions."),
    "certification_taken": _l("This certification is already recorded."),
    "not_a_supplier": _l("Only startups and SMEs have a supplier profile."),
}


def message_for(code: str, **params) -> str:
    text = str(ERROR_MESSAGES.get(code, code))
    return text % params if params else text


class SupplierError(ValueError):
    """A refused supplier change; ``field`` names the input (``None``: the whole change)."""

    def __init__(self, field: str | None, code: str, **params):
        self.field = field
        self.code = code
        self.params = params
        super().__init__(f"{field}: {code}")

    @property
    def message(self) -> str:
        return message_for(self.code, **self.params)


class InvalidSupplier(SupplierError):
    """Several refused inputs at once; behaves as the first one."""

    def __init__(self, errors: list[SupplierError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.field, first.code, **first.params)


def _raise_all(errors: list[SupplierError]) -> None:
    if errors:
        raise InvalidSupplier(errors)


# --- checking values ------------------------------------------------------------------------


def _text(value) -> str | None:
    """Trimmed text with plain line endings; None when empty."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip() if value is not None else ""
    return text or None


def _check_length(field: str, value: str | None, errors: list[SupplierError], limit_key: str | None = None) -> None:
    limit = MAX_LENGTHS.get(limit_key or field)
    if value is not None and limit is not None and len(value) > limit:
        errors.append(SupplierError(field, "too_long", max=limit))


def _flag(field: str, value, errors: list[SupplierError]) -> bool:
    if not isinstance(value, bool):
        errors.append(SupplierError(field, "not_a_boolean"))
        return False
    return value


def known_countries() -> frozenset[str]:
    not_countries = {"ZZ", "EU", "EZ", "UN", "QO"}  # unknown region, unions, outlying Oceania
    return frozenset(code for code in Locale.parse("en").territories
                     if len(code) == 2 and code.isalpha() and code not in not_countries)


def _unknown(values: Mapping, allowed: tuple[str, ...], what: str) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise TypeError(f"unknown {what} fields: {sorted(unknown)}")


def _codes(field: str, value, allowed, errors: list[SupplierError], *, unknown_code: str,
           limit: int | None = None) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        errors.append(SupplierError(field, "not_a_list"))
        return []
    codes = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if any(not allowed(code) for code in codes):
        errors.append(SupplierError(field, unknown_code))
    if limit is not None and len(codes) > limit:
        errors.append(SupplierError(field, "too_many_categories", max=limit))
    return codes


def _references(value, errors: list[SupplierError], *, today: date) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        errors.append(SupplierError("references", "not_a_list"))
        return []
    if len(value) > MAX_REFERENCES:
        errors.append(SupplierError("references", "too_many_references", max=MAX_REFERENCES))
        return []
    clean = []
    for index, item in enumerate(value):
        where = f"references.{index}"
        if not isinstance(item, Mapping) or set(item) - {"client", "summary", "year"}:
            errors.append(SupplierError(where, "reference_invalid"))
            continue
        client, summary, year = _text(item.get("client")), _text(item.get("summary")), item.get("year")
        if client is None:
            errors.append(SupplierError(f"{where}.client", "required"))
        _check_length(f"{where}.client", client, errors, "client")
        if summary is None:
            errors.append(SupplierError(f"{where}.summary", "required"))
        _check_length(f"{where}.summary", summary, errors, "reference_summary")
        if year is not None and (not isinstance(year, int) or isinstance(year, bool)
                                 or not MIN_REFERENCE_YEAR <= year <= today.year):
            errors.append(SupplierError(f"{where}.year", "year_invalid", min=MIN_REFERENCE_YEAR, max=today.year))
        reference = {"client": client, "summary": summary}
        if year is not None:
            reference["year"] = year
        clean.append(reference)
    return clean


def clean_profile_values(values: Mapping[str, object], *, today: date | None = None) -> dict:
    """The profile fields sent, checked and normalised, or InvalidSupplier listing every problem."""
    _unknown(values, PROFILE_FIELDS, "profile")
    today = today or utcnow().date()
    errors: list[SupplierError] = []
    clean: dict = {}
    for name in PROFILE_TEXTS:
        if name in values:
            clean[name] = _text(values[name])
            _check_length(name, clean[name], errors)
    for name in PROFILE_FLAGS:
        if name in values:
            clean[name] = _flag(name, values[name], errors)
    if "categories" in values:
        clean["categories"] = sorted(_codes("categories", values["categories"], taxonomy.is_known, errors,
                                            unknown_code="category_unknown", limit=MAX_CATEGORIES))
    if "regions_served" in values:
        clean["regions_served"] = _codes("regions_served", values["regions_served"], REGIONS.__contains__,
                                         errors, unknown_code="region_unknown")
    if "references" in values:
        clean["references"] = _references(values["references"], errors, today=today)
    _raise_all(errors)
    return clean


def clean_identity_values(values: Mapping[str, object]) -> dict:
    """The organisation's website and size (EU SME definition) sent, checked, or InvalidSupplier."""
    _unknown(values, IDENTITY_FIELDS, "organisation")
    errors: list[SupplierError] = []
    clean: dict = {}
    if "website" in values:
        clean["website"] = _text(values["website"])
        _check_length("website", clean["website"], errors)
        if clean["website"] is not None and not _URL.fullmatch(clean["website"]):
            errors.append(SupplierError("website", "website_invalid"))
    if "size" in values:
        try:
            clean["size"] = SizeCategory(values["size"]) if values["size"] else None
        except ValueError:
            errors.append(SupplierError("size", "size_invalid"))
    _raise_all(errors)
    return clean


def profile_is_complete(profile: SupplierProfile) -> bool:
    """What buyers need to read a supplier: a headline, a description, categories, regions."""
    return bool(profile.headline and profile.description and profile.categories and profile.regions_served)


def clean_solution_values(values: Mapping[str, object], *, organisation: Organisation,
                          solution: Solution | None = None) -> dict:
    """A whole solution's fields (those of ``solution`` overridden by ``values``), checked."""
    _unknown(values, SOLUTION_FIELDS, "solution")
    current = {name: getattr(solution, name) for name in SOLUTION_FIELDS} if solution is not None else {
        "open_source": False, "secnumcloud": False, "shared": False, "deployment": Deployment.SAAS}
    merged = {**current, **values}
    errors: list[SupplierError] = []
    clean: dict = {name: _text(merged.get(name)) for name in SOLUTION_TEXTS}
    for name in SOLUTION_FLAGS:
        clean[name] = _flag(name, merged.get(name, False), errors)
    for name in ("name", "summary", "category_code"):
        if clean[name] is None:
            errors.append(SupplierError(name, "required"))
    for name in SOLUTION_TEXTS:
        _check_length(name, clean[name], errors)
    if clean["category_code"] is not None and not taxonomy.is_known(clean["category_code"]):
        errors.append(SupplierError("category_code", "category_unknown"))
    if clean["name"] is not None:
        taken = db.session.scalar(
            select(Solution.id).where(Solution.organisation_id == organisation.id,
                                      Solution.name == clean["name"],
                                      Solution.id != (solution.id if solution is not None else -1))
        )
        if taken is not None:
            errors.append(SupplierError("name", "name_taken"))
    if clean["open_source"]:
        if clean["license"] is None:
            errors.append(SupplierError("license", "license_required"))
    else:
        clean["license"] = None
    if clean["hosting_country"] is not None:
        clean["hosting_country"] = clean["hosting_country"].upper()
        if clean["hosting_country"] not in known_countries():
            errors.append(SupplierError("hosting_country", "country_invalid"))
    if clean["secnumcloud"] and (clean["hosting_country"] is None or clean["hosting_provider"] is None):
        errors.append(SupplierError("hosting_provider" if clean["hosting_provider"] is None else "hosting_country",
                                    "secnumcloud_needs_hosting"))
    if clean["website"] is not None and not _URL.fullmatch(clean["website"]):
        errors.append(SupplierError("website", "website_invalid"))
    try:
        clean["deployment"] = Deployment(merged.get("deployment") or Deployment.SAAS)
    except ValueError:
        errors.append(SupplierError("deployment", "deployment_invalid"))
    _raise_all(errors)
    return clean


def _date(field: str, value, errors: list[SupplierError]) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.append(SupplierError(field, "date_invalid"))
        return None


def clean_certification_values(values: Mapping[str, object], *, organisation: Organisation,
                               certification: Certification | None = None) -> dict:
    _unknown(values, CERTIFICATION_FIELDS, "certification")
    current = ({name: getattr(certification, name) for name in CERTIFICATION_FIELDS}
               if certification is not None else {})
    merged = {**current, **values}
    errors: list[SupplierError] = []
    clean: dict = {"reference": _text(merged.get("reference")), "issuer": _text(merged.get("issuer"))}
    if clean["reference"] is None:
        errors.append(SupplierError("reference", "required"))
    for name in ("reference", "issuer"):
        _check_length(name, clean[name], errors)
    try:
        clean["kind"] = CertificationKind(merged.get("kind"))
    except ValueError:
        errors.append(SupplierError("kind", "kind_invalid" if merged.get("kind") else "required"))
    clean["issued_on"] = _date("issued_on", merged.get("issued_on"), errors)
    clean["expires_on"] = _date("expires_on", merged.get("expires_on"), errors)
    if clean["issued_on"] and clean["expires_on"] and clean["issued_on"] > clean["expires_on"]:
        errors.append(SupplierError("expires_on", "dates_unordered"))
    solution_id = merged.get("solution_id")
    if solution_id is not None:
        known_id = isinstance(solution_id, int) and 0 < solution_id <= MAX_ROW_ID  # beyond: no such row
        solution = db.session.get(Solution, solution_id) if known_id else None
        if solution is None or solution.organisation_id != organisation.id:
            errors.append(SupplierError("solution_id", "solution_unknown"))
    clean["solution_id"] = solution_id
    if "kind" in clean and clean["reference"] is not None:
        taken = db.session.scalar(
            select(Certification.id).where(
                Certification.organisation_id == organisation.id, Certification.kind == clean["kind"],
                Certification.reference == clean["reference"],
                Certification.id != (certification.id if certification is not None else -1))
        )
        if taken is not None:
            errors.append(SupplierError("reference", "certification_taken"))
    _raise_all(errors)
    return clean


# --- operations -----------------------------------------------------------------------------


def _require_supplier(organisation: Organisation) -> None:
    if not organisation.is_supplier:
        raise SupplierError(None, "not_a_supplier")


def _changed(obj, clean: Mapping[str, object]) -> list[str]:
    return sorted(name for name, value in clean.items() if getattr(obj, name) != value)


def _touch(organisation: Organisation, action: str, *, by, subject, details: dict) -> None:
    """Audit the change and have the supplier's search document rewritten after commit."""
    record_audit(action, actor=by, organisation=organisation, subject=subject, details=details)
    record_event("supplier.updated", organisation_id=organisation.id)


def profile_of(organisation: Organisation) -> SupplierProfile | None:
    return db.session.scalar(select(SupplierProfile).where(SupplierProfile.organisation_id == organisation.id))


def update_profile(organisation: Organisation, *, by, values: Mapping[str, object]) -> SupplierProfile:
    """Change the profile fields in ``values`` (creating the profile the first time).

    ``completed_at`` is set when the profile becomes complete (profile_is_complete) and
    cleared when it no longer is.
    """
    _require_supplier(organisation)
    clean = clean_profile_values(values)
    profile = profile_of(organisation)
    created = profile is None
    if created:
        profile = SupplierProfile(organisation_id=organisation.id, categories=[], regions_served=[], references=[],
                                  eu_controlled=True, extraterritorial_exposure=False, exit_plan=False,
                                  owns_technology=True)
        db.session.add(profile)
    changed = _changed(profile, clean)
    for name in changed:
        setattr(profile, name, clean[name])
    complete = profile_is_complete(profile)
    if complete and profile.completed_at is None:
        profile.completed_at = utcnow()
        changed.append("completed_at")
    elif not complete and profile.completed_at is not None:
        profile.completed_at = None
        changed.append("completed_at")
    if not changed and not created:
        return profile
    db.session.flush()
    _touch(organisation, "supplier.profile_updated", by=by, subject=profile, details={"fields": sorted(changed)})
    return profile


def update_identity(organisation: Organisation, *, by, values: Mapping[str, object]) -> list[str]:
    """Change the supplier organisation's website and size; the names of the fields changed."""
    _require_supplier(organisation)
    clean = clean_identity_values(values)
    changed = _changed(organisation, clean)
    if not changed:
        return changed
    for name in changed:
        setattr(organisation, name, clean[name])
    db.session.flush()
    _touch(organisation, "supplier.identity_updated", by=by, subject=organisation, details={"fields": changed})
    return changed


def create_solution(organisation: Organisation, *, by, values: Mapping[str, object]) -> Solution:
    _require_supplier(organisation)
    clean = clean_solution_values(values, organisation=organisation)
    solution = Solution(organisation_id=organisation.id, **clean)
    db.session.add(solution)
    db.session.flush()
    _touch(organisation, "supplier.solution_created", by=by, subject=solution, details={"name": solution.name})
    return solution


def update_solution(solution: Solution, *, by, values: Mapping[str, object]) -> Solution:
    organisation = db.session.get(Organisation, solution.organisation_id)
    clean = clean_solution_values(values, organisation=organisation, solution=solution)
    changed = _changed(solution, clean)
    if not changed:
        return solution
    for name in changed:
        setattr(solution, name, clean[name])
    db.session.flush()
    _touch(organisation, "supplier.solution_updated", by=by, subject=solution, details={"fields": changed})
    return solution


def delete_solution(solution: Solution, *, by) -> None:
    """Delete the solution; bids and certifications that named it keep going without it."""
    from app.bids.models import Bid

    organisation = db.session.get(Organisation, solution.organisation_id)
    _touch(organisation, "supplier.solution_deleted", by=by, subject=solution, details={"name": solution.name})
    # The foreign keys say ON DELETE SET NULL; said here too, for a SQLite without foreign keys.
    for model in (Certification, Bid):
        db.session.execute(update(model).where(model.solution_id == solution.id).values(solution_id=None)
                           .execution_options(synchronize_session="fetch"))
    db.session.delete(solution)
    db.session.flush()


def add_certification(organisation: Organisation, *, by, values: Mapping[str, object]) -> Certification:
    _require_supplier(organisation)
    clean = clean_certification_values(values, organisation=organisation)
    certification = Certification(organisation_id=organisation.id, **clean)
    db.session.add(certification)
    db.session.flush()
    _touch(organisation, "supplier.certification_added", by=by, subject=certification,
           details={"kind": certification.kind.value, "reference": certification.reference})
    return certification


def update_certification(certification: Certification, *, by, values: Mapping[str, object]) -> Certification:
    organisation = db.session.get(Organisation, certification.organisation_id)
    clean = clean_certification_values(values, organisation=organisation, certification=certification)
    changed = _changed(certification, clean)
    if not changed:
        return certification
    for name in changed:
        setattr(certification, name, clean[name])
    db.session.flush()
    _touch(organisation, "supplier.certification_updated", by=by, subject=certification, details={"fields": changed})
    return certification


def delete_certification(certification: Certification, *, by) -> None:
    organisation = db.session.get(Organisation, certification.organisation_id)
    _touch(organisation, "supplier.certification_deleted", by=by, subject=certification,
           details={"kind": certification.kind.value, "reference": certification.reference})
    db.session.delete(certification)
    db.session.flush()
