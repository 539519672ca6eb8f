"""Who hears about a need: followers, bidders, an organisation's people, and only those
who may still see the need.

Every list goes through ``app.needs.policy.can_view_need`` with a Viewer built for each
(user, organisation) pair, so a restricted need never reaches someone who could not open
it (a supplier whose verification was withdrawn, a member who left the organisation...).
A user with several organisations hears about the need if any of them may see it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import Membership, Role, User
from app.alerts.models import Notification
from app.bids.models import Bid, BidStatus
from app.extensions import db
from app.needs.models import Need, NeedFollow
from app.needs.policy import Viewer, can_view_need, is_open_for_bids

# Roles that act for a buyer (ambassadors only look); suppliers' people all hear.
ACTING_ROLES = (Role.OWNER, Role.MEMBER)
# A bid that counts as « has bid »: sent and still in play.
LIVE_BIDS = (BidStatus.SUBMITTED, BidStatus.SHORTLISTED)
# Suppliers working on a need: a live bid or a draft in preparation (not withdrawn).
BIDDING = (BidStatus.DRAFT, *LIVE_BIDS)

Pair = tuple[int, Viewer]


def people_of(organisation_ids: Iterable[int], *, roles: Collection[Role] | None = None) -> Iterator[Pair]:
    """(user id, viewer) for the active members of these organisations, acting for them."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return
    stmt = (
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id.in_(ids), User.active.is_(True))
        .options(selectinload(Membership.user), selectinload(Membership.organisation))
        .order_by(Membership.id)
    )
    if roles is not None:
        stmt = stmt.where(Membership.role.in_(list(roles)))
    for membership in db.session.scalars(stmt):
        yield membership.user_id, Viewer.of(membership.user, membership)


def users_as_viewers(user_ids: Iterable[int]) -> Iterator[Pair]:
    """(user id, viewer) for each organisation of each active user (or the bare user)."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    stmt = (
        select(User)
        .where(User.id.in_(ids), User.active.is_(True))
        .options(selectinload(User.memberships).selectinload(Membership.organisation))
        .order_by(User.id)
    )
    for user in db.session.scalars(stmt):
        if not user.memberships:
            yield user.id, Viewer.of(user)
        for membership in user.memberships:
            yield user.id, Viewer.of(user, membership)


def who_may_see(need: Need, pairs: Iterable[Pair], *, exclude: Collection[int | None] = ()) -> list[int]:
    """The users among ``pairs`` allowed to see ``need``, in order, each once."""
    allowed: list[int] = []
    for user_id, viewer in pairs:
        if user_id in exclude or user_id in allowed:
            continue
        if can_view_need(viewer, need):
            allowed.append(user_id)
    return allowed


def may_still_see(user: User, need: Need) -> bool:
    """Whether the user, through any of their organisations (or as the operator), may see the need now."""
    return any(can_view_need(Viewer.of(user, membership), need) for membership in user.memberships or [None])


# Kinds that invite to bid (new needs matching a search or the profile, invitations, deadline
# reminders): news only while the need is open for bids.
OPEN_NEED_KINDS = frozenset({"need_matched_search", "need_matched_profile", "need_invitation",
                             "need_deadline_soon"})


def still_deliverable(notification: Notification, user: User, *, now: datetime | None = None) -> bool:
    """Asked again when a notification's email is written, at once or in a digest, hours or days
    after the notification was decided: one about a need goes only to someone who may still see
    it (a member who left, a supplier no longer verified...), and one inviting to bid only while
    the need is still open for bids (not cancelled, closed or awarded meanwhile)."""
    need = notification.need
    if need is None:
        return True
    if not may_still_see(user, need):
        return False
    return notification.kind not in OPEN_NEED_KINDS or is_open_for_bids(need, now)


def follower_ids(need: Need) -> list[int]:
    """Users following the need who have not muted it."""
    return list(db.session.scalars(
        select(NeedFollow.user_id)
        .where(NeedFollow.need_id == need.id, NeedFollow.muted_at.is_(None))
        .order_by(NeedFollow.id)
    ))


def muted_follower_ids(need: Need) -> set[int]:
    """Users who follow the need but asked for silence about it."""
    return set(db.session.scalars(
        select(NeedFollow.user_id).where(NeedFollow.need_id == need.id, NeedFollow.muted_at.is_not(None))
    ))


def bidder_ids(need: Need, statuses: Collection[BidStatus] = BIDDING) -> list[int]:
    """Supplier organisations with a bid on the need in one of ``statuses``."""
    return list(db.session.scalars(
        select(Bid.supplier_id).where(Bid.need_id == need.id, Bid.status.in_(list(statuses))).order_by(Bid.id)
    ))


def followers_and_bidders(need: Need, *, exclude: Collection[int | None] = ()) -> list[int]:
    """Followers and the people of suppliers bidding, who may still see the need."""
    pairs = [*users_as_viewers(follower_ids(need)), *people_of(bidder_ids(need))]
    return who_may_see(need, pairs, exclude=exclude)


def organisations_of(user_ids: Iterable[int]) -> dict[int, set[int]]:
    """user id -> ids of the organisations they belong to."""
    ids = sorted(set(user_ids))
    found: dict[int, set[int]] = {uid: set() for uid in ids}
    if ids:
        rows = db.session.execute(select(Membership.user_id, Membership.organisation_id)
                                  .where(Membership.user_id.in_(ids)))
        for user_id, organisation_id in rows:
            found[user_id].add(organisation_id)
    return found
