"""Request bodies of the API's need-writing resources, shaped like the needs it returns
(money as integer euro cents in a ``budget`` object, times in ISO 8601 with an offset)."""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma

from app.api.schemas import CURRENCY
from app.needs.doctrine import CRITERIA, Approach
from app.needs.models import Route, Visibility

TEXTS = ("title", "summary", "description", "cpv_code", "region", "anonymous_label", "reuse_note",
         "off_the_shelf_note", "custom_justification")
FLAGS = ("anonymised", "sensitive_data", "requires_secnumcloud", "eu_data_residency", "open_source_preferred",
         "sme_set_aside", "sealed_bids", "reuse_checked", "off_the_shelf_sought")


class BudgetInSchema(ma.Schema):
    min_cents = ma.fields.Integer(required=True, strict=True, metadata={"description": "Integer euro cents"})
    max_cents = ma.fields.Integer(required=True, strict=True, metadata={"description": "Integer euro cents"})
    currency = ma.fields.String(load_default=CURRENCY, validate=ma.validate.OneOf([CURRENCY]))


class NeedWriteSchema(ma.Schema):
    """The fields of a need a buyer writes. Every field is optional here: the needs'
    own rules (app.needs.validation) then say what a need requires, field by field."""

    title = ma.fields.String(allow_none=True)
    summary = ma.fields.String(allow_none=True)
    description = ma.fields.String(allow_none=True)
    cpv_code = ma.fields.String(allow_none=True, metadata={"description": "8 digits, optional check digit"})
    region = ma.fields.String(allow_none=True, metadata={"description": "INSEE region code, e.g. \"11\""})
    anonymous_label = ma.fields.String(allow_none=True)
    reuse_note = ma.fields.String(allow_none=True)
    off_the_shelf_note = ma.fields.String(allow_none=True)
    custom_justification = ma.fields.String(allow_none=True)
    categories = ma.fields.List(ma.fields.String(), metadata={"description": "Category codes, e.g. \"ai.llm\""})
    budget = ma.fields.Nested(BudgetInSchema)
    route = ma.fields.String(validate=ma.validate.OneOf([r.value for r in Route]),
                             metadata={"description": "Defaults to the buyer's route"})
    visibility = ma.fields.String(validate=ma.validate.OneOf([v.value for v in Visibility]))
    approach = ma.fields.String(validate=ma.validate.OneOf([a.value for a in Approach]))
    deadline_at = ma.fields.AwareDateTime(metadata={"description": "ISO 8601 with an offset (stored in UTC)"})
    weights = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.OneOf(CRITERIA)),
                             values=ma.fields.Integer(strict=True),
                             metadata={"description": "Whole percentages by criterion, summing to 100"})
    anonymised = ma.fields.Boolean()
    sensitive_data = ma.fields.Boolean()
    requires_secnumcloud = ma.fields.Boolean()
    eu_data_residency = ma.fields.Boolean()
    open_source_preferred = ma.fields.Boolean()
    sme_set_aside = ma.fields.Boolean()
    sealed_bids = ma.fields.Boolean()
    reuse_checked = ma.fields.Boolean()
    off_the_shelf_sought = ma.fields.Boolean()


class NeedPatchSchema(NeedWriteSchema):
    amendment_summary = ma.fields.String(
        allow_none=True, metadata={"description": "Required to change a published need: what changed and why"})


class CancelSchema(ma.Schema):
    reason = ma.fields.String(allow_none=True, metadata={"description": "Shown to suppliers who can see the need"})


def service_values(data: dict) -> dict:
    """A loaded body as the values app.needs.services takes (only the fields sent)."""
    values = {name: data[name] for name in (*TEXTS, *FLAGS, "categories", "route", "visibility", "approach")
              if name in data}
    if "budget" in data:
        values["budget_min_cents"] = data["budget"]["min_cents"]
        values["budget_max_cents"] = data["budget"]["max_cents"]
    if "deadline_at" in data:
        values["deadline_at"] = data["deadline_at"].astimezone(UTC)
    for criterion, weight in (data.get("weights") or {}).items():
        values[f"weight_{criterion}"] = weight
    return values


def api_field(field: str | None) -> str:
    """The body field a service error names (``budget_min_cents`` -> ``budget.min_cents``)."""
    if field is None:
        return "_schema"
    if field in ("budget_min_cents", "budget_max_cents"):
        return "budget." + field.removeprefix("budget_")
    if field.startswith("weight_"):
        return "weights." + field.removeprefix("weight_")
    return field
