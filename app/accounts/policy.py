"""Who may do what in accounts, and view decorators that enforce roles.

Roles: an organisation's **owner** manages it (members, billing), a **member** works in
it, an **ambassador** bridges a buyer organisation's needs and the ecosystem. The
**operator** (a user flag) verifies organisations and declared purchases.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.accounts.auth import current_membership
from app.accounts.models import Membership, Organisation, Role, User


def is_operator(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", True) and user.is_operator)


def role_in(user: User, organisation: Organisation) -> Role | None:
    for m in user.memberships:
        if m.organisation_id == organisation.id:
            return m.role
    return None


def can_manage_organisation(user: User, organisation: Organisation) -> bool:
    return is_operator(user) or role_in(user, organisation) == Role.OWNER


def can_verify_organisations(user: User) -> bool:
    return is_operator(user)


def acts_as_buyer(membership: Membership | None) -> bool:
    return membership is not None and membership.organisation.is_buyer


def acts_as_supplier(membership: Membership | None) -> bool:
    return membership is not None and membership.organisation.is_supplier


def is_ambassador(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Role.AMBASSADOR and membership.organisation.is_buyer


def home_role(user: User) -> str:
    """The role whose home page the user lands on."""
    if is_operator(user):
        return "operator"
    membership = current_membership()
    if membership is None:
        return "none"
    if is_ambassador(membership):
        return "ambassador"
    if membership.organisation.is_buyer:
        return "buyer"
    if membership.organisation.is_supplier:
        return "supplier"
    return "none"


def _guard(check: Callable[[], bool]):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not check():
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


operator_required = _guard(lambda: is_operator(current_user))
buyer_required = _guard(lambda: acts_as_buyer(current_membership()))
supplier_required = _guard(lambda: acts_as_supplier(current_membership()))
owner_required = _guard(
    lambda: current_membership() is not None and current_membership().role == Role.OWNER
)
