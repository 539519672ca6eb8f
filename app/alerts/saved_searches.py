"""Saved searches: a supplier's needs search kept under a name, to be alerted of new needs.

A saved search stores the search page's parameters cleaned by ``NeedSearch.from_args``
(unknown values dropped): the text in ``query``, the other non-default parameters in
``filters`` under their query-string names ({"axis": ["ai"], "deadline": "month"}), so
that the same search can be run again, linked to, and percolated by the alerts
(notifications.fanout). Services flush and never commit; refusals raise
SavedSearchError with a message for the user, and change nothing. Choosing instant
alerts needs a plan that includes them (app.billing.entitlements); an instant search kept
after a downgrade is delivered in the daily digest (notifications.delivery).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.accounts.models import Membership, Organisation, User
from app.alerts.models import Frequency, SavedSearch
from app.db import utcnow
from app.extensions import db
from app.matching.search import NeedSearch

MAX_SEARCHES_PER_USER = 50
MAX_NAME_LENGTH = 120

# NeedSearch attribute -> query-string name, for the multi-valued parameters
_MULTI = (("axes", "axis"), ("bands", "band"), ("routes", "route"), ("buyer_kinds", "buyer_kind"),
          ("regions", "region"), ("flags", "flag"))
_SINGLE = ("deadline", "category", "visibility")

MESSAGES = {
    "name_required": _l("Give the search a name, e.g. « Cybersecurity in Brittany »."),
    "name_too_long": _l("The name is too long: %(max)s characters at most."),
    "name_taken": _l("You already have a saved search with this name: choose another one."),
    "frequency_unknown": _l("Choose how often to be alerted: at once, daily or weekly."),
    "too_many": _l("You have %(max)s saved searches, the most allowed: delete one before saving another."),
    "not_supplier": _l("Only startups and SMEs save searches, for the organisation they belong to."),
    "instant_requires_plan": _l("Instant email alerts come with the %(upgrade)s plan; on your %(plan)s plan, "
                                "choose the daily or weekly digest, or upgrade to %(upgrade)s."),
}


class SavedSearchError(ValueError):
    """A saved search refused; ``message`` says why, in the user's words."""

    def __init__(self, code: str, field: str | None = None, **params):
        self.code, self.field, self.params = code, field, params
        super().__init__(code)

    @property
    def message(self) -> str:
        text = str(MESSAGES[self.code])
        return text % self.params if self.params else text


class SavedSearchNotFound(LookupError):
    """No saved search of this user by this id (someone else's looks the same: absent)."""


def filters_of(params: NeedSearch) -> dict:
    """The non-default parameters of a cleaned search, by query-string name (text aside)."""
    filters: dict[str, object] = {}
    for attribute, name in _MULTI:
        values = getattr(params, attribute)
        if values:
            filters[name] = sorted(values)
    for name in _SINGLE:
        if getattr(params, name):
            filters[name] = getattr(params, name)
    if params.status != "open":
        filters["status"] = params.status
    default_sort = "relevance" if params.q else "deadline"
    if params.sort != default_sort:
        filters["sort"] = params.sort
    return dict(sorted(filters.items()))


def search_args(query: str, filters: Mapping | None) -> MultiDict:
    """The search page's query string for a saved search (what « see results » opens)."""
    args = MultiDict()
    if query:
        args.add("q", query)
    for name, value in (filters or {}).items():
        for item in value if isinstance(value, list | tuple) else [value]:
            args.add(name, str(item))
    return args


class _SavedArgs(dict):
    """Saved parameters read as a query string (name -> list of values), without MultiDict's
    exceptions on absent names: the alerts read thousands of saved searches per need."""

    def get(self, key, default=None):
        values = dict.get(self, key)
        return values[0] if values else default

    def getlist(self, key) -> list:
        return list(dict.get(self, key, ()))


def need_search_of(query: str, filters: Mapping | None) -> NeedSearch:
    """The saved search as the needs search would run it (cleaned again: values may have gone)."""
    args = _SavedArgs({"q": [query]} if query else {})
    for name, value in (filters or {}).items():
        args[name] = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    return NeedSearch.from_args(args)


def _query_string(args: Mapping) -> Mapping:
    """The parameters as a query string: a MultiDict as given, a dict's lists spread out."""
    if hasattr(args, "getlist"):
        return args
    return MultiDict([(name, value) for name, values in args.items()
                      for value in (values if isinstance(values, list | tuple) else [values])])


def frequency_of(value: object) -> Frequency:
    try:
        return Frequency(value)
    except ValueError:
        raise SavedSearchError("frequency_unknown", "frequency") from None


