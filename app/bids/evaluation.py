"""The buyer's side before the award: score, rank, shortlist and reject bids.

Each evaluator scores each of the doctrine's nine criteria 0..5. An evaluation's weighted
total is Σ score × weight, out of 500 (weights are whole percentages summing to 100); it
reads as a score out of 100 by dividing by 5. A bid's standing is the mean of its
evaluators' totals. Integers and exact fractions only: no float ever decides a rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.bids.models import Bid, BidStatus, Evaluation
from app.bids.services import IN_PLAY_STATUSES, RECEIVED_STATUSES, BidError, audit, flush
from app.db import utcnow
from app.events import record_event
from app.extensions import db
from app.needs import policy
from app.needs.doctrine import CRITERIA, MAX_SCORE
from app.needs.models import Need, NeedStatus
from app.needs.policy import Viewer

MAX_TOTAL = MAX_SCORE * 100  # a weighted total is out of 500
FEEDBACK_MAX = 5000


def tenths_out_of_100(total_sum: int, count: int) -> int:
    """The mean of ``count`` totals out of 500, as tenths of a point out of 100, rounded half up.

    Out of 100 the mean is sum / (5 × count); in tenths, 2 × sum / count.
    """
    if count <= 0:
        raise ValueError("no evaluation")
    return (4 * total_sum + count) // (2 * count)


def format_tenths(tenths: int, decimal: str = ",") -> str:
    return f"{tenths // 10}{decimal}{tenths % 10}"


@dataclass
class Standing:
    """A bid's place in the weighted ranking of its need."""

    bid: Bid
    totals: list[int]  # one weighted total (out of 500) per evaluator
    rank: int | None = None

    @property
    def mean(self) -> Fraction | None:
        return Fraction(sum(self.totals), len(self.totals)) if self.totals else None

    @property
    def tenths(self) -> int | None:
        """The mean as tenths of a point out of 100 (e.g. 734 reads 73.4 / 100)."""
        return tenths_out_of_100(sum(self.totals), len(self.totals)) if self.totals else None


def received_bids(need: Need) -> list[Bid]:
    stmt = (
        select(Bid)
        .where(Bid.need_id == need.id, Bid.status.in_(RECEIVED_STATUSES))
        .options(selectinload(Bid.evaluations), selectinload(Bid.supplier))
        .order_by(Bid.submitted_at, Bid.id)
    )
    return list(db.session.scalars(stmt))


def ranking(need: Need, bids: list[Bid] | None = None) -> list[Standing]:
    """Bids best first by the mean of their evaluators' weighted totals; unscored ones last.

    Equal means share a rank (1, 1, 3); among them the lower price comes first.
    """
    weights = need.weights
    standings = [Standing(bid, [ev.weighted_total(weights) for ev in bid.evaluations])
                 for bid in (received_bids(need) if bids is None else bids)]
    standings.sort(key=lambda s: (s.mean is None, -(s.mean or 0), s.bid.price_cents, s.bid.id))
    previous, rank = None, 0
    for position, standing in enumerate(standings, start=1):
        if standing.mean is None:
            continue
        if standing.mean != previous:
            rank, previous = position, standing.mean
        standing.rank = rank
    return standings


# --- scoring -------------------------------------------------------------------------------


def _scores(raw: dict) -> tuple[dict[str, int], list[tuple[str, str]]]:
    scores, problems = {}, []
    for criterion in CRITERIA:
        value = raw.get(criterion)
        text = value.strip() if isinstance(value, str) else value
        if text is None or text == "":
            problems.append((criterion, "score_required"))
            continue
        try:
            number = text if isinstance(text, int) and not isinstance(text, bool) else int(str(text), 10)
        except ValueError:
            problems.append((criterion, "score_invalid"))
            continue
        if not 0 <= number <= MAX_SCORE:
            problems.append((criterion, "score_out_of_range"))
            continue
        scores[criterion] = number
    return scores, problems


def check_may_evaluate(viewer: Viewer, need: Need, now: datetime | None = None) -> None:
    if policy.can_evaluate(viewer, need, now):
        return
    if policy.is_buyer_agent(viewer, need) and policy.effective_status(need, now) == NeedStatus.PUBLISHED:
        raise BidError("need", "before_deadline")
    raise BidError("need", "cannot_evaluate")


def check_may_award(viewer: Viewer, need: Need, now: datetime | None = None) -> None:
    """Awarding (and turning bids down): the buyer's agents, from the deadline on."""
    if policy.can_award(viewer, need, now):
        return
    if policy.is_buyer_agent(viewer, need) and policy.effective_status(need, now) == NeedStatus.PUBLISHED:
        raise BidError("need", "before_deadline")
    raise BidError("need", "cannot_award")


