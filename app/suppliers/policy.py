"""Who may browse the supplier directory, read supplier profiles and change them."""

from __future__ import annotations

from app.accounts.models import Organisation, Role
from app.needs.policy import Viewer


def can_browse_suppliers(viewer: Viewer) -> bool:
    """Buyers (owners, members, ambassadors) and the operator search suppliers."""
    return viewer.is_operator or viewer.is_buyer


def can_view_supplier(viewer: Viewer, organisation: Organisation) -> bool:
    if not organisation.is_supplier:
        return False
    if viewer.organisation_id == organisation.id:
        return True
    return can_browse_suppliers(viewer) and organisation.verified_at is not None


def can_edit_supplier(viewer: Viewer, organisation: Organisation) -> bool:
    """A supplier's owners and members change its profile, solutions and certifications."""
    return (organisation.is_supplier and viewer.organisation_id == organisation.id
            and viewer.role in (Role.OWNER, Role.MEMBER))
