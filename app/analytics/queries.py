"""A supplier's own figures: its bids, what it won, and the needs in its field month by month.

Read-only queries over the supplier's organisation only; shown on /analytics and by
GET /api/v1/analytics alike. Amounts are integer cents; months are calendar months in
Paris; the needs counted are those the organisation may see (app.needs.policy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select

from app.bids.models import Award, Bid, BidStatus
from app.db import utcnow
from app.extensions import db
from app.needs.models import Need, NeedStatus, need_categories
from app.needs.policy import Viewer, visible_needs_clause
from app.suppliers.models import Solution, SupplierProfile

PARIS = ZoneInfo("Europe/Paris")
MONTHS = 12
STATUS_ORDER = (BidStatus.DRAFT, BidStatus.SUBMITTED, BidStatus.SHORTLISTED, BidStatus.AWARDED,
                BidStatus.REJECTED, BidStatus.WITHDRAWN)


@dataclass
class MonthCount:
    month: date  # the first day of the month (Paris)
    count: int


@dataclass
class SupplierFigures:
    bids_by_status: dict[str, int]
    bids_submitted: int  # ever submitted (drafts aside), withdrawn ones included
    decided: int  # awarded or not retained
    awarded: int
    win_rate_percent: int | None  # awarded out of decided, rounded; None until a bid is decided
    awarded_cents: int
    bids_this_month: int  # first submissions since the month began in Paris
    categories: list[str] = field(default_factory=list)  # the field: profile and solutions' categories
    needs_by_month: list[MonthCount] = field(default_factory=list)  # published in that field, last 12 months

    @property
    def needs_in_field(self) -> int:
        return sum(m.count for m in self.needs_by_month)


def month_starts(now: datetime, months: int = MONTHS) -> list[date]:
    """The first days of the last ``months`` calendar months in Paris, oldest first (this one last)."""
    local = now.astimezone(PARIS).date()
    year, month = local.year, local.month
    firsts = []
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return firsts[::-1]


def _as_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=PARIS).astimezone(ZoneInfo("UTC"))


def field_categories(organisation_id: int) -> list[str]:
    """The category codes of the supplier's profile and solutions."""
    codes = set(db.session.scalar(select(SupplierProfile.categories)
                                  .where(SupplierProfile.organisation_id == organisation_id)) or [])
    codes.update(db.session.scalars(select(Solution.category_code).where(Solution.organisation_id == organisation_id)))
    return sorted(c for c in codes if isinstance(c, str) and c)


def needs_by_month(viewer: Viewer, categories: list[str], now: datetime) -> list[MonthCount]:
    """Needs published in these categories (or their subcategories), visible to the viewer, by month."""
    firsts = month_starts(now)
    counts = dict.fromkeys(firsts, 0)
    if categories:
        in_field = exists(select(need_categories.c.need_id).where(
            need_categories.c.need_id == Need.id,
            or_(*(or_(need_categories.c.category_code == code, need_categories.c.category_code.like(f"{code}.%"))
                  for code in categories))))
        published = db.session.scalars(select(Need.published_at).where(
            visible_needs_clause(viewer), in_field, Need.status != NeedStatus.DRAFT,
            Need.published_at.is_not(None), Need.published_at >= _as_utc(firsts[0]), Need.published_at <= now))
        for moment in published:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=ZoneInfo("UTC"))
            local = moment.astimezone(PARIS).date()
            first = date(local.year, local.month, 1)
            if first in counts:
                counts[first] += 1
    return [MonthCount(month, counts[month]) for month in firsts]


def supplier_figures(viewer: Viewer, *, now: datetime | None = None) -> SupplierFigures:
    """The figures of the viewer's (supplier) organisation."""
    from app.billing.entitlements import month_start

    now = now or utcnow()
    organisation_id = viewer.organisation_id
    by_status = dict.fromkeys((s.value for s in STATUS_ORDER), 0)
    for status, count in db.session.execute(select(Bid.status, func.count()).where(Bid.supplier_id == organisation_id)
                                            .group_by(Bid.status)):
        by_status[BidStatus(status).value] = count
    awarded, rejected = by_status[BidStatus.AWARDED.value], by_status[BidStatus.REJECTED.value]
    decided = awarded + rejected
    awarded_cents = db.session.scalar(select(func.coalesce(func.sum(Award.amount_cents), 0))
                                      .join(Bid, Bid.id == Award.bid_id).where(Bid.supplier_id == organisation_id))
    this_month = db.session.scalar(select(func.count()).select_from(Bid).where(
        Bid.supplier_id == organisation_id, Bid.submitted_at.is_not(None), Bid.submitted_at >= month_start(now)))
    categories = field_categories(organisation_id)
    return SupplierFigures(
        bids_by_status=by_status,
        bids_submitted=sum(by_status.values()) - by_status[BidStatus.DRAFT.value],
        decided=decided,
        awarded=awarded,
        win_rate_percent=None if not decided else (200 * awarded + decided) // (2 * decided),
        awarded_cents=int(awarded_cents or 0),
        bids_this_month=this_month or 0,
        categories=categories,
        needs_by_month=needs_by_month(viewer, categories, now),
    )
