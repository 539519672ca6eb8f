"""Pledges, declared purchases and their verification: plain functions that flush, never commit.

- ``record_pledge``: an organisation's pledge, created or revised; every change appends a
  CommitmentRevision (amount, period, who, when, note), so the history is never lost.
  **Joining the alliance is pledging**: the first pledge makes the organisation an
  alliance member (a verified administration or large group).
- ``declare_purchase``: a purchase made outside Tremplin, with its evidence, awaiting the
  operator's verification; ``update_declaration`` and ``withdraw_declaration`` while it
  still waits.
- ``verify_purchase`` / ``reject_purchase`` (with a reason): the operator decides once.

Refusals raise CommitmentError (app.commitments.messages) and change nothing. Each change
writes an audit line and an outbox event (``commitment.revised``, ``purchase.declared``,
``purchase.updated``, ``purchase.withdrawn``, ``purchase.verified``, ``purchase.rejected``).
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.accounts.models import Organisation, User
from app.audit.services import record_audit
from app.commitments import policy
from app.commitments.declarations import (
    Declaration,
    check_declaration,
    has_file,
    parse_amount,
    parse_date,
)
from app.commitments.eligibility import stamp, supplier_key
from app.commitments.messages import CommitmentError, Problems
from app.commitments.models import (
    Commitment,
    CommitmentRevision,
    Purchase,
    PurchaseSource,
    PurchaseStatus,
)
from app.db import utcnow
from app.events import record_event
from app.extensions import db
from app.files.storage import UploadError, store_upload

PLEDGE_MAX_CENTS = 10_000_000_000 * 100  # €10B: beyond, a typing slip
PERIOD_MAX_YEARS = 10
NOTE_MAX = 1000
REASON_MAX = 2000


# --- pledges ------------------------------------------------------------------------------------


def pledge_of(organisation: Organisation) -> Commitment | None:
    return db.session.scalar(select(Commitment).where(Commitment.organisation_id == organisation.id))


def _check_pledger(organisation: Organisation, by: User) -> None:
    if not policy.can_pledge(by, organisation):
        raise CommitmentError("amount", "pledge_owners_only")
    if not organisation.is_buyer:
        raise CommitmentError("amount", "pledge_buyers_only")
    if not policy.may_join_alliance(organisation):
        raise CommitmentError("amount", "pledge_unverified")


def record_pledge(organisation: Organisation, *, amount_euros, period_start, period_end, by: User,
                  note: str | None = None, now: datetime | None = None) -> Commitment:
    """Create or revise the organisation's pledge (amount in euros as typed, period dates)."""
    now = now or utcnow()
    _check_pledger(organisation, by)
    problems = Problems()
    cents = parse_amount(amount_euros, "amount", problems, max_cents=PLEDGE_MAX_CENTS, too_high="pledge_too_high")
    start = parse_date(period_start, "period_start", problems)
    end = parse_date(period_end, "period_end", problems)
    programme_start = current_app.config["COMMITMENT_START"]
    if start is not None and end is not None:
        if start > end:
            problems.add("period_end", "period_reversed")
        elif end < programme_start:
            problems.add("period_end", "period_before_programme", start=programme_start)
        elif (end - start).days > PERIOD_MAX_YEARS * 366:
            problems.add("period_end", "period_too_long", years=PERIOD_MAX_YEARS)
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        problems.add("note", "note_too_long", max=NOTE_MAX)
    problems.raise_any()

    commitment = pledge_of(organisation)
    previous = None
    if commitment is not None:
        previous = {"amount_cents": commitment.amount_cents, "period_start": commitment.period_start.isoformat(),
                    "period_end": commitment.period_end.isoformat()}
        if (commitment.amount_cents, commitment.period_start, commitment.period_end) == (cents, start, end):
            raise CommitmentError("amount", "pledge_unchanged")
    else:
        commitment = Commitment(organisation_id=organisation.id)
        db.session.add(commitment)
    commitment.amount_cents, commitment.period_start, commitment.period_end = cents, start, end
    commitment.updated_at = now
    commitment.revisions.append(CommitmentRevision(
        amount_cents=cents, period_start=start, period_end=end, revised_at=now, revised_by_id=by.id, note=note))
    joined = not organisation.alliance_member
    organisation.alliance_member = True
    db.session.flush()
    details = {"amount_cents": cents, "period_start": start.isoformat(), "period_end": end.isoformat(),
               "previous": previous, "joined_alliance": joined, "note": note}
    record_audit("commitment.revised", actor=by, organisation=organisation, subject=commitment, details=details)
    record_event("commitment.revised", commitment_id=commitment.id, organisation_id=organisation.id,
                 amount_cents=cents, previous_amount_cents=previous["amount_cents"] if previous else None,
                 joined_alliance=joined)
    return commitment


# --- declarations -------------------------------------------------------------------------------


