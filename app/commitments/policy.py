"""Who may see and do what in the commitment tracker.

- A **pledge** is an organisation's own: its people read it, its owners (and the
  operator) record and revise it. Only buyer organisations (administrations and large
  groups) pledge; recording a first pledge is how an organisation joins the alliance.
- **Purchases** (awarded on Tremplin or declared) are seen by the buyer's people and the
  operator only; anyone else is answered as if they did not exist (404).
- The buyer's owners and members **declare** purchases; while a declaration awaits
  verification, the person who declared it and the organisation's owners may change or
  withdraw it.
- Only the **operator** verifies or rejects a declaration, once.
"""

from __future__ import annotations

from app.accounts.models import Organisation, Role, User
from app.accounts.policy import is_operator, role_in
from app.commitments.models import Purchase, PurchaseSource, PurchaseStatus

DECLARING_ROLES = (Role.OWNER, Role.MEMBER)


def _role(user: User | None, organisation: Organisation | None) -> Role | None:
    if user is None or organisation is None or not getattr(user, "is_authenticated", True):
        return None
    return role_in(user, organisation)


def can_see_pledge(user: User | None, organisation: Organisation) -> bool:
    return is_operator(user) or _role(user, organisation) is not None


def can_pledge(user: User | None, organisation: Organisation) -> bool:
    """Record or revise the organisation's pledge: its owners, or the operator."""
    return is_operator(user) or _role(user, organisation) == Role.OWNER


def may_join_alliance(organisation: Organisation) -> bool:
    """Administrations and large groups, once the operator has verified who they are."""
    return organisation.is_buyer and organisation.is_verified


def can_declare(user: User | None, organisation: Organisation) -> bool:
    return organisation.is_buyer and _role(user, organisation) in DECLARING_ROLES


def can_view_purchase(user: User | None, purchase: Purchase) -> bool:
    return is_operator(user) or _role(user, purchase.buyer) is not None


def can_change_declaration(user: User | None, purchase: Purchase) -> bool:
    """Change or withdraw a declaration still awaiting verification."""
    if purchase.source != PurchaseSource.DECLARED or purchase.status != PurchaseStatus.DECLARED:
        return False
    role = _role(user, purchase.buyer)
    if role == Role.OWNER:
        return True
    return role in DECLARING_ROLES and user.id == purchase.declared_by_id


def can_decide(user: User | None) -> bool:
    """Verify or reject declared purchases: the operator only."""
    return is_operator(user)
