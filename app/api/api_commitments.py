"""The commitment tracker through the API: the organisation's pledge and its history, its
purchases (awarded here and declared) with why each counts or not, declaring, changing and
withdrawing a purchase, and the figures the dashboards show.

Who may do what is decided by app.commitments.policy (pledges, purchases) and
app.commitments.dashboard_policy (figures), the rules by app.commitments.services, exactly
as for the web pages. A token acts for its organisation only: a purchase of another
organisation is a 404, as on the pages; the operator reads every pledge and purchase.
Supplier organisations have no pledge or purchases: 403, as the pages.

Evidence. A declaration requires its evidence file (the signed order, contract or
invoice), so ``POST /purchases`` takes ``multipart/form-data``: the declaration's fields
and an ``evidence`` file part. ``PATCH /purchases/<id>`` takes JSON and keeps the evidence
already sent; replacing the file, or downloading it, is done on the purchase's web page.

Idempotent declaration (app.api.idempotency): ``POST /purchases`` may carry an
``Idempotency-Key``, kept in the ``api.purchase_declared`` audit entry written with the
purchase with a fingerprint of the form fields and of the file's content. A retry with the
same key and the same body answers ``200`` with ``Idempotent-Replayed: true`` and declares
nothing more; the same key with another body is a ``409``.

Optimistic concurrency. A pledge and a purchase have strong ETags (``pledge_etag``,
``purchase_etag``). ``PUT /pledges/current`` requires ``If-Match`` once a pledge exists
(missing → 428, stale → 412); ``PATCH /purchases/<id>`` always requires it; ``withdraw``
honours it when sent. Rows are locked while checked, so a lost race is a 412 too.
"""

from __future__ import annotations

import hashlib

from flask import request, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts.models import Organisation, User
from app.api.auth import api_token, require_token
from app.api.commitments_schemas import (
    SUPPLIER_FIELDS,
    DeclarationFormSchema,
    DeclarationPatchSchema,
    PledgeListArgs,
    PledgeSchema,
    PledgeWriteSchema,
    PurchaseListArgs,
    PurchaseSchema,
    SummaryArgs,
    SummarySchema,
    declaration_field,
    declaration_values,
    money,
    pledge_field,
    pledge_service_values,
)
from app.api.idempotency import (
    MAX_KEY_LENGTH,
    commit_or_412,
    earlier_creation,
    idempotency_key,
    lock_key,
)
from app.api.resources import pagination_headers
from app.audit.services import record_audit
from app.bids.money import format_euros_input
from app.commitments import policy, services
from app.commitments.dashboard_policy import Audience, reader_of
from app.commitments.declarations import paris_today
from app.commitments.eligibility import assess
from app.commitments.messages import CommitmentError, message_for
from app.commitments.models import Commitment, Purchase, PurchaseSource, PurchaseStatus
from app.commitments.public_figures import public_figures
from app.commitments.queries import pledge_history, supplier_vat
from app.commitments.stats import Programme, Scope, collective, members, pledged_total
from app.db import utcnow
from app.extensions import db

IDEMPOTENCY_ACTION = "api.purchase_declared"
# Refusals of who asks (403); the other refusals naming no field are conflicts (409).
FORBIDDEN_CODES = {"pledge_owners_only", "pledge_buyers_only", "pledge_unverified", "declare_members_only",
                   "not_alliance_member", "change_not_allowed", "operator_only"}
CONFLICT_CODES = {"decided", "duplicate", "already_verified", "already_rejected", "not_declared"}

pledges_blp = Blueprint("api_pledges", __name__, url_prefix="/pledges",
                        description="The token's organisation's pledge to the alliance and its history")
purchases_blp = Blueprint("api_purchases", __name__, url_prefix="/purchases",
                          description="The token's organisation's purchases counting towards its pledge")
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
    return [pledges_blp, purchases_blp, summary_blp]


# --- who asks ----------------------------------------------------------------------------------


def _user() -> User:
    return api_token().user


def _organisation() -> Organisation:
    return api_token().organisation


def _is_operator() -> bool:
    return bool(_user().is_operator)


def _buyer_or_operator() -> None:
    """Pledges and purchases are a buyer organisation's (and the operator's): 403 otherwise."""
    if not (_is_operator() or _organisation().is_buyer):
        abort(403, message=_("Only administrations and large groups pledge and record purchases."))


def _refuse(exc: CommitmentError, field_name):
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


def _check_if_match(current_etag: str | None, *, required: bool, what: str) -> None:
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        if required:
            abort(428, message=_("Send an If-Match header with the %(what)s's current ETag.", what=what))
        return
    tags = [tag.strip() for tag in header.split(",")]
    if current_etag is None:
        abort(412)  # RFC 9110: no current representation matches any tag, nor "*"
    if "*" not in tags and current_etag not in tags:  # strong comparison: a weak tag never matches
        abort(412)


def _etag(raw: str) -> str:
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


# --- pledges -------------------------------------------------------------------------------------


def pledge_etag(commitment: Commitment) -> str:
    updated = commitment.updated_at.isoformat() if commitment.updated_at else ""
    return _etag(f"pledge:{commitment.id}:{commitment.amount_cents}:{commitment.period_start}:"
                 f"{commitment.period_end}:{updated}:{len(commitment.revisions)}")


