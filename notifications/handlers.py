"""Notifications that follow a tender's life, from the outbox events the domain records.

Each handler runs after the commit that recorded its event, inside the delivery
transaction (``app.events.deliver`` commits it; handlers never do). It reads the rows
the payload names, works out who should hear, keeps only those who may still see the
need (``notifications.recipients``), leaves out the person who acted, and calls
``notify_users``. The reason given to ``notify`` (the amendment, the answer, the
bid...) makes a second run of the same event create nothing.

``remind_deadlines`` is run by the periodic scheduler: it does not commit either.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select

from app.accounts.models import Role
from app.bids.models import Bid
from app.commitments.models import Purchase, PurchaseStatus
from app.db import utcnow
from app.events import OutboxEvent
from app.extensions import db
from app.needs.models import Amendment, Answer, Invitation, Need, NeedStatus
from app.needs.policy import Viewer, shows_buyer_identity
from notifications.delivery import notify_users
from notifications.recipients import (
    ACTING_ROLES,
    LIVE_BIDS,
    bidder_ids,
    follower_ids,
    followers_and_bidders,
    muted_follower_ids,
    organisations_of,
    people_of,
    users_as_viewers,
    who_may_see,
)

REMINDER_WINDOW = timedelta(days=3)
REMINDER_REASON = "3d"


def need_params(need: Need, **extra) -> dict:
    """What every notification about a need carries (its text is written when read)."""
    return {"need_title": need.title, "need_reference": need.reference, **extra}


def buyer_label(need: Need) -> str | None:
    """The buyer as suppliers may know it: its name, or the label of an anonymised need."""
    if shows_buyer_identity(Viewer.anonymous(), need):
        return need.buyer.name
    return need.anonymous_label


def _need(event: OutboxEvent) -> Need | None:
    need_id = event.payload.get("need_id")
    return db.session.get(Need, int(need_id)) if need_id is not None else None


def _bid(event: OutboxEvent) -> Bid | None:
    bid_id = event.payload.get("bid_id")
    return db.session.get(Bid, int(bid_id)) if bid_id is not None else None


# --- the buyer's side ------------------------------------------------------------------------


def on_bid_submitted(event: OutboxEvent) -> list[int]:
    """A bid arrived: the buyer's owners and members hear (never its content, sealed or not)."""
    bid = _bid(event)
    if bid is None or bid.status not in LIVE_BIDS:  # withdrawn meanwhile: nothing to announce
        return []
    need = bid.need
    recipients = who_may_see(need, people_of([need.buyer_id], roles=ACTING_ROLES), exclude={bid.submitted_by_id})
    # A withdrawn bid sent again is news again: one notification per submission event.
    return notify_users(recipients, "bid_received", need_id=need.id, reason=f"bid{bid.id}:event{event.id}",
                        params=need_params(need, bid_id=bid.id))


def on_purchase_verified(event: OutboxEvent) -> list[int]:
    """The operator verified a declared purchase: the buyer's people see it count."""
    purchase = db.session.get(Purchase, int(event.payload["purchase_id"]))
    if purchase is None or purchase.status != PurchaseStatus.VERIFIED:
        return []
    supplier = purchase.supplier.name if purchase.supplier is not None else purchase.supplier_name
    params = {"supplier": supplier, "purchase_id": purchase.id}
    pairs = list(people_of([purchase.buyer_id]))
    need = purchase.award.need if purchase.award is not None else None
    if need is not None:
        recipients = who_may_see(need, pairs, exclude={purchase.verified_by_id})
        params = need_params(need, **params)
    else:
        recipients = [user_id for user_id, _ in pairs if user_id != purchase.verified_by_id]
    return notify_users(recipients, "purchase_verified", need_id=need.id if need else None,
                        reason=f"purchase{purchase.id}", params=params)


def on_purchase_rejected(event: OutboxEvent) -> list[int]:
    """The operator rejected a declared purchase: its declarers read why, and may declare again."""
    purchase = db.session.get(Purchase, int(event.payload["purchase_id"]))
    if purchase is None or purchase.status != PurchaseStatus.REJECTED:
        return []
    supplier = purchase.supplier.name if purchase.supplier is not None else purchase.supplier_name
    recipients = [user_id for user_id, _ in people_of([purchase.buyer_id]) if user_id != purchase.verified_by_id]
    return notify_users(recipients, "purchase_rejected", reason=f"purchase{purchase.id}",
                        params={"supplier": supplier, "purchase_id": purchase.id,
                                "reason": purchase.rejection_reason})


# --- followers and bidders -------------------------------------------------------------------


def on_need_answered(event: OutboxEvent) -> list[int]:
    """An answer is published: followers hear, and so does the person who asked."""
    answer = db.session.get(Answer, int(event.payload["answer_id"]))
    need = _need(event)
    if answer is None or need is None:
        return []
    asker = answer.question.asked_by_user_id
    users = [*follower_ids(need), *([asker] if asker is not None else [])]
    silent = {answer.answered_by_id, *muted_follower_ids(need)}  # a muted follow silences the asker too
    recipients = who_may_see(need, users_as_viewers(users), exclude=silent)
    return notify_users(recipients, "need_answered", need_id=need.id, reason=f"answer{answer.id}",
                        params=need_params(need))


