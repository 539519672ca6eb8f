"""The commitment tracker through the API: the organisation's pledge and its history, its
purchases (awarded here and declared) with why each counts or not, declaring, changing and
withdrawing a purchase (app.api.api_purchases), and the figures the dashboards show.

Who may do what is decided by app.commitments.policy (pledges, purchases) and
app.commitments.dashboard_policy (figures), the rules by app.commitments.services, exactly
as for the web pages. A token acts for its organisation only: a purchase of another
organisation is a 404, as on the pages; the operator reads every pledge and purchase.
Supplier organisations have no pledge or purchases: 403, as the pages.

Optimistic concurrency. A pledge and a purchase have strong ETags (``pledge_etag``,
``purchase_etag``). ``PUT /pledges/current`` requires ``If-Match`` once a pledge exists
(missing → 428, stale → 412); ``PATCH /purchases/<id>`` always requires it; ``withdraw``
honours it when sent. Rows are locked while checked, so a lost race is a 412 too.
"""

from __future__ import annotations

import hashlib

from flask import request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts.models import Organisation, User
from app.api.auth import api_token, require_token
from app.api.commitments_schemas import (
    PledgeListArgs,
    PledgeSchema,
    PledgeWriteSchema,
    SummaryArgs,
    SummarySchema,
    money,
    pledge_field,
    pledge_service_values,
)
from app.api.idempotency import (
    commit_or_412,
)
from app.api.resources import pagination_headers
from app.commitments import policy, services
from app.commitments.dashboard_policy import Audience, reader_of
from app.commitments.declarations import paris_today
from app.commitments.messages import CommitmentError, message_for
from app.commitments.models import Commitment
from app.commitments.public_figures import public_figures
from app.commitments.queries import pledge_history
from app.commitments.stats import Programme, Scope, collective, members, pledged_total
from app.db import utcnow
from app.extensions import db

# Refusals of who asks (403); the other refusals naming no field are conflicts (409).
FORBIDDEN_CODES = {"pledge_owners_only", "pledge_buyers_only", "pledge_unverified", "declare_members_only",
                   "not_alliance_member", "change_not_allowed", "operator_only"}
CONFLICT_CODES = {"decided", "duplicate", "already_verified", "already_rejected", "not_declared"}

pledges_blp = Blueprint("api_pledges", __name__, url_prefix="/pledges",
                        description="The token's organisation's pledge to the alliance and its history")
summary_blp = Blueprint("api_commitment", __name__, url_prefix="/commitment",
                        description="The commitment tracker's figures, as the dashboards show them")

PAGE_HEADERS = {
    "X-Total-Count": {"description": "Number of items in all pages", "schema": {"type": "integer"}},
    "Link": {"description": "RFC 8288 links to the first, previous, next and last pages",
             "schema": {"type": "string"}},
}
PLEDGE_ETAG = {"ETag": {"description": "The pledge's strong entity tag, for If-Match", "schema": {"type": "string"}}}
PURCHASE_ETAG = {"ETag": {"description": "The purchase's strong entity tag, for If-Match",
                          "schema": {"type": "string"}}}
IF_MATCH = {"in": "header", "name": "If-Match", "schema": {"type": "string"}}


def blueprints() -> list[Blueprint]:
    from app.api.api_purchases import purchases_blp

    return [pledges_blp, purchases_blp, summary_blp]


# --- who asks ----------------------------------------------------------------------------------


def token_user() -> User:
    return api_token().user


def token_organisation() -> Organisation:
    return api_token().organisation


def token_is_operator() -> bool:
    return bool(token_user().is_operator)


def buyer_or_operator() -> None:
    """Pledges and purchases are a buyer organisation's (and the operator's): 403 otherwise."""
    if not (token_is_operator() or token_organisation().is_buyer):
        abort(403, message=_("Only administrations and large groups pledge and record purchases."))


def refuse(exc: CommitmentError, field_name):
    """A service refusal: 403 (who asks), 409 (the state), else 422 with field errors."""
    db.session.rollback()
    if exc.code in FORBIDDEN_CODES:
        abort(403, message=exc.message)
    if exc.code in CONFLICT_CODES:
        abort(409, message=exc.message)
    errors: dict[str, list[str]] = {}
    for field, code, params in exc.problems:
        errors.setdefault(field_name(field), []).append(message_for(code, **params))
    abort(422, errors=errors)


