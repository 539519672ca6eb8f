"""Which supplier organisations may hear about a need, decided once per organisation.

An alert about a need is only sent to someone who could open it and, for an SME
set-aside, bid on it: the organisation, as a ``Viewer``, must pass
``app.needs.policy.can_view_need`` (restricted needs: verified suppliers; invitation-only
needs: the invited ones) and, on a set-aside, ``set_aside_refusal`` must find nothing.
Only startups and SMEs hear; the decision is made per organisation (its members share
it) and kept for the fan-out of this need.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from app.extensions import db
from app.needs.models import Need
from app.needs.policy import Viewer, can_view_need, set_aside_refusal

CHUNK = 1000
SUPPLIER_KINDS = (OrganisationKind.STARTUP, OrganisationKind.SME)
# Suppliers' people who hear about needs matching their organisation's profile
PROFILE_ROLES = (Role.OWNER, Role.MEMBER)


def _chunks(ids: Iterable[int]):
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


class SupplierAccess:
    """``allows(organisation_id)``: may this supplier organisation hear about the need?"""

    def __init__(self, need: Need):
        self.need = need
        self._decided: dict[int, bool] = {}

    def _load(self, organisation_ids: Iterable[int]) -> None:
        missing = [i for i in set(organisation_ids) if i not in self._decided]
        for chunk in _chunks(missing):
            rows = db.session.execute(
                select(Organisation.id, Organisation.kind, Organisation.verified_at, Organisation.country,
                       Organisation.size, Organisation.employees)
                .where(Organisation.id.in_(chunk), Organisation.kind.in_(SUPPLIER_KINDS))
            )
            for org_id, kind, verified_at, country, size, employees in rows:
                viewer = Viewer(organisation_id=org_id, kind=kind, role=Role.MEMBER, verified=verified_at is not None,
                                country=country, size=size, employees=employees)
                self._decided[org_id] = self.decide(viewer)
            for org_id in chunk:
                self._decided.setdefault(org_id, False)  # gone, or not a supplier

    def decide(self, viewer: Viewer) -> bool:
        if not viewer.is_supplier or not can_view_need(viewer, self.need):
            return False
        return not self.need.sme_set_aside or set_aside_refusal(viewer) is None

    def allowed(self, organisation_ids: Iterable[int]) -> set[int]:
        ids = set(organisation_ids)
        self._load(ids)
        return {i for i in ids if self._decided[i]}

    def allows(self, organisation_id: int) -> bool:
        return organisation_id in self.allowed([organisation_id])


def active_members(pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """The (user, organisation) pairs where the user is active and still a member."""
    wanted = set(pairs)
    found: set[tuple[int, int]] = set()
    for chunk in _chunks(u for u, _o in wanted):
        rows = db.session.execute(
            select(Membership.user_id, Membership.organisation_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.user_id.in_(chunk), User.active.is_(True))
        )
        found.update(pair for pair in map(tuple, rows) if pair in wanted)
    return found


def members_of(organisation_ids: Iterable[int], *, roles=PROFILE_ROLES) -> list[tuple[int, int, str]]:
    """(user id, organisation id, locale) of the active members of these organisations in these roles."""
    out: list[tuple[int, int, str]] = []
    for chunk in _chunks(organisation_ids):
        rows = db.session.execute(
            select(Membership.user_id, Membership.organisation_id, User.locale)
            .join(User, User.id == Membership.user_id)
            .where(Membership.organisation_id.in_(chunk), Membership.role.in_(list(roles)), User.active.is_(True))
            .order_by(Membership.id)
        )
        out.extend(tuple(row) for row in rows)
    return out
