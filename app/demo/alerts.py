"""Demo notifications: what the demo accounts would have heard lately, so the
notification centre and the unread counter tell a story from the first sign-in.

Written directly (no outbox, no email): demo data is not news. Each row carries the
same unique key the handlers would give it, so a real event about the same thing later
does not notify twice.
"""

from __future__ import annotations

from datetime import timedelta

from app.alerts.models import EmailMode, Notification
from app.alerts.services import dedup_key
from app.bids.models import Bid, BidStatus
from app.demo.context import DemoContext
from app.needs.models import Need, NeedStatus

BID_KINDS = {BidStatus.SHORTLISTED: "bid_shortlisted", BidStatus.REJECTED: "bid_rejected",
             BidStatus.AWARDED: "bid_awarded"}


def _params(need: Need, **extra) -> dict:
    return {"need_title": need.title, "need_reference": need.reference, **extra}


def make_notifications(ctx: DemoContext, needs: list[Need]) -> list[Notification]:
    rows: list[Notification] = []

    def add(user, kind, need, reason, params, when, read):
        rows.append(Notification(
            user_id=user.id, kind=kind, need_id=need.id, dedup_key=dedup_key(kind, user.id, need.id, reason),
            params=params, created_at=when, read_at=when + timedelta(hours=2) if read else None,
            email_mode=EmailMode.OFF,
        ))

    for key in ("startup", "sme"):
        org = ctx.special_orgs[key]
        user = ctx.owner(org)
        codes = set(ctx.codes_of[id(org)])
        matching = [n for n in needs if n.status == NeedStatus.PUBLISHED and n.visibility.value == "public"
                    and codes & {c.code for c in n.categories}]
        for i, need in enumerate(sorted(matching, key=lambda n: n.published_at, reverse=True)[:4]):
            when = max(need.published_at, ctx.now - timedelta(days=6)) + timedelta(minutes=20)
            add(user, "need_matched_search", need, "search", _params(need, searches=["Mes catégories"]), when,
                read=i >= 2)
        for bid in [b for n in needs for b in n.bids if b.supplier_id == org.id]:
            kind = BID_KINDS.get(bid.status)
            if kind is None:
                continue
            need = next(n for n in needs if n.id == bid.need_id)
            when = bid.decided_at or need.closed_at or ctx.now - timedelta(days=2)
            params = _params(need, bid_id=bid.id, **({"feedback": bid.feedback} if bid.feedback else {}))
            add(user, kind, need, f"bid{bid.id}", params, when, read=when < ctx.now - timedelta(days=10))

    ministry = ctx.special_orgs.get("ministry")
    if ministry is not None:
        buyer_user = ctx.owner(ministry)
        recent: list[tuple[Need, Bid]] = [(n, b) for n in needs if n.buyer_id == ministry.id for b in n.bids
                                          if b.submitted_at is not None]
        recent.sort(key=lambda pair: pair[1].submitted_at, reverse=True)
        for i, (need, bid) in enumerate(recent[:5]):
            add(buyer_user, "bid_received", need, f"bid{bid.id}:demo", _params(need, bid_id=bid.id),
                bid.submitted_at, read=i >= 2)
    return rows