def _check_declarer(buyer: Organisation, by: User) -> None:
    if not policy.can_declare(by, buyer):
        raise CommitmentError("supplier", "declare_members_only")
    if not buyer.alliance_member:
        raise CommitmentError("supplier", "not_alliance_member")


def _key_of(facts: Declaration) -> str:
    if facts.supplier is None and facts.supplier_vat:
        return f"vat:{facts.supplier_vat}"  # a supplier elsewhere in the EU, known by its VAT number
    return supplier_key(supplier_id=facts.supplier.id if facts.supplier else None, siren=facts.supplier_siren,
                        name=facts.supplier_name)


def _check_not_recorded(buyer: Organisation, facts: Declaration, *, other_than: int | None = None) -> None:
    """The same supplier, amount and date already recorded (and not rejected): a double declaration."""
    stmt = select(Purchase.id).where(
        Purchase.buyer_id == buyer.id, Purchase.supplier_key == _key_of(facts),
        Purchase.amount_cents == facts.amount_cents, Purchase.purchased_on == facts.purchased_on,
        Purchase.status != PurchaseStatus.REJECTED,
    )
    if other_than is not None:
        stmt = stmt.where(Purchase.id != other_than)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise CommitmentError("amount", "duplicate")


def _store_evidence(evidence: FileStorage, purchase: Purchase) -> None:
    try:
        stored = store_upload(evidence)
    except UploadError as exc:  # checked already; the file changed under us
        raise CommitmentError("evidence", "evidence_required" if exc.code == "empty" else f"file_{exc.code}") from exc
    purchase.evidence_key, purchase.evidence_filename = stored.storage_key, stored.filename


def _apply(purchase: Purchase, facts: Declaration) -> None:
    purchase.supplier = facts.supplier
    purchase.supplier_id = facts.supplier.id if facts.supplier is not None else None
    purchase.supplier_name, purchase.supplier_siren = facts.supplier_name, facts.supplier_siren
    purchase.supplier_country = facts.supplier_country
    purchase.amount_cents, purchase.purchased_on = facts.amount_cents, facts.purchased_on
    purchase.category_code, purchase.description = facts.category_code, facts.description
    purchase.disclose_amount = facts.disclose_amount
    purchase.secnumcloud = facts.secnumcloud
    stamp(purchase, secnumcloud=facts.secnumcloud, declared_class=facts.declared_class,
          declared_innovative=facts.declared_innovative)
    purchase.supplier_key = _key_of(facts)


def declare_purchase(buyer: Organisation, *, by: User, supplier: Organisation | None = None,
                     supplier_search: str | None = None, supplier_name: str | None = None,
                     supplier_siren: str | None = None, supplier_vat: str | None = None,
                     supplier_country: str | None = None, amount_euros, purchased_on: date | str | None,
                     category_code: str | None, description: str | None, evidence: FileStorage | None = None,
                     declared_class: str | None = None, declared_innovative: bool = False,
                     secnumcloud: bool | None = None, disclose_amount: bool = False,
                     now: datetime | None = None) -> Purchase:
    """A purchase made outside Tremplin, declared by a member with its evidence; awaits verification.

    The supplier is ``supplier`` (an organisation on Tremplin), or ``supplier_search`` (its
    name, SIREN or VAT number as typed), or described by the ``supplier_*`` fields with
    ``declared_class`` and ``declared_innovative``.
    """
    now = now or utcnow()
    _check_declarer(buyer, by)
    facts = check_declaration(dict(
        supplier=supplier, supplier_search=supplier_search, supplier_name=supplier_name,
        supplier_siren=supplier_siren, supplier_vat=supplier_vat, supplier_country=supplier_country,
        amount_euros=amount_euros, purchased_on=purchased_on, category_code=category_code,
        description=description, evidence=evidence, declared_class=declared_class,
        declared_innovative=declared_innovative, secnumcloud=secnumcloud, disclose_amount=disclose_amount,
    ), now=now, evidence_required=True)
    _check_not_recorded(buyer, facts)
    purchase = Purchase(buyer_id=buyer.id, source=PurchaseSource.DECLARED, status=PurchaseStatus.DECLARED,
                        declared_by_id=by.id, created_at=now, updated_at=now)
    purchase.buyer = buyer
    _apply(purchase, facts)
    _store_evidence(evidence, purchase)  # last: a refused declaration stores no file
    db.session.add(purchase)
    db.session.flush()
    record_audit("purchase.declared", actor=by, organisation=buyer, subject=purchase, details={
        "amount_cents": purchase.amount_cents, "purchased_on": purchase.purchased_on.isoformat(),
        "supplier": purchase.supplier_name, "supplier_key": purchase.supplier_key,
        "supplier_vat": facts.supplier_vat, "evidence": purchase.evidence_filename,
    })
    record_event("purchase.declared", purchase_id=purchase.id, buyer_id=buyer.id, amount_cents=purchase.amount_cents)
    return purchase


