"""Who may read which audit log.

The operator reads the whole log. An organisation's owners read their organisation's own
entries, whatever its kind: buyers follow who published, awarded or declared what; suppliers
who changed the profile or withdrew a bid. Owners already manage members and billing, the
log says who did what with them. Plain members and ambassadors do not read it.
"""

from __future__ import annotations

from app.accounts.models import Organisation, Role, User
from app.accounts.policy import is_operator, role_in


def can_read_audit_log(user: User) -> bool:
    return is_operator(user)


def can_read_organisation_log(user: User, organisation: Organisation | None) -> bool:
    if organisation is None:
        return False
    return is_operator(user) or role_in(user, organisation) == Role.OWNER
