"""Suppliers through the API: the directory buyers search, supplier profiles, and what a
supplier changes about itself (``/suppliers/me/...``).

Who may read what is decided by app.suppliers.policy, as for the web pages: buyers and
the operator browse verified suppliers; a supplier sees itself; any other supplier is
a 404. The token's own organisation — owners and members of a startup or SME, with the
``write`` scope — changes its profile, solutions and certifications through
app.suppliers.services, which audit every change and have the search index follow.

Optimistic concurrency. The profile and each solution have a strong ETag (a hash of
their representation). ``PATCH`` requires ``If-Match``: missing → 428, stale → 412.
The organisation row is locked for the transaction, so two writers never both pass the
check. ``POST /suppliers/me/solutions`` takes an ``Idempotency-Key`` as ``POST /needs``:
the same key and body → 200 with the same solution and ``Idempotent-Replayed: true``;
the same key with another body → 409.
"""

from __future__ import annotations

import hashlib
import json
import logging

from flask import request, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from app.accounts.models import Organisation
from app.api.auth import api_token, api_viewer, require_token
from app.api.idempotency import MAX_KEY_LENGTH, REPLAYED, Creation, key_parameter
from app.api.resources import pagination_headers
from app.api.suppliers_schemas import (
    CertificationSchema,
    CertificationWriteSchema,
    ProfilePatchSchema,
    ProfileSchema,
    SolutionCreateSchema,
    SolutionSchema,
    SolutionWriteSchema,
    SupplierDetailSchema,
    SupplierDirectoryArgs,
    SupplierListItemSchema,
    profile_data,
)
from app.db import MAX_ROW_ID
from app.events import commit
from app.extensions import db
from app.matching.search import SupplierSearch, search_suppliers
from app.suppliers import services
from app.suppliers.models import Certification, Solution
from app.suppliers.policy import can_browse_suppliers, can_edit_supplier, can_view_supplier
from search.base import SearchError, SearchUnavailable

log = logging.getLogger(__name__)

IDEMPOTENCY_ACTION = "api.solution_created"
ENGINE_DOWN = "The search engine is unavailable for the moment. Try again later."

suppliers_blp = Blueprint("api_suppliers", __name__, url_prefix="/suppliers",
                          description="The supplier directory, supplier profiles, and a supplier's own profile, "
                                      "solutions and certifications")

PAGE_HEADERS = {
    "X-Total-Count": {"description": "Number of suppliers in all pages", "schema": {"type": "integer"}},
    "Link": {"description": "RFC 8288 links to the first, previous, next and last pages",
             "schema": {"type": "string"}},
}
ETAG_HEADER = {"ETag": {"description": "The strong entity tag, for If-Match", "schema": {"type": "string"}}}
IF_MATCH = {"in": "header", "name": "If-Match", "schema": {"type": "string"}, "required": True,
            "description": "The ETag as last read"}
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
    "description": "Retrying with the same key and body creates nothing more (200, same solution); "
                   "the same key with another body is a 409.",
}


def blueprints() -> list[Blueprint]:
    return [suppliers_blp]


# --- ETags, loading, refusing -----------------------------------------------------------------


