"""Writing needs through the API: create a draft, change it, publish it, cancel it.

Who may do what is decided by app.needs.policy and the state rules by app.needs.services,
exactly as for the web interface.

Idempotent creation. ``POST /needs`` takes an optional ``Idempotency-Key`` header. The key
is kept, with the token's id and a fingerprint of the JSON body, in an audit entry
(``api.need_created``) written in the same transaction as the need: no table of its own,
and it survives restarts. A retry with the same key and the same body from the same token
creates nothing and answers ``200`` with the need as it is now (and the header
``Idempotent-Replayed: true``); the first request answered ``201``. The same key with a
different body is a ``409`` problem. Concurrent requests with one key are serialised by a
PostgreSQL advisory lock on (token, key).

Optimistic concurrency. A need's strong ETag (``need_etag``) hashes its id, version
counter, last update time and categories (the categories live in another table, so their
changes do not bump the version). ``PATCH /needs/<reference>`` requires ``If-Match``:
missing → 428, stale (or a weak tag) → 412, success → 200 with the new ETag. ``publish``
and ``cancel`` honour ``If-Match`` when sent. Every successful write answers the ETag.
"""

from __future__ import annotations

import hashlib

from flask import request, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from app.api.auth import api_token, api_viewer, require_token
from app.api.idempotency import (
    MAX_KEY_LENGTH,
    REPLAYED,
    Creation,
    commit_or_412,
)
from app.api.needs_write_schemas import (
    CancelSchema,
    NeedPatchSchema,
    NeedWriteSchema,
    api_field,
    service_values,
)
from app.api.schemas import NeedDetailSchema
from app.events import commit
from app.extensions import db
from app.needs import policy, services
from app.needs.doctrine import DEFAULT_WEIGHTS
from app.needs.messages import message_for
from app.needs.models import Need
from app.needs.validation import NeedError, route_for

IDEMPOTENCY_ACTION = "api.need_created"

needs_write_blp = Blueprint("api_needs_write", __name__, url_prefix="/needs",
                            description="Creating and changing the token's organisation's needs")

ETAG_HEADER = {"ETag": {"description": "The need's strong entity tag, for If-Match", "schema": {"type": "string"}}}
IF_MATCH = {"in": "header", "name": "If-Match", "schema": {"type": "string"},
            "description": "The ETag of the need as last read"}


def blueprints() -> list[Blueprint]:
    return [needs_write_blp]


# --- ETags ------------------------------------------------------------------------------


def need_etag(need: Need) -> str:
    """The need's strong ETag (quoted), changed by every write to the need."""
    updated = need.updated_at.isoformat() if need.updated_at else ""
    categories = ",".join(sorted(c.code for c in need.categories))
    raw = f"{need.id}:{need.version}:{updated}:{categories}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def _if_match(need: Need, *, required: bool) -> None:
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        if required:
            abort(428, message=_("Send an If-Match header with the need's current ETag."))
        return
    tags = [tag.strip() for tag in header.split(",")]
    if "*" in tags:
        return  # RFC 9110: any current representation
    if need_etag(need) not in tags:  # strong comparison: a weak tag W/"..." never matches
        abort(412)


# --- loading and refusing ---------------------------------------------------------------


def _need_for_write(reference: str, allowed, refusal_code: str) -> Need:
    """The need, locked for this transaction, if the token's viewer may act on it.

    404 when the viewer may not see it (alike a missing need), 403 when it may see it
    but not act for its buyer, 409 when the need's state forbids ``allowed``.
    """
    need = db.session.scalar(select(Need).where(Need.reference == reference).with_for_update())
    viewer = api_viewer()
    if need is None or not policy.can_view_need(viewer, need):
        abort(404)
    if not policy.is_buyer_agent(viewer, need):
        abort(403)
    if not allowed(viewer, need):
        abort(409, message=message_for(refusal_code))
    return need


def _refuse(exc: NeedError, *, state_status: int = 409):
    """A service refusal: field errors are 422 (or ``state_status`` for an incomplete
    draft), a refusal naming no field is a 409."""
    db.session.rollback()
    errors: dict[str, list[str]] = {}
    for error in getattr(exc, "errors", [exc]):
        errors.setdefault(api_field(error.field), []).append(message_for(error.code, **error.params))
    if set(errors) == {"_schema"}:
        abort(409, message=" ".join(errors["_schema"]))
    abort(state_status, errors=errors)




def _answer(need: Need, status: int, **headers):
    db.session.refresh(need)
    return need, status, {"ETag": need_etag(need), **headers}









# --- resources --------------------------------------------------------------------------


