"""Bodies of the API's bid resources: money as integer euro cents in a ``price`` object,
times in ISO 8601 UTC, the doctrine's three sovereignty answers and the hosting facts."""

from __future__ import annotations

import marshmallow as ma

from app.api.schemas import (
    CURRENCY,
    Derived,
    MoneySchema,
    OrganisationSchema,
    PageArgs,
    UTCDateTime,
    enum_of,
    money,
)
from app.bids.models import BidStatus
from app.bids.services import BidInput
from app.needs.doctrine import Approach
from app.suppliers.models import CertificationKind

TEXTS = ("summary", "proposal", "timeline", "hosting_country", "hosting_provider",
         "extraterritorial_answer", "reversibility_answer", "mastery_answer")
FLAGS = ("secnumcloud_hosting", "data_in_eu", "open_source")


class PriceSchema(ma.Schema):
    amount_cents = ma.fields.Integer(required=True, strict=True, metadata={"description": "Integer euro cents"})
    currency = ma.fields.String(load_default=CURRENCY, validate=ma.validate.OneOf([CURRENCY]))


class BidWriteSchema(ma.Schema):
    """A bid as the supplier sends it. The bid rules (app.bids.services) then say what a
    submitted bid requires, field by field (422 with errors)."""

    price = ma.fields.Nested(PriceSchema, required=True)
    summary = ma.fields.String(required=True, metadata={"description": "At most 500 characters"})
    proposal = ma.fields.String(required=True)
    timeline = ma.fields.String(required=True, metadata={"description": "Delivery plan and duration"})
    approach = ma.fields.String(validate=ma.validate.OneOf([a.value for a in Approach]))
    solution_id = ma.fields.Integer(allow_none=True, strict=True,
                                    metadata={"description": "One of the organisation's catalogue solutions"})
    hosting_country = ma.fields.String(allow_none=True, metadata={"description": "ISO 3166 alpha-2 code"})
    hosting_provider = ma.fields.String(allow_none=True)
    secnumcloud_hosting = ma.fields.Boolean(load_default=False)
    data_in_eu = ma.fields.Boolean(load_default=True)
    open_source = ma.fields.Boolean(load_default=False)
    certifications = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf([c.value for c in CertificationKind])),
                                    load_default=list)
    extraterritorial_answer = ma.fields.String(
        required=True, metadata={"description": "Reach of foreign law (e.g. the Cloud Act) over the service"})
    reversibility_answer = ma.fields.String(required=True, metadata={"description": "Exit plan, open formats"})
    mastery_answer = ma.fields.String(required=True, metadata={"description": "Mastery of the technology"})


def price_text(cents: int) -> str:
    """Integer cents as the euro text BidInput reads ("185000,50"); sign kept for refusal."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole},{rest:02d}"


def bid_input(data: dict) -> BidInput:
    """A loaded body as the BidInput app.bids.services takes."""
    values = {name: data.get(name) or "" for name in TEXTS}
    values.update({name: data[name] for name in FLAGS})
    return BidInput(price=price_text(data["price"]["amount_cents"]), solution_id=data.get("solution_id"),
                    approach=data.get("approach") or Approach.OFF_THE_SHELF.value,
                    certifications=list(data.get("certifications") or []), **values)


def api_field(field: str | None) -> str:
    """The body field a BidError names (``price`` -> ``price.amount_cents``)."""
    if field in (None, "need", "bid"):
        return "_schema"
    if field == "price":
        return "price.amount_cents"
    return field


class BidAwardSchema(ma.Schema):
    """The award of a bid, as its supplier reads it."""

    id = ma.fields.Integer()
    amount = Derived(MoneySchema, derive=lambda award: money(award.amount_cents),
                     metadata={"description": "The contracted amount"})
    awarded_at = UTCDateTime()


def bid_award(bid):
    return next((a for a in bid.need.awards if a.bid_id == bid.id), None)


class BidSchema(ma.Schema):
    id = ma.fields.Integer()
    need = ma.fields.String(attribute="need.reference", dump_only=True, metadata={"description": "The need's reference"})
    supplier = ma.fields.Nested(OrganisationSchema)
    status = enum_of(BidStatus)
    price = Derived(MoneySchema, derive=lambda bid: money(bid.price_cents))
    summary = ma.fields.String()
    proposal = ma.fields.String()
    timeline = ma.fields.String(allow_none=True)
    approach = enum_of(Approach)
    solution_id = ma.fields.Integer(allow_none=True)
    hosting_country = ma.fields.String(allow_none=True)
    hosting_provider = ma.fields.String(allow_none=True)
    secnumcloud_hosting = ma.fields.Boolean()
    data_in_eu = ma.fields.Boolean()
    open_source = ma.fields.Boolean()
    certifications = ma.fields.List(ma.fields.String())
    extraterritorial_answer = ma.fields.String(allow_none=True)
    reversibility_answer = ma.fields.String(allow_none=True)
    mastery_answer = ma.fields.String(allow_none=True)
    submitted_at = UTCDateTime(allow_none=True)
    withdrawn_at = UTCDateTime(allow_none=True)
    updated_at = UTCDateTime()
    # The outcome, as the supplier's page shows it
    decided_at = UTCDateTime(allow_none=True, metadata={"description": "When the bid was awarded or rejected"})
    feedback = ma.fields.String(allow_none=True, metadata={"description": "The buyer's feedback on a rejected bid"})
    award = Derived(BidAwardSchema, derive=bid_award, allow_none=True,
                    metadata={"description": "The award (contracted amount in integer cents) once awarded"})


class ReceivedBidsSchema(ma.Schema):
    """What the buyer sees of the bids on its need: while sealed, only how many came in."""

    need = ma.fields.String(metadata={"description": "The need's reference"})
    unsealed = ma.fields.Boolean(metadata={"description": "False until the deadline of a sealed need"})
    count = ma.fields.Integer(metadata={"description": "Bids received (submitted and later)"})
    bids = ma.fields.List(ma.fields.Nested(BidSchema),
                          metadata={"description": "Only once unsealed; absent while bids are sealed"})


class BidListArgs(PageArgs):
    """Filters and order of a supplier's bids."""

    status = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf([s.value for s in BidStatus])),
                            metadata={"description": "The bid's status, repeatable"})
    need = ma.fields.String(validate=ma.validate.Length(min=1, max=40),
                            metadata={"description": "Only the bid on this need (its reference)"})
    sort = ma.fields.String(load_default="-updated_at", validate=ma.validate.OneOf(
        ["-updated_at", "updated_at", "-submitted_at", "submitted_at", "-price", "price"]),
        metadata={"description": "The order: a field, with a leading - for descending"})
