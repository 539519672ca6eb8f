"""Who may see an operation: the user who started it, and the operator. Nobody else learns
that it exists (the pages answer 404)."""

from __future__ import annotations

from app.accounts.models import User
from app.accounts.policy import is_operator
from app.operations.models import Operation


def can_see_operation(user: User | None, operation: Operation) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return is_operator(user) or operation.owner_id == user.id
