"""What the pages show of matching, with the engine's outages turned into a flag.

A page that shows suggestions must still answer when the engine is down: these helpers
return (items, unavailable) and log the outage instead of raising.
"""

from __future__ import annotations

import logging

from app.accounts.models import Organisation
from app.matching.matching_needs import NeedSuggestion, needs_for_supplier
from app.matching.matching_solutions import existing_solutions_for
from app.matching.matching_suppliers import Suggestion, match_suppliers
from app.needs.models import Need
from app.needs.policy import Viewer
from app.needs.queries import ExistingSolutions
from search.base import SearchError, SearchUnavailable

log = logging.getLogger(__name__)

SUGGESTIONS_ON_NEED_PAGE = 10
NEEDS_ON_HOME = 8


def supplier_suggestions(need: Need, *, limit: int = SUGGESTIONS_ON_NEED_PAGE) -> tuple[list[Suggestion], bool]:
    try:
        return match_suppliers(need, limit=limit), False
    except (SearchUnavailable, SearchError) as exc:
        log.warning("supplier suggestions unavailable for need %s: %s", need.id, exc)
        return [], True


def needs_for_you(organisation: Organisation, viewer: Viewer | None = None, *,
                  limit: int = NEEDS_ON_HOME) -> tuple[list[NeedSuggestion], bool]:
    try:
        return needs_for_supplier(organisation, viewer, limit=limit), False
    except (SearchUnavailable, SearchError) as exc:
        log.warning("needs for supplier %s unavailable: %s", organisation.id, exc)
        return [], True


def draft_existing_solutions(need: Need) -> ExistingSolutions:
    """What already exists for a draft's own words and categories (the buyer's own uses aside)."""
    return existing_solutions_for(f"{need.title} {need.summary}", [c.code for c in need.categories],
                                  buyer=need.buyer)
