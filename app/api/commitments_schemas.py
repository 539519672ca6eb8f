"""Bodies of the API's commitment resources: pledges, purchases and the figures, money as
integer euro cents with its currency, dates as ISO 8601 days, times in ISO 8601 UTC.

The inputs are only shaped here; app.commitments.services checks them with the domain's
own rules and messages (422 with field errors named as in these bodies).
"""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload

from app.api.schemas import (
    CURRENCY,
    MAX_PAGE,
    MAX_PER_PAGE,
    Derived,
    MoneySchema,
    OrganisationSchema,
    UTCDateTime,
    money,
)
from app.bids.money import format_euros_input
from app.commitments.dashboard_policy import Audience
from app.commitments.declarations import DECLARED_CLASSES as CLASSES
from app.commitments.eligibility import SupplierClass
from app.commitments.models import PurchaseSource, PurchaseStatus
from app.commitments.stats import Trend

DECLARED_CLASSES = tuple(c.value for c in CLASSES)
SORTS = ("purchased_on", "-purchased_on", "amount", "-amount", "created_at", "-created_at")


class MoneyInSchema(ma.Schema):
    amount_cents = ma.fields.Integer(required=True, strict=True, metadata={"description": "Integer euro cents"})
    currency = ma.fields.String(load_default=CURRENCY, validate=ma.validate.OneOf([CURRENCY]))


class PeriodSchema(ma.Schema):
    start = ma.fields.Date(required=True, metadata={"description": "First day (ISO 8601 date)"})
    end = ma.fields.Date(required=True, metadata={"description": "Last day, included (ISO 8601 date)"})


# --- pledges ------------------------------------------------------------------------------------


class PledgeWriteSchema(ma.Schema):
    """A pledge as its organisation's owner records or revises it."""

    amount = ma.fields.Nested(MoneyInSchema, required=True,
                              metadata={"description": "Purchases from startups and SMEs pledged over the period"})
    period = ma.fields.Nested(PeriodSchema, required=True)
    note = ma.fields.String(allow_none=True, metadata={"description": "Why the pledge is set or changed (kept in "
                                                                      "the history), at most 1000 characters"})


def pledge_service_values(data: dict) -> dict:
    """A loaded pledge body as app.commitments.services.record_pledge takes it."""
    return {"amount_euros": format_euros_input(data["amount"]["amount_cents"]),
            "period_start": data["period"]["start"], "period_end": data["period"]["end"],
            "note": data.get("note")}


def pledge_field(field: str | None) -> str:
    """The body field a pledge refusal names (``period_start`` -> ``period.start``)."""
    return {"amount": "amount.amount_cents", "period_start": "period.start", "period_end": "period.end",
            "note": "note"}.get(field or "", "_schema")


class PersonSchema(ma.Schema):
    id = ma.fields.Integer()
    full_name = ma.fields.String()


class RevisionSchema(ma.Schema):
    """One change of a pledge (the first one records it)."""

    amount = Derived(MoneySchema, derive=lambda row: money(row.revision.amount_cents))
    period = Derived(PeriodSchema, derive=lambda row: {"start": row.revision.period_start,
                                                      "end": row.revision.period_end})
    revised_at = UTCDateTime(attribute="revision.revised_at", dump_only=True)
    revised_by = Derived(PersonSchema, derive=lambda row: row.by, allow_none=True,
                         metadata={"description": "None once the person's account is deleted"})
    note = ma.fields.String(attribute="revision.note", allow_none=True, dump_only=True)


class PledgeSchema(ma.Schema):
    """An organisation's current pledge and every revision, newest first."""

    organisation = ma.fields.Nested(OrganisationSchema)
    amount = ma.fields.Nested(MoneySchema)
    period = ma.fields.Nested(PeriodSchema)
    updated_at = UTCDateTime()
    revisions = ma.fields.List(ma.fields.Nested(RevisionSchema))


class PledgeListArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=MAX_PAGE))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))
    organisation = ma.fields.Integer(metadata={"description": "The operator only: one organisation's pledge"})


# --- purchases ----------------------------------------------------------------------------------


class PurchaseListArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=MAX_PAGE))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in PurchaseStatus]),
                              metadata={"description": "Only purchases in this status"})
    kind = ma.fields.String(validate=ma.validate.OneOf([s.value for s in PurchaseSource]),
                            metadata={"description": "award: awarded on Tremplin; declared: made elsewhere"})
    sort = ma.fields.String(load_default="-purchased_on", validate=ma.validate.OneOf(SORTS),
                            metadata={"description": "A leading - sorts in descending order"})
    organisation = ma.fields.Integer(metadata={"description": "The operator only: one buyer's purchases"})


