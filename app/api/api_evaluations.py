"""The outcome of a need through the API, on the buyer's side: the weighted ranking, each
evaluator's scores, shortlisting, rejecting with feedback, awarding (each award becomes a
verified Purchase), or closing the procedure without award.

The access rules are the web interface's (app.needs.policy), the operations its services
(app.bids.evaluation, app.bids.awards, app.needs.services). A need the token may not see
is a 404; so is a bid it may not read (another supplier's, or any bid while bids are
sealed). A visible need or bid on which this token may not act (a supplier, an ambassador,
another buyer) is a 403. A refusal by the state of the need or bid (before the deadline,
already decided, already shortlisted) is a 409; input refused field by field is a 422.

Bidding closes by the deadline, on the server clock: no request closes it earlier, and
evaluating, shortlisting, rejecting and awarding start once it has passed.

Optimistic concurrency. An evaluation is the token's user's own scores of a bid; its strong
ETag is answered by ``GET``/``PUT .../evaluation``. Changing an existing evaluation requires
``If-Match`` with it (missing → 428, stale → 412); creating one takes no ``If-Match``, or the
bid's ETag (stale → 412). Shortlisting and rejecting honour ``If-Match`` with the bid's ETag;
awarding and declaring a need unsuccessful with the need's: two buyers awarding at once
after reading the same need, one award passes and the other is a 412 (every award changes
the need, and so its ETag).

Idempotent awards. ``POST /needs/<reference>/awards`` takes an optional ``Idempotency-Key``
(app.api.idempotency, kept in the ``api.bids_awarded`` audit entry written with the awards):
a retry with the same key and body answers ``200`` with the same awards and
``Idempotent-Replayed: true``, creating nothing; the same key with another body is a 409.
"""

from __future__ import annotations

import hashlib

from flask import request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from app.api.api_bids import bid_etag
from app.api.api_needs_write import need_etag
from app.api.auth import api_token, api_viewer, require_token
from app.api.bids_schemas import BidSchema, price_text
from app.api.evaluations_schemas import (
    AwardSchema,
    AwardWriteSchema,
    EvaluationSchema,
    EvaluationWriteSchema,
    RankingSchema,
    RejectSchema,
    UnsuccessfulSchema,
)
from app.api.idempotency import (
    MAX_KEY_LENGTH,
    REPLAYED,
    Creation,
    commit_or_412,
)
from app.api.schemas import NeedDetailSchema
from app.bids import services as bid_services
from app.bids.awards import award_bids, awards_of
from app.bids.evaluation import (
    evaluate_bid,
    evaluation_by,
    ranking,
    received_bids,
    reject_bid,
    shortlist_bid,
)
from app.bids.forms import message_for as bid_message
from app.bids.models import Award, Bid, Evaluation
from app.bids.services import BidError
from app.db import utcnow
from app.extensions import db
from app.needs import policy
from app.needs import services as need_services
from app.needs.doctrine import CRITERIA
from app.needs.messages import message_for as need_message
from app.needs.models import Need
from app.needs.validation import NeedError

IDEMPOTENCY_ACTION = "api.bids_awarded"

outcome_blp = Blueprint("api_need_outcome", __name__, url_prefix="/needs",
                        description="Evaluating, shortlisting, rejecting and awarding the bids on a need, "
                                    "or closing it without award")

BID_ETAG = {"ETag": {"description": "The bid's strong entity tag", "schema": {"type": "string"}}}
NEED_ETAG = {"ETag": {"description": "The need's strong entity tag", "schema": {"type": "string"}}}
EVALUATION_ETAG = {"ETag": {"description": "The evaluation's strong entity tag, for If-Match",
                            "schema": {"type": "string"}}}


def _if_match_parameter(description: str, *, required: bool = False) -> dict:
    return {"in": "header", "name": "If-Match", "schema": {"type": "string"}, "required": required,
            "description": description}


def blueprints() -> list[Blueprint]:
    return [outcome_blp]


# --- ETags and preconditions --------------------------------------------------------------


def evaluation_etag(evaluation: Evaluation) -> str:
    """The evaluation's strong ETag (quoted), changed by every write to it."""
    updated = evaluation.updated_at.isoformat() if evaluation.updated_at else ""
    raw = f"evaluation:{evaluation.id}:{evaluation.bid_id}:{evaluation.evaluator_id}:{evaluation.version}:{updated}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def _if_match_tags() -> list[str] | None:
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        return None
    return [tag.strip() for tag in header.split(",")]