def pledge_out(commitment: Commitment) -> dict:
    return {"organisation": commitment.organisation, "amount": money(commitment.amount_cents),
            "period": {"start": commitment.period_start, "end": commitment.period_end},
            "updated_at": commitment.updated_at, "revisions": pledge_history(commitment)}


def _own_pledge(*, lock: bool = False) -> Commitment | None:
    stmt = select(Commitment).where(Commitment.organisation_id == _organisation().id)
    return db.session.scalar(stmt.with_for_update() if lock else stmt)


@pledges_blp.route("")
class Pledges(MethodView):
    @require_token("read")
    @pledges_blp.arguments(PledgeListArgs, location="query")
    @pledges_blp.response(200, PledgeSchema(many=True), headers=PAGE_HEADERS)
    @pledges_blp.alt_response(403, description="Not a buyer organisation")
    def get(self, args):
        """The organisation's pledge with its revisions (none or one); the operator's: every pledge, largest first"""
        _buyer_or_operator()
        stmt = select(Commitment).options(selectinload(Commitment.revisions), selectinload(Commitment.organisation))
        if not _is_operator():
            stmt = stmt.where(Commitment.organisation_id == _organisation().id)
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
        if not _organisation().is_buyer:
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
        organisation, user = _organisation(), _user()
        # Who may pledge comes first (as the service checks it), then the precondition.
        if not policy.can_pledge(user, organisation):
            abort(403, message=message_for("pledge_owners_only"))
        if not organisation.is_buyer:
            abort(403, message=message_for("pledge_buyers_only"))
        existing = _own_pledge(lock=True)
        _check_if_match(pledge_etag(existing) if existing else None, required=existing is not None, what="pledge")
        try:
            commitment = services.record_pledge(organisation, by=user, **pledge_service_values(data))
            commit_or_412()
        except CommitmentError as exc:
            if exc.code == "pledge_unchanged" and existing is not None:
                db.session.rollback()
                return _pledge_answer(_own_pledge(), 200)
            _refuse(exc, pledge_field)
        except IntegrityError:  # another request recorded the first pledge meanwhile
            db.session.rollback()
            abort(412)
        return _pledge_answer(commitment, 200 if existing is not None else 201)


def _pledge_answer(commitment: Commitment, status: int):
    db.session.refresh(commitment)
    return pledge_out(commitment), status, {"ETag": pledge_etag(commitment)}


# --- purchases ------------------------------------------------------------------------------------


def purchase_etag(purchase: Purchase) -> str:
    updated = purchase.updated_at.isoformat() if purchase.updated_at else ""
    return _etag(f"purchase:{purchase.id}:{purchase.status.value}:{purchase.amount_cents}:{updated}:"
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
    return purchase.buyer_id == _organisation().id and policy.can_change_declaration(_user(), purchase)


def _visible_purchase(purchase_id: int, *, lock: bool = False) -> Purchase:
    """The purchase if this token may see it: its organisation's, or any for the operator; 404 otherwise."""
    stmt = select(Purchase).where(Purchase.id == purchase_id)
    purchase = db.session.scalar(stmt.with_for_update() if lock else stmt)
    if purchase is None or not policy.can_view_purchase(_user(), purchase):
        abort(404)
    if purchase.buyer_id != _organisation().id and not _is_operator():
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
        _buyer_or_operator()
        stmt = select(Purchase)
        if not _is_operator():
            stmt = stmt.where(Purchase.buyer_id == _organisation().id)
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
        organisation, user, token = _organisation(), _user(), api_token()
        if not policy.can_declare(user, organisation):
            abort(403, message=message_for("declare_members_only"))
        key = idempotency_key()
        evidence = request.files.get("evidence")
        fingerprint = _form_fingerprint(evidence)
        if key is not None:
            lock_key(token.id, key)
            earlier = earlier_creation(IDEMPOTENCY_ACTION, token.id, token.organisation_id, key)
            if earlier is not None:
                if earlier.details.get("fingerprint") != fingerprint:
                    abort(409, message=_("This Idempotency-Key was already used with a different request body."))
                purchase = db.session.get(Purchase, earlier.subject_id)
                if purchase is None:  # withdrawn since: the key stays spent
                    abort(409, message=_("This Idempotency-Key was already used."))
                return _purchase_answer(purchase, 200, Location=_location(purchase),
                                        **{"Idempotent-Replayed": "true"})
        values = declaration_values(data)
        for name in ("amount_euros", "purchased_on", "category_code", "description"):
            values.setdefault(name, None)
        try:
            purchase = services.declare_purchase(organisation, by=user, evidence=evidence, **values)
        except CommitmentError as exc:
            _refuse(exc, declaration_field)
        if key is not None:
            record_audit(IDEMPOTENCY_ACTION, actor=user, organisation=organisation, subject=purchase,
                         details={"token_id": token.id, "idempotency_key": key, "fingerprint": fingerprint})
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
        _check_if_match(purchase_etag(purchase), required=True, what="purchase")
        try:
            services.update_declaration(purchase, by=_user(), **current_values(purchase, data))
        except CommitmentError as exc:
            _refuse(exc, declaration_field)
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
        _check_if_match(purchase_etag(purchase), required=False, what="purchase")
        try:
            services.withdraw_declaration(purchase, by=_user())
        except CommitmentError as exc:
            _refuse(exc, declaration_field)
        commit_or_412()
        return "", 204


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
