"""The rules a need's fields obey, shared by the forms (all messages at once) and the
services (the last word before anything is written).

Errors name the input (``field``, a key of the values dict, or ``weights``) and the
reason (``code``); ``params`` fill the message (e.g. the actual sum of the weights).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from app.accounts.models import OrganisationKind
from app.needs import taxonomy
from app.needs.doctrine import CRITERIA, Approach
from app.needs.models import MAX_BUDGET_CENTS, Need, Route, Visibility
from app.needs.regions import REGIONS

CORE_BAND_MIN_CENTS = 100_000 * 100  # the €100k–€10M deals that usually go unpublished
CORE_BAND_MAX_CENTS = 10_000_000 * 100

TEXT_FIELDS = ("title", "summary", "description", "cpv_code", "region", "anonymous_label",
               "reuse_note", "off_the_shelf_note", "custom_justification")
FLAG_FIELDS = ("anonymised", "sensitive_data", "requires_secnumcloud", "eu_data_residency",
               "open_source_preferred", "sme_set_aside", "sealed_bids", "reuse_checked", "off_the_shelf_sought")
WEIGHT_FIELDS = tuple(f"weight_{c}" for c in CRITERIA)
FIELDS = (*TEXT_FIELDS, *FLAG_FIELDS, *WEIGHT_FIELDS, "categories", "budget_min_cents", "budget_max_cents",
          "route", "visibility", "approach", "deadline_at")
REQUIRED_TEXT = ("title", "summary", "description")
MAX_LENGTHS = {"title": 200, "summary": 500, "anonymous_label": 120}
# What a published need keeps: who may see it, who it is, who may bid and how bids are read.
LOCKED_AFTER_PUBLICATION = ("route", "visibility", "anonymised", "anonymous_label", "sealed_bids", "sme_set_aside")


class NeedError(ValueError):
    """A refused need operation; ``field`` names the input, ``code`` the reason."""

    def __init__(self, field: str | None, code: str, **params):
        self.field = field
        self.code = code
        self.params = params
        super().__init__(f"{field}: {code}")


class InvalidNeed(NeedError):
    """Several refused inputs at once; behaves as the first one."""

    def __init__(self, errors: list[NeedError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.field, first.code, **first.params)


def raise_all(errors: list[NeedError]) -> None:
    if errors:
        raise InvalidNeed(errors)


# --- parsing what people type -----------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009'’]+")
_CURRENCY = re.compile(r"€|\beuros?\b|\beur\b", re.IGNORECASE)
_GROUPED = re.compile(r"\d{1,3}(?P<sep>[.,])\d{3}(?:(?P=sep)\d{3})*")
_ZERO_CENTS = re.compile(r"(?P<whole>\d+|\d{1,3}(?:[.,]\d{3})+)[.,]0{1,2}")


def parse_whole_euros(text: str | None) -> int:
    """Integer cents of an amount in whole euros as people type it, never through floats.

    "150000", "150 000", "150 000 €", "150.000", "150,000", "150 000,00" -> 15_000_000.
    Raises NeedError(None, code) with budget_required, budget_format or budget_whole_euros.
    """
    raw = _SPACES.sub("", _CURRENCY.sub("", str(text or "")))
    if not raw:
        raise NeedError(None, "budget_required")
    if raw.startswith(("-", "\u2212")):
        raise NeedError(None, "budget_positive")
    if match := _ZERO_CENTS.fullmatch(raw):
        raw = match["whole"]
    if raw.isdigit() and raw.isascii():
        return int(raw) * 100
    if _GROUPED.fullmatch(raw):
        return int(raw.replace(".", "").replace(",", "")) * 100
    if re.fullmatch(r"\d+[.,]\d{1,2}", raw):
        raise NeedError(None, "budget_whole_euros")
    raise NeedError(None, "budget_format")


def normalise_cpv(text: str | None) -> str | None:
    """A CPV code: 8 digits and an optional check digit ("72000000-5"); None when empty."""
    raw = _SPACES.sub("", str(text or ""))
    if not raw:
        return None
    if not re.fullmatch(r"\d{8}(-\d)?", raw) or not raw.isascii():
        raise NeedError("cpv_code", "cpv_format")
    return raw


def in_core_band(min_cents: int, max_cents: int) -> bool:
    return max_cents >= CORE_BAND_MIN_CENTS and min_cents <= CORE_BAND_MAX_CENTS


def route_for(kind: OrganisationKind) -> Route | None:
    """The procurement route a buyer must use: administrations buy publicly, groups privately."""
    return {OrganisationKind.ADMINISTRATION: Route.PUBLIC, OrganisationKind.CORPORATE: Route.PRIVATE}.get(kind)


# --- checking a whole set of values ------------------------------------------------------


def normalise_text(value) -> str | None:
    """Trimmed text with the line endings browsers send (CRLF) made plain; None when empty."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip() if value is not None else ""
    return text or None


def _enum(enum_cls, value, field: str, errors: list[NeedError]):
    try:
        return enum_cls(value)
    except ValueError:
        errors.append(NeedError(field, f"{field}_invalid"))
        return None