def _etag(kind: str, representation: dict) -> str:
    raw = kind + ":" + json.dumps(representation, sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def profile_etag(profile) -> str:
    return _etag("profile", ProfileSchema().dump(profile_data(profile)))


def solution_etag(solution: Solution) -> str:
    return _etag("solution", SolutionSchema().dump(solution))


def _if_match(current: str) -> None:
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        abort(428, message=_("Send an If-Match header with the current ETag."))
    tags = [tag.strip() for tag in header.split(",")]
    if "*" not in tags and current not in tags:  # strong comparison: W/"..." never matches
        abort(412)


def _own_supplier(*, write: bool) -> Organisation:
    """The token's organisation, if it is a supplier the token's user may read (or change).

    With ``write`` the organisation row is locked for the transaction: the supplier's
    writes are serialised, so an If-Match check or a name check cannot be raced.
    """
    viewer = api_viewer()
    stmt = select(Organisation).where(Organisation.id == api_token().organisation_id)
    if write:
        stmt = stmt.with_for_update()
    organisation = db.session.scalar(stmt)
    if organisation is None or not organisation.is_supplier:
        abort(403, message="Only suppliers (startups and SMEs) have a supplier profile.")
    if write and not can_edit_supplier(viewer, organisation):
        abort(403, message="Only the supplier's owners and members change its profile.")
    return organisation


def _own_solution(organisation: Organisation, solution_id: int) -> Solution:
    solution = db.session.get(Solution, solution_id) if solution_id <= MAX_ROW_ID else None
    if solution is None or solution.organisation_id != organisation.id:
        abort(404)
    return solution


CONFLICTS = {"name_taken", "certification_taken"}


def _refuse(exc: services.SupplierError):
    """A service refusal: field errors are a 422; a clash with what exists (a name taken)
    alone is a 409 with its field errors, a refusal naming no field a 409."""
    db.session.rollback()
    found = getattr(exc, "errors", [exc])
    errors: dict[str, list[str]] = {}
    for error in found:
        errors.setdefault(error.field or "_schema", []).append(error.message)
    if set(errors) == {"_schema"}:
        abort(409, message=" ".join(errors["_schema"]))
    abort(409 if all(error.code in CONFLICTS for error in found) else 422, errors=errors)


def _visible_supplier(slug: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None or not can_view_supplier(api_viewer(), organisation):
        abort(404)
    return organisation


# --- the directory and profiles ------------------------------------------------------------------


@suppliers_blp.route("")
class SupplierDirectory(MethodView):
    @require_token("read")
    @suppliers_blp.arguments(SupplierDirectoryArgs, location="query")
    @suppliers_blp.response(200, SupplierListItemSchema(many=True), headers=PAGE_HEADERS)
    @suppliers_blp.alt_response(400, description="The search engine refused the query")
    @suppliers_blp.alt_response(403, description="Only buyers and the operator browse suppliers")
    @suppliers_blp.alt_response(503, description="The search engine is unavailable")
    def get(self, args):
        """Verified suppliers, by name (or by relevance with words), filtered as on the directory page"""
        if not can_browse_suppliers(api_viewer()):
            abort(403, message="Only buyers browse the supplier directory.")
        params = SupplierSearch(
            q=args["q"].strip(), axes=tuple(args["axis"]), certifications=tuple(args["certification"]),
            countries=tuple(args["country"]), sizes=tuple(args["size"]), labels=tuple(args["label"]),
            flags=tuple(args["flag"]), page=args["page"],
        )
        try:
            results = search_suppliers(params, per_page=args["per_page"])
        except SearchUnavailable as exc:
            log.warning("supplier directory unavailable for the API: %s", exc)
            abort(503, message=ENGINE_DOWN, headers={"Retry-After": "30"})
        except SearchError as exc:
            log.error("bad supplier directory query from the API: %s", exc)
            abort(400)
        organisations = [organisation for organisation, _highlights in results.hits]
        return organisations, 200, pagination_headers(page=args["page"], per_page=args["per_page"],
                                                      total=results.total)


@suppliers_blp.route("/<string:slug>")
class SupplierBySlug(MethodView):
    @require_token("read")
    @suppliers_blp.response(200, SupplierDetailSchema)
    @suppliers_blp.alt_response(404, description="No such supplier, or not visible to this token")
    def get(self, slug: str):
        """A supplier's profile, solutions and certifications (verified suppliers, or the token's own)"""
        return _visible_supplier(slug)


@suppliers_blp.route("/<string:slug>/solutions")
class SupplierSolutions(MethodView):
    @require_token("read")
    @suppliers_blp.response(200, SolutionSchema(many=True))
    @suppliers_blp.alt_response(404, description="No such supplier, or not visible to this token")
    def get(self, slug: str):
        """A supplier's solutions, oldest first"""
        organisation = _visible_supplier(slug)
        return db.session.scalars(select(Solution).where(Solution.organisation_id == organisation.id)
                                  .order_by(Solution.id)).all()


# --- the token's own supplier ----------------------------------------------------------------------


@suppliers_blp.route("/me/profile")
class OwnProfile(MethodView):
    @require_token("read")
    @suppliers_blp.response(200, ProfileSchema, headers=ETAG_HEADER)
    @suppliers_blp.alt_response(403, description="The token's organisation is not a supplier")
    def get(self):
        """The token's supplier organisation's profile, with its ETag"""
        profile = services.profile_of(_own_supplier(write=False))
        return profile_data(profile), 200, {"ETag": profile_etag(profile)}

    @require_token("write")
    @suppliers_blp.arguments(ProfilePatchSchema)
    @suppliers_blp.doc(parameters=[IF_MATCH])
    @suppliers_blp.response(200, ProfileSchema, headers=ETAG_HEADER)
    @suppliers_blp.alt_response(403, description="Not a supplier's owner or member, or a read-only token")
    @suppliers_blp.alt_response(412, description="If-Match does not match the profile's current ETag")
    @suppliers_blp.alt_response(428, description="If-Match is missing")
    def patch(self, data):
        """Change the fields sent; the profile is complete (completed_at) once it has a headline,
        a description, categories and regions"""
        organisation = _own_supplier(write=True)
        _if_match(profile_etag(services.profile_of(organisation)))
        try:
            profile = services.update_profile(organisation, by=api_token().user, values=data)
        except services.SupplierError as exc:
            _refuse(exc)
        commit()
        db.session.refresh(profile)
        return profile_data(profile), 200, {"ETag": profile_etag(profile)}


@suppliers_blp.route("/me/solutions")
class OwnSolutions(MethodView):
    @require_token("read")
    @suppliers_blp.response(200, SolutionSchema(many=True))
    @suppliers_blp.alt_response(403, description="The token's organisation is not a supplier")
    def get(self):
        """The token's supplier organisation's solutions, oldest first"""
        organisation = _own_supplier(write=False)
        return db.session.scalars(select(Solution).where(Solution.organisation_id == organisation.id)
                                  .order_by(Solution.id)).all()

    @require_token("write")
    @suppliers_blp.arguments(SolutionCreateSchema)
    @suppliers_blp.doc(parameters=[IDEMPOTENCY_KEY])
    @suppliers_blp.response(201, SolutionSchema, headers={
        **ETAG_HEADER, "Location": {"description": "The solution's URL", "schema": {"type": "string"}}})
    @suppliers_blp.alt_response(200, schema=SolutionSchema, description="A retry with the same Idempotency-Key")
    @suppliers_blp.alt_response(403, description="Not a supplier's owner or member, or a read-only token")
    @suppliers_blp.alt_response(409, description="This Idempotency-Key was used with another body, "
                                                 "or the name is taken (errors)")
    def post(self, data):
        """Add a solution to the token's supplier organisation (name, summary and category_code required)"""
        token = api_token()
        organisation = _own_supplier(write=True)
        creation = Creation.begin(IDEMPOTENCY_ACTION, organisation_id=organisation.id)
        if creation.earlier is not None:
            solution = creation.earlier_subject(Solution)
            return _solution_answer(solution, 200, Location=_location(solution), **REPLAYED)
        try:
            solution = services.create_solution(organisation, by=token.user, values=data)
        except services.SupplierError as exc:
            _refuse(exc)
        creation.remember(subject=solution, organisation=organisation)
        commit()
        return _solution_answer(solution, 201, Location=_location(solution))


def _location(solution: Solution) -> str:
    return url_for("api_suppliers.OwnSolution", solution_id=solution.id)


def _solution_answer(solution: Solution, status: int, **headers):
    db.session.refresh(solution)
    return solution, status, {"ETag": solution_etag(solution), **headers}


@suppliers_blp.route("/me/solutions/<int:solution_id>")
class OwnSolution(MethodView):
    @require_token("read")
    @suppliers_blp.response(200, SolutionSchema, headers=ETAG_HEADER)
    @suppliers_blp.alt_response(403, description="The token's organisation is not a supplier")
    @suppliers_blp.alt_response(404, description="No such solution in the token's organisation")
    def get(self, solution_id: int):
        """One of the token's supplier organisation's solutions, with its ETag"""
        solution = _own_solution(_own_supplier(write=False), solution_id)
        return solution, 200, {"ETag": solution_etag(solution)}

    @require_token("write")
    @suppliers_blp.arguments(SolutionWriteSchema)
    @suppliers_blp.doc(parameters=[IF_MATCH])
    @suppliers_blp.response(200, SolutionSchema, headers=ETAG_HEADER)
    @suppliers_blp.alt_response(403, description="Not a supplier's owner or member, or a read-only token")
    @suppliers_blp.alt_response(404, description="No such solution in the token's organisation")
    @suppliers_blp.alt_response(409, description="The new name is taken by another solution (errors)")
    @suppliers_blp.alt_response(412, description="If-Match does not match the solution's current ETag")
    @suppliers_blp.alt_response(428, description="If-Match is missing")
    def patch(self, data, solution_id: int):
        """Change the fields sent"""
        organisation = _own_supplier(write=True)
        solution = _own_solution(organisation, solution_id)
        _if_match(solution_etag(solution))
        try:
            services.update_solution(solution, by=api_token().user, values=data)
        except services.SupplierError as exc:
            _refuse(exc)
        commit()
        return _solution_answer(solution, 200)

    @require_token("write")
    @suppliers_blp.response(204)
    @suppliers_blp.alt_response(403, description="Not a supplier's owner or member, or a read-only token")
    @suppliers_blp.alt_response(404, description="No such solution in the token's organisation")
    @suppliers_blp.alt_response(412, description="If-Match (optional) does not match the solution's ETag")
    def delete(self, solution_id: int):
        """Delete a solution (bids and certifications that named it keep going without it)"""
        organisation = _own_supplier(write=True)
        solution = _own_solution(organisation, solution_id)
        if request.headers.get("If-Match", "").strip():
            _if_match(solution_etag(solution))
        services.delete_solution(solution, by=api_token().user)
        commit()
        return None


@suppliers_blp.route("/me/certifications")
class OwnCertifications(MethodView):
    @require_token("read")
    @suppliers_blp.response(200, CertificationSchema(many=True))
    @suppliers_blp.alt_response(403, description="The token's organisation is not a supplier")
    def get(self):
        """The token's supplier organisation's certifications"""
        organisation = _own_supplier(write=False)
        return db.session.scalars(select(Certification).where(Certification.organisation_id == organisation.id)
                                  .order_by(Certification.id)).all()

    @require_token("write")
    @suppliers_blp.arguments(CertificationWriteSchema)
    @suppliers_blp.doc(parameters=[key_parameter("records nothing more (200, the same certification)")])
    @suppliers_blp.response(201, CertificationSchema)
    @suppliers_blp.alt_response(200, schema=CertificationSchema, description="A retry with the same Idempotency-Key")
    @suppliers_blp.alt_response(400, description="The Idempotency-Key is not 1 to 255 printable characters")
    @suppliers_blp.alt_response(403, description="Not a supplier's owner or member, or a read-only token")
    @suppliers_blp.alt_response(409, description="This kind and reference are already recorded (errors)")
    def post(self, data):
        """Record a certification"""
        organisation = _own_supplier(write=True)
        creation = Creation.begin("api.certification_created", organisation_id=organisation.id)
        if creation.earlier is not None:
            return creation.earlier_subject(Certification), 200, REPLAYED
        try:
            certification = services.add_certification(organisation, by=api_token().user, values=data)
        except services.SupplierError as exc:
            _refuse(exc)
        creation.remember(subject=certification, organisation=organisation)
        commit()
        db.session.refresh(certification)
        return certification, 201


@suppliers_blp.route("/me/certifications/<int:certification_id>")
class OwnCertification(MethodView):
    @require_token("write")
    @suppliers_blp.response(204)
    @suppliers_blp.alt_response(403, description="Not a supplier's owner or member, or a read-only token")
    @suppliers_blp.alt_response(404, description="No such certification in the token's organisation")
    def delete(self, certification_id: int):
        """Delete a certification"""
        organisation = _own_supplier(write=True)
        certification = db.session.get(Certification, certification_id) if certification_id <= MAX_ROW_ID else None
        if certification is None or certification.organisation_id != organisation.id:
            abort(404)
        services.delete_certification(certification, by=api_token().user)
        commit()
        return None