AUDITED_FIELDS = ("supplier_id", "supplier_name", "supplier_siren", "supplier_country", "amount_cents",
                  "purchased_on", "category_code", "description", "supplier_class", "supplier_innovative",
                  "secnumcloud", "disclose_amount", "evidence_key")


def _check_changeable(purchase: Purchase, by: User) -> None:
    if purchase.source != PurchaseSource.DECLARED or purchase.status != PurchaseStatus.DECLARED:
        raise CommitmentError("purchase", "decided")
    if not policy.can_change_declaration(by, purchase):
        raise CommitmentError("purchase", "change_not_allowed")


def update_declaration(purchase: Purchase, *, by: User, evidence: FileStorage | None = None,
                       now: datetime | None = None, **values) -> Purchase:
    """Change a declaration still awaiting verification (same inputs as ``declare_purchase``;
    without a new evidence file the one already sent is kept)."""
    now = now or utcnow()
    _check_changeable(purchase, by)
    values.setdefault("supplier", None)
    facts = check_declaration({**values, "evidence": evidence}, now=now, evidence_required=False)
    _check_not_recorded(purchase.buyer, facts, other_than=purchase.id)
    before = {name: getattr(purchase, name) for name in AUDITED_FIELDS}
    _apply(purchase, facts)
    if has_file(evidence):
        _store_evidence(evidence, purchase)
    purchase.updated_at = now
    changed = {name: {"old": _plain(before[name]), "new": _plain(getattr(purchase, name))}
               for name in AUDITED_FIELDS if before[name] != getattr(purchase, name)}
    db.session.flush()
    record_audit("purchase.declaration_changed", actor=by, organisation=purchase.buyer, subject=purchase,
                 details={"changes": changed})
    record_event("purchase.updated", purchase_id=purchase.id, buyer_id=purchase.buyer_id, fields=sorted(changed))
    return purchase


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def withdraw_declaration(purchase: Purchase, *, by: User) -> None:
    """Take back a declaration still awaiting verification: it is removed (it never counted)."""
    _check_changeable(purchase, by)
    purchase_id, buyer = purchase.id, purchase.buyer
    record_audit("purchase.withdrawn", actor=by, organisation=buyer, subject=purchase, details={
        "amount_cents": purchase.amount_cents, "purchased_on": purchase.purchased_on.isoformat(),
        "supplier": purchase.supplier_name, "evidence": purchase.evidence_filename,
    })
    db.session.delete(purchase)
    db.session.flush()
    record_event("purchase.withdrawn", purchase_id=purchase_id, buyer_id=buyer.id)


# --- verification -------------------------------------------------------------------------------


def _check_decidable(purchase: Purchase, by: User) -> None:
    if not policy.can_decide(by):
        raise CommitmentError("purchase", "operator_only")
    if purchase.status == PurchaseStatus.VERIFIED:
        raise CommitmentError("purchase", "already_verified")
    if purchase.status == PurchaseStatus.REJECTED:
        raise CommitmentError("purchase", "already_rejected")
    if purchase.source != PurchaseSource.DECLARED:
        raise CommitmentError("purchase", "not_declared")


def verify_purchase(purchase: Purchase, *, by: User, now: datetime | None = None) -> Purchase:
    """The operator checked the evidence: the purchase counts from now on."""
    now = now or utcnow()
    _check_decidable(purchase, by)
    purchase.status = PurchaseStatus.VERIFIED
    purchase.verified_at, purchase.verified_by_id = now, by.id
    purchase.updated_at = now
    db.session.flush()
    record_audit("purchase.verified", actor=by, organisation=purchase.buyer, subject=purchase,
                 details={"amount_cents": purchase.amount_cents, "supplier": purchase.supplier_name})
    record_event("purchase.verified", purchase_id=purchase.id)
    return purchase


def reject_purchase(purchase: Purchase, *, by: User, reason: str | None, now: datetime | None = None) -> Purchase:
    """The operator refuses a declaration, saying why (the organisation reads the reason)."""
    now = now or utcnow()
    _check_decidable(purchase, by)
    reason = (reason or "").strip()
    if not reason:
        raise CommitmentError("reason", "reason_required")
    if len(reason) > REASON_MAX:
        raise CommitmentError("reason", "reason_too_long", max=REASON_MAX)
    purchase.status = PurchaseStatus.REJECTED
    purchase.rejection_reason, purchase.verified_by_id = reason, by.id
    purchase.updated_at = now
    db.session.flush()
    record_audit("purchase.rejected", actor=by, organisation=purchase.buyer, subject=purchase,
                 details={"amount_cents": purchase.amount_cents, "supplier": purchase.supplier_name,
                          "reason": reason})
    record_event("purchase.rejected", purchase_id=purchase.id, buyer_id=purchase.buyer_id)
    return purchase