what_etag = {
    "pledge": lambda: _("Send an If-Match header with the pledge's current ETag."),
    "purchase": lambda: _("Send an If-Match header with the purchase's current ETag."),
}


def check_if_match(current_etag: str | None, *, required: bool, what: str) -> None:
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        if required:
            abort(428, message=what_etag[what]())
        return
    tags = [tag.strip() for tag in header.split(",")]
    if current_etag is None:
        abort(412)  # RFC 9110: no current representation matches any tag, nor "*"
    if "*" not in tags and current_etag not in tags:  # strong comparison: a weak tag never matches
        abort(412)


def strong_etag(raw: str) -> str:
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


# --- pledges -------------------------------------------------------------------------------------


def pledge_etag(commitment: Commitment) -> str:
    updated = commitment.updated_at.isoformat() if commitment.updated_at else ""
    return strong_etag(f"pledge:{commitment.id}:{commitment.amount_cents}:{commitment.period_start}:"
                 f"{commitment.period_end}:{updated}:{len(commitment.revisions)}")


def pledge_out(commitment: Commitment) -> dict:
    return {"organisation": commitment.organisation, "amount": money(commitment.amount_cents),
            "period": {"start": commitment.period_start, "end": commitment.period_end},
            "updated_at": commitment.updated_at, "revisions": pledge_history(commitment)}


def _own_pledge(*, lock: bool = False) -> Commitment | None:
    stmt = select(Commitment).where(Commitment.organisation_id == token_organisation().id)
    return db.session.scalar(stmt.with_for_update() if lock else stmt)


@pledges_blp.route("")
class Pledges(MethodView):
    @require_token("read")
    @pledges_blp.arguments(PledgeListArgs, location="query")
    @pledges_blp.response(200, PledgeSchema(many=True), headers=PAGE_HEADERS)
    @pledges_blp.alt_response(403, description="Not a buyer organisation")
    def get(self, args):
        """The organisation's pledge with its revisions (none or one); the operator's: every pledge, largest first"""
        buyer_or_operator()
        stmt = select(Commitment).options(selectinload(Commitment.revisions), selectinload(Commitment.organisation))
        if not token_is_operator():
            stmt = stmt.where(Commitment.organisation_id == token_organisation().id)
        elif args.get("organisation") is not None:
            stmt = stmt.where(Commitment.organisation_id == args["organisation"])
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
        page, per_page = args["page"], args["per_page"]
        found = db.session.scalars(stmt.order_by(Commitment.amount_cents.desc(), Commitment.id)
                                   .limit(per_page).offset((page - 1) * per_page)).all()
        return [pledge_out(c) for c in found], 200, pagination_headers(page=page, per_page=per_page, total=total)


@pledges_blp.route("/current")
class CurrentPledge(MethodView):
    @require_token("read")
    @pledges_blp.response(200, PledgeSchema, headers=PLEDGE_ETAG)
    @pledges_blp.alt_response(403, description="Not a buyer organisation")
    @pledges_blp.alt_response(404, description="The organisation has not pledged yet")
    def get(self):
        """The organisation's pledge and its history, with its ETag"""
        if not token_organisation().is_buyer:
            abort(403, message=_("Only administrations and large groups pledge and record purchases."))
        commitment = _own_pledge()
        if commitment is None:
            abort(404, message=_("Your organisation has not pledged yet."))
        return pledge_out(commitment), 200, {"ETag": pledge_etag(commitment)}

    @require_token("write")
    @pledges_blp.arguments(PledgeWriteSchema)
    @pledges_blp.doc(parameters=[{**IF_MATCH, "description": "Required once a pledge exists: its ETag as last read"}])
    @pledges_blp.response(200, PledgeSchema, headers=PLEDGE_ETAG, description="The pledge revised (or unchanged)")
    @pledges_blp.alt_response(201, schema=PledgeSchema, headers=PLEDGE_ETAG,
                              description="The first pledge: the organisation joins the alliance")
    @pledges_blp.alt_response(403, description="Not an owner, not a buyer, or not verified yet")
    @pledges_blp.alt_response(412, description="If-Match does not match the pledge's current ETag")
    @pledges_blp.alt_response(428, description="If-Match is missing to revise an existing pledge")
    def put(self, data):
        """Record the organisation's pledge, or revise it (owners only); every revision is kept"""
        organisation, user = token_organisation(), token_user()
        # Who may pledge comes first (as the service checks it), then the precondition.
        if not policy.can_pledge(user, organisation):
            abort(403, message=message_for("pledge_owners_only"))
        if not organisation.is_buyer:
            abort(403, message=message_for("pledge_buyers_only"))
        existing = _own_pledge(lock=True)
        check_if_match(pledge_etag(existing) if existing else None, required=existing is not None, what="pledge")
        try:
            commitment = services.record_pledge(organisation, by=user, **pledge_service_values(data))
            commit_or_412()
        except CommitmentError as exc:
            if exc.code == "pledge_unchanged" and existing is not None:
                db.session.rollback()
                return _pledge_answer(_own_pledge(), 200)
            refuse(exc, pledge_field)
        except IntegrityError:  # another request recorded the first pledge meanwhile
            db.session.rollback()
            abort(412)
        return _pledge_answer(commitment, 200 if existing is not None else 201)


