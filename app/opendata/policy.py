"""Which needs the open data shows, and how much of each: the one place that decides.

- A draft is never published, whatever its settings.
- A public need is always published, in full: its buyer named and identified, its title,
  summary and description, its amendments.
- A restricted or invitation-only need is left out, unless its buyer chose
  ``open_data == "anonymise"``: then it is published *anonymised*. The buyer becomes a
  neutral party with no identifier (its anonymous label when it has one, else
  "Acheteur non divulgué"); the title is replaced by a generic one built from the
  categories; summary, description and amendment texts are withheld. What remains is
  what makes the data useful and says nothing of the buyer: the categories and their CPV
  codes, the procurement route, the dates, the awards and their suppliers.
- A need marked ``anonymised`` never names its buyer, whatever its visibility.
- Amounts (budget range, awarded and contracted amounts) appear only when the buyer let
  them be disclosed (``disclose_amounts``), for every need.

``disclosure`` answers for one loaded need; ``exported_needs_clause`` is the same rule
as a SQL WHERE clause for the streamed exports. Tests check that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

from app.needs.models import Need, NeedStatus, Visibility

ANONYMISE = "anonymise"
EXCLUDE = "exclude"


@dataclass(frozen=True)
class Disclosure:
    """What the open data may say about one need."""

    buyer: bool  # the buyer's name, identifiers and address
    texts: bool  # title, summary, description, amendment summaries
    amounts: bool  # budget range, awarded and contracted amounts

    @property
    def anonymised(self) -> bool:
        return not self.buyer


def disclosure(need: Need) -> Disclosure | None:
    """What open data shows of ``need``; None when the need is not published at all."""
    if need.status == NeedStatus.DRAFT or need.published_at is None:
        return None
    if need.visibility == Visibility.PUBLIC:
        shown = not need.anonymised
    elif need.open_data == ANONYMISE:
        shown = False
    else:
        return None
    return Disclosure(buyer=shown, texts=shown, amounts=bool(need.disclose_amounts))


def exported_needs_clause() -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the needs for which ``disclosure`` is not None."""
    return and_(
        Need.status != NeedStatus.DRAFT,
        Need.published_at.is_not(None),
        or_(Need.visibility == Visibility.PUBLIC, Need.open_data == ANONYMISE),
    )
