"""Search and matching through the API: the interface's searches, within the token's rights.

GET /search/needs and /search/suppliers take the search pages' query parameters
(validated: an unknown value is a 422, where the page silently drops it); needs are
searched with the token's viewer (search_needs applies the access policy, and checks
every hit again). GET /needs/<reference>/matches gives the need's buyer the suggested
suppliers, GET /matches a supplier its needs. An engine outage is a 503 problem.
"""

from __future__ import annotations

import logging
import math
from urllib.parse import urlencode

from flask import request
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint, abort
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.api.auth import api_token, api_viewer, require_token
from app.api.search_schemas import (
    LimitArgs,
    NeedMatchSchema,
    NeedSearchArgs,
    NeedSearchResultSchema,
    SupplierMatchSchema,
    SupplierSearchArgs,
    SupplierSearchResultSchema,
)
from app.extensions import db
from app.matching.matching_needs import needs_for_supplier
from app.matching.matching_suppliers import match_suppliers
from app.matching.search import NeedSearch, SupplierSearch, search_needs, search_suppliers
from app.needs.models import Need
from app.needs.policy import can_invite, is_buyer_agent, visible_needs_clause
from app.suppliers.policy import can_browse_suppliers
from search.base import SearchError, SearchUnavailable

log = logging.getLogger(__name__)

search_blp = Blueprint("api_search", __name__, url_prefix="/search",
                       description="Searching needs (within the token's rights) and suppliers (buyers)")
matches_blp = Blueprint("api_matches", __name__, url_prefix="",
                        description="Suggested suppliers for a buyer's need, suggested needs for a supplier")

PAGE_HEADERS = {
    "X-Total-Count": {"description": "Number of results in all pages", "schema": {"type": "integer"}},
    "Link": {"description": "RFC 8288 links to the first, previous, next and last pages",
             "schema": {"type": "string"}},
}
ENGINE_DOWN = _l("The search engine is unavailable for the moment. Try again later.")


def blueprints() -> list[Blueprint]:
    return [search_blp, matches_blp]


# --- shared with api_alerts ---------------------------------------------------------------

def page_headers(*, page: int, per_page: int, total: int) -> dict[str, str]:
    """X-Total-Count and RFC 8288 links, keeping repeated parameters (axis=a&axis=b)."""
    last = max(1, math.ceil(total / per_page))
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in {"page", "per_page"}]

    def url(number: int) -> str:
        return f"{request.base_url}?{urlencode([*kept, ('page', number), ('per_page', per_page)])}"

    links = [("first", 1)]
    if page > 1:
        links.append(("prev", min(page - 1, last)))
    if page < last:
        links.append(("next", page + 1))
    links.append(("last", last))
    return {"X-Total-Count": str(total), "Link": ", ".join(f'<{url(n)}>; rel="{rel}"' for rel, n in links)}


def engine_down(exc: Exception):
    log.warning("search engine unavailable for the API: %s", exc)
    abort(503, message=str(ENGINE_DOWN), headers={"Retry-After": "30"})


def _as_query_string(args: dict) -> MultiDict:
    found = MultiDict()
    for name, value in args.items():
        if name in {"page", "per_page"} or value in (None, "", []):
            continue
        for item in value if isinstance(value, list) else [value]:
            found.add(name, str(item))
    return found


# --- searches -------------------------------------------------------------------------------

@search_blp.route("/needs")
class SearchNeeds(MethodView):
    @require_token("read")
    @search_blp.arguments(NeedSearchArgs, location="query")
    @search_blp.response(200, NeedSearchResultSchema, headers=PAGE_HEADERS)
    @search_blp.alt_response(503, description="The search engine is unavailable")
    def get(self, args):
        """Needs matching the search, only those the token's organisation may see"""
        query = _as_query_string(args)
        query["page"] = str(args["page"])
        params = NeedSearch.from_args(query)
        try:
            results = search_needs(api_viewer(), params, per_page=args["per_page"])
        except SearchUnavailable as exc:
            engine_down(exc)
        except SearchError as exc:
            log.error("bad needs query from the API: %s", exc)
            abort(400)
        return results, 200, page_headers(page=args["page"], per_page=args["per_page"], total=results.total)


@search_blp.route("/suppliers")
class SearchSuppliers(MethodView):
    @require_token("read")
    @search_blp.arguments(SupplierSearchArgs, location="query")
    @search_blp.response(200, SupplierSearchResultSchema, headers=PAGE_HEADERS)
    @search_blp.alt_response(403, description="Only buyers search suppliers")
    @search_blp.alt_response(503, description="The search engine is unavailable")
    def get(self, args):
        """Verified suppliers matching the search (buyers only)"""
        if not can_browse_suppliers(api_viewer()):
            abort(403)
        query = _as_query_string(args)
        query["page"] = str(args["page"])
        params = SupplierSearch.from_args(query)
        try:
            results = search_suppliers(params, per_page=args["per_page"])
        except SearchUnavailable as exc:
            engine_down(exc)
        except SearchError as exc:
            log.error("bad suppliers query from the API: %s", exc)
            abort(400)
        return results, 200, page_headers(page=args["page"], per_page=args["per_page"], total=results.total)


# --- matching ---------------------------------------------------------------------------------

@matches_blp.route("/needs/<string:reference>/matches")
class NeedMatches(MethodView):
    @require_token("read")
    @matches_blp.arguments(LimitArgs, location="query")
    @matches_blp.response(200, SupplierMatchSchema(many=True))
    @matches_blp.alt_response(403, description="Not an owner or member of the need's buyer")
    @matches_blp.alt_response(404, description="No such need, or not visible to this token")
    @matches_blp.alt_response(503, description="The search engine is unavailable")
    def get(self, args, reference: str):
        """Suppliers suggested for one of the buyer's needs, best first, with score and reasons
        (none once the need is closed or cancelled)"""
        viewer = api_viewer()
        need = db.session.scalar(select(Need).where(Need.reference == reference, visible_needs_clause(viewer)))
        if need is None:
            abort(404)
        if not is_buyer_agent(viewer, need):
            abort(403)
        if not can_invite(viewer, need):
            return []
        try:
            suggestions = match_suppliers(need, limit=args["limit"])
        except (SearchUnavailable, SearchError) as exc:
            engine_down(exc)
        return suggestions


@matches_blp.route("/matches")
class SupplierMatches(MethodView):
    @require_token("read")
    @matches_blp.arguments(LimitArgs, location="query")
    @matches_blp.response(200, NeedMatchSchema(many=True))
    @matches_blp.alt_response(403, description="Only suppliers have needs suggested")
    @matches_blp.alt_response(503, description="The search engine is unavailable")
    def get(self, args):
        """Open needs the token's organisation (a supplier) may see and bid on, best first"""
        viewer = api_viewer()
        if not viewer.is_supplier:
            abort(403)
        try:
            suggestions = needs_for_supplier(api_token().organisation, viewer, limit=args["limit"])
        except (SearchUnavailable, SearchError) as exc:
            engine_down(exc)
        return suggestions