def _check_if_match(current: str | None, *, required: bool = False) -> None:
    """Compare If-Match with ``current`` (strong comparison; None: no representation yet)."""
    tags = _if_match_tags()
    if tags is None:
        if required:
            abort(428, message=_("Send an If-Match header with the evaluation's current ETag."))
        return
    if current is None or ("*" not in tags and current not in tags):
        abort(412)


# --- loading and refusing -------------------------------------------------------------------


def _visible_need(reference: str, *, lock: bool = False) -> Need:
    stmt = select(Need).where(Need.reference == reference)
    if lock:
        stmt = stmt.with_for_update()
    need = db.session.scalar(stmt)
    if need is None or not policy.can_view_need(api_viewer(), need):
        abort(404)
    return need


def _buyer_side(need: Need) -> None:
    """Reading the bids' outcome: the buyer's members and the operator (403 otherwise)."""
    viewer = api_viewer()
    if not (policy.is_buyer_member(viewer, need) or viewer.is_operator):
        abort(403)


def _agent_bid(reference: str, bid_id: int) -> Bid:
    """A bid of the need, locked, on which the token's viewer acts for the buyer.

    404 when the token may not read it (as for GET /bids/<id>), 403 when it may read it but
    does not act for the buyer (its supplier, an ambassador, the operator).
    """
    viewer = api_viewer()
    need = _visible_need(reference)
    bid = db.session.scalar(select(Bid).where(Bid.id == bid_id, Bid.need_id == need.id).with_for_update())
    if bid is None or not policy.can_view_bid(viewer, bid):
        abort(404)
    if not policy.is_buyer_agent(viewer, need):
        abort(403)
    return bid


# Codes that name the state of the need or bid rather than the input: a 409.
STATE_CODES = {"before_deadline", "cannot_evaluate", "cannot_award", "not_in_play", "already_shortlisted",
               "not_awarded_yet", "nothing_to_reject"}


def _refuse(exc: BidError, field_name=lambda field: field):
    """A service refusal: 412 (changed meanwhile), 409 (the state), or 422 with field errors."""
    db.session.rollback()
    if exc.code == "changed_meanwhile":
        abort(412)
    if any(code in STATE_CODES for _field, code in exc.problems):
        messages = []
        for _field, code in exc.problems:
            if code in STATE_CODES and bid_message(code) not in messages:
                messages.append(bid_message(code))
        abort(409, message=" ".join(messages))
    errors: dict[str, list[str]] = {}
    for field, code in exc.problems:
        errors.setdefault(field_name(field), []).append(bid_message(code))
    abort(422, errors=errors)


def _evaluation_field(field: str) -> str:
    return f"scores.{field}" if field in CRITERIA else field


# --- ranking and evaluations ----------------------------------------------------------------


@outcome_blp.route("/<string:reference>/ranking")
class Ranking(MethodView):
    @require_token("read")
    @outcome_blp.response(200, RankingSchema)
    @outcome_blp.alt_response(403, description="Only the need's buyer sees the ranking")
    @outcome_blp.alt_response(404, description="No such need, or not visible to this token")
    def get(self, reference: str):
        """The bids ranked by the mean of their evaluators' weighted scores (only their number
        while bids are sealed)"""
        need = _visible_need(reference)
        _buyer_side(need)
        unsealed = policy.bids_unsealed(need, utcnow())
        answer = {"need": need.reference, "unsealed": unsealed, "count": bid_services.count_received_bids(need),
                  "weights": need.weights}
        if unsealed:
            answer["standings"] = ranking(need, received_bids(need))
        return answer


