"""Bids through the API: the supplier's own bids, submitting, changing and withdrawing its
one bid on a need, and the buyer's view of the bids received.

Who may do what is decided by app.needs.policy and the bid rules by app.bids.services,
exactly as for the web interface: a need the token may not see is a 404, another supplier
never reads a bid (404), and while a need's bids are sealed its buyer sees only how many
came in (``policy.bids_unsealed``).

A first submission on a private-route need beyond the plan's monthly allowance is a 402
problem (app.api.plan_problems); bids on public-route needs are never limited.

Idempotent creation (app.api.idempotency) and optimistic concurrency as for needs: the first
``PUT /needs/<reference>/bid`` may carry an ``Idempotency-Key`` (kept in the
``api.bid_created`` audit entry written with the bid; a retry with the same key and body
answers ``200`` with ``Idempotent-Replayed: true``, another body is a ``409``). Changing an
existing bid requires ``If-Match`` with the bid's ETag (missing → 428, stale → 412). A
creation that found no bid while another request was creating one is a ``409`` (the bid
exists: read it, then change it with its ETag), never a silent overwrite.
"""

from __future__ import annotations

import hashlib

from flask import request, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from app.accounts.models import Organisation
from app.api.auth import api_token, api_viewer, require_token
from app.api.bids_schemas import (
    BidListArgs,
    BidSchema,
    BidWriteSchema,
    ReceivedBidsSchema,
    api_field,
    bid_input,
)
from app.api.idempotency import (
    MAX_KEY_LENGTH,
    REPLAYED,
    Creation,
    commit_or_412,
)
from app.api.plan_problems import PLAN_REQUIRED_DESCRIPTION, abort_plan_required
from app.api.resources import pagination_headers
from app.bids import services
from app.bids.evaluation import received_bids
from app.bids.forms import message_for, plan_limit_message
from app.bids.models import Bid, BidStatus
from app.bids.services import BidError
from app.db import utcnow
from app.extensions import db
from app.needs import policy
from app.needs.models import Need

IDEMPOTENCY_ACTION = "api.bid_created"
# Refusals of the bidder itself (403); refusals by the need's or the bid's state are 409.
FORBIDDEN_CODES = {"not_supplier", "not_verified", "set_aside_not_eu", "set_aside_too_large"}

bids_blp = Blueprint("api_bids", __name__, url_prefix="/bids", description="The token's organisation's bids")
need_bids_blp = Blueprint("api_need_bids", __name__, url_prefix="/needs",
                          description="Bidding on a need, and the bids its buyer received")

ETAG_HEADER = {"ETag": {"description": "The bid's strong entity tag, for If-Match", "schema": {"type": "string"}}}
IF_MATCH = {"in": "header", "name": "If-Match", "schema": {"type": "string"},
            "description": "The ETag of the bid as last read"}
PAGE_HEADERS = {
    "X-Total-Count": {"description": "Number of bids in all pages", "schema": {"type": "integer"}},
    "Link": {"description": "RFC 8288 links to the first, previous, next and last pages",
             "schema": {"type": "string"}},
}


def blueprints() -> list[Blueprint]:
    return [bids_blp, need_bids_blp]


# --- ETags ------------------------------------------------------------------------------


def bid_etag(bid: Bid) -> str:
    """The bid's strong ETag (quoted), changed by every write to the bid."""
    updated = bid.updated_at.isoformat() if bid.updated_at else ""
    raw = f"bid:{bid.id}:{bid.version}:{updated}:{bid.status.value}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def _if_match(bid: Bid, *, required: bool) -> None:
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        if required:
            abort(428, message=_("Send an If-Match header with the bid's current ETag."))
        return
    tags = [tag.strip() for tag in header.split(",")]
    if "*" in tags:
        return
    if bid_etag(bid) not in tags:  # strong comparison: a weak tag never matches
        abort(412)


def _answer(bid: Bid, status: int, **headers):
    db.session.refresh(bid)
    return bid, status, {"ETag": bid_etag(bid), **headers}


def _location(bid: Bid) -> str:
    return url_for("api_bids.BidById", bid_id=bid.id)


# --- loading and refusing ---------------------------------------------------------------


def _visible_need(reference: str) -> Need:
    """The need if the token's viewer may know it exists; else 404."""
    need = db.session.scalar(select(Need).where(Need.reference == reference))
    if need is None or not policy.can_view_need(api_viewer(), need):
        abort(404)
    return need


def _own_bid(need: Need) -> Bid | None:
    """The organisation's one bid on the need, locked for this transaction."""
    return db.session.scalar(select(Bid).where(Bid.need_id == need.id, Bid.supplier_id == api_viewer().organisation_id)
                             .with_for_update())


def _refuse(exc: BidError):
    """A service refusal: 404 (not visible), 403 (this bidder may not), 412 (changed
    meanwhile), 409 (the need's or bid's state), or 422 with field errors."""
    db.session.rollback()
    if exc.code == "not_found":
        abort(404)
    if exc.code == "plan_limit":
        abort_plan_required(plan_limit_message(db.session.get(Organisation, api_viewer().organisation_id)))
    if exc.code == "changed_meanwhile":
        abort(412)
    if exc.code in FORBIDDEN_CODES:
        abort(403, message=message_for(exc.code))
    errors: dict[str, list[str]] = {}
    for field, code in exc.problems:
        errors.setdefault(api_field(field), []).append(message_for(code))
    if set(errors) == {"_schema"}:
        abort(409, message=" ".join(errors["_schema"]))
    abort(422, errors=errors)




# --- resources --------------------------------------------------------------------------


