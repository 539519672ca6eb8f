"""Awarding bids: each award records the contracted amount and becomes a verified Purchase.

A need may be awarded to several bids (lots, or a framework agreement with several
holders), at once or one after another. The first award moves the need to *awarded*.
The Purchase feeds the commitment tracker: source *award*, verified at once (the award
on Tremplin is its own evidence), dated today in Paris.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.bids.evaluation import check_may_award
from app.bids.models import Award, Bid, BidStatus
from app.bids.money import AmountError, parse_euros
from app.bids.services import IN_PLAY_STATUSES, BidError, audit, flush
from app.commitments.eligibility import stamp
from app.commitments.models import Purchase, PurchaseSource, PurchaseStatus
from app.db import utcnow
from app.events import record_event
from app.extensions import db
from app.main.filters import PARIS
from app.needs.models import Need, NeedStatus
from app.needs.policy import Viewer

NOTE_MAX = 5000


@dataclass
class AwardResult:
    bid: Bid
    award: Award
    purchase: Purchase


def _amounts(need: Need, amounts: dict) -> list[tuple[Bid, int]]:
    """Check the chosen bids and their amounts; every problem is reported at once."""
    if not amounts:
        raise BidError("bids", "choose_bid")
    by_id = {bid.id: bid for bid in need.bids}
    chosen, problems = [], []
    for key, text in amounts.items():
        bid = by_id.get(int(key)) if str(key).isdigit() else None
        if bid is None:
            problems.append(("bids", "bid_unknown"))
            continue
        if bid.status not in IN_PLAY_STATUSES:
            problems.append((f"amount-{bid.id}", "not_in_play"))
            continue
        try:
            chosen.append((bid, parse_euros(text)))
        except AmountError as exc:
            problems.append((f"amount-{bid.id}", exc.code))
    if problems:
        raise BidError(*problems[0], problems=problems)
    return chosen


def award_bids(need: Need, amounts: dict, *, viewer: Viewer, note: str | None = None,
               now: datetime | None = None, seen_version: int | None = None) -> list[AwardResult]:
    """Award the bids of ``amounts`` ({bid id: contracted amount in euros as typed}).

    Only the buyer's owners and members, once bids are closed (app.needs.policy.can_award).

    Every award writes the need (its version goes up), so two awards decided at once on the
    same need cannot both pass: the second is refused with ``changed_meanwhile`` when written.
    ``seen_version`` is the need's version the decision was made on (the award form carries
    it): a need awarded or changed since is refused the same way, whenever the request comes.
    """
    now = now or utcnow()
    check_may_award(viewer, need, now)
    if seen_version is not None and need.version != seen_version:
        raise BidError("need", "changed_meanwhile")
    chosen = _amounts(need, amounts)
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise BidError("note", "too_long")
    today = now.astimezone(PARIS).date()
    category = need.categories[0].code if need.categories else None
    results = []
    for bid, cents in chosen:
        supplier = bid.supplier
        award = Award(need=need, bid=bid, awarded_by_id=viewer.user_id, amount_cents=cents,
                      awarded_at=now, note=note)
        purchase = Purchase(
            buyer_id=need.buyer_id, source=PurchaseSource.AWARD, status=PurchaseStatus.VERIFIED, award=award,
            supplier_id=supplier.id, supplier_name=supplier.name, supplier_siren=supplier.siren,
            supplier_country=supplier.country, amount_cents=cents, purchased_on=today,
            category_code=category, description=need.title, declared_by_id=viewer.user_id, verified_at=now,
        )
        purchase.supplier = supplier
        stamp(purchase, need=need, secnumcloud=bid.secnumcloud_hosting)
        bid.status = BidStatus.AWARDED
        bid.decided_at = now
        db.session.add_all([award, purchase])
        results.append(AwardResult(bid, award, purchase))
    first_award = need.status != NeedStatus.AWARDED
    need.updated_at = now  # a write of the need even for a later lot: its version checks the race
    if first_award:
        need.status = NeedStatus.AWARDED
        need.awarded_at = now
        need.closed_at = need.closed_at or min(need.deadline_at, now)
    flush()
    for result in results:
        award, bid = result.award, result.bid
        record_event("bid.awarded", bid_id=bid.id, need_id=need.id, award_id=award.id,
                     purchase_id=result.purchase.id, supplier_id=bid.supplier_id, buyer_id=need.buyer_id,
                     amount_cents=award.amount_cents)
        audit("bid.awarded", viewer, bid, organisation_id=need.buyer_id, need=need.reference,
              award_id=award.id, purchase_id=result.purchase.id, amount_cents=award.amount_cents)
    if first_award:
        record_event("need.awarded", need_id=need.id, buyer_id=need.buyer_id,
                     award_ids=[r.award.id for r in results], bid_ids=[r.bid.id for r in results])
        audit("need.awarded", viewer, need, organisation_id=need.buyer_id, need=need.reference,
              award_ids=[r.award.id for r in results])
    return results


def awards_of(need: Need) -> list[Award]:
    return sorted(need.awards, key=lambda a: (a.awarded_at, a.id))