@outcome_blp.route("/<string:reference>/bids/<int:bid_id>/evaluation")
class BidEvaluation(MethodView):
    @require_token("read")
    @outcome_blp.response(200, EvaluationSchema, headers=EVALUATION_ETAG)
    @outcome_blp.alt_response(403, description="Only the buyer's owners and members evaluate")
    @outcome_blp.alt_response(404, description="No such bid, not readable by this token, or not evaluated by "
                                               "the token's user yet")
    def get(self, reference: str, bid_id: int):
        """The token's user's evaluation of a bid, with its ETag"""
        bid = _agent_bid(reference, bid_id)
        evaluation = evaluation_by(bid, api_viewer().user_id)
        if evaluation is None:
            abort(404, message=_("You have not evaluated this bid yet."))
        return evaluation, 200, {"ETag": evaluation_etag(evaluation)}

    @require_token("write")
    @outcome_blp.arguments(EvaluationWriteSchema)
    @outcome_blp.doc(parameters=[_if_match_parameter(
        "Required to change an existing evaluation: its ETag as last read. To create one: none, or the bid's ETag")])
    @outcome_blp.response(200, EvaluationSchema, headers=EVALUATION_ETAG)
    @outcome_blp.alt_response(201, schema=EvaluationSchema, headers=EVALUATION_ETAG,
                              description="The token's user's first evaluation of this bid")
    @outcome_blp.alt_response(403, description="Only the buyer's owners and members evaluate")
    @outcome_blp.alt_response(404, description="No such bid, or not readable by this token")
    @outcome_blp.alt_response(409, description="Before the deadline, after the award, or the bid is decided")
    @outcome_blp.alt_response(412, description="If-Match does not match the current ETag")
    @outcome_blp.alt_response(428, description="If-Match is missing to change an existing evaluation")
    def put(self, data, reference: str, bid_id: int):
        """Score a bid 0..5 on each of the nine criteria, with an optional comment (the token's user's
        own evaluation; several evaluators' totals are averaged in the ranking)"""
        viewer = api_viewer()
        bid = _agent_bid(reference, bid_id)
        existing = db.session.scalar(
            select(Evaluation).where(Evaluation.bid_id == bid.id, Evaluation.evaluator_id == viewer.user_id)
            .with_for_update()
        )
        if existing is not None:
            _check_if_match(evaluation_etag(existing), required=True)
        else:
            _check_if_match(bid_etag(bid))
        try:
            evaluation = evaluate_bid(bid, data["scores"], viewer=viewer, comment=data.get("comment"))
        except BidError as exc:
            _refuse(exc, _evaluation_field)
        commit_or_412()
        db.session.refresh(evaluation)
        return evaluation, 201 if existing is None else 200, {"ETag": evaluation_etag(evaluation)}


# --- shortlisting and rejecting ---------------------------------------------------------------


def _bid_answer(bid: Bid):
    db.session.refresh(bid)
    return bid, 200, {"ETag": bid_etag(bid)}


@outcome_blp.route("/<string:reference>/bids/<int:bid_id>/shortlist")
class BidShortlist(MethodView):
    @require_token("write")
    @outcome_blp.doc(parameters=[_if_match_parameter("The bid's ETag as last read")])
    @outcome_blp.response(200, BidSchema, headers=BID_ETAG)
    @outcome_blp.alt_response(403, description="Only the buyer's owners and members shortlist")
    @outcome_blp.alt_response(404, description="No such bid, or not readable by this token")
    @outcome_blp.alt_response(409, description="Before the deadline, after the award, or already shortlisted")
    @outcome_blp.alt_response(412, description="If-Match does not match the bid's current ETag")
    def post(self, reference: str, bid_id: int):
        """Shortlist a submitted bid"""
        bid = _agent_bid(reference, bid_id)
        _check_if_match(bid_etag(bid))
        try:
            shortlist_bid(bid, viewer=api_viewer())
        except BidError as exc:
            _refuse(exc)
        commit_or_412()
        return _bid_answer(bid)


@outcome_blp.route("/<string:reference>/bids/<int:bid_id>/reject")
class BidRejection(MethodView):
    @require_token("write")
    @outcome_blp.arguments(RejectSchema)
    @outcome_blp.doc(parameters=[_if_match_parameter("The bid's ETag as last read")])
    @outcome_blp.response(200, BidSchema, headers=BID_ETAG)
    @outcome_blp.alt_response(403, description="Only the buyer's owners and members reject")
    @outcome_blp.alt_response(404, description="No such bid, or not readable by this token")
    @outcome_blp.alt_response(409, description="Before the deadline, or the bid is already decided")
    @outcome_blp.alt_response(412, description="If-Match does not match the bid's current ETag")
    def post(self, data, reference: str, bid_id: int):
        """Turn a bid down with feedback its supplier reads (required)"""
        bid = _agent_bid(reference, bid_id)
        _check_if_match(bid_etag(bid))
        try:
            reject_bid(bid, data["feedback"], viewer=api_viewer())
        except BidError as exc:
            _refuse(exc)
        commit_or_412()
        return _bid_answer(bid)


# --- awards -------------------------------------------------------------------------------------


def _award_field(positions: dict[str, int]):
    def field_name(field: str) -> str:
        if field.startswith("amount-") and field.removeprefix("amount-") in positions:
            return f"bids.{positions[field.removeprefix('amount-')]}.amount.amount_cents"
        return field

    return field_name


