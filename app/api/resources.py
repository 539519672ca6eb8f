"""The first API resources: who the token is, and the needs its viewer may see."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from app.api.auth import api_token, api_viewer, require_token
from app.api.schemas import MeSchema, NeedDetailSchema, NeedListArgs, NeedSchema
from app.db import utcnow
from app.extensions import db
from app.needs.models import Need, NeedStatus, Route, Visibility, need_categories
from app.needs.policy import visible_needs_clause

me_blp = Blueprint("api_me", __name__, url_prefix="/me", description="The token's user and organisation")
needs_blp = Blueprint("api_needs", __name__, url_prefix="/needs",
                      description="Needs visible to the token's organisation")


def blueprints() -> list[Blueprint]:
    """Every API blueprint: these, then each resource module's own."""
    from app.api import (
        api_alerts,  # notifications, saved searches
        api_analytics,  # a supplier's own figures (a paid plan's)
        api_bids,  # a supplier's bids; the buyer's view of the bids received
        api_commitments,  # pledges, purchases, the commitment figures
        api_evaluations,  # ranking, evaluations, shortlist, reject, awards, closing without award
        api_import,  # bulk import of needs from a procurement system's export
        api_needs_write,  # creating, changing, publishing, cancelling needs
        api_opendata,  # OCDS releases and records
        api_questions,  # questions and answers, invitations, change log
        api_search,  # search of needs and suppliers, matches
        api_suppliers,  # the supplier directory and a supplier's own profile and solutions
    )

    found = [me_blp, needs_blp]
    for module in (api_needs_write, api_questions, api_evaluations, api_bids, api_search, api_alerts,
                   api_suppliers, api_import, api_commitments, api_opendata, api_analytics):
        found.extend(module.blueprints())
    return found


@me_blp.route("")
class Me(MethodView):
    @require_token("read")
    @me_blp.response(200, MeSchema)
    def get(self):
        """The token's user, organisation, role and scopes"""
        token = api_token()
        membership = next(m for m in token.user.memberships if m.organisation_id == token.organisation_id)
        return {"user": token.user, "organisation": token.organisation, "role": membership.role,
                "scopes": token.scopes, "token": token}


def pagination_headers(*, page: int, per_page: int, total: int) -> dict[str, str]:
    """X-Total-Count and an RFC 8288 Link header (first, prev, next, last)."""
    last = max(1, math.ceil(total / per_page))
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in {"page", "per_page"}]

    def url(number: int) -> str:
        return f"{request.base_url}?{urlencode([*args, ('page', number), ('per_page', per_page)])}"

    links = [("first", 1)]
    if page > 1:
        links.append(("prev", min(page - 1, last)))
    if page < last:
        links.append(("next", page + 1))
    links.append(("last", last))
    return {"X-Total-Count": str(total), "Link": ", ".join(f'<{url(n)}>; rel="{rel}"' for rel, n in links)}


NEED_SORT_COLUMNS = {"published_at": Need.published_at, "deadline_at": Need.deadline_at,
                     "updated_at": Need.updated_at, "budget_max": Need.budget_max_cents, "reference": Need.reference}


def need_filters(args: dict) -> list:
    """The SQL conditions of NeedListArgs's filters (the status by the server's clock)."""
    now = utcnow()
    where = []
    if statuses := args.get("status"):
        by_clock = {
            "published": and_(Need.status == NeedStatus.PUBLISHED, Need.deadline_at > now),
            "closed": or_(Need.status == NeedStatus.CLOSED,
                          and_(Need.status == NeedStatus.PUBLISHED, Need.deadline_at <= now)),
        }
        where.append(or_(*(by_clock.get(s, Need.status == NeedStatus(s)) for s in set(statuses))))
    if visibilities := args.get("visibility"):
        where.append(Need.visibility.in_([Visibility(v) for v in visibilities]))
    if routes := args.get("route"):
        where.append(Need.route.in_([Route(r) for r in routes]))
    if codes := args.get("category"):
        in_family = or_(*(or_(need_categories.c.category_code == code,
                              need_categories.c.category_code.like(f"{code}.%")) for code in codes))
        where.append(exists(select(need_categories.c.need_id).where(need_categories.c.need_id == Need.id, in_family)))
    if region := args.get("region"):
        where.append(Need.region == region)
    if "sme_set_aside" in args:
        where.append(Need.sme_set_aside.is_(args["sme_set_aside"]))
    if args.get("mine") is not None:
        own = Need.buyer_id == api_viewer().organisation_id
        where.append(own if args["mine"] else ~own)
    if since := args.get("updated_since"):
        where.append(Need.updated_at >= since)
    return where


@needs_blp.route("")
class Needs(MethodView):
    @require_token("read")
    @needs_blp.arguments(NeedListArgs, location="query")
    @needs_blp.response(200, NeedSchema(many=True), headers={
        "X-Total-Count": {"description": "Number of needs in all pages", "schema": {"type": "integer"}},
        "Link": {"description": "RFC 8288 links to the first, previous, next and last pages",
                 "schema": {"type": "string"}},
    })
    def get(self, args):
        """Needs the token's organisation may see, filtered and sorted (most recently published first)"""
        where = [visible_needs_clause(api_viewer()), *need_filters(args)]
        total = db.session.scalar(select(func.count()).select_from(Need).where(*where))
        page, per_page = args["page"], args["per_page"]
        column = NEED_SORT_COLUMNS[args["sort"].lstrip("-")]
        order = column.desc() if args["sort"].startswith("-") else column.asc()
        needs = db.session.scalars(
            select(Need).where(*where)
            .options(selectinload(Need.categories), selectinload(Need.buyer))
            .order_by(order.nulls_first() if args["sort"].startswith("-") else order.nulls_last(), Need.id.desc())
            .limit(per_page).offset((page - 1) * per_page)
        ).all()
        return needs, 200, pagination_headers(page=page, per_page=per_page, total=total)


@needs_blp.route("/<string:reference>")
class NeedByReference(MethodView):
    @require_token("read")
    @needs_blp.response(200, NeedDetailSchema)
    @needs_blp.alt_response(404, description="No such need, or not visible to this token")
    def get(self, reference: str):
        """One need by its reference (404 alike for a missing need and one this token may not see)"""
        need = db.session.scalar(select(Need).where(Need.reference == reference, visible_needs_clause(api_viewer())))
        if need is None:
            abort(404)
        from app.api.api_needs_write import need_etag

        return need, 200, {"ETag": need_etag(need)}