def on_need_amended(event: OutboxEvent) -> list[int]:
    """An amendment: followers and suppliers working on a bid must read the new terms."""
    amendment = db.session.get(Amendment, int(event.payload["amendment_id"]))
    need = _need(event)
    if amendment is None or need is None:
        return []
    recipients = followers_and_bidders(need, exclude={amendment.author_id})
    return notify_users(recipients, "need_amended", need_id=need.id, reason=f"amendment{amendment.id}",
                        params=need_params(need, amendment_summary=amendment.summary))


def on_need_closed(event: OutboxEvent) -> list[int]:
    need = _need(event)
    if need is None or need.status == NeedStatus.DRAFT:
        return []
    recipients = followers_and_bidders(need)
    return notify_users(recipients, "need_closed", need_id=need.id, reason="closed", params=need_params(need))


def on_need_cancelled(event: OutboxEvent) -> list[int]:
    """A cancelled need: followers and suppliers working on a bid stop their work."""
    need = _need(event)
    if need is None or need.status != NeedStatus.CANCELLED:
        return []
    recipients = followers_and_bidders(need)
    return notify_users(recipients, "need_cancelled", need_id=need.id, reason="cancelled", params=need_params(need))


# --- the bidding supplier --------------------------------------------------------------------


def _to_bidder(event: OutboxEvent, kind: str, **extra) -> list[int]:
    bid = _bid(event)
    if bid is None:
        return []
    need = bid.need
    recipients = who_may_see(need, people_of([bid.supplier_id]))
    params = need_params(need, bid_id=bid.id, **{k: v(bid) for k, v in extra.items()})
    return notify_users(recipients, kind, need_id=need.id, reason=f"bid{bid.id}", params=params)


def on_bid_shortlisted(event: OutboxEvent) -> list[int]:
    return _to_bidder(event, "bid_shortlisted")


def on_bid_rejected(event: OutboxEvent) -> list[int]:
    return _to_bidder(event, "bid_rejected", feedback=lambda bid: bid.feedback)


def on_bid_awarded(event: OutboxEvent) -> list[int]:
    return _to_bidder(event, "bid_awarded")


def on_need_invitation(event: OutboxEvent) -> list[int]:
    """An invitation to bid: the invited supplier's people, once the need is published."""
    invitation = db.session.get(Invitation, int(event.payload["invitation_id"]))
    if invitation is None:
        return []
    need = invitation.need
    if need.status == NeedStatus.DRAFT:  # announced at publication
        return []
    recipients = who_may_see(need, people_of([invitation.supplier_id]), exclude={invitation.invited_by_id})
    return notify_users(recipients, "need_invitation", need_id=need.id, reason=f"invitation{invitation.id}",
                        params=need_params(need, buyer=buyer_label(need)))


# --- billing ---------------------------------------------------------------------------------


def _owners(organisation_id) -> list[int]:
    return [user_id for user_id, _ in people_of([int(organisation_id)], roles=(Role.OWNER,))]


def on_billing_payment_failed(event: OutboxEvent) -> list[int]:
    """A subscription payment failed: the organisation's owners hear, once per invoice."""
    invoice = event.payload.get("invoice_id") or f"event{event.id}"
    return notify_users(_owners(event.payload["organisation_id"]), "billing.payment_failed",
                        reason=f"invoice:{invoice}", params={"grace_until": event.payload.get("grace_until")})


def on_billing_downgraded(event: OutboxEvent) -> list[int]:
    """The grace after a failed payment ran out: the owners hear the organisation is on the free plan."""
    return notify_users(_owners(event.payload["organisation_id"]), "billing.downgraded",
                        reason=f"downgraded:{event.payload.get('downgraded_at')}",
                        params={"plan": event.payload.get("plan")})


# --- periodic --------------------------------------------------------------------------------


def remind_deadlines(*, now: datetime | None = None) -> int:
    """Remind followers who have not bid that a need closes within 3 days; once per need.

    Returns how many notifications were created. The caller (the scheduler's job) commits.
    """
    now = now or utcnow()
    needs = db.session.scalars(
        select(Need)
        .where(Need.status == NeedStatus.PUBLISHED, Need.deadline_at > now,
               Need.deadline_at <= now + REMINDER_WINDOW)
        .order_by(Need.deadline_at, Need.id)
    )
    created = 0
    for need in needs:
        followers = follower_ids(need)
        if not followers:
            continue
        bidders = set(bidder_ids(need, LIVE_BIDS))
        organisations = organisations_of(followers)
        waiting = [user_id for user_id in followers if not organisations[user_id] & bidders]
        recipients = who_may_see(need, users_as_viewers(waiting))
        days = max(1, math.ceil((need.deadline_at - now) / timedelta(days=1)))
        created += len(notify_users(recipients, "need_deadline_soon", need_id=need.id, reason=REMINDER_REASON,
                                    params=need_params(need, days=days), now=now))
    return created


HANDLERS = {
    "bid.submitted": on_bid_submitted,
    "need.answered": on_need_answered,
    "need.amended": on_need_amended,
    "need.closed": on_need_closed,
    "need.cancelled": on_need_cancelled,
    "bid.shortlisted": on_bid_shortlisted,
    "bid.rejected": on_bid_rejected,
    "bid.awarded": on_bid_awarded,
    "need.invitation": on_need_invitation,
    "purchase.verified": on_purchase_verified,
    "purchase.rejected": on_purchase_rejected,
    "billing.payment_failed": on_billing_payment_failed,
    "billing.downgraded": on_billing_downgraded,
}


def init_app(app: Flask) -> None:
    subscribers = app.extensions["tremplin.subscribers"]
    for kind, handler in HANDLERS.items():
        subscribers.subscribe(kind, handler)

