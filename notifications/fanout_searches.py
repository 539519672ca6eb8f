"""The saved searches a newly published need matches, and the people they belong to.

Built to stay fast with many saved searches (bench/alerts_fanout.py: 100 000):

- one SQL query reads the live (not paused) searches' columns, no ORM objects; the
  filters come as JSON text, parsed only once per distinct value;
- a search matches when the need passes its filters (``NeedSearch.user_filter``
  evaluated on the need's index document by search.evaluate) and its text
  (notifications.percolate, the engine's rules); filters are decided once per distinct
  filters, texts once per distinct text (texts first: filters are read only for the
  texts that pass), so 100 000 searches cost some thousands of decisions and a
  dictionary look-up each; cleaning the saved parameters does not depend on the need
  and is kept between needs (bounded caches);
- the owners are then checked: still active members of the search's organisation, and
  that organisation allowed to see the need (notifications.audience, once per
  organisation).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Text, cast, select

from app.alerts.models import Frequency, SavedSearch
from app.alerts.saved_searches import need_search_of
from app.matching import documents
from app.matching.search import NeedSearch
from app.needs.models import Need
from notifications.audience import SupplierAccess, active_members
from notifications.percolate import Percolator
from search.evaluate import Prepared, evaluate, prepare

# Most frequent first: a user's alert follows the most frequent of their matching searches.
FREQUENCY_ORDER = (Frequency.INSTANT.value, Frequency.DAILY.value, Frequency.WEEKLY.value)
RANK = {value: rank for rank, value in enumerate(FREQUENCY_ORDER)}

_percolators: dict[int, Percolator] = {}


def percolator() -> Percolator:
    """One per process and index settings: compiled queries are kept between needs."""
    settings = documents.NEEDS
    found = _percolators.get(id(settings))
    if found is None or found.settings is not settings:
        found = _percolators[id(settings)] = Percolator(settings)
    return found


@dataclass
class UserMatch:
    """A user's saved searches matching the need."""

    names: list[str] = field(default_factory=list)
    frequency: str = Frequency.WEEKLY.value
    organisation_ids: list[int] = field(default_factory=list)  # whose searches (their plans decide instant emails)

    def add(self, name: str, frequency: str, organisation_id: int | None = None) -> None:
        self.names.append(name)
        if organisation_id is not None and organisation_id not in self.organisation_ids:
            self.organisation_ids.append(organisation_id)
        if RANK.get(frequency, 1) < RANK.get(self.frequency, 1):
            self.frequency = frequency


def live_searches() -> list[tuple]:
    """(id, user, organisation, name, query, filters as JSON text, frequency) of the searches not paused.

    One query, read through the database driver's cursor in the session's transaction:
    plain tuples, about three times faster than result rows for 100 000 searches.
    """
    from app.extensions import db

    stmt = (select(SavedSearch.id, SavedSearch.user_id, SavedSearch.organisation_id, SavedSearch.name,
                   SavedSearch.query, cast(SavedSearch.filters, Text), cast(SavedSearch.frequency, Text))
            .where(SavedSearch.paused_at.is_(None)).order_by(SavedSearch.id))
    connection = db.session.connection()
    compiled = stmt.compile(dialect=connection.dialect)
    assert not compiled.params, "the query takes no parameters"
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled))
        return cursor.fetchall()
    finally:
        cursor.close()


# Cleaning saved parameters does not depend on the need: kept between needs in a worker.
@lru_cache(maxsize=200_000)
def saved_text(query: str) -> str:
    """The saved text as the search page cleans it (NeedSearch.from_args)."""
    return need_search_of(query, None).q


@lru_cache(maxsize=100_000)
def saved_filters(filters_text: str | None) -> NeedSearch | None:
    """The saved filters (JSON text) as a NeedSearch without text; None if unreadable."""
    try:
        filters = json.loads(filters_text) if filters_text else {}
    except ValueError:
        return None
    if filters is None:
        filters = {}
    return need_search_of("", filters) if isinstance(filters, dict) else None


class SearchDecisions:
    """Whether saved (query, filters) pairs select one need, each distinct part decided once."""

    def __init__(self, need_document: dict, now: datetime):
        self.now = now
        self.prepared: Prepared = prepare(need_document)
        self.percolator = percolator()
        self.words = self.percolator.document(need_document)
        self._filters: dict[str | None, bool] = {}
        self._texts: dict[str, bool] = {}
        self._pairs: dict[tuple[str, str | None], bool] = {}

    def filters_pass(self, filters_text: str | None) -> bool:
        known = self._filters.get(filters_text)
        if known is None:
            search = saved_filters(filters_text)
            # unreadable filters: never alert on what cannot be shown again
            known = search is not None and evaluate(search.user_filter(self.now), self.prepared)
            self._filters[filters_text] = known
        return known

    def text_passes(self, query: str | None) -> bool:
        known = self._texts.get(query or "")
        if known is None:
            known = self._texts[query or ""] = self.percolator.matches(self.words, saved_text(query or ""))
        return known

    def __call__(self, query: str | None, filters_text: str | None) -> bool:
        key = (query, filters_text)
        known = self._pairs.get(key)
        if known is None:
            # texts first: fewer distinct ones, and filters are only read for the texts that pass
            known = self._pairs[key] = self.text_passes(query) and self.filters_pass(filters_text)
        return known


def matching_users(need: Need, *, now: datetime, access: SupplierAccess,
                   rows=None) -> dict[int, UserMatch]:
    """user id -> their saved searches the need matches, within access rules."""
    decide = SearchDecisions(documents.need_document(need), now)
    matched = [row for row in (live_searches() if rows is None else rows) if decide(row[4], row[5])]
    if not matched:
        return {}
    allowed_orgs = access.allowed({row[2] for row in matched})
    candidates = [row for row in matched if row[2] in allowed_orgs]
    members = active_members((row[1], row[2]) for row in candidates)
    users: dict[int, UserMatch] = {}
    for _id, user_id, org_id, name, _query, _filters, frequency in candidates:
        if (user_id, org_id) in members:
            users.setdefault(user_id, UserMatch()).add(name, frequency, org_id)
    return users