@outcome_blp.route("/<string:reference>/awards")
class Awards(MethodView):
    @require_token("read")
    @outcome_blp.response(200, AwardSchema(many=True))
    @outcome_blp.alt_response(403, description="Only the need's buyer sees its awards here; a supplier reads its "
                                               "own through GET /bids/<id>")
    @outcome_blp.alt_response(404, description="No such need, or not visible to this token")
    def get(self, reference: str):
        """The need's awards, oldest first, each with its contracted amount and purchase"""
        need = _visible_need(reference)
        _buyer_side(need)
        return awards_of(need)

    @require_token("write")
    @outcome_blp.arguments(AwardWriteSchema)
    @outcome_blp.doc(parameters=[{
        "in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
        "description": "Retrying with the same key and body awards nothing more (200, same awards); "
                       "the same key with another body is a 409.",
    }, _if_match_parameter("The need's ETag as last read: refused (412) if the need was awarded or changed "
                           "since")])
    @outcome_blp.response(201, AwardSchema(many=True))
    @outcome_blp.alt_response(200, schema=AwardSchema(many=True), description="A retry with the same Idempotency-Key")
    @outcome_blp.alt_response(400, description="The Idempotency-Key is not 1 to 255 printable characters")
    @outcome_blp.alt_response(403, description="Only the buyer's owners and members award")
    @outcome_blp.alt_response(404, description="No such need, or not visible to this token")
    @outcome_blp.alt_response(409, description="Before the deadline, a bid already decided, or the key was reused")
    @outcome_blp.alt_response(412, description="If-Match does not match the need's current ETag, or another award "
                                               "of the need was written at the same time")
    def post(self, data, reference: str):
        """Award one or several bids (lots, framework agreement) at their contracted amounts; each award
        becomes a verified purchase counting towards the buyer's commitment"""
        viewer = api_viewer()
        need = _visible_need(reference, lock=True)
        if not policy.is_buyer_agent(viewer, need):
            abort(403)
        creation = Creation.begin(IDEMPOTENCY_ACTION)
        if creation.earlier is not None:
            ids = creation.earlier.details.get("award_ids") or []
            awards = list(db.session.scalars(select(Award).where(Award.id.in_(ids)).order_by(Award.id)))
            return awards, 200, REPLAYED
        _check_if_match(need_etag(need))
        positions = {str(item["bid_id"]): index for index, item in enumerate(data["bids"])}
        amounts = {str(item["bid_id"]): price_text(item["amount"]["amount_cents"]) for item in data["bids"]}
        try:
            results = award_bids(need, amounts, viewer=viewer, note=data.get("note"))
        except BidError as exc:
            _refuse(exc, _award_field(positions))
        awards = [result.award for result in results]
        creation.remember(subject=need, need=need.reference, award_ids=[a.id for a in awards])
        commit_or_412()
        return awards, 201


# --- closing without award ------------------------------------------------------------------------


@outcome_blp.route("/<string:reference>/unsuccessful")
class NeedUnsuccessful(MethodView):
    @require_token("write")
    @outcome_blp.arguments(UnsuccessfulSchema)
    @outcome_blp.doc(parameters=[_if_match_parameter("The need's ETag as last read")])
    @outcome_blp.response(200, NeedDetailSchema, headers=NEED_ETAG)
    @outcome_blp.alt_response(403, description="Only the buyer's owners and members close a need")
    @outcome_blp.alt_response(404, description="No such need, or not visible to this token")
    @outcome_blp.alt_response(409, description="Bids are still open (before the deadline), or the need is "
                                               "no longer closed (awarded, cancelled...)")
    @outcome_blp.alt_response(412, description="If-Match does not match the need's current ETag")
    def post(self, data, reference: str):
        """Close the procedure without award, giving the reason (the API's "close").

        Bidding itself closes at the deadline, by the server's clock: no request closes it
        earlier. From the deadline on, the buyer either awards bids or declares the need
        unsuccessful here (none received, none suitable...); suppliers read the reason.
        """
        viewer = api_viewer()
        need = _visible_need(reference, lock=True)
        if not policy.is_buyer_agent(viewer, need):
            abort(403)
        if not policy.can_declare_unsuccessful(viewer, need):
            code = "deadline_not_passed" if policy.is_open_for_bids(need) else "not_closed"
            abort(409, message=need_message(code))
        _check_if_match(need_etag(need))
        try:
            need_services.declare_unsuccessful(need, by=api_token().user, reason=data["reason"])
        except NeedError as exc:
            db.session.rollback()
            message = need_message(exc.code, **exc.params)
            if exc.field is None:
                abort(409, message=message)
            abort(422, errors={exc.field: [message]})
        commit_or_412()
        db.session.refresh(need)
        return need, 200, {"ETag": need_etag(need)}
