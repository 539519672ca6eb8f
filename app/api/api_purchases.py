"""Purchases through the API: the organisation's purchases (awarded here and declared) with
why each counts or not; declaring, changing and withdrawing one. Who asks, refusals and
If-Match are checked by the commitment tracker's helpers (app.api.api_commitments).

Evidence. A declaration requires its evidence file (the signed order, contract or
invoice), so ``POST /purchases`` takes ``multipart/form-data``: the declaration's fields
and an ``evidence`` file part. ``PATCH /purchases/<id>`` takes JSON and keeps the evidence
already sent; replacing the file, or downloading it, is done on the purchase's web page.

Idempotent declaration (app.api.idempotency): ``POST /purchases`` may carry an
``Idempotency-Key``, kept in the ``api.purchase_declared`` audit entry written with the
purchase with a fingerprint of the form fields and of the file's content. A retry with the
same key and the same body answers ``200`` with ``Idempotent-Replayed: true`` and declares
nothing more; the same key with another body is a ``409``.
"""

from __future__ import annotations

import hashlib

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.api.api_commitments import (
    IF_MATCH,
    PAGE_HEADERS,
    PURCHASE_ETAG,
    buyer_or_operator,
    check_if_match,
    refuse,
    strong_etag,
    token_is_operator,
    token_organisation,
    token_user,
)
from app.api.auth import require_token
from app.api.commitments_schemas import (
    SUPPLIER_FIELDS,
    DeclarationFormSchema,
    DeclarationPatchSchema,
    PurchaseListArgs,
    PurchaseSchema,
    declaration_field,
    declaration_values,
    money,
)
from app.api.idempotency import (
    MAX_KEY_LENGTH,
    REPLAYED,
    Creation,
    commit_or_412,
)
from app.api.resources import pagination_headers
from app.bids.money import format_euros_input
from app.commitments import policy, services
from app.commitments.eligibility import assess
from app.commitments.messages import CommitmentError, message_for
from app.commitments.models import Purchase, PurchaseSource, PurchaseStatus
from app.commitments.queries import supplier_vat
from app.extensions import db

IDEMPOTENCY_ACTION = "api.purchase_declared"
purchases_blp = Blueprint("api_purchases", __name__, url_prefix="/purchases",
                          description="The token's organisation's purchases counting towards its pledge")


# --- purchases ------------------------------------------------------------------------------------


def purchase_etag(purchase: Purchase) -> str:
    updated = purchase.updated_at.isoformat() if purchase.updated_at else ""
    return strong_etag(f"purchase:{purchase.id}:{purchase.status.value}:{purchase.amount_cents}:{updated}:"
                 f"{purchase.evidence_key or ''}")


def purchase_out(purchase: Purchase) -> dict:
    verdict = assess(purchase)
    org = purchase.supplier
    award = purchase.award
    return {
        "id": purchase.id, "buyer": purchase.buyer, "kind": purchase.source.value, "status": purchase.status.value,
        "need": award.need.reference if award is not None else None,
        "amount": money(purchase.amount_cents), "purchased_on": purchase.purchased_on,
        "supplier": {"id": purchase.supplier_id, "name": purchase.supplier_name or (org.name if org else None),
                     "siren": purchase.supplier_siren or (org.siren if org else None),
                     "vat_number": org.vat_number if org is not None else supplier_vat(purchase),
                     "country": purchase.supplier_country or (org.country if org else None)},
        "category_code": purchase.category_code, "description": purchase.description,
        "secnumcloud": purchase.secnumcloud, "disclose_amount": purchase.disclose_amount,
        "evidence": {"filename": purchase.evidence_filename or "evidence"} if purchase.evidence_key else None,
        "eligibility": {"rule": verdict.rule.code, "rule_label": str(verdict.rule.label), "counts": verdict.counts,
                        "supplier_class": verdict.supplier_class.value, "geography": verdict.geography.value,
                        "innovative": verdict.innovative, "reason": verdict.explanation()},
        "rejection_reason": purchase.rejection_reason, "verified_at": purchase.verified_at,
        "may_change": _may_change(purchase),
        "created_at": purchase.created_at, "updated_at": purchase.updated_at,
    }


def _may_change(purchase: Purchase) -> bool:
    return purchase.buyer_id == token_organisation().id and policy.can_change_declaration(token_user(), purchase)


def _visible_purchase(purchase_id: int, *, lock: bool = False) -> Purchase:
    """The purchase if this token may see it: its organisation's, or any for the operator; 404 otherwise."""
    stmt = select(Purchase).where(Purchase.id == purchase_id)
    purchase = db.session.scalar(stmt.with_for_update() if lock else stmt)
    if purchase is None or not policy.can_view_purchase(token_user(), purchase):
        abort(404)
    if purchase.buyer_id != token_organisation().id and not token_is_operator():
        abort(404)  # the person's other organisation: not through this token
    return purchase


