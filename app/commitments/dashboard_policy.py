"""Who sees which figures of the commitment tracker: pages and CSV exports alike.

- **Anyone**, signed in or not: aggregates only — the collective figure and its chart,
  the breakdowns, the overall Small Business Act indicators, and the latest deals
  awarded on public needs, whose amount shows only when the buyer chose to disclose it.
  No figure of one member, no amount of one deal otherwise.
- **An alliance member's people**: the same, plus their own organisation's row, its
  Small Business Act indicators and its purchases with the reason each counts or not.
- **The operator**: everything, every member's row and every buyer's indicators, and
  any member's detail.
- Other signed-in people (buyers outside the alliance, suppliers) see the aggregates.

(The pledge and declaration rules are in ``app.commitments.policy``.)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.accounts.models import Membership, User
from app.accounts.policy import is_operator
from app.commitments.stats import Scope
from app.commitments.stats_breakdowns import DIMENSIONS


class Audience(enum.StrEnum):
    PUBLIC = "public"  # anyone, and signed-in people outside the alliance
    MEMBER = "member"  # the people of an alliance member
    OPERATOR = "operator"


@dataclass(frozen=True)
class Reader:
    audience: Audience
    organisation_id: int | None = None  # the member organisation, for MEMBER
    is_buyer: bool = False  # signed in for a buyer organisation (invited to join the alliance)

    @property
    def detail_scope(self) -> Scope | None:
        """Whose member rows and purchases this reader may see: all (operator), their own, or none."""
        if self.audience == Audience.OPERATOR:
            return Scope.MEMBERS
        if self.audience == Audience.MEMBER:
            return Scope.of_buyer(self.organisation_id)
        return None

    def may_see_organisation(self, organisation_id: int) -> bool:
        return self.audience == Audience.OPERATOR or (
            self.audience == Audience.MEMBER and organisation_id == self.organisation_id)


def reader_of(user: User | None, membership: Membership | None) -> Reader:
    if is_operator(user):
        return Reader(Audience.OPERATOR)
    if user is None or not getattr(user, "is_authenticated", False) or membership is None:
        return Reader(Audience.PUBLIC)
    org = membership.organisation
    if org.alliance_member and org.is_buyer:
        return Reader(Audience.MEMBER, org.id, is_buyer=True)
    return Reader(Audience.PUBLIC, is_buyer=org.is_buyer)


# The CSV tables, and who may download each (as on the page that shows it).
PUBLIC_TABLES = frozenset({"progress", "sba", "deals", *(f"breakdown-{code}" for code in DIMENSIONS)})
DETAIL_TABLES = frozenset({"members", "sba-buyers", "purchases"})  # rows limited to the reader's scope


def may_export(reader: Reader, table: str) -> bool:
    if table in PUBLIC_TABLES:
        return True
    return table in DETAIL_TABLES and reader.detail_scope is not None
