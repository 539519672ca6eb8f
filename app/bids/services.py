"""The supplier's side of a bid: submit (or save a draft), change, withdraw, attach files.

Plain functions with keyword-only options that flush and never commit. Access rules come
from app.needs.policy; a refused operation raises BidError and changes nothing. Every
transition records an outbox event and an audit line.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime

from babel import Locale
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.identifiers import EU_COUNTRIES
from app.accounts.models import Organisation, User
from app.audit.services import record_audit
from app.bids.models import Bid, BidStatus
from app.bids.money import AmountError, parse_euros
from app.db import utcnow
from app.events import record_event
from app.extensions import db
from app.main.paging import Page
from app.needs import policy
from app.needs.doctrine import Approach
from app.needs.models import Need
from app.needs.policy import Viewer
from app.suppliers.models import CertificationKind, Solution

# Bids the buyer has received: drafts are the supplier's own work, withdrawn bids are gone.
RECEIVED_STATUSES = (BidStatus.SUBMITTED, BidStatus.SHORTLISTED, BidStatus.REJECTED, BidStatus.AWARDED)
IN_PLAY_STATUSES = (BidStatus.SUBMITTED, BidStatus.SHORTLISTED)
LIMITS = {"summary": 500, "hosting_provider": 120, "proposal": 50_000, "timeline": 10_000,
          "extraterritorial_answer": 10_000, "reversibility_answer": 10_000, "mastery_answer": 10_000}
REQUIRED_ON_SUBMISSION = ("summary", "proposal", "price", "timeline",
                          "extraterritorial_answer", "reversibility_answer", "mastery_answer")
# Groupings and exceptionally reserved codes that babel lists among territories
NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
SOVEREIGNTY_ANSWERS = ("extraterritorial_answer", "reversibility_answer", "mastery_answer")


class BidError(ValueError):
    """A refused bid operation: ``field`` names the input, ``code`` the reason.

    ``problems`` lists every (field, code) found when a form had several mistakes; the
    first one is also ``field``/``code``.
    """

    def __init__(self, field: str, code: str, *, problems: list[tuple[str, str]] | None = None):
        self.field = field
        self.code = code
        self.problems = problems or [(field, code)]
        super().__init__(f"{field}: {code}")


@dataclass
class BidInput:
    """What a supplier typed in the bid form (the price as text, as typed)."""

    summary: str = ""
    proposal: str = ""
    price: str = ""
    timeline: str = ""
    solution_id: int | str | None = None
    approach: str = Approach.OFF_THE_SHELF.value
    hosting_country: str = ""
    hosting_provider: str = ""
    secnumcloud_hosting: bool = False
    data_in_eu: bool = True
    open_source: bool = False
    certifications: list[str] = field(default_factory=list)
    extraterritorial_answer: str = ""
    reversibility_answer: str = ""
    mastery_answer: str = ""

    @classmethod
    def from_bid(cls, bid: Bid) -> BidInput:
        from app.bids.money import format_euros_input

        return cls(
            summary=bid.summary, proposal=bid.proposal, price=format_euros_input(bid.price_cents),
            timeline=bid.timeline or "", solution_id=bid.solution_id, approach=bid.approach.value,
            hosting_country=bid.hosting_country or "", hosting_provider=bid.hosting_provider or "",
            secnumcloud_hosting=bid.secnumcloud_hosting, data_in_eu=bid.data_in_eu,
            open_source=bid.open_source, certifications=list(bid.certifications or []),
            extraterritorial_answer=bid.extraterritorial_answer or "",
            reversibility_answer=bid.reversibility_answer or "", mastery_answer=bid.mastery_answer or "",
        )


# --- helpers shared with the buyer side -------------------------------------------------------


def actor(viewer: Viewer) -> User | None:
    return db.session.get(User, viewer.user_id) if viewer.user_id else None


def audit(action: str, viewer: Viewer, subject, *, organisation_id: int | None, **details) -> None:
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    record_audit(action, actor=actor(viewer), organisation=organisation, subject=subject, details=details)


def flush() -> None:
    """Flush, turning a concurrent change of the same row into a clear refusal."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise BidError("bid", "changed_meanwhile") from exc


