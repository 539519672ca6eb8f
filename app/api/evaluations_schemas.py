"""Bodies of the API's evaluation and award resources: scores 0..5 on the doctrine's nine
criteria, money as integer euro cents with its currency, times in ISO 8601 UTC."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext as _

from app.api.schemas import (
    CURRENCY,
    Derived,
    MoneySchema,
    OrganisationSchema,
    UTCDateTime,
    enum_of,
    money,
)
from app.bids.models import BidStatus
from app.needs.doctrine import CRITERIA, MAX_SCORE

TENTHS_DESCRIPTION = "The mean weighted score out of 100, in tenths (734 reads 73.4 / 100); null until scored"


class AwardAmountSchema(ma.Schema):
    amount_cents = ma.fields.Integer(required=True, strict=True, metadata={"description": "Integer euro cents"})
    currency = ma.fields.String(load_default=CURRENCY, validate=ma.validate.OneOf([CURRENCY]))


# --- evaluations ----------------------------------------------------------------------------


class EvaluationWriteSchema(ma.Schema):
    scores = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(CRITERIA)),
        values=ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=MAX_SCORE)),
        required=True,
        metadata={"description": f"A whole score from 0 to {MAX_SCORE} for each of the nine criteria: "
                                 + ", ".join(CRITERIA)},
    )
    comment = ma.fields.String(allow_none=True, metadata={"description": "The evaluator's note (optional)"})


class EvaluationSchema(ma.Schema):
    """The token's user's evaluation of a bid."""

    id = ma.fields.Integer()
    bid_id = ma.fields.Integer()
    evaluator_id = ma.fields.Integer()
    scores = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    comment = ma.fields.String(allow_none=True)
    weighted_total = ma.fields.Method(
        "get_total", metadata={"type": "integer", "description": "Σ score × weight with the need's weights, out of 500"})
    updated_at = UTCDateTime()

    def get_total(self, evaluation) -> int:
        return evaluation.weighted_total(evaluation.bid.need.weights)


class RejectSchema(ma.Schema):
    feedback = ma.fields.String(required=True, metadata={"description": "Why the bid is not retained; "
                                                                        "the supplier reads it"})


class UnsuccessfulSchema(ma.Schema):
    reason = ma.fields.String(required=True, metadata={"description": "Why no bid is awarded; shown to suppliers "
                                                                      "who can see the need"})


# --- ranking ----------------------------------------------------------------------------------


class StandingSchema(ma.Schema):
    rank = ma.fields.Integer(allow_none=True, metadata={
        "description": "1 for the best; equal scores share a rank (1, 1, 3); null until scored"})
    bid_id = ma.fields.Integer(attribute="bid.id", dump_only=True)
    supplier = ma.fields.Nested(OrganisationSchema, attribute="bid.supplier", dump_only=True,
                                metadata={"description": "The bidding organisation"})
    status = enum_of(BidStatus, attribute="bid.status")
    price = Derived(MoneySchema, derive=lambda s: money(s.bid.price_cents))
    evaluations = ma.fields.Function(lambda s: len(s.totals),
                                     metadata={"type": "integer", "description": "Number of evaluators"})
    score_tenths = ma.fields.Integer(attribute="tenths", allow_none=True, dump_only=True,
                                     metadata={"description": TENTHS_DESCRIPTION})


class RankingSchema(ma.Schema):
    need = ma.fields.String(metadata={"description": "The need's reference"})
    unsealed = ma.fields.Boolean(metadata={"description": "False until the deadline of a sealed need"})
    count = ma.fields.Integer(metadata={"description": "Bids received (submitted and later)"})
    weights = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                             metadata={"description": "The need's weights, whole percentages by criterion"})
    standings = ma.fields.List(ma.fields.Nested(StandingSchema),
                               metadata={"description": "Best first, unscored bids last; absent while sealed"})


# --- awards -----------------------------------------------------------------------------------


class AwardedBidSchema(ma.Schema):
    bid_id = ma.fields.Integer(required=True, strict=True)
    amount = ma.fields.Nested(AwardAmountSchema, required=True, metadata={"description": "The contracted amount"})


class AwardWriteSchema(ma.Schema):
    bids = ma.fields.List(ma.fields.Nested(AwardedBidSchema), required=True,
                          validate=ma.validate.Length(min=1),
                          metadata={"description": "One or several bids (lots, framework agreement)"})
    note = ma.fields.String(allow_none=True, metadata={"description": "A note on the award (optional)"})

    @ma.validates_schema
    def distinct_bids(self, data, **kwargs):
        ids = [item["bid_id"] for item in data.get("bids") or []]
        if len(ids) != len(set(ids)):
            raise ma.ValidationError(_("Each bid is awarded once."), "bids")


class AwardSchema(ma.Schema):
    id = ma.fields.Integer()
    need = ma.fields.String(attribute="need.reference", dump_only=True, metadata={"description": "The need's reference"})
    bid_id = ma.fields.Integer()
    supplier = ma.fields.Nested(OrganisationSchema, attribute="bid.supplier", dump_only=True)
    amount = Derived(MoneySchema, derive=lambda a: money(a.amount_cents), metadata={"description": "The contracted amount"})
    awarded_at = UTCDateTime()
    note = ma.fields.String(allow_none=True)
    purchase_id = ma.fields.Method("get_purchase", allow_none=True, metadata={
        "type": "integer", "description": "The verified purchase counting towards the buyer's commitment"})

    def get_purchase(self, award):
        purchases = award.purchase  # a list: the backref of Purchase.award
        return purchases[0].id if purchases else None