def check_frequency_allowed(organisation: Organisation | None, frequency: Frequency) -> None:
    """Instant alerts only under a plan that includes them (app.billing.entitlements)."""
    from app.billing import entitlements

    if frequency == Frequency.INSTANT and organisation is not None \
            and not entitlements.instant_alerts_allowed(organisation):
        raise SavedSearchError("instant_requires_plan", "frequency", plan=entitlements.plan_name(organisation),
                               upgrade=entitlements.upgrade_plan_name("instant_alerts"))


def _clean_name(name: object) -> str:
    text = " ".join(str(name or "").split())
    if not text:
        raise SavedSearchError("name_required", "name")
    if len(text) > MAX_NAME_LENGTH:
        raise SavedSearchError("name_too_long", "name", max=MAX_NAME_LENGTH)
    return text


def _name_taken(user: User, name: str, *, other_than: int | None = None) -> bool:
    stmt = select(SavedSearch.id).where(SavedSearch.user_id == user.id,
                                        func.lower(SavedSearch.name) == name.lower())
    if other_than is not None:
        stmt = stmt.where(SavedSearch.id != other_than)
    return db.session.scalar(stmt.limit(1)) is not None


def save_search(user: User, organisation: Organisation, *, name: str, args: Mapping,
                frequency: object = Frequency.DAILY) -> SavedSearch:
    """Keep the needs search of ``args`` (the search page's parameters) under a name."""
    member = db.session.scalar(select(Membership.id).where(Membership.user_id == user.id,
                                                           Membership.organisation_id == organisation.id))
    if member is None or not organisation.is_supplier:
        raise SavedSearchError("not_supplier")
    clean = _clean_name(name)
    chosen = frequency_of(frequency)
    check_frequency_allowed(organisation, chosen)
    if _name_taken(user, clean):
        raise SavedSearchError("name_taken", "name")
    count = db.session.scalar(select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user.id))
    if count >= MAX_SEARCHES_PER_USER:
        raise SavedSearchError("too_many", max=MAX_SEARCHES_PER_USER)
    params = NeedSearch.from_args(_query_string(args))
    saved = SavedSearch(user_id=user.id, organisation_id=organisation.id, name=clean, query=params.q,
                        filters=filters_of(params), frequency=chosen)
    db.session.add(saved)
    db.session.flush()
    return saved


def searches_of(user: User) -> list[SavedSearch]:
    """The user's saved searches, oldest first."""
    return list(db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id)
                                   .order_by(SavedSearch.created_at, SavedSearch.id)))


def search_of(user: User, search_id: int) -> SavedSearch:
    """One of the user's saved searches; SavedSearchNotFound for any other id."""
    saved = db.session.get(SavedSearch, search_id)
    if saved is None or saved.user_id != user.id:
        raise SavedSearchNotFound(search_id)
    return saved


def pause_search(user: User, search_id: int, *, now: datetime | None = None) -> SavedSearch:
    """No more alerts from this search until it is resumed (a second pause changes nothing)."""
    saved = search_of(user, search_id)
    if saved.paused_at is None:
        saved.paused_at = now or utcnow()
        db.session.flush()
    return saved


def resume_search(user: User, search_id: int) -> SavedSearch:
    """Alerts again, for needs published from now on (those published meanwhile are not sent)."""
    saved = search_of(user, search_id)
    if saved.paused_at is not None:
        saved.paused_at = None
        db.session.flush()
    return saved


def set_frequency(user: User, search_id: int, frequency: object) -> SavedSearch:
    """Change how often the search alerts; choosing instant alerts needs a plan with them
    (keeping an instant search as it is is not a choice: it is then delivered daily)."""
    saved = search_of(user, search_id)
    chosen = frequency_of(frequency)
    if chosen != saved.frequency:
        check_frequency_allowed(db.session.get(Organisation, saved.organisation_id), chosen)
    saved.frequency = chosen
    db.session.flush()
    return saved


def instant_held(saved: SavedSearch) -> bool:
    """An instant search whose organisation's plan has no instant alerts: delivered in the daily digest."""
    from app.billing import entitlements

    if saved.frequency != Frequency.INSTANT:
        return False
    organisation = db.session.get(Organisation, saved.organisation_id)
    return organisation is not None and not entitlements.instant_alerts_allowed(organisation)


def delete_search(user: User, search_id: int) -> str:
    """Delete the search; returns its name (for the confirmation message)."""
    saved = search_of(user, search_id)
    name = saved.name
    db.session.delete(saved)
    db.session.flush()
    return name