def bid_of(need: Need, supplier_id: int | None) -> Bid | None:
    """The supplier organisation's one bid on a need, if any."""
    if supplier_id is None:
        return None
    return db.session.scalar(select(Bid).where(Bid.need_id == need.id, Bid.supplier_id == supplier_id))


def count_received_bids(need: Need) -> int:
    """What a sealed need shows its buyer: how many bids came in, nothing else."""
    stmt = select(func.count()).select_from(Bid).where(Bid.need_id == need.id, Bid.status.in_(RECEIVED_STATUSES))
    return db.session.scalar(stmt) or 0


@functools.cache
def country_codes() -> tuple[str, ...]:
    """ISO 3166 alpha-2 codes of countries (not of groupings such as EU or UN)."""
    return tuple(sorted(code for code in Locale("en").territories
                        if re.fullmatch(r"[A-Z]{2}", code) and code not in NOT_COUNTRIES))


# --- reading the form ----------------------------------------------------------------------


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def _clean(data: BidInput, supplier_id: int, *, submitting: bool) -> tuple[dict, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    values: dict = {name: _text(getattr(data, name)) for name in LIMITS}
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            problems.append((name, "too_long"))
    required = REQUIRED_ON_SUBMISSION if submitting else ("summary", "price")
    for name in required:
        if name != "price" and not values[name]:
            problems.append((name, "required"))
    try:
        values["price_cents"] = parse_euros(data.price)
    except AmountError as exc:
        values["price_cents"] = None
        problems.append(("price", exc.code))
    try:
        values["approach"] = Approach(_text(data.approach) or Approach.OFF_THE_SHELF.value)
    except ValueError:
        problems.append(("approach", "approach_invalid"))
    country = _text(data.hosting_country).upper() or None
    if country is not None and country not in country_codes():
        problems.append(("hosting_country", "country_invalid"))
    values["hosting_country"] = country
    values["hosting_provider"] = values["hosting_provider"] or None
    values["secnumcloud_hosting"] = bool(data.secnumcloud_hosting)
    values["data_in_eu"] = bool(data.data_in_eu)
    values["open_source"] = bool(data.open_source)
    if values["secnumcloud_hosting"] and not values["hosting_provider"]:
        problems.append(("hosting_provider", "secnumcloud_provider_required"))
    if values["data_in_eu"] and country is not None and country not in EU_COUNTRIES:
        problems.append(("data_in_eu", "data_in_eu_contradiction"))
    certifications = []
    for value in data.certifications or []:
        try:
            kind = CertificationKind(_text(value))
        except ValueError:
            problems.append(("certifications", "certification_invalid"))
            break
        if kind.value not in certifications:
            certifications.append(kind.value)
    values["certifications"] = certifications
    values["solution_id"] = _solution_id(data.solution_id, supplier_id, problems)
    return values, problems


def _solution_id(raw, supplier_id: int, problems: list) -> int | None:
    text = _text(raw)
    if not text:
        return None
    solution = db.session.get(Solution, int(text)) if text.isdigit() else None
    if solution is None or solution.organisation_id != supplier_id:
        problems.append(("solution_id", "solution_invalid"))
        return None
    return solution.id


def _requirements(need: Need, values: dict) -> list[tuple[str, str]]:
    """The need's hard sovereignty requirements, checked on submission."""
    problems = []
    if (need.sensitive_data or need.requires_secnumcloud) and not values["secnumcloud_hosting"]:
        problems.append(("secnumcloud_hosting", "secnumcloud_required"))
    if need.eu_data_residency and not values["data_in_eu"]:
        problems.append(("data_in_eu", "eu_residency_required"))
    return problems


# --- submitting, changing, withdrawing -----------------------------------------------------


def _check_may_bid(need: Need, viewer: Viewer, existing: Bid | None, now: datetime) -> None:
    if not policy.can_view_need(viewer, need):
        raise BidError("need", "not_found")
    refusal = policy.bid_refusal(viewer, need, now)
    if refusal is not None:
        raise BidError("need", refusal.value)
    if existing is not None and existing.status not in (BidStatus.WITHDRAWN,) \
            and not policy.can_change_bid(viewer, existing, now):
        raise BidError("need", "bid_decided")


def is_first_submission(existing: Bid | None) -> bool:
    """Submitting now would be the organisation's first submission on the need: no bid yet, or
    a draft. Changing a submitted bid, or submitting a withdrawn one again, is not."""
    return existing is None or existing.status == BidStatus.DRAFT


def _check_plan_allows(need: Need, viewer: Viewer, now: datetime) -> None:
    """The plan's allowance of first submissions on private-route needs (public ones are free)."""
    from app.billing import entitlements

    organisation = db.session.get(Organisation, viewer.organisation_id)
    if organisation is not None and not entitlements.may_submit_first_bid(organisation, need, now):
        raise BidError("need", "plan_limit")


def check_seen_version(existing: Bid | None, seen_version: int | None) -> None:
    """Refuse to write over a bid the person has not seen: created by someone else since they
    saw none (``seen_version`` 0: ``duplicate_bid``), or changed or discarded since they read
    it (``changed_meanwhile``). ``None``: nothing was seen to compare with."""
    if seen_version is None:
        return
    if existing is None:
        if seen_version != 0:
            raise BidError("bid", "changed_meanwhile")
    elif seen_version == 0:
        raise BidError("need", "duplicate_bid")
    elif existing.version != seen_version:
        raise BidError("bid", "changed_meanwhile")


def submit_bid(need: Need, data: BidInput, *, viewer: Viewer, draft: bool = False,
               now: datetime | None = None, seen_version: int | None = None) -> Bid:
    """Create or update the viewer's organisation's one bid on ``need``.

    ``draft=True`` saves work in progress (only the summary and price are needed); a
    submitted bid stays submitted when changed. A withdrawn bid may be submitted again
    while the need is open. Refused with BidError when the supplier may not bid (the
    code says why: app.needs.policy.BidRefusal), when a first submission on a
    private-route need is beyond the plan's monthly allowance (``plan_limit``,
    app.billing.entitlements), or when the input is incomplete or wrong (every problem
    is listed in ``problems``).

    ``seen_version`` is the bid's version as the person last read it, 0 when they saw no bid
    (a web form carries it, the API reads it under its If-Match): a bid created or changed
    by someone else since is refused (``duplicate_bid``, ``changed_meanwhile``) instead of
    being overwritten. A change racing another one on the same row is refused the same way
    by the version check when written.
    """
    now = now or utcnow()
    existing = bid_of(need, viewer.organisation_id)
    check_seen_version(existing, seen_version)
    _check_may_bid(need, viewer, existing, now)
    if draft and existing is not None and existing.status not in (BidStatus.DRAFT, BidStatus.WITHDRAWN):
        raise BidError("need", "already_submitted")
    if not draft and is_first_submission(existing):
        _check_plan_allows(need, viewer, now)
    values, problems = _clean(data, viewer.organisation_id, submitting=not draft)
    if not draft:
        problems += [p for p in _requirements(need, values) if p[0] not in {f for f, _ in problems}]
    if problems:
        raise BidError(*problems[0], problems=problems)

    bid = existing
    before = None if bid is None else bid.status
    if bid is None:
        bid = Bid(need_id=need.id, supplier_id=viewer.organisation_id)
    for name in ("summary", "proposal", "price_cents", "timeline", "solution_id", "approach", "hosting_country",
                 "hosting_provider", "secnumcloud_hosting", "data_in_eu", "open_source", "certifications",
                 *SOVEREIGNTY_ANSWERS):
        value = values[name]
        setattr(bid, name, value if value != "" or name in ("summary", "proposal") else None)
    bid.submitted_by_id = viewer.user_id
    if draft:
        bid.status = BidStatus.DRAFT
        bid.submitted_at = bid.withdrawn_at = None
    else:
        if before != BidStatus.SUBMITTED:
            bid.submitted_at = now
        bid.status = BidStatus.SUBMITTED
        bid.withdrawn_at = None
    if existing is None:
        _save_new(bid)
    else:
        flush()

    ids = {"bid_id": bid.id, "need_id": need.id, "supplier_id": bid.supplier_id, "buyer_id": need.buyer_id}
    if draft:
        audit("bid.draft_saved", viewer, bid, organisation_id=bid.supplier_id, need=need.reference)
    elif before == BidStatus.SUBMITTED:
        record_event("bid.updated", **ids)
        audit("bid.updated", viewer, bid, organisation_id=bid.supplier_id, need=need.reference,
              price_cents=bid.price_cents)
    else:
        record_event("bid.submitted", **ids)
        audit("bid.submitted", viewer, bid, organisation_id=bid.supplier_id, need=need.reference,
              price_cents=bid.price_cents, resubmitted=before == BidStatus.WITHDRAWN)
    return bid


def _save_new(bid: Bid) -> None:
    """Insert a new bid; the database's one-bid-per-need rule is the last line of defence."""
    savepoint = db.session.begin_nested()
    try:
        db.session.add(bid)
        db.session.flush()
    except IntegrityError as exc:
        savepoint.rollback()
        raise BidError("need", "duplicate_bid") from exc
    savepoint.commit()


def withdraw_bid(bid: Bid, *, viewer: Viewer, now: datetime | None = None) -> None:
    """Withdraw a submitted bid before the deadline; a draft is discarded instead."""
    now = now or utcnow()
    if not policy.owns_bid(viewer, bid):
        raise BidError("bid", "not_found")
    if not policy.can_change_bid(viewer, bid, now):
        raise BidError("bid", "deadline_passed" if policy.deadline_passed(bid.need, now) else "bid_decided")
    need = bid.need
    if bid.status == BidStatus.DRAFT:
        audit("bid.draft_discarded", viewer, bid, organisation_id=bid.supplier_id, need=need.reference)
        db.session.delete(bid)
        flush()
        return
    bid.status = BidStatus.WITHDRAWN
    bid.withdrawn_at = now
    flush()
    record_event("bid.withdrawn", bid_id=bid.id, need_id=need.id, supplier_id=bid.supplier_id,
                 buyer_id=need.buyer_id)
    audit("bid.withdrawn", viewer, bid, organisation_id=bid.supplier_id, need=need.reference)


# --- the supplier's list -------------------------------------------------------------------


SUPPLIER_BID_SORTS = {"updated_at": Bid.updated_at, "submitted_at": Bid.submitted_at, "price": Bid.price_cents}


def supplier_bids(organisation_id: int, *, page: int = 1, per_page: int = 20,
                  statuses: tuple[BidStatus, ...] = (), need_reference: str | None = None,
                  sort: str = "-updated_at") -> Page:
    """The organisation's bids, most recently changed first (or by ``sort``: a column of
    SUPPLIER_BID_SORTS, ``-`` first for descending), optionally of some statuses or one need."""
    where = [Bid.supplier_id == organisation_id]
    if statuses:
        where.append(Bid.status.in_(statuses))
    if need_reference:
        where.append(Bid.need_id == select(Need.id).where(Need.reference == need_reference).scalar_subquery())
    total = db.session.scalar(select(func.count()).select_from(Bid).where(*where)) or 0
    page = max(1, page)
    column = SUPPLIER_BID_SORTS[sort.lstrip("-")]
    order = column.desc() if sort.startswith("-") else column.asc()
    stmt = (select(Bid).where(*where).order_by(order.nulls_last(), Bid.id.desc())
            .offset((page - 1) * per_page).limit(per_page))
    return Page(list(db.session.scalars(stmt)), page, per_page, total)
