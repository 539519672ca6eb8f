"""Who may see and do what on needs and bids: the one place that decides.

Pages, the API, search filters, exports and notifications all ask this module. A need
that the viewer may not know about is *invisible*: callers answer 404, never 403, so
that its existence does not leak. Time rules use the server's clock: a published need
whose deadline has passed is closed, whatever the stored status says.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from app.accounts.identifiers import EU_COUNTRIES
from app.accounts.models import Membership, Organisation, OrganisationKind, Role, SizeCategory, User
from app.bids.models import Bid, BidStatus
from app.db import utcnow
from app.needs.models import Invitation, Need, NeedStatus, Visibility

SME_SIZES = (SizeCategory.MICRO, SizeCategory.SMALL, SizeCategory.MEDIUM)
SME_MAX_EMPLOYEES = 250  # EU SME definition


@dataclass(frozen=True)
class Viewer:
    """The person asking, reduced to what access rules depend on."""

    user_id: int | None = None
    organisation_id: int | None = None
    kind: OrganisationKind | None = None
    role: Role | None = None
    verified: bool = False
    is_operator: bool = False
    country: str | None = None
    size: SizeCategory | None = None
    employees: int | None = None

    @classmethod
    def anonymous(cls) -> Viewer:
        return cls()

    @classmethod
    def of(cls, user: User | None, membership: Membership | None = None) -> Viewer:
        if user is None or not getattr(user, "is_authenticated", False):
            return cls.anonymous()
        if membership is None:
            return cls(user_id=user.id, is_operator=user.is_operator)
        org: Organisation = membership.organisation
        return cls(
            user_id=user.id,
            organisation_id=org.id,
            kind=org.kind,
            role=membership.role,
            verified=org.verified_at is not None,
            is_operator=user.is_operator,
            country=org.country,
            size=org.size,
            employees=org.employees,
        )

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_supplier(self) -> bool:
        return self.kind is not None and self.kind.is_supplier

    @property
    def is_buyer(self) -> bool:
        return self.kind is not None and self.kind.is_buyer


def current_viewer() -> Viewer:
    """The viewer of the current request."""
    from flask_login import current_user

    from app.accounts.auth import current_membership

    return Viewer.of(current_user, current_membership())


# --- time and state -------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


def deadline_passed(need: Need, now: datetime | None = None) -> bool:
    return _now(now) >= need.deadline_at


def effective_status(need: Need, now: datetime | None = None) -> NeedStatus:
    """The status by the server's clock: published and past the deadline means closed."""
    if need.status == NeedStatus.PUBLISHED and deadline_passed(need, now):
        return NeedStatus.CLOSED
    return need.status


def is_open_for_bids(need: Need, now: datetime | None = None) -> bool:
    return effective_status(need, now) == NeedStatus.PUBLISHED


# --- who is who for a need -------------------------------------------------------------


def is_buyer_member(viewer: Viewer, need: Need) -> bool:
    return viewer.organisation_id is not None and viewer.organisation_id == need.buyer_id


def is_buyer_agent(viewer: Viewer, need: Need) -> bool:
    """A member who acts for the buyer (owner or member; ambassadors only look)."""
    return is_buyer_member(viewer, need) and viewer.role in (Role.OWNER, Role.MEMBER)


def is_invited(viewer: Viewer, need: Need) -> bool:
    return viewer.organisation_id is not None and any(
        inv.supplier_id == viewer.organisation_id for inv in need.invitations
    )


class Ineligible(enum.StrEnum):
    """Why an organisation may not bid on an SME set-aside."""

    NOT_EU = "set_aside_not_eu"
    TOO_LARGE = "set_aside_too_large"


def set_aside_refusal(viewer: Viewer) -> Ineligible | None:
    """Small Business Act set-aside: EU SMEs and startups only, by recorded size data."""
    if viewer.country not in EU_COUNTRIES:
        return Ineligible.NOT_EU
    if viewer.size is not None and viewer.size not in SME_SIZES:
        return Ineligible.TOO_LARGE
    if viewer.employees is not None and viewer.employees >= SME_MAX_EMPLOYEES:
        return Ineligible.TOO_LARGE
    return None