def _check_budget(low, high, errors: list[NeedError]) -> None:
    if not isinstance(low, int) or isinstance(low, bool):
        errors.append(NeedError("budget_min_cents", "budget_required"))
    elif low <= 0:
        errors.append(NeedError("budget_min_cents", "budget_positive"))
    if not isinstance(high, int) or isinstance(high, bool):
        errors.append(NeedError("budget_max_cents", "budget_required"))
    elif high <= 0:
        errors.append(NeedError("budget_max_cents", "budget_positive"))
    elif high >= MAX_BUDGET_CENTS:
        errors.append(NeedError("budget_max_cents", "budget_too_high"))
    if not any(e.field in ("budget_min_cents", "budget_max_cents") for e in errors) and low > high:
        errors.append(NeedError("budget_min_cents", "budget_min_above_max"))


def weights_problem(weights: Mapping[str, object]) -> NeedError | None:
    """Each weight a whole percentage, all nine summing to 100."""
    total = 0
    for c in CRITERIA:
        value = weights.get(f"weight_{c}")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            return NeedError(f"weight_{c}", "weight_range")
        total += value
    if total != 100:
        return NeedError("weights", "weights_sum", total=total)
    return None


def clean_need_values(values: Mapping[str, object], *, buyer, now: datetime) -> dict:
    """Checked and normalised need fields, or InvalidNeed listing every problem.

    Drafts may leave the doctrine checklist and the categories for later (see
    publication_problems); everything the database requires is checked here.
    """
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown need fields: {sorted(unknown)}")
    errors: list[NeedError] = []
    clean: dict = {name: normalise_text(values.get(name)) for name in TEXT_FIELDS}
    clean.update({name: bool(values.get(name)) for name in FLAG_FIELDS})
    for name in REQUIRED_TEXT:
        if clean[name] is None:
            errors.append(NeedError(name, "required"))
    for name, limit in MAX_LENGTHS.items():
        if clean[name] is not None and len(clean[name]) > limit:
            errors.append(NeedError(name, "too_long", max=limit))

    codes = list(dict.fromkeys(str(c) for c in (values.get("categories") or ())))
    if any(not taxonomy.is_known(code) for code in codes):
        errors.append(NeedError("categories", "category_unknown"))
    clean["categories"] = sorted(codes)
    try:
        clean["cpv_code"] = normalise_cpv(clean["cpv_code"])
    except NeedError as exc:
        errors.append(exc)
    if clean["region"] is not None and clean["region"] not in REGIONS:
        errors.append(NeedError("region", "region_unknown"))

    low, high = values.get("budget_min_cents"), values.get("budget_max_cents")
    _check_budget(low, high, errors)
    clean["budget_min_cents"], clean["budget_max_cents"] = low, high

    route = _enum(Route, values.get("route"), "route", errors)
    expected = route_for(buyer.kind)
    if expected is None:
        errors.append(NeedError("route", "not_a_buyer"))
    elif route is not None and route != expected:
        errors.append(NeedError("route", "route_mismatch"))
    clean["route"] = route

    deadline = values.get("deadline_at")
    if not isinstance(deadline, datetime) or deadline.tzinfo is None:
        errors.append(NeedError("deadline_at", "deadline_required"))
    elif deadline <= now:
        errors.append(NeedError("deadline_at", "deadline_past"))
    clean["deadline_at"] = deadline

    visibility = _enum(Visibility, values.get("visibility") or Visibility.PUBLIC, "visibility", errors)
    clean["visibility"] = visibility
    if clean["anonymised"]:
        if visibility == Visibility.PUBLIC:
            errors.append(NeedError("anonymised", "anonymised_public"))
        elif clean["anonymous_label"] is None:
            errors.append(NeedError("anonymous_label", "anonymous_label_required"))
    else:
        clean["anonymous_label"] = None

    if clean["sensitive_data"]:
        clean["requires_secnumcloud"] = True  # the doctrine's hard requirement
    if route == Route.PUBLIC:
        clean["sealed_bids"] = True  # public procurement: bids stay sealed until the deadline

    approach = _enum(Approach, values.get("approach") or Approach.OFF_THE_SHELF, "approach", errors)
    clean["approach"] = approach
    if approach == Approach.CUSTOM and clean["custom_justification"] is None:
        errors.append(NeedError("custom_justification", "custom_unjustified"))

    weights = {name: values.get(name) for name in WEIGHT_FIELDS}
    if problem := weights_problem(weights):
        errors.append(problem)
    clean.update(weights)
    raise_all(errors)
    return clean


def publication_problems(need: Need, *, now: datetime) -> list[NeedError]:
    """What stops a draft from being published (empty when it may go out)."""
    problems: list[NeedError] = []
    for name in REQUIRED_TEXT:
        if not (getattr(need, name) or "").strip():
            problems.append(NeedError(name, "required"))
    if not need.categories:
        problems.append(NeedError("categories", "categories_required"))
    _check_budget(need.budget_min_cents, need.budget_max_cents, problems)
    if need.deadline_at <= now:
        problems.append(NeedError("deadline_at", "deadline_past"))
    if not need.reuse_checked:
        problems.append(NeedError("reuse_checked", "reuse_unchecked"))
    elif not (need.reuse_note or "").strip():
        problems.append(NeedError("reuse_note", "reuse_note_required"))
    if not need.off_the_shelf_sought:
        problems.append(NeedError("off_the_shelf_sought", "off_the_shelf_unchecked"))
    if need.approach == Approach.CUSTOM and not (need.custom_justification or "").strip():
        problems.append(NeedError("custom_justification", "custom_unjustified"))
    if problem := weights_problem({f"weight_{c}": w for c, w in need.weights.items()}):
        problems.append(problem)
    return problems
