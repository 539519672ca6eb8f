"""What each home page shows: read-only queries, plain functions that never commit.

Every function takes what it needs as arguments (the organisation, the time "now") so
that pages, tests and future API endpoints get the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, case, func, join, select
from sqlalchemy.orm import selectinload

from app.accounts.models import Organisation, OrganisationKind
from app.bids.models import Bid, BidStatus
from app.commitments.models import Purchase, PurchaseStatus
from app.db import utcnow
from app.extensions import db
from app.needs.models import Invitation, Need, NeedStatus, Visibility
from app.needs.policy import bids_unsealed
from app.suppliers.models import Solution, SupplierProfile

SUPPLIER_KINDS = (OrganisationKind.STARTUP, OrganisationKind.SME)

# Bids a buyer may see: a draft is the supplier's private work, a withdrawn bid is gone.
RECEIVED_BID_STATUSES = (BidStatus.SUBMITTED, BidStatus.SHORTLISTED, BidStatus.REJECTED, BidStatus.AWARDED)

# The order in which a buyer reads its needs: work in progress first, history last.
NEED_STATUS_ORDER = (
    NeedStatus.DRAFT,
    NeedStatus.PUBLISHED,
    NeedStatus.CLOSED,
    NeedStatus.AWARDED,
    NeedStatus.UNSUCCESSFUL,
    NeedStatus.CANCELLED,
)

BID_STATUS_ORDER = (
    BidStatus.DRAFT,
    BidStatus.SUBMITTED,
    BidStatus.SHORTLISTED,
    BidStatus.AWARDED,
    BidStatus.REJECTED,
    BidStatus.WITHDRAWN,
)


def _open_need_clauses(now: datetime, visibility: Visibility):
    return (Need.status == NeedStatus.PUBLISHED, Need.visibility == visibility, Need.deadline_at > now)


def count_open_needs(*, visibility: Visibility = Visibility.PUBLIC, now: datetime | None = None) -> int:
    """Published needs of this visibility whose deadline has not passed."""
    now = now or utcnow()
    stmt = select(func.count()).select_from(Need).where(*_open_need_clauses(now, visibility))
    return db.session.scalar(stmt) or 0


def latest_public_needs(*, limit: int = 6, now: datetime | None = None) -> list[Need]:
    """The most recently published needs open to everyone (never restricted or by invitation)."""
    now = now or utcnow()
    stmt = (
        select(Need)
        .where(*_open_need_clauses(now, Visibility.PUBLIC))
        .options(selectinload(Need.buyer))
        .order_by(Need.published_at.desc(), Need.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def count_verified_suppliers() -> int:
    stmt = (
        select(func.count())
        .select_from(Organisation)
        .where(Organisation.kind.in_(SUPPLIER_KINDS), Organisation.verified_at.is_not(None))
    )
    return db.session.scalar(stmt) or 0


def public_home(*, now: datetime | None = None) -> dict:
    now = now or utcnow()
    return {
        "open_needs_count": count_open_needs(now=now),
        "suppliers_count": count_verified_suppliers(),
        "latest_needs": latest_public_needs(now=now),
    }


# --- Counts by calendar month (the dashboards' charts) ------------------------------------

CHART_MONTHS = 12
STALE_AFTER = timedelta(days=30)  # a verification waiting longer than this is overdue


def month_bounds(now: datetime, months: int = CHART_MONTHS) -> list[tuple[date, datetime, datetime]]:
    """The last ``months`` calendar months in Paris, oldest first: (first day, start, end) in UTC."""
    from app.analytics.queries import PARIS, month_starts

    firsts = month_starts(now, months)
    last = firsts[-1]
    following = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    starts = [datetime(d.year, d.month, d.day, tzinfo=PARIS).astimezone(UTC) for d in [*firsts, following]]
    return [(first, starts[i], starts[i + 1]) for i, first in enumerate(firsts)]


def counts_by_month(column, *where, now: datetime, from_=None) -> list[tuple[date, int]]:
    """How many rows have ``column`` in each of the last 12 months (Paris): one query, one count per month."""
    bounds = month_bounds(now)
    counts = [func.count(case((and_(column >= start, column < end), 1))) for _first, start, end in bounds]
    stmt = select(*counts).where(column >= bounds[0][1], column < bounds[-1][2], *where)
    if from_ is not None:
        stmt = stmt.select_from(from_)
    row = db.session.execute(stmt).one()
    return [(first, int(count or 0)) for (first, _start, _end), count in zip(bounds, row, strict=True)]


# --- Suppliers ---------------------------------------------------------------------------


@dataclass
class Completeness:
    """The steps of a supplier profile, each done or not, and the share done in percent."""

    steps: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for _key, ok in self.steps if ok)

    @property
    def percent(self) -> int:
        return (100 * self.done) // len(self.steps) if self.steps else 100

    @property
    def missing(self) -> list[str]:
        return [key for key, ok in self.steps if not ok]


def profile_completeness(organisation: Organisation) -> Completeness:
    """How much of what buyers look at the supplier has filled in (keys: see app.main.labels)."""
    profile = db.session.scalar(
        select(SupplierProfile).where(SupplierProfile.organisation_id == organisation.id)
    )
    solutions = db.session.scalar(
        select(func.count()).select_from(Solution).where(Solution.organisation_id == organisation.id)
    )
    has = bool
    return Completeness(
        steps=[
            ("identity", has(organisation.website) and organisation.size is not None),
            ("description", has(profile and (profile.headline or profile.description)) or has(organisation.description)),
            ("categories", has(profile and profile.categories)),
            ("regions", has(profile and profile.regions_served)),
            ("solutions", has(solutions)),
            ("references", has(profile and profile.references)),
        ]
    )


def supplier_bids(organisation: Organisation, *, limit: int = 20) -> list[Bid]:
    stmt = (
        select(Bid)
        .where(Bid.supplier_id == organisation.id)
        .options(selectinload(Bid.need))
        .order_by(Bid.updated_at.desc(), Bid.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def bid_counts(organisation: Organisation) -> dict[BidStatus, int]:
    stmt = select(Bid.status, func.count()).where(Bid.supplier_id == organisation.id).group_by(Bid.status)
    counts = dict(db.session.execute(stmt).all())
    return {status: counts[status] for status in BID_STATUS_ORDER if counts.get(status)}


def count_open_invitations(organisation: Organisation, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    stmt = (
        select(func.count())
        .select_from(Invitation)
        .join(Need, Need.id == Invitation.need_id)
        .where(Invitation.supplier_id == organisation.id, Need.status == NeedStatus.PUBLISHED, Need.deadline_at > now)
    )
    return db.session.scalar(stmt) or 0


def supplier_home(organisation: Organisation, *, now: datetime | None = None, viewer=None) -> dict:
    """The supplier's dashboard; ``viewer`` (app.needs.policy.Viewer) defaults to the organisation's rights."""
    from app.matching.matching_pages import needs_for_you

    now = now or utcnow()
    matched, matching_unavailable = needs_for_you(organisation, viewer)
    return {
        # Open needs it may see and bid on, scored with reasons (app.matching.scoring).
        "needs_for_you": matched,
        "needs_for_you_unavailable": matching_unavailable,
        "organisation": organisation,
        "completeness": profile_completeness(organisation),
        "bids": supplier_bids(organisation),
        "bid_counts": bid_counts(organisation),
        "open_needs_count": count_open_needs(now=now),
        # Restricted needs are for verified suppliers only: others are not even told how many.
        "restricted_needs_count": (
            count_open_needs(visibility=Visibility.RESTRICTED, now=now) if organisation.is_verified else None
        ),
        "invitations_count": count_open_invitations(organisation, now=now),
    }


# --- Buyers and ambassadors --------------------------------------------------------------


# A dashboard previews the most recent needs; the full, paged list is « Our needs » (needs.mine).
NEEDS_PREVIEW = 20
NEEDS_PREVIEW_PER_STATUS = 5


def organisation_needs(organisation: Organisation, *, limit: int = NEEDS_PREVIEW) -> list[Need]:
    stmt = (
        select(Need)
        .where(Need.buyer_id == organisation.id)
        .order_by(Need.updated_at.desc(), Need.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def organisation_needs_by_status(organisation: Organisation, *,
                                 per_status: int = NEEDS_PREVIEW_PER_STATUS) -> list[Need]:
    """The ``per_status`` most recently changed needs of each status, in one query."""
    ranked = (
        select(Need.id, func.row_number().over(partition_by=Need.status,
                                               order_by=(Need.updated_at.desc(), Need.id.desc())).label("rank"))
        .where(Need.buyer_id == organisation.id)
        .subquery()
    )
    stmt = (
        select(Need)
        .join(ranked, ranked.c.id == Need.id)
        .where(ranked.c.rank <= per_status)
        .order_by(Need.updated_at.desc(), Need.id.desc())
    )
    return list(db.session.scalars(stmt))


def received_bids_count(organisation: Organisation) -> int:
    """Bids the buyer can see, on all of its needs."""
    stmt = (
        select(func.count())
        .select_from(join(Bid, Need, Need.id == Bid.need_id))
        .where(Need.buyer_id == organisation.id, Bid.status.in_(RECEIVED_BID_STATUSES))
    )
    return db.session.scalar(stmt) or 0


def need_counts(organisation: Organisation) -> dict[NeedStatus, int]:
    stmt = select(Need.status, func.count()).where(Need.buyer_id == organisation.id).group_by(Need.status)
    counts = dict(db.session.execute(stmt).all())
    return {status: counts[status] for status in NEED_STATUS_ORDER if counts.get(status)}


def received_bid_counts(need_ids: list[int]) -> dict[int, int]:
    """Bids the buyer can see, per need."""
    if not need_ids:
        return {}
    stmt = (
        select(Bid.need_id, func.count())
        .where(Bid.need_id.in_(need_ids), Bid.status.in_(RECEIVED_BID_STATUSES))
        .group_by(Bid.need_id)
    )
    return dict(db.session.execute(stmt).all())


def latest_received_bids(organisation: Organisation, *, limit: int = 10) -> list[Bid]:
    stmt = (
        select(Bid)
        .join(Need, Need.id == Bid.need_id)
        .where(Need.buyer_id == organisation.id, Bid.status.in_(RECEIVED_BID_STATUSES))
        .options(selectinload(Bid.need), selectinload(Bid.supplier))
        .order_by(Bid.submitted_at.desc(), Bid.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def group_by_status(needs: list[Need]) -> list[tuple[NeedStatus, list[Need]]]:
    groups: dict[NeedStatus, list[Need]] = {}
    for need in needs:
        groups.setdefault(need.status, []).append(need)
    return [(status, groups[status]) for status in NEED_STATUS_ORDER if status in groups]


def received_bids_by_month(organisation: Organisation, *, now: datetime | None = None) -> list[tuple[date, int]]:
    """Bids the buyer received (first submitted, drafts and withdrawn ones aside) in each of the last 12 months."""
    return counts_by_month(Bid.submitted_at, Need.buyer_id == organisation.id, Bid.status.in_(RECEIVED_BID_STATUSES),
                           now=now or utcnow(), from_=join(Bid, Need, Need.id == Bid.need_id))


def buyer_home(organisation: Organisation, *, now: datetime | None = None) -> dict:
    now = now or utcnow()
    needs = organisation_needs_by_status(organisation)
    counts = need_counts(organisation)
    bid_counts_by_need = received_bid_counts([n.id for n in needs])
    latest_bids = latest_received_bids(organisation)
    return {
        "received_bids_by_month": received_bids_by_month(organisation, now=now),
        "organisation": organisation,
        "need_counts": counts,
        "needs_total": sum(counts.values()),
        "published_count": counts.get(NeedStatus.PUBLISHED, 0),
        "needs_by_status": group_by_status(needs),
        "bid_counts_by_need": bid_counts_by_need,
        "received_bids_total": received_bids_count(organisation),
        "latest_bids": latest_bids,
        # Sealed bids are counted and dated, their suppliers named only once the deadline has passed.
        "sealed_bid_ids": {bid.id for bid in latest_bids if not bids_unsealed(bid.need, now)},
    }


def ambassador_home(organisation: Organisation) -> dict:
    needs = organisation_needs(organisation)
    counts = need_counts(organisation)
    return {
        "organisation": organisation,
        "need_counts": counts,
        "needs_total": sum(counts.values()),
        "needs": needs,
        "bid_counts_by_need": received_bid_counts([n.id for n in needs]),
    }


# --- Operator ----------------------------------------------------------------------------


def organisations_awaiting_verification(*, limit: int = 10) -> list[Organisation]:
    """Oldest first: those who have waited longest come first."""
    stmt = (
        select(Organisation)
        .where(Organisation.verified_at.is_(None), Organisation.kind != OrganisationKind.OPERATOR)
        .order_by(Organisation.created_at, Organisation.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def count_organisations_awaiting_verification() -> int:
    stmt = (
        select(func.count())
        .select_from(Organisation)
        .where(Organisation.verified_at.is_(None), Organisation.kind != OrganisationKind.OPERATOR)
    )
    return db.session.scalar(stmt) or 0


def declared_purchases_awaiting() -> tuple[int, int]:
    """How many declared purchases wait for verification, and their total in cents."""
    stmt = select(func.count(), func.coalesce(func.sum(Purchase.amount_cents), 0)).where(
        Purchase.status == PurchaseStatus.DECLARED
    )
    count, total = db.session.execute(stmt).one()
    return int(count), int(total)


@dataclass
class Backlog:
    """What waits for the operator's verification: how many, and how many for over 30 days."""

    organisations: int
    organisations_overdue: int
    purchases: int
    purchases_overdue: int