def _changeable(purchase_id: int) -> Purchase:
    """The purchase, locked, if this token may change it: 409 once decided, 403 for others."""
    purchase = _visible_purchase(purchase_id, lock=True)
    if purchase.source != PurchaseSource.DECLARED or purchase.status != PurchaseStatus.DECLARED:
        abort(409, message=message_for("decided"))
    if not _may_change(purchase):
        abort(403, message=message_for("change_not_allowed"))
    return purchase


SORT_COLUMNS = {"purchased_on": Purchase.purchased_on, "amount": Purchase.amount_cents,
                "created_at": Purchase.created_at}


@purchases_blp.route("")
class Purchases(MethodView):
    @require_token("read")
    @purchases_blp.arguments(PurchaseListArgs, location="query")
    @purchases_blp.response(200, PurchaseSchema(many=True), headers=PAGE_HEADERS)
    @purchases_blp.alt_response(403, description="Not a buyer organisation")
    def get(self, args):
        """The organisation's purchases, awarded here and declared, each with why it counts or not"""
        buyer_or_operator()
        stmt = select(Purchase)
        if not token_is_operator():
            stmt = stmt.where(Purchase.buyer_id == token_organisation().id)
        elif args.get("organisation") is not None:
            stmt = stmt.where(Purchase.buyer_id == args["organisation"])
        if args.get("status"):
            stmt = stmt.where(Purchase.status == PurchaseStatus(args["status"]))
        if args.get("kind"):
            stmt = stmt.where(Purchase.source == PurchaseSource(args["kind"]))
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
        sort = args["sort"]
        column = SORT_COLUMNS[sort.lstrip("-")]
        order = (column.desc(), Purchase.id.desc()) if sort.startswith("-") else (column.asc(), Purchase.id.asc())
        page, per_page = args["page"], args["per_page"]
        found = db.session.scalars(
            stmt.options(selectinload(Purchase.supplier), selectinload(Purchase.buyer))
            .order_by(*order).limit(per_page).offset((page - 1) * per_page)
        ).all()
        return [purchase_out(p) for p in found], 200, pagination_headers(page=page, per_page=per_page, total=total)

    @require_token("write")
    @purchases_blp.arguments(DeclarationFormSchema, location="form", content_type="multipart/form-data")
    @purchases_blp.doc(parameters=[{
        "in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
        "description": "Retrying with the same key and body declares nothing more (200, same purchase); "
                       "the same key with another body is a 409.",
    }])
    @purchases_blp.response(201, PurchaseSchema, headers={
        **PURCHASE_ETAG, "Location": {"description": "The purchase's URL", "schema": {"type": "string"}}})
    @purchases_blp.alt_response(200, schema=PurchaseSchema, description="A retry with the same Idempotency-Key")
    @purchases_blp.alt_response(400, description="A malformed Idempotency-Key")
    @purchases_blp.alt_response(403, description="Not an owner or member of an alliance member")
    @purchases_blp.alt_response(409, description="Already recorded, or the Idempotency-Key was used with "
                                                 "another body")
    def post(self, data):
        """Declare a purchase made elsewhere, with its evidence file (multipart/form-data); it counts once verified"""
        organisation, user = token_organisation(), token_user()
        if not policy.can_declare(user, organisation):
            abort(403, message=message_for("declare_members_only"))
        evidence = request.files.get("evidence")
        creation = Creation.begin(IDEMPOTENCY_ACTION, fingerprint=_form_fingerprint(evidence))
        if creation.earlier is not None:
            purchase = creation.earlier_subject(Purchase)
            return _purchase_answer(purchase, 200, Location=_location(purchase), **REPLAYED)
        values = declaration_values(data)
        for name in ("amount_euros", "purchased_on", "category_code", "description"):
            values.setdefault(name, None)
        try:
            purchase = services.declare_purchase(organisation, by=user, evidence=evidence, **values)
        except CommitmentError as exc:
            refuse(exc, declaration_field)
        creation.remember(subject=purchase, organisation=organisation)
        commit_or_412()
        return _purchase_answer(purchase, 201, Location=_location(purchase))


def _form_fingerprint(evidence) -> str:
    """A hash of the form's fields (sorted) and of the evidence file's name and content."""
    digest = hashlib.sha256()
    for name, value in sorted(request.form.items(multi=True)):
        digest.update(f"{name}={value}\n".encode())
    if evidence is not None:
        digest.update(f"evidence:{evidence.filename}\n".encode())
        while chunk := evidence.stream.read(1 << 16):
            digest.update(chunk)
        evidence.stream.seek(0)
    return digest.hexdigest()