def evaluate_bid(bid: Bid, scores: dict, *, viewer: Viewer, comment: str | None = None,
                 now: datetime | None = None, seen_version: int | None = None) -> Evaluation:
    """Record (or update) the viewer's scores of a bid, 0..5 on each of the nine criteria.

    One evaluation per evaluator and bid, written whole: the nine scores and the comment of
    one submission, never mixed with another's. ``seen_version`` is the version of the
    viewer's evaluation the form was filled in on (0: none yet); when it is no longer the
    stored one (the same evaluator saved in another tab meanwhile) the scores are refused
    with ``changed_meanwhile``. Without it the last submission wins, and two submissions
    racing on the same row still end with one refused by the version check.
    """
    need = bid.need
    check_may_evaluate(viewer, need, now)
    if bid.status not in IN_PLAY_STATUSES:
        raise BidError("bid", "not_in_play")
    clean, problems = _scores(scores)
    comment = (comment or "").strip() or None
    if comment and len(comment) > FEEDBACK_MAX:
        problems.append(("comment", "too_long"))
    if problems:
        raise BidError(*problems[0], problems=problems)
    evaluation = db.session.scalar(
        select(Evaluation).where(Evaluation.bid_id == bid.id, Evaluation.evaluator_id == viewer.user_id)
    )
    if seen_version is not None and (0 if evaluation is None else evaluation.version) != seen_version:
        raise BidError("bid", "changed_meanwhile")
    created = evaluation is None
    if created:
        evaluation = Evaluation(bid_id=bid.id, evaluator_id=viewer.user_id)
    for criterion, score in clean.items():
        setattr(evaluation, f"score_{criterion}", score)
    evaluation.comment = comment
    if created:
        savepoint = db.session.begin_nested()
        try:
            db.session.add(evaluation)
            db.session.flush()
        except IntegrityError as exc:  # the same evaluator, in two tabs at once
            savepoint.rollback()
            raise BidError("bid", "changed_meanwhile") from exc
        savepoint.commit()
    else:
        flush()
    total = evaluation.weighted_total(need.weights)
    record_event("bid.evaluated", bid_id=bid.id, need_id=need.id, evaluation_id=evaluation.id,
                 evaluator_id=viewer.user_id, buyer_id=need.buyer_id)
    audit("bid.evaluated", viewer, bid, organisation_id=need.buyer_id, need=need.reference,
          scores=clean, weighted_total=total, updated=not created)
    return evaluation


def evaluation_by(bid: Bid, user_id: int | None) -> Evaluation | None:
    return next((ev for ev in bid.evaluations if ev.evaluator_id == user_id), None)


# --- shortlisting and rejecting ------------------------------------------------------------


def shortlist_bid(bid: Bid, *, viewer: Viewer, now: datetime | None = None) -> None:
    need = bid.need
    check_may_evaluate(viewer, need, now)
    if bid.status != BidStatus.SUBMITTED:
        raise BidError("bid", "already_shortlisted" if bid.status == BidStatus.SHORTLISTED else "not_in_play")
    bid.status = BidStatus.SHORTLISTED
    flush()
    record_event("bid.shortlisted", bid_id=bid.id, need_id=need.id, supplier_id=bid.supplier_id,
                 buyer_id=need.buyer_id)
    audit("bid.shortlisted", viewer, bid, organisation_id=need.buyer_id, need=need.reference)


def _feedback(text: str | None) -> str:
    feedback = (text or "").strip()
    if not feedback:
        raise BidError("feedback", "feedback_required")
    if len(feedback) > FEEDBACK_MAX:
        raise BidError("feedback", "too_long")
    return feedback


def _reject(bid: Bid, feedback: str, viewer: Viewer, now: datetime) -> None:
    need = bid.need
    bid.status = BidStatus.REJECTED
    bid.feedback = feedback
    bid.decided_at = now
    flush()
    record_event("bid.rejected", bid_id=bid.id, need_id=need.id, supplier_id=bid.supplier_id,
                 buyer_id=need.buyer_id)
    audit("bid.rejected", viewer, bid, organisation_id=need.buyer_id, need=need.reference, feedback=feedback)


def reject_bid(bid: Bid, feedback: str | None, *, viewer: Viewer, now: datetime | None = None) -> None:
    """Turn a bid down with feedback the supplier will read (required)."""
    now = now or utcnow()
    check_may_award(viewer, bid.need, now)
    if bid.status not in IN_PLAY_STATUSES:
        raise BidError("bid", "not_in_play")
    _reject(bid, _feedback(feedback), viewer, now)


def reject_remaining(need: Need, feedback: str | None, *, viewer: Viewer, now: datetime | None = None) -> list[Bid]:
    """After an award: turn down every bid still in play, with the same feedback."""
    now = now or utcnow()
    check_may_award(viewer, need, now)
    if not any(b.status == BidStatus.AWARDED for b in need.bids):
        raise BidError("need", "not_awarded_yet")
    text = _feedback(feedback)
    remaining = [b for b in need.bids if b.status in IN_PLAY_STATUSES]
    if not remaining:
        raise BidError("need", "nothing_to_reject")
    for bid in remaining:
        _reject(bid, text, viewer, now)
    return remaining