# --- needs -----------------------------------------------------------------------------


def can_post_need(viewer: Viewer) -> bool:
    """Buyers' owners and members post needs; ambassadors only look."""
    return viewer.is_buyer and viewer.role in (Role.OWNER, Role.MEMBER)


def can_view_need(viewer: Viewer, need: Need) -> bool:
    if viewer.is_operator or is_buyer_member(viewer, need):
        return True
    if need.status == NeedStatus.DRAFT:
        return False
    if need.visibility == Visibility.PUBLIC:
        return True
    if not viewer.is_supplier:
        return False
    if is_invited(viewer, need):
        return True
    return need.visibility == Visibility.RESTRICTED and viewer.verified


def shows_buyer_identity(viewer: Viewer, need: Need) -> bool:
    """Anonymised needs hide the buyer from everyone outside it (and the operator)."""
    return not need.anonymised or viewer.is_operator or is_buyer_member(viewer, need)


def can_edit_need(viewer: Viewer, need: Need, now: datetime | None = None) -> bool:
    """Drafts are edited freely; a published need open for bids is changed by amendment."""
    return is_buyer_agent(viewer, need) and effective_status(need, now) in (NeedStatus.DRAFT, NeedStatus.PUBLISHED)


def can_publish(viewer: Viewer, need: Need) -> bool:
    return is_buyer_agent(viewer, need) and need.status == NeedStatus.DRAFT


def can_cancel(viewer: Viewer, need: Need) -> bool:
    """A published need is cancelled before any award (a draft, never published, is discarded)."""
    return is_buyer_agent(viewer, need) and need.status in (NeedStatus.PUBLISHED, NeedStatus.CLOSED)


def can_discard(viewer: Viewer, need: Need) -> bool:
    """A draft nobody outside the buyer has seen is deleted outright by its buyer's agents."""
    return is_buyer_agent(viewer, need) and need.status == NeedStatus.DRAFT


def can_declare_unsuccessful(viewer: Viewer, need: Need, now: datetime | None = None) -> bool:
    return is_buyer_agent(viewer, need) and effective_status(need, now) == NeedStatus.CLOSED


def can_invite(viewer: Viewer, need: Need, now: datetime | None = None) -> bool:
    return is_buyer_agent(viewer, need) and effective_status(need, now) in (NeedStatus.DRAFT, NeedStatus.PUBLISHED)


def can_ask_question(viewer: Viewer, need: Need, now: datetime | None = None) -> bool:
    return viewer.is_supplier and can_view_need(viewer, need) and is_open_for_bids(need, now)


def can_answer_question(viewer: Viewer, need: Need) -> bool:
    return is_buyer_agent(viewer, need) and need.status != NeedStatus.DRAFT


def can_follow(viewer: Viewer, need: Need) -> bool:
    return viewer.is_supplier and can_view_need(viewer, need) and need.status != NeedStatus.DRAFT


# --- bids ------------------------------------------------------------------------------


class BidRefusal(enum.StrEnum):
    NOT_SUPPLIER = "not_supplier"
    NOT_VERIFIED = "not_verified"
    NOT_OPEN = "not_open"
    DEADLINE_PASSED = "deadline_passed"
    SET_ASIDE_NOT_EU = Ineligible.NOT_EU.value
    SET_ASIDE_TOO_LARGE = Ineligible.TOO_LARGE.value