def _pledge_answer(commitment: Commitment, status: int):
    db.session.refresh(commitment)
    return pledge_out(commitment), status, {"ETag": pledge_etag(commitment)}


# --- figures ---------------------------------------------------------------------------------------


def _pace(p) -> dict:
    return {"days_total": p.days_total, "days_elapsed": p.days_elapsed, "days_left": p.days_left,
            "so_far_per_month": money(p.so_far_cents), "needed_per_month": money(p.needed_cents),
            "projection": money(p.projection_cents), "on_track": p.on_track, "reached_on": p.reached_on}


def _percent(value) -> float | None:
    return None if value is None else float(value)


@summary_blp.route("/summary")
class Summary(MethodView):
    @require_token("read")
    @summary_blp.arguments(SummaryArgs, location="query")
    @summary_blp.response(200, SummarySchema)
    @summary_blp.alt_response(404, description="No such member, or not this token's to see")
    def get(self, args):
        """The alliance's figure for everyone; a member's own figures; any member's for the operator"""
        token = api_token()
        membership = next(m for m in token.user.memberships if m.organisation_id == token.organisation_id)
        reader = reader_of(token.user, membership)
        programme, today = Programme.from_config(), paris_today(utcnow())
        if reader.audience == Audience.PUBLIC:
            figures = public_figures(programme, today)  # protected by the minimum cell size, as the public page
            figure, pledged, pledgers = figures.collective, figures.pledged_cents, figures.pledgers
        else:  # exact, as on members' and the operator's dashboard
            figure = collective(programme, today=today)
            pledged, pledgers = pledged_total()
        member_id = reader.organisation_id
        asked = args.get("organisation")
        if asked is not None:
            if not reader.may_see_organisation(asked):
                abort(404)
            member_id = asked
        member = None
        if member_id is not None:
            organisation = db.session.get(Organisation, member_id)
            if organisation is None or not organisation.alliance_member:
                abort(404)
            member = _member(organisation, programme, today)
        return {
            "audience": reader.audience.value,
            "programme": {"name": programme.name, "target": money(programme.target_cents), "start": programme.start,
                          "end": programme.end, "rule": {"code": programme.rule.code, "label": str(programme.rule.label)}},
            "alliance": {
                "verified": None if figure.verified_hidden else money(figure.verified_cents),
                "declared": None if figure.declared_hidden else money(figure.declared_cents),
                "progress_percent": _percent(figure.progress),
                "progress_with_declared_percent": _percent(figure.progress_with_declared),
                "pledged": money(pledged), "pledgers": pledgers, "pace": _pace(figure.pace),
                "min_cell": figure.min_cell,
            },
            "member": member,
        }


def _member(organisation: Organisation, programme: Programme, today) -> dict:
    [row] = members(programme, Scope.of_buyer(organisation.id), today=today) or [None]
    if row is None:
        abort(404)
    return {"organisation": organisation, "pledged": money(row.pledged_cents), "awarded": money(row.awarded_cents),
            "declared": money(row.declared_cents), "verified": money(row.verified_cents),
            "verified_all": money(row.verified_all_cents), "progress_percent": _percent(row.progress),
            "trend": row.trend.value, "trend_change_percent": _percent(row.trend_change)}