@needs_write_blp.route("")
class NeedCreation(MethodView):
    @require_token("write")
    @needs_write_blp.arguments(NeedWriteSchema)
    @needs_write_blp.doc(parameters=[{
        "in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
        "description": "Retrying with the same key and body creates nothing more (200, same need); "
                       "the same key with another body is a 409.",
    }])
    @needs_write_blp.response(201, NeedDetailSchema, headers={
        **ETAG_HEADER, "Location": {"description": "The need's URL", "schema": {"type": "string"}}})
    @needs_write_blp.alt_response(200, schema=NeedDetailSchema, description="A retry with the same Idempotency-Key")
    @needs_write_blp.alt_response(409, description="This Idempotency-Key was used with another body")
    def post(self, data):
        """Create a draft need for the token's organisation (buyers' owners and members)"""
        viewer, token = api_viewer(), api_token()
        if not policy.can_post_need(viewer):
            abort(403)
        creation = Creation.begin(IDEMPOTENCY_ACTION)
        if creation.earlier is not None:
            need = creation.earlier_subject(Need)
            return _answer(need, 200, Location=_location(need), **REPLAYED)
        buyer = token.organisation
        values = {f"weight_{c}": w for c, w in DEFAULT_WEIGHTS.items()}
        if (route := route_for(buyer.kind)) is not None:
            values["route"] = route.value
        values.update(service_values(data))
        try:
            need = services.create_need(buyer=buyer, by=token.user, values=values)
        except NeedError as exc:
            _refuse(exc, state_status=422)
        creation.remember(subject=need, organisation=buyer, reference=need.reference)
        commit()
        return _answer(need, 201, Location=_location(need))


def _location(need: Need) -> str:
    return url_for("api_needs.NeedByReference", reference=need.reference)


@needs_write_blp.route("/<string:reference>")
class NeedChange(MethodView):
    @require_token("write")
    @needs_write_blp.arguments(NeedPatchSchema)
    @needs_write_blp.doc(parameters=[{**IF_MATCH, "required": True}])
    @needs_write_blp.response(200, NeedDetailSchema, headers=ETAG_HEADER)
    @needs_write_blp.alt_response(404, description="No such need, or not visible to this token")
    @needs_write_blp.alt_response(409, description="The need can no longer be changed")
    @needs_write_blp.alt_response(412, description="If-Match does not match the need's current ETag")
    @needs_write_blp.alt_response(428, description="If-Match is missing")
    def patch(self, data, reference: str):
        """Change the fields sent: a draft freely, a published need by an amendment (amendment_summary)"""
        need = _need_for_write(reference, policy.can_edit_need, "not_editable")
        _if_match(need, required=True)
        values = service_values(data)
        try:
            services.update_need(need, by=api_token().user, values=values,
                                 amendment_summary=data.get("amendment_summary"))
        except NeedError as exc:
            _refuse(exc, state_status=422)
        commit_or_412()
        return _answer(need, 200)

    @require_token("write")
    @needs_write_blp.doc(parameters=[IF_MATCH])
    @needs_write_blp.response(204, description="The draft is deleted")
    @needs_write_blp.alt_response(404, description="No such need, or not visible to this token")
    @needs_write_blp.alt_response(409, description="Not a draft: a published need is cancelled instead")
    @needs_write_blp.alt_response(412, description="If-Match does not match the need's current ETag")
    def delete(self, reference: str):
        """Delete a draft (never published, so no supplier knew it); the audit log keeps a line"""
        need = _need_for_write(reference, policy.can_discard, "not_discardable")
        _if_match(need, required=False)
        services.discard_draft(need, by=api_token().user)
        commit_or_412()
        return "", 204


@needs_write_blp.route("/<string:reference>/publish")
class NeedPublication(MethodView):
    @require_token("write")
    @needs_write_blp.doc(parameters=[IF_MATCH])
    @needs_write_blp.response(200, NeedDetailSchema, headers=ETAG_HEADER)
    @needs_write_blp.alt_response(404, description="No such need, or not visible to this token")
    @needs_write_blp.alt_response(409, description="Not a draft, or the draft is incomplete (see errors)")
    @needs_write_blp.alt_response(412, description="If-Match does not match the need's current ETag")
    def post(self, reference: str):
        """Publish a complete draft"""
        need = _need_for_write(reference, policy.can_publish, "not_draft")
        _if_match(need, required=False)
        try:
            services.publish_need(need, by=api_token().user)
        except NeedError as exc:
            _refuse(exc)
        commit_or_412()
        return _answer(need, 200)


@needs_write_blp.route("/<string:reference>/cancel")
class NeedCancellation(MethodView):
    @require_token("write")
    @needs_write_blp.arguments(CancelSchema)
    @needs_write_blp.doc(parameters=[IF_MATCH])
    @needs_write_blp.response(200, NeedDetailSchema, headers=ETAG_HEADER)
    @needs_write_blp.alt_response(404, description="No such need, or not visible to this token")
    @needs_write_blp.alt_response(409, description="The need can no longer be cancelled")
    @needs_write_blp.alt_response(412, description="If-Match does not match the need's current ETag")
    def post(self, data, reference: str):
        """Cancel a need before any award; the reason is shown to those who can see it"""
        need = _need_for_write(reference, policy.can_cancel, "not_cancellable")
        _if_match(need, required=False)
        try:
            services.cancel_need(need, by=api_token().user, reason=data.get("reason"))
        except NeedError as exc:
            _refuse(exc, state_status=422)
        commit_or_412()
        return _answer(need, 200)
