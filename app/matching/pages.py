"""Rendering the search pages (the needs blueprint's /needs calls render_needs_search; the
supplier directory uses render_search_page too).

Search as you type and facet toggles are htmx requests (the HX-Request header): they get
the results panel alone (facets with their counts, results, pagination) and, out of band,
the sentence the page's live region announces. `?partial=1` still answers the panel alone.
A history restore (HX-History-Restore-Request) and every other request get the whole page.
"""

from __future__ import annotations

import logging

from flask import make_response, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from app.i18n import current_locale
from app.matching import documents
from app.matching.search import DEADLINE_WINDOWS, NeedSearch, search_needs
from app.needs import queries, taxonomy
from app.needs.policy import current_viewer
from app.needs.regions import REGIONS
from search.base import SearchError, SearchUnavailable

log = logging.getLogger(__name__)

BAND_LABELS = {
    "lt100k": _l("Under €100k"),
    "100k-1m": _l("€100k to €1M"),
    "1m-10m": _l("€1M to €10M"),
    "gte10m": _l("€10M and more"),
}
SORT_LABELS = (("relevance", _l("Relevance")), ("deadline", _l("Deadline")), ("budget", _l("Budget")),
               ("newest", _l("Newest first")))
DEADLINE_LABELS = {"week": _l("Within a week"), "month": _l("Within a month"), "quarter": _l("Within three months")}
FLAG_LABELS = (
    ("core", _l("Deals of €100k to €10M")),
    ("sensitive_data", _l("Sensitive data (SecNumCloud)")),
    ("eu_data_residency", _l("Data kept in the EU")),
    ("open_source_preferred", _l("Open source preferred")),
    ("sme_set_aside", _l("Reserved for SMEs")),
)


def render_needs_search():
    viewer = current_viewer()
    params = NeedSearch.from_args(request.args)
    results, unavailable, fallback = None, False, None
    try:
        results = search_needs(viewer, params)
    except SearchUnavailable as exc:  # the page still answers, without full text
        log.warning("search engine unavailable: %s", exc)
        unavailable = True
        fallback = queries.browse_needs(viewer, queries.BrowseFilters.from_args(request.args))
    except SearchError as exc:
        log.error("bad needs query: %s", exc)
        unavailable = True
        fallback = queries.browse_needs(viewer, queries.BrowseFilters())
    locale = current_locale()

    def page_url(number: int) -> str:
        args = request.args.to_dict(flat=False)
        args.pop("partial", None)
        args["page"] = [str(number)]
        return url_for("needs.search", **args)

    context = dict(
        viewer=viewer,
        params=params,
        results=results,
        unavailable=unavailable,
        fallback=fallback,
        page_url=page_url,
        sorts=[(v, str(t)) for v, t in SORT_LABELS],
        axes=[(c.code, c.label(locale)) for c in taxonomy.AXES],
        bands=[(b[0], str(BAND_LABELS[b[0]])) for b in documents.BUDGET_BANDS],
        routes=[("public", str(_l("Public procurement"))), ("private", str(_l("Private purchase")))],
        buyer_kinds=[("administration", str(_l("Administration"))), ("corporate", str(_l("Corporate group")))],
        regions=list(REGIONS.items()),
        deadlines=[(k, str(DEADLINE_LABELS[k])) for k in DEADLINE_WINDOWS],
        flags=[(v, str(t)) for v, t in FLAG_LABELS],
    )
    return render_search_page("search/needs.html", "search/_need_panel.html", context)


def is_htmx_request() -> bool:
    """An htmx request that swaps a fragment in (not one restoring the whole page from history).

    The notification centre and saved searches (app.alerts) answer their htmx actions with
    fragments too."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render_search_page(page: str, panel: str, context: dict):
    """The whole search page, or its results panel alone for htmx and ``?partial=1``."""
    htmx = is_htmx_request()
    if htmx or request.args.get("partial"):
        # htmx also gets the live region's sentence out of band; a boosted pagination link
        # (HX-Boosted) moves focus to the results heading, as the link is gone.
        body = render_template(panel, oob=htmx, focus_results=htmx and request.headers.get("HX-Boosted") == "true",
                               **context)
    else:
        body = render_template(page, **context)
    response = make_response(body)
    response.vary.add("HX-Request")  # the same URL answers a fragment or a page
    return response