@bids_blp.route("")
class Bids(MethodView):
    @require_token("read")
    @bids_blp.arguments(BidListArgs, location="query")
    @bids_blp.response(200, BidSchema(many=True), headers=PAGE_HEADERS)
    def get(self, args):
        """The token's organisation's bids, filtered and sorted (most recently changed first)"""
        page = services.supplier_bids(
            api_token().organisation_id, page=args["page"], per_page=args["per_page"],
            statuses=tuple(BidStatus(s) for s in args.get("status") or ()), need_reference=args.get("need"),
            sort=args["sort"])
        return page.items, 200, pagination_headers(page=page.page, per_page=page.per_page, total=page.total)


@bids_blp.route("/<int:bid_id>")
class BidById(MethodView):
    @require_token("read")
    @bids_blp.response(200, BidSchema, headers=ETAG_HEADER)
    @bids_blp.alt_response(404, description="No such bid, or not readable by this token")
    def get(self, bid_id: int):
        """One bid: its supplier's, or the buyer's once bids are unsealed (404 alike otherwise)"""
        bid = db.session.get(Bid, bid_id)
        if bid is None or not policy.can_view_bid(api_viewer(), bid):
            abort(404)
        return bid, 200, {"ETag": bid_etag(bid)}


@need_bids_blp.route("/<string:reference>/bid")
class OwnBid(MethodView):
    @require_token("write")
    @need_bids_blp.arguments(BidWriteSchema)
    @need_bids_blp.doc(parameters=[
        {**IF_MATCH, "description": "Required to change an existing bid: its ETag as last read"},
        {"in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
         "description": "Retrying a creation with the same key and body creates nothing more (200, same bid); "
                        "the same key with another body is a 409."},
    ])
    @need_bids_blp.response(201, BidSchema, headers={
        **ETAG_HEADER, "Location": {"description": "The bid's URL", "schema": {"type": "string"}}})
    @need_bids_blp.alt_response(200, schema=BidSchema, description="The bid changed, or an idempotent retry")
    @need_bids_blp.alt_response(402, description="A first bid on a private-route need beyond the plan's monthly "
                                                 "allowance. " + PLAN_REQUIRED_DESCRIPTION)
    @need_bids_blp.alt_response(403, description="This organisation may not bid (not a verified supplier, set-aside)")
    @need_bids_blp.alt_response(404, description="No such need, or not visible to this token")
    @need_bids_blp.alt_response(409, description="Bids are closed, the bid is decided, the key was reused, or "
                                                 "another request created the organisation's bid meanwhile")
    @need_bids_blp.alt_response(412, description="If-Match does not match the bid's current ETag")
    @need_bids_blp.alt_response(428, description="If-Match is missing to change an existing bid")
    def put(self, data, reference: str):
        """Submit the organisation's one bid on a need, or change it (If-Match)"""
        viewer = api_viewer()
        need = _visible_need(reference)
        refusal = policy.bid_refusal(viewer, need)
        if refusal is not None and refusal.value in FORBIDDEN_CODES:
            abort(403, message=message_for(refusal.value))
        creation = Creation.begin(IDEMPOTENCY_ACTION)
        if creation.earlier is not None:
            bid = creation.earlier_subject(Bid)
            return _answer(bid, 200, Location=_location(bid), **REPLAYED)
        existing = _own_bid(need)
        if existing is not None:
            _if_match(existing, required=True)
        try:
            bid = services.submit_bid(need, bid_input(data), viewer=viewer,
                                      seen_version=existing.version if existing is not None else 0)
        except BidError as exc:
            _refuse(exc)
        if existing is None:
            creation.remember(subject=bid, need=need.reference)
        commit_or_412()
        if existing is None:
            return _answer(bid, 201, Location=_location(bid))
        return _answer(bid, 200)


@need_bids_blp.route("/<string:reference>/bid/withdraw")
class BidWithdrawal(MethodView):
    @require_token("write")
    @need_bids_blp.doc(parameters=[IF_MATCH])
    @need_bids_blp.response(200, BidSchema, headers=ETAG_HEADER)
    @need_bids_blp.alt_response(204, description="A draft bid was discarded")
    @need_bids_blp.alt_response(404, description="No such need or no bid of this organisation on it")
    @need_bids_blp.alt_response(409, description="Bids are closed or the bid is decided")
    @need_bids_blp.alt_response(412, description="If-Match does not match the bid's current ETag")
    def post(self, reference: str):
        """Withdraw the organisation's bid before the deadline (a draft is discarded)"""
        need = _visible_need(reference)
        bid = _own_bid(need)
        if bid is None:
            abort(404)
        _if_match(bid, required=False)
        was_draft = bid.status == BidStatus.DRAFT
        try:
            services.withdraw_bid(bid, viewer=api_viewer())
        except BidError as exc:
            _refuse(exc)
        commit_or_412()
        if was_draft:
            return "", 204
        return _answer(bid, 200)


@need_bids_blp.route("/<string:reference>/bids")
class ReceivedBids(MethodView):
    @require_token("read")
    @need_bids_blp.response(200, ReceivedBidsSchema)
    @need_bids_blp.alt_response(403, description="Only the need's buyer sees the bids on it")
    @need_bids_blp.alt_response(404, description="No such need, or not visible to this token")
    def get(self, reference: str):
        """The bids the buyer received: only their number while sealed, as in the interface"""
        viewer = api_viewer()
        need = _visible_need(reference)
        if not (policy.is_buyer_member(viewer, need) or viewer.is_operator):
            abort(403)
        unsealed = policy.bids_unsealed(need, utcnow())
        answer = {"need": need.reference, "unsealed": unsealed, "count": services.count_received_bids(need)}
        if unsealed:
            answer["bids"] = received_bids(need)
        return answer
