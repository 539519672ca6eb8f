"""Who may browse the supplier directory and read supplier profiles."""

from __future__ import annotations

from app.accounts.models import Organisation
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
