"""Who may do what with an organisation's billing.

Only the organisation's **owners** subscribe, change the plan or open the customer
portal: billing commits the organisation's money. Members see what their plan allows
(``app.billing.entitlements``) but change nothing; the **operator** may not change a
customer's billing either.
"""

from __future__ import annotations

from app.accounts.models import Organisation, Role, User
from app.accounts.policy import role_in


def can_manage_billing(user: User | None, organisation: Organisation | None) -> bool:
    """Subscribe, change plan, open the Stripe customer portal: the organisation's owners only."""
    if user is None or organisation is None or not getattr(user, "is_authenticated", True):
        return False
    if not getattr(user, "active", True):
        return False
    return role_in(user, organisation) == Role.OWNER