SUPPLIER_FIELDS = ("supplier", "supplier_name", "supplier_country", "supplier_siren", "supplier_vat",
                   "declared_class", "declared_innovative")


class DeclarationFieldsSchema(ma.Schema):
    """The facts of a declared purchase. The supplier is either one on Tremplin (``supplier``:
    its name, SIREN or VAT number) or described by the ``supplier_*`` fields with
    ``declared_class``. What a declaration requires is said by the declaration rules, field
    by field (422)."""

    supplier = ma.fields.String(allow_none=True,
                                metadata={"description": "A verified supplier on Tremplin: name, SIREN or VAT number"})
    supplier_name = ma.fields.String(allow_none=True, metadata={"description": "A supplier not on Tremplin"})
    supplier_country = ma.fields.String(allow_none=True, metadata={"description": "ISO 3166 alpha-2 code"})
    supplier_siren = ma.fields.String(allow_none=True, metadata={"description": "Required for a French supplier"})
    supplier_vat = ma.fields.String(allow_none=True, metadata={"description": "Elsewhere in the EU, optional"})
    declared_class = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(DECLARED_CLASSES),
                                      metadata={"description": "The size of a supplier not on Tremplin"})
    declared_innovative = ma.fields.Boolean(
        metadata={"description": "It holds an innovation label (JEI, French Tech 120 or 2030, Next40, GreenTech)"})
    amount_cents = ma.fields.Integer(strict=False, metadata={"description": "Excluding VAT, integer euro cents"})
    currency = ma.fields.String(load_default=CURRENCY, validate=ma.validate.OneOf([CURRENCY]))
    purchased_on = ma.fields.Date(metadata={"description": "The day the order or contract was signed"})
    category_code = ma.fields.String(allow_none=True, metadata={"description": "A category code, e.g. \"ai.llm\""})
    description = ma.fields.String(allow_none=True, metadata={"description": "What was bought"})
    secnumcloud = ma.fields.Boolean(allow_none=True,
                                    metadata={"description": "Hosted on SecNumCloud-qualified hosting (null: unknown)"})
    disclose_amount = ma.fields.Boolean(
        metadata={"description": "The amount may appear outside the organisation (public figures, open data)"})


class DeclarationFormSchema(DeclarationFieldsSchema):
    """A declaration sent as multipart/form-data with its evidence file."""

    evidence = Upload(load_only=True, metadata={
        "description": "The signed order, contract or invoice: PDF, ODT, ODS, DOCX, XLSX, PNG or JPEG, up to 20 MB"})


class DeclarationPatchSchema(DeclarationFieldsSchema):
    """The facts to change, as JSON; the others keep their values (and the evidence its file)."""

    currency = ma.fields.String(validate=ma.validate.OneOf([CURRENCY]))


def declaration_values(data: dict) -> dict:
    """Loaded declaration fields as app.commitments.services takes them (only those sent)."""
    values = {name: data[name] for name in (
        "supplier_name", "supplier_country", "supplier_siren", "supplier_vat", "declared_class",
        "declared_innovative", "purchased_on", "category_code", "description", "secnumcloud", "disclose_amount",
    ) if name in data}
    if "supplier" in data:
        values["supplier_search"] = data["supplier"]
    if "amount_cents" in data:
        values["amount_euros"] = format_euros_input(data["amount_cents"]) if data["amount_cents"] is not None else ""
    return values


def declaration_field(field: str | None) -> str:
    """The body field a declaration refusal names (``amount`` -> ``amount_cents``)."""
    if field in (None, "purchase"):
        return "_schema"
    return {"amount": "amount_cents"}.get(field, field)


class SupplierSchema(ma.Schema):
    id = ma.fields.Integer(allow_none=True, metadata={"description": "Its organisation on Tremplin, if any"})
    name = ma.fields.String(allow_none=True)
    siren = ma.fields.String(allow_none=True)
    vat_number = ma.fields.String(allow_none=True)
    country = ma.fields.String(allow_none=True)


class EligibilitySchema(ma.Schema):
    """Whether the purchase's supplier counts under the rule in force, and why (as on the
    purchases page). The amount counts towards the pledge once verified, within the period."""

    rule = ma.fields.String(metadata={"description": "The rule's code (COMMITMENT_ELIGIBILITY)"})
    rule_label = ma.fields.String()
    counts = ma.fields.Boolean()
    supplier_class = ma.fields.String(metadata={"enum": [c.value for c in SupplierClass]})
    geography = ma.fields.String(metadata={"enum": ["fr", "eu", "non_eu"]})
    innovative = ma.fields.Boolean()
    reason = ma.fields.String(metadata={"description": "One sentence, in the request's language"})