def _location(purchase: Purchase) -> str:
    return url_for("api_purchases.PurchaseById", purchase_id=purchase.id)


def _purchase_answer(purchase: Purchase, status: int, **headers):
    db.session.refresh(purchase)
    return purchase_out(purchase), status, {"ETag": purchase_etag(purchase), **headers}


def current_values(purchase: Purchase, data: dict) -> dict:
    """The purchase's declaration as the service takes it, with the fields sent in ``data``
    instead. Naming a supplier on Tremplin (``supplier``) replaces a described one, and
    describing one (``supplier_*``) replaces a supplier on Tremplin."""
    values = {"amount_euros": format_euros_input(purchase.amount_cents), "purchased_on": purchase.purchased_on,
              "category_code": purchase.category_code, "description": purchase.description,
              "secnumcloud": purchase.secnumcloud, "disclose_amount": purchase.disclose_amount}
    described = {"supplier_name": purchase.supplier_name, "supplier_country": purchase.supplier_country,
                 "supplier_siren": purchase.supplier_siren, "supplier_vat": supplier_vat(purchase),
                 "declared_class": None if purchase.supplier_class == "unknown" else purchase.supplier_class,
                 "declared_innovative": purchase.supplier_innovative}
    sent = declaration_values(data)
    if data.get("supplier"):
        pass  # a supplier on Tremplin, found by the service from what was sent
    elif any(name in data for name in SUPPLIER_FIELDS):
        if purchase.supplier_id is None:
            values.update(described)
        sent.pop("supplier_search", None)
    elif purchase.supplier_id is not None:
        values["supplier"] = purchase.supplier
    else:
        values.update(described)
    values.update(sent)
    return values


@purchases_blp.route("/<int:purchase_id>")
class PurchaseById(MethodView):
    @require_token("read")
    @purchases_blp.response(200, PurchaseSchema, headers=PURCHASE_ETAG)
    @purchases_blp.alt_response(404, description="No such purchase, or not this organisation's")
    def get(self, purchase_id: int):
        """One purchase, with why it counts or not (404 alike for a missing purchase and another's)"""
        purchase = _visible_purchase(purchase_id)
        return purchase_out(purchase), 200, {"ETag": purchase_etag(purchase)}

    @require_token("write")
    @purchases_blp.arguments(DeclarationPatchSchema)
    @purchases_blp.doc(parameters=[{**IF_MATCH, "required": True,
                                    "description": "The ETag of the purchase as last read"}])
    @purchases_blp.response(200, PurchaseSchema, headers=PURCHASE_ETAG)
    @purchases_blp.alt_response(403, description="Neither the person who declared it nor an owner")
    @purchases_blp.alt_response(404, description="No such purchase, or not this organisation's")
    @purchases_blp.alt_response(409, description="The operator has decided: it can no longer change")
    @purchases_blp.alt_response(412, description="If-Match does not match the purchase's current ETag")
    @purchases_blp.alt_response(428, description="If-Match is missing")
    def patch(self, data, purchase_id: int):
        """Change a declaration while it awaits verification (the fields sent; the evidence is kept)"""
        purchase = _changeable(purchase_id)
        check_if_match(purchase_etag(purchase), required=True, what="purchase")
        try:
            services.update_declaration(purchase, by=token_user(), **current_values(purchase, data))
        except CommitmentError as exc:
            refuse(exc, declaration_field)
        commit_or_412()
        return _purchase_answer(purchase, 200)


@purchases_blp.route("/<int:purchase_id>/withdraw")
class PurchaseWithdrawal(MethodView):
    @require_token("write")
    @purchases_blp.doc(parameters=[{**IF_MATCH, "description": "The ETag of the purchase as last read"}])
    @purchases_blp.response(204, description="The declaration is withdrawn (removed: it never counted)")
    @purchases_blp.alt_response(403, description="Neither the person who declared it nor an owner")
    @purchases_blp.alt_response(404, description="No such purchase, or not this organisation's")
    @purchases_blp.alt_response(409, description="The operator has decided: it can no longer be withdrawn")
    @purchases_blp.alt_response(412, description="If-Match does not match the purchase's current ETag")
    def post(self, purchase_id: int):
        """Withdraw a declaration while it awaits verification"""
        purchase = _changeable(purchase_id)
        check_if_match(purchase_etag(purchase), required=False, what="purchase")
        try:
            services.withdraw_declaration(purchase, by=token_user())
        except CommitmentError as exc:
            refuse(exc, declaration_field)
        commit_or_412()
        return "", 204