def bid_refusal(viewer: Viewer, need: Need, now: datetime | None = None) -> BidRefusal | None:
    """Why this viewer may not bid on a need it can see (None: it may).

    Callers check can_view_need first: an invisible need is a 404, not a refusal.
    """
    if not viewer.is_supplier:
        return BidRefusal.NOT_SUPPLIER
    if need.status == NeedStatus.PUBLISHED and deadline_passed(need, now):
        return BidRefusal.DEADLINE_PASSED
    if need.status != NeedStatus.PUBLISHED:
        return BidRefusal.NOT_OPEN
    if not viewer.verified and not is_invited(viewer, need):
        return BidRefusal.NOT_VERIFIED
    if need.sme_set_aside:
        reason = set_aside_refusal(viewer)
        if reason is not None:
            return BidRefusal(reason.value)
    return None


def can_bid(viewer: Viewer, need: Need, now: datetime | None = None) -> bool:
    return can_view_need(viewer, need) and bid_refusal(viewer, need, now) is None


def owns_bid(viewer: Viewer, bid: Bid) -> bool:
    return viewer.organisation_id is not None and viewer.organisation_id == bid.supplier_id


def can_change_bid(viewer: Viewer, bid: Bid, now: datetime | None = None) -> bool:
    """Edit or withdraw: the bidder, until the deadline, while the bid is still in play."""
    return (
        owns_bid(viewer, bid)
        and is_open_for_bids(bid.need, now)
        and bid.status in (BidStatus.DRAFT, BidStatus.SUBMITTED)
    )


def bids_unsealed(need: Need, now: datetime | None = None) -> bool:
    """Whether the buyer may read bid contents: after the deadline, or at once if not sealed."""
    if need.status == NeedStatus.DRAFT:
        return False
    return not need.sealed_bids or effective_status(need, now) != NeedStatus.PUBLISHED


def can_view_bid(viewer: Viewer, bid: Bid, now: datetime | None = None) -> bool:
    if owns_bid(viewer, bid) or viewer.is_operator:
        return True
    if not is_buyer_member(viewer, bid.need):
        return False  # another supplier never reads a bid
    return bid.status not in (BidStatus.DRAFT, BidStatus.WITHDRAWN) and bids_unsealed(bid.need, now)


def can_evaluate(viewer: Viewer, need: Need, now: datetime | None = None) -> bool:
    """Scoring, shortlisting and rejecting: the buyer's agents, once bids are closed."""
    return is_buyer_agent(viewer, need) and effective_status(need, now) == NeedStatus.CLOSED


def can_award(viewer: Viewer, need: Need, now: datetime | None = None) -> bool:
    return is_buyer_agent(viewer, need) and effective_status(need, now) in (NeedStatus.CLOSED, NeedStatus.AWARDED)


# --- lists and search --------------------------------------------------------------------


def visible_needs_clause(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the needs can_view_need allows."""
    if viewer.is_operator:
        return true()
    published = Need.status != NeedStatus.DRAFT
    public = and_(published, Need.visibility == Visibility.PUBLIC)
    own = Need.buyer_id == viewer.organisation_id if viewer.organisation_id else false()
    if not viewer.is_supplier:
        return or_(public, own)
    invited = exists(
        select(Invitation.id).where(Invitation.need_id == Need.id, Invitation.supplier_id == viewer.organisation_id)
    )
    clauses = [public, own, and_(published, invited)]
    if viewer.verified:
        clauses.append(and_(published, Need.visibility == Visibility.RESTRICTED))
    return or_(*clauses)



def visible_needs_filter(viewer: Viewer):
    """The view rule as a search-engine filter over need documents (app.matching.documents).

    Same rule as can_view_need and visible_needs_clause; None means "no restriction".
    """
    from search.base import And, Eq, Not, Or

    if viewer.is_operator:
        return None
    published = Not(Eq("status", NeedStatus.DRAFT.value))
    clauses = [And(published, Eq("visibility", Visibility.PUBLIC.value))]
    if viewer.organisation_id is not None:
        clauses.append(Eq("buyer_id", viewer.organisation_id))
    if viewer.is_supplier:
        clauses.append(And(published, Eq("invited_ids", viewer.organisation_id)))
        if viewer.verified:
            clauses.append(And(published, Eq("visibility", Visibility.RESTRICTED.value)))
    return Or(*clauses)
