"""The commitment dashboard, the public figures and their CSV exports.

- ``/commitment/`` (signed in): the collective figure for everyone; an alliance member's
  people also see their organisation's detail; the operator sees every member and may
  open any member's detail (``?organisation=<id>``).
- ``/commitment/public``: aggregates only, protected by a minimum cell size
  (``app.commitments.public_figures``), and the latest deals awarded on public needs.
- ``/commitment/export/<table>.csv``: each table, under the page's access rules
  (``app.commitments.dashboard_policy``); CSV format in ``app.commitments.exports``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.accounts.auth import current_membership
from app.accounts.forms import EmptyForm
from app.accounts.models import Organisation
from app.commitments import exports
from app.commitments.charts import Bar, bar_chart, compact, percent_text, progress_chart
from app.commitments.dashboard_policy import (
    Audience,
    Reader,
    reader_of,
)
from app.commitments.eligibility import assess
from app.commitments.models import Commitment, Purchase
from app.commitments.public_figures import PublicFigures, compute, min_cell, public_figures
from app.commitments.stats import Programme, Scope, collective, member_page, members
from app.commitments.stats_breakdowns import Breakdown, SbaRow, sba_by_buyer
from app.commitments.views import bp
from app.db import utcnow
from app.events import commit
from app.extensions import db, login_manager
from app.main.filters import PARIS

PER_PAGE = 50
PURCHASES_PER_PAGE = 20


def today_in_paris() -> date:
    return utcnow().astimezone(PARIS).date()


def current_reader() -> Reader:
    return reader_of(current_user, current_membership())


@bp.context_processor
def _dashboard_helpers():
    return {"share_text": percent_text, "compact_euros": compact}


# --- figures for the pages -----------------------------------------------------------------------

def breakdown_chart(b: Breakdown, *, prefix: str = "") -> object:
    """The breakdown's bars (None when every row's amounts are hidden: the table says why)."""
    bars = [Bar(r.label, r.all_cents, r.eligible_cents) for r in b.rows if not r.hidden]
    if b.rows and not bars:
        return None
    return bar_chart(bars,
                     chart_id=f"{prefix}chart-{b.dimension.code}",
                     title=_("Verified purchases %(by)s", by=str(b.dimension.title).lower()),
                     total_label=_("All verified purchases"), part_label=_("Counting towards the commitment"))


def sba_chart(row: SbaRow, *, chart_id: str) -> object:
    if row.hidden:
        return None
    bars = [Bar(_("EU SMEs and startups"), row.eu_sme_cents), Bar(_("Other suppliers"),
                                                                  row.awarded_cents - row.eu_sme_cents)]
    return bar_chart(bars, chart_id=chart_id, title=_("Verified value by kind of supplier"))


def aggregates(programme: Programme, today: date, figures: PublicFigures) -> dict:
    """What anyone may see, with its charts: the collective figure, breakdowns, overall SBA indicators."""
    breakdowns = list(figures.breakdowns.values())
    return {
        "programme": programme, "today": today, "figure": figures.collective,
        "pledged_cents": figures.pledged_cents, "pledgers": figures.pledgers,
        "progress_chart": progress_chart(figures.collective, title=_("The alliance's progress towards its target")),
        "breakdowns": [(b, breakdown_chart(b)) for b in breakdowns],
        "sba": figures.sba, "sba_chart": sba_chart(figures.sba, chart_id="sba-chart"),
    }


@dataclass
class Paged:
    items: list
    page: int
    pages: int
    total: int


def purchases_of(organisation_id: int, page: int) -> Paged:
    total = db.session.scalar(select(func.count()).select_from(Purchase)
                              .where(Purchase.buyer_id == organisation_id)) or 0
    pages = max(1, -(-total // PURCHASES_PER_PAGE))
    page = min(max(page, 1), pages)
    items = db.session.scalars(
        select(Purchase).where(Purchase.buyer_id == organisation_id)
        .order_by(Purchase.purchased_on.desc(), Purchase.id.desc())
        .offset((page - 1) * PURCHASES_PER_PAGE).limit(PURCHASES_PER_PAGE)
    ).all()
    return Paged(items, page, pages, total)


def member_detail(organisation: Organisation, programme: Programme, today: date, page: int) -> dict:
    """One member's own figures: its row, its progress against its pledge, its SBA, its purchases."""
    scope = Scope.of_buyer(organisation.id)
    [row] = members(programme, scope, today=today) or [None]
    commitment = db.session.scalar(select(Commitment).where(Commitment.organisation_id == organisation.id))
    own = None
    if commitment is not None:
        own_programme = replace(programme, target_cents=commitment.amount_cents)
        own = collective(own_programme, scope, today=today)
    sba_rows = sba_by_buyer(programme, scope)
    sba = sba_rows[0] if sba_rows else SbaRow(organisation.id, organisation.name, 0, 0, 0, 0)
    purchases = purchases_of(organisation.id, page)
    return {
        "organisation": organisation, "row": row, "commitment": commitment, "own": own,
        "own_chart": progress_chart(own, chart_id="own-progress-chart",
                                    title=_("%(name)s: progress towards its pledge", name=organisation.name))
        if own is not None else None,
        "sba": sba,
        "purchases": purchases,
        "verdicts": {p.id: assess(p, programme.rule) for p in purchases.items},
    }