class EvidenceSchema(ma.Schema):
    filename = ma.fields.String()


class PurchaseSchema(ma.Schema):
    id = ma.fields.Integer()
    buyer = ma.fields.Nested(OrganisationSchema)
    kind = ma.fields.String(metadata={"enum": [s.value for s in PurchaseSource],
                                      "description": "award: awarded on Tremplin; declared: made elsewhere"})
    status = ma.fields.String(metadata={"enum": [s.value for s in PurchaseStatus]})
    need = ma.fields.String(allow_none=True, metadata={"description": "The need's reference, for an award"})
    amount = ma.fields.Nested(MoneySchema)
    purchased_on = ma.fields.Date()
    supplier = ma.fields.Nested(SupplierSchema)
    category_code = ma.fields.String(allow_none=True)
    description = ma.fields.String(allow_none=True)
    secnumcloud = ma.fields.Boolean(allow_none=True)
    disclose_amount = ma.fields.Boolean()
    evidence = ma.fields.Nested(EvidenceSchema, allow_none=True,
                                metadata={"description": "The file itself is downloaded from the web page"})
    eligibility = ma.fields.Nested(EligibilitySchema)
    rejection_reason = ma.fields.String(allow_none=True)
    verified_at = UTCDateTime(allow_none=True)
    may_change = ma.fields.Boolean(metadata={"description": "Whether this token may change or withdraw it"})
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


# --- figures ------------------------------------------------------------------------------------


class RuleSchema(ma.Schema):
    code = ma.fields.String()
    label = ma.fields.String()


class ProgrammeSchema(ma.Schema):
    name = ma.fields.String()
    target = ma.fields.Nested(MoneySchema)
    start = ma.fields.Date()
    end = ma.fields.Date()
    rule = ma.fields.Nested(RuleSchema)


class PaceSchema(ma.Schema):
    days_total = ma.fields.Integer()
    days_elapsed = ma.fields.Integer()
    days_left = ma.fields.Integer()
    so_far_per_month = ma.fields.Nested(MoneySchema, allow_none=True)
    needed_per_month = ma.fields.Nested(MoneySchema, allow_none=True)
    projection = ma.fields.Nested(MoneySchema, allow_none=True)
    on_track = ma.fields.Boolean(allow_none=True)
    reached_on = ma.fields.Date(allow_none=True)


class AllianceFiguresSchema(ma.Schema):
    """The alliance's collective figure. For readers outside the alliance the amounts are
    protected by the minimum cell size (``min_cell``): a total of fewer purchases is null."""

    verified = ma.fields.Nested(MoneySchema, allow_none=True,
                                metadata={"description": "Verified, counting under the rule"})
    declared = ma.fields.Nested(MoneySchema, allow_none=True,
                                metadata={"description": "Awaiting verification, counting under the rule"})
    progress_percent = ma.fields.Float(allow_none=True)
    progress_with_declared_percent = ma.fields.Float(allow_none=True)
    pledged = ma.fields.Nested(MoneySchema)
    pledgers = ma.fields.Integer()
    pace = ma.fields.Nested(PaceSchema)
    min_cell = ma.fields.Integer(allow_none=True, metadata={"description": "null: exact figures"})


class MemberFiguresSchema(ma.Schema):
    """One alliance member's own figures (its people and the operator only)."""

    organisation = ma.fields.Nested(OrganisationSchema)
    pledged = ma.fields.Nested(MoneySchema, allow_none=True)
    awarded = ma.fields.Nested(MoneySchema, metadata={"description": "Awarded on Tremplin, verified, counting"})
    declared = ma.fields.Nested(MoneySchema, metadata={"description": "Declared, awaiting verification, counting"})
    verified = ma.fields.Nested(MoneySchema, metadata={"description": "Verified, counting under the rule"})
    verified_all = ma.fields.Nested(MoneySchema, metadata={"description": "Verified, every supplier"})
    progress_percent = ma.fields.Float(allow_none=True)
    trend = ma.fields.String(metadata={"enum": [t.value for t in Trend]})
    trend_change_percent = ma.fields.Float(allow_none=True)


class SummaryArgs(ma.Schema):
    organisation = ma.fields.Integer(
        metadata={"description": "A member's figures: the operator any member's, a member its own only"})


class SummarySchema(ma.Schema):
    audience = ma.fields.String(metadata={"enum": [a.value for a in Audience]})
    programme = ma.fields.Nested(ProgrammeSchema)
    alliance = ma.fields.Nested(AllianceFiguresSchema)
    member = ma.fields.Nested(MemberFiguresSchema, allow_none=True,
                              metadata={"description": "The token's organisation's figures when it is a member"})
