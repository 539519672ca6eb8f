"""The navigation each role sees, and the template helpers the layout needs.

A navigation entry names an endpoint; entries whose endpoint is not (yet) registered are
left out, so a domain's pages appear in the menu as soon as its blueprint defines them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, current_app, has_request_context, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import BuildError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    text: object  # a lazy string


HOME = NavItem("main.home", _l("Home"))
DASHBOARD = NavItem("main.home", _l("Dashboard"))
ORGANISATION = NavItem("accounts.organisation", _l("Organisation"))

NAVIGATION: dict[str, tuple[NavItem, ...]] = {
    "public": (HOME, NavItem("needs.search", _l("Find needs"))),
    "supplier": (
        DASHBOARD,
        NavItem("needs.search", _l("Find needs")),
        NavItem("bids.mine", _l("Our bids")),
        NavItem("alerts.saved_searches", _l("Alerts")),
        NavItem("analytics.page", _l("Analytics")),
        NavItem("suppliers.my_profile", _l("Our profile")),
        ORGANISATION,
    ),
    "buyer": (
        DASHBOARD,
        NavItem("needs.mine", _l("Our needs")),
        NavItem("needs.create", _l("Post a need")),
        NavItem("suppliers.directory", _l("Suppliers")),
        NavItem("commitments.dashboard", _l("Commitment")),
        ORGANISATION,
    ),
    "ambassador": (
        DASHBOARD,
        NavItem("needs.mine", _l("Our needs")),
        NavItem("suppliers.directory", _l("Suppliers")),
        NavItem("commitments.dashboard", _l("Commitment")),
        ORGANISATION,
    ),
    "operator": (
        DASHBOARD,
        NavItem("accounts.verify_queue", _l("Organisations to verify")),
        NavItem("commitments.purchases_queue", _l("Purchases to verify")),
        NavItem("commitments.dashboard", _l("Commitment")),
        NavItem("jobs.index", _l("Background jobs")),
    ),
    "none": (DASHBOARD,),
}


def maybe_url(endpoint: str, **values) -> str | None:
    """The URL of an endpoint, or None while that page does not exist."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def nav_role() -> str:
    """"public" for visitors, else the role whose home page the user lands on."""
    if not current_user.is_authenticated:
        return "public"
    from app.accounts.policy import home_role

    try:
        return home_role(current_user)
    except SQLAlchemyError:  # the layout must still render (e.g. on the 500 page)
        log.exception("could not work out the navigation role")
        return "none"


def nav_items(role: str) -> list[tuple[NavItem, str]]:
    items = []
    for item in NAVIGATION.get(role, ()):
        url = maybe_url(item.endpoint)
        if url is not None:
            items.append((item, url))
    return items


def language_url(code: str) -> str:
    """Switch to ``code`` and come back to this page (without a stale ``lang=`` in it)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    back = request.path + (f"?{urlencode(args)}" if args else "")
    return url_for("main.set_language", code=code, next=back)


def init_navigation(bp: Blueprint) -> None:
    @bp.app_context_processor
    def _navigation_context():
        if not has_request_context():  # e.g. an email rendered by a job
            return {"maybe_url": maybe_url}
        role = nav_role()
        return {
            "nav_role": role,
            "nav_items": nav_items(role),
            "language_url": language_url,
            "maybe_url": maybe_url,
        }
