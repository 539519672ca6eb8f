"""Supplier pages: the directory buyers search, and a supplier's profile.

A supplier's own people change its profile, solutions and certifications under /supplier
(app.suppliers.views_profile, views_solutions and views_certifications, imported at the bottom).
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from app.accounts.identifiers import EU_COUNTRIES
from app.accounts.models import Organisation, SizeCategory
from app.extensions import db
from app.i18n import current_locale
from app.main.paging import paginate, requested_page
from app.matching.pages import render_search_page
from app.matching.search import SupplierSearch, search_suppliers
from app.needs import taxonomy
from app.needs.policy import current_viewer
from app.suppliers.models import Certification, CertificationKind, Solution
from app.suppliers.policy import can_browse_suppliers, can_edit_supplier, can_view_supplier
from search.base import SearchError, SearchUnavailable

log = logging.getLogger(__name__)
bp = Blueprint("suppliers", __name__)  # the directory under /suppliers, one's own pages under /supplier

LABELS = {"french_tech_120": "French Tech 120", "next40": "Next40", "jei": _l("Young innovative company (JEI)"),
          "greentech": "GreenTech Innovation", "french_tech_2030": "French Tech 2030"}
FLAG_LABELS = (("secnumcloud", _l("SecNumCloud qualified")), ("open_source", _l("Open source solutions")),
               ("hosting_eu", _l("Hosting in the EU")), ("eu", _l("Established in the EU")))
SIZE_LABELS = {"micro": _l("Micro company"), "small": _l("Small company"), "medium": _l("Medium company"),
               "mid": _l("Mid-size company"), "large": _l("Large company")}


@bp.get("/suppliers")
@login_required
def directory():
    viewer = current_viewer()
    if not can_browse_suppliers(viewer):
        abort(403)
    params = SupplierSearch.from_args(request.args)
    results, unavailable = None, False
    try:
        results = search_suppliers(params)
    except (SearchUnavailable, SearchError) as exc:
        log.warning("supplier search failed: %s", exc)
        unavailable = True
    locale = current_locale()

    def page_url(number: int) -> str:
        args = request.args.to_dict(flat=False)
        args.pop("partial", None)
        args["page"] = [str(number)]
        return url_for("suppliers.directory", **args)

    context = dict(
        params=params, results=results, unavailable=unavailable, page_url=page_url,
        axes=[(c.code, c.label(locale)) for c in taxonomy.AXES],
        certifications=[(k.value, k.value.upper() if k.value != "secnumcloud" else "SecNumCloud")
                        for k in CertificationKind],
        countries=[(c, c) for c in EU_COUNTRIES],
        sizes=[(s.value, str(SIZE_LABELS[s.value])) for s in SizeCategory],
        labels=[(k, str(v)) for k, v in LABELS.items()],
        flags=[(v, str(t)) for v, t in FLAG_LABELS],
    )
    return render_search_page("search/suppliers.html", "search/_supplier_panel.html", context)


@bp.get("/suppliers/<slug>")
@login_required
def profile(slug: str):
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    viewer = current_viewer()
    if organisation is None or not can_view_supplier(viewer, organisation):
        abort(404)
    solutions = paginate(select(Solution).where(Solution.organisation_id == organisation.id)
                         .order_by(Solution.name, Solution.id), page=requested_page())
    certifications = paginate(select(Certification).where(Certification.organisation_id == organisation.id)
                              .order_by(Certification.kind, Certification.reference, Certification.id),
                              page=requested_page("certifications_page"))
    return render_template("suppliers/profile.html", org=organisation, labels=LABELS, solutions=solutions,
                           certifications=certifications,
                           can_edit=can_edit_supplier(viewer, organisation))


from app.suppliers import views_certifications, views_profile, views_solutions  # noqa: E402,F401 - routes on bp