# --- pages --------------------------------------------------------------------------------------

@bp.route("/")
@login_required
def dashboard():
    reader = current_reader()
    programme, today = Programme.from_config(), today_in_paris()
    # Always fresh; exact for members and the operator, protected for other signed-in readers.
    protected = None if reader.audience in (Audience.MEMBER, Audience.OPERATOR) else min_cell()
    context = aggregates(programme, today, compute(programme, today, with_deals=False, min_cell=protected))
    context.update(reader=reader, Audience=Audience, detail=None)
    detail_id = reader.organisation_id
    if reader.audience == Audience.OPERATOR:
        # One page of members (largest pledges first); their figures are summed for that page only.
        page = max(request.args.get("members_page", 1, type=int), 1)
        ids, total = member_page(page, PER_PAGE)
        if not ids and page > 1:
            page = max(1, -(-total // PER_PAGE))
            ids, total = member_page(page, PER_PAGE)
        scope = Scope.of_buyers(ids)
        pages = max(1, -(-total // PER_PAGE))
        context["members"] = Paged(members(programme, scope, today=today), page, pages, total)
        context["sba_buyers"] = Paged(sba_by_buyer(programme, scope), page, pages, total)
        detail_id = request.args.get("organisation", type=int)
    elif request.args.get("organisation") and request.args.get("organisation", type=int) != detail_id:
        abort(404)  # another organisation's detail: not for this reader
    if detail_id is not None:
        organisation = db.session.get(Organisation, detail_id)
        if organisation is None or not organisation.alliance_member:
            abort(404)
        context["detail"] = member_detail(organisation, programme, today, request.args.get("page", 1, type=int))
    return render_template("commitments/dashboard.html", **context)


@bp.route("/public")
def public():
    programme, today = Programme.from_config(), today_in_paris()
    figures = public_figures(programme, today)
    context = aggregates(programme, today, figures)
    context["deals"] = figures.deals
    return render_template("commitments/public.html", **context)


# --- CSV exports -----------------------------------------------------------------------------------

@bp.route("/export/<table>.csv")
def export(table: str):
    reader = current_reader()
    programme, today = Programme.from_config(), today_in_paris()
    try:
        found = exports.table_for(reader, table, organisation=request.args.get("organisation", type=int),
                                  programme=programme, today=today)
    except exports.ExportRefused as refused:
        if refused.not_found:
            abort(404)
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        abort(403)
    return exports.csv_response(found.filename(today), found.header, found.rows)


@bp.post("/export/<table>/prepare")
@login_required
def prepare_export(table: str):
    """Build the CSV file in a background job; its progress page then offers the download."""
    from app.operations.models import OperationKind
    from app.operations.services import start_operation

    if not EmptyForm().validate_on_submit():
        abort(400)
    reader = current_reader()
    organisation = request.args.get("organisation", type=int)
    try:
        exports.check_export(reader, table, organisation)
    except exports.ExportRefused as refused:
        abort(404 if refused.not_found else 403)
    membership = current_membership()
    operation = start_operation(OperationKind.EXPORT, owner=current_user,
                                organisation=membership.organisation if membership else None,
                                params={"export": "commitments", "table": table, "organisation": organisation})
    commit()
    return redirect(url_for("operations.show", operation_id=operation.id), 303)