def verification_backlog(*, now: datetime | None = None) -> Backlog:
    overdue_before = (now or utcnow()) - STALE_AFTER
    organisations = db.session.execute(
        select(func.count(), func.count(case((Organisation.created_at < overdue_before, 1))))
        .where(Organisation.verified_at.is_(None), Organisation.kind != OrganisationKind.OPERATOR)
    ).one()
    purchases = db.session.execute(
        select(func.count(), func.count(case((Purchase.created_at < overdue_before, 1))))
        .where(Purchase.status == PurchaseStatus.DECLARED)
    ).one()
    return Backlog(int(organisations[0]), int(organisations[1]), int(purchases[0]), int(purchases[1]))


def activity_by_month(*, now: datetime | None = None) -> list[tuple[date, int, int, int]]:
    """Over the last 12 months (Paris): needs published, bids submitted and purchases verified, each month."""
    now = now or utcnow()
    needs = counts_by_month(Need.published_at, now=now)
    bids = counts_by_month(Bid.submitted_at, now=now)
    purchases = counts_by_month(Purchase.verified_at, Purchase.status == PurchaseStatus.VERIFIED, now=now)
    return [(month, n, b, p) for (month, n), (_m1, b), (_m2, p) in zip(needs, bids, purchases, strict=True)]


def operator_home(*, now: datetime | None = None) -> dict:
    purchases_count, purchases_total = declared_purchases_awaiting()
    return {
        "activity_by_month": activity_by_month(now=now),
        "backlog": verification_backlog(now=now),
        "pending_organisations": organisations_awaiting_verification(),
        "pending_organisations_count": count_organisations_awaiting_verification(),
        "pending_purchases_count": purchases_count,
        "pending_purchases_total_cents": purchases_total,
    }
