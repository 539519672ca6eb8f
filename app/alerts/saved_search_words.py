"""A saved search in words, for its owner's list: « Category: Cybersecurity, Data ».

Labels are those of the needs search page (app.matching.pages), in the reader's language.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.alerts.models import Frequency, SavedSearch
from app.alerts.saved_searches import need_search_of
from app.i18n import current_locale
from app.needs import taxonomy
from app.needs.regions import REGIONS

FREQUENCY_LABELS = {
    Frequency.INSTANT: _l("At once, by email"),
    Frequency.DAILY: _l("Daily digest"),
    Frequency.WEEKLY: _l("Weekly digest"),
}
ROUTE_LABELS = {"public": _l("Public procurement"), "private": _l("Private purchase")}
BUYER_LABELS = {"administration": _l("Administration"), "corporate": _l("Corporate group")}
VISIBILITY_LABELS = {"public": _l("Public needs"), "restricted": _l("Needs for verified suppliers"),
                     "invitation": _l("Needs on invitation")}
STATUS_LABELS = {"closed": _l("Closed needs only"), "all": _l("Open and closed needs")}


def frequency_choices() -> list[tuple[str, str]]:
    return [(f.value, str(label)) for f, label in FREQUENCY_LABELS.items()]


def filters_in_words(saved: SavedSearch) -> list[tuple[str, str]]:
    """(what, values) for each filter of the search beyond its text; empty: all open needs."""
    from app.matching.pages import BAND_LABELS, DEADLINE_LABELS, FLAG_LABELS

    params = need_search_of(saved.query, saved.filters)
    locale = current_locale()

    def category(code: str) -> str:
        found = taxonomy.BY_CODE.get(code)
        return found.label(locale) if found else code

    flags = dict(FLAG_LABELS)
    lines: list[tuple[str, list[str]]] = [
        (_l("Category"), [category(c) for c in params.axes + ((params.category,) if params.category else ())]),
        (_l("Budget"), [str(BAND_LABELS[b]) for b in params.bands]),
        (_l("Procurement route"), [str(ROUTE_LABELS[r]) for r in params.routes]),
        (_l("Buyer"), [str(BUYER_LABELS[k]) for k in params.buyer_kinds]),
        (_l("Region"), [REGIONS[r] for r in params.regions]),
        (_l("Deadline"), [str(DEADLINE_LABELS[params.deadline])] if params.deadline else []),
        (_l("Requirements"), [str(flags[f]) for f in params.flags]),
        (_l("Visibility"), [str(VISIBILITY_LABELS[params.visibility])] if params.visibility else []),
        (_l("Status"), [str(STATUS_LABELS[params.status])] if params.status in STATUS_LABELS else []),
    ]
    return [(str(what), ", ".join(values)) for what, values in lines if values]
