"""The home page, fitted to the visitor's role, and small utility routes."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.accounts.auth import current_membership
from app.accounts.policy import home_role
from app.extensions import db
from app.main import charts, services
from app.main.labels import PROFILE_STEPS, label
from app.main.navigation import init_navigation

bp = Blueprint("main", __name__)
init_navigation(bp)


# --- the dashboards' charts (app.main.charts); the templates show the same figures as tables ----

def _needs(count: int) -> str:
    return ngettext("%(num)d need", "%(num)d needs", count)


def _bids(count: int) -> str:
    return ngettext("%(num)d bid", "%(num)d bids", count)


def _purchases(count: int) -> str:
    return ngettext("%(num)d purchase", "%(num)d purchases", count)


def status_rows(counts: dict) -> list[tuple[str, int]]:
    """(status in words, count) in the order of ``counts``: the bars, and the table under the chart."""
    return [(str(label(status)), count) for status, count in counts.items()]


def month_rows(months: list[tuple]) -> list[tuple]:
    """(month in words, figures...) oldest first: the table under a chart by month."""
    return [(charts.month_label(month), *figures) for month, *figures in months]


def status_chart(rows: list[tuple[str, int]], *, chart_id: str, title: str, words, empty: str):
    """One bar per status with its count."""
    return charts.bar_chart([charts.Bar(text, count) for text, count in rows],
                            chart_id=chart_id, title=title, words=words, empty=empty)


def buyer_charts(context: dict) -> dict:
    needs_rows = status_rows(context["need_counts"])
    return {
        "needs_rows": needs_rows,
        "needs_chart": status_chart(needs_rows, chart_id="needs-by-status", title=_("Your needs by status"),
                                    words=_needs, empty=_("No need yet.")),
        "bids_month_rows": month_rows(context["received_bids_by_month"]),
        "bids_month_chart": charts.month_chart(context["received_bids_by_month"], chart_id="bids-by-month",
                                               title=_("Bids received per month"), words=_bids),
    }


def operator_charts(context: dict) -> dict:
    activity, backlog = context["activity_by_month"], context["backlog"]
    monthly = ((1, "needs-published-by-month", _("Needs published per month"), _needs),
               (2, "bids-by-month", _("Bids submitted per month"), _bids),
               (3, "purchases-verified-by-month", _("Purchases verified per month"), _purchases))
    return {
        "activity_rows": month_rows(activity),
        "backlog_rows": [(_("Organisations to verify"), backlog.organisations, backlog.organisations_overdue),
                         (_("Declared purchases to verify"), backlog.purchases, backlog.purchases_overdue)],
        "activity_charts": [(title, charts.month_chart([(row[0], row[column]) for row in activity],
                                                       chart_id=chart_id, title=title, words=words))
                            for column, chart_id, title, words in monthly],
        "backlog_chart": charts.bar_chart(
            [charts.Bar(_("Organisations to verify"), backlog.organisations, backlog.organisations_overdue),
             charts.Bar(_("Declared purchases to verify"), backlog.purchases, backlog.purchases_overdue)],
            chart_id="verification-backlog", title=_("Verification backlog"), empty="",
            total_label=_("Waiting"), part_label=_("Waiting over 30 days")),
    }


def _role_context(role: str) -> dict:
    membership = current_membership()
    organisation = membership.organisation if membership is not None else None
    if role == "operator":
        context = services.operator_home()
        return {**context, **operator_charts(context)}
    if role == "supplier":
        context = services.supplier_home(organisation)
        bids_rows = status_rows(context["bid_counts"])
        return {**context, "profile_steps": PROFILE_STEPS, "bids_rows": bids_rows,
                "bids_chart": status_chart(bids_rows, chart_id="bids-by-status",
                                           title=_("Your bids by status"), words=_bids, empty=_("No bid yet."))}
    if role == "buyer":
        context = services.buyer_home(organisation)
        return {**context, **buyer_charts(context)}
    if role == "ambassador":
        context = services.ambassador_home(organisation)
        needs_rows = status_rows(context["need_counts"])
        return {**context, "needs_rows": needs_rows, "needs_chart": status_chart(
            needs_rows, chart_id="needs-by-status", title=_("Your organisation's needs by status"),
            words=_needs, empty=_("No need yet."))}
    return {"organisation": organisation}


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/home_public.html", **services.public_home())
    role = home_role(current_user)
    return render_template(f"main/home_{role}.html", role=role, **_role_context(role))


def _safe_next(target: str | None) -> str:
    """A path on this site to go back to; anything else sends the visitor home."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return url_for("main.home")
    return target


@bp.get("/lang/<code>")
def set_language(code: str):
    """Switch the interface language and go back where the visitor was."""
    if code in ("fr", "en"):
        session["lang"] = code
        if current_user.is_authenticated and current_user.locale != code:
            from app.events import commit

            current_user.locale = code
            commit()
    return redirect(_safe_next(request.args.get("next")))


@bp.get("/healthz")
def healthz():
    """For the load balancer: 200 while the app and its database answer, 503 otherwise, so
    traffic goes elsewhere while this instance cannot serve pages."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503, {"Retry-After": "30"}
    return {"status": "ok", "database": "ok"}
