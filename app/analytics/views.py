"""The supplier analytics page, /analytics: the organisation's own figures.

Suppliers' members only (buyers and others: 403). Under a plan without analytics
(app.billing.entitlements) the page says what it offers and links to the upgrade, and
shows no figures.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import format_date
from flask_babel import gettext as _

from app.accounts.auth import current_organisation
from app.accounts.policy import supplier_required
from app.analytics.charts import months_chart
from app.analytics.queries import supplier_figures
from app.bids.models import BidStatus
from app.billing import entitlements
from app.needs.policy import current_viewer

bp = Blueprint("analytics", __name__)


@bp.get("/analytics")
@supplier_required
def page():
    organisation = current_organisation()
    if not entitlements.analytics_allowed(organisation):
        return render_template("analytics/upgrade.html", plan=entitlements.plan_name(organisation),
                               upgrade=entitlements.upgrade_plan_name("supplier_analytics"),
                               upgrade_url=entitlements.upgrade_url())
    figures = supplier_figures(current_viewer())
    chart = months_chart(figures.needs_by_month, chart_id="needs-by-month",
                         title=_("Needs published in your field, by month")) if figures.categories else None
    month_rows = [(m, format_date(m.month, "MMMM y")) for m in reversed(figures.needs_by_month)]
    return render_template("analytics/page.html", figures=figures, chart=chart, organisation=organisation,
                           month_rows=month_rows, statuses={s.value: s for s in BidStatus})
