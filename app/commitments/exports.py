"""The dashboard's tables as CSV files, for a spreadsheet.

Format, chosen for Excel as French users open it:

- UTF-8 with a byte order mark (so that Excel reads the accents), ``;`` between cells,
  CRLF line ends, a header row in the reader's language;
- amounts in euros with two decimals, written from integer cents without floats, the
  decimal separator of the reader's language and no thousands separator: ``1234,56``
  in French, ``1234.56`` in English; percentages likewise with one decimal; dates
  ``YYYY-MM-DD``;
- text cells that a spreadsheet would read as a formula (starting with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return) are prefixed with a single quote.

Tables are built from the same figures as the pages (``app.commitments.stats``) and
downloaded under the same access rules (``app.commitments.dashboard_policy``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import Response, stream_with_context
from flask_babel import format_date
from flask_babel import gettext as _

from app.commitments.eligibility import assess
from app.commitments.stats import Collective, MemberRow
from app.commitments.stats_breakdowns import Breakdown, Deal, SbaRow
from app.i18n import current_locale
from app.main.labels import label

DELIMITER = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Money:
    """An amount in integer cents, written as euros with two decimals."""

    cents: int | None


def money_text(cents: int | None) -> str:
    if cents is None:
        return ""
    whole, rest = divmod(abs(int(cents)), 100)
    decimal = "," if current_locale() == "fr" else "."
    return f"{'-' if cents < 0 else ''}{whole}{decimal}{rest:02d}"


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Money):
        return money_text(value.cents)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return str(value).replace(".", ",") if current_locale() == "fr" else str(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([cell(h) for h in header])
    yield "\ufeff" + flush()
    for n, row in enumerate(rows, start=1):
        writer.writerow([cell(v) for v in row])
        if n % 500 == 0:
            yield flush()
    yield flush()


def csv_response(name: str, header: list[str], rows: Iterable[list]) -> Response:
    body = stream_with_context(csv_lines(header, rows))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- tables ------------------------------------------------------------------------------------

def not_shown(k: int | None) -> str:
    """The cell of an amount the public figures do not show (minimum cell size ``k``)."""
    return _("not shown: fewer than %(k)d purchases", k=k or 0)


def amount_cell(cents: int | None, k: int | None, hidden: bool = False):
    return not_shown(k) if hidden or cents is None else Money(cents)


def progress_table(c: Collective) -> tuple[list[str], list[list]]:
    header = [_("Month"), _("Verified, cumulative (€)"), _("Verified and awaiting verification, cumulative (€)"),
              _("Target (€)")]
    rows = [[format_date(m.month, "yyyy-MM"), amount_cell(m.verified_cents, c.min_cell),
             amount_cell(m.declared_cents, c.min_cell), Money(c.target_cents)] for m in c.series]
    return header, rows


def breakdown_table(b: Breakdown) -> tuple[list[str], list[list]]:
    header = [str(b.dimension.title), _("Verified purchases that count (€)"), _("Number that count"),
              _("All verified purchases (€)"), _("Number of verified purchases"), _("Share of verified value (%)")]
    rows = [[r.label, amount_cell(r.eligible_cents, r.min_cell, r.hidden), r.eligible_count,
             amount_cell(r.all_cents, r.min_cell, r.hidden), r.all_count, b.share(r)]
            for r in b.rows]
    return header, rows


def members_table(rows: list[MemberRow]) -> tuple[list[str], list[list]]:
    header = [_("Member"), _("Pledged (€)"), _("Awarded on Tremplin (€)"), _("Declared, awaiting verification (€)"),
              _("Verified (€)"), _("Progress against the pledge (%)"), _("Verified, every supplier (€)"),
              _("Last 90 days (€)"), _("90 days before (€)")]
    return header, [[r.name, Money(r.pledged_cents), Money(r.awarded_cents), Money(r.declared_cents),
                     Money(r.verified_cents), r.progress, Money(r.verified_all_cents), Money(r.last_window_cents),
                     Money(r.previous_window_cents)] for r in rows]


def sba_table(rows: list[SbaRow]) -> tuple[list[str], list[list]]:
    header = [_("Buyer"), _("Verified value (€)"), _("To EU SMEs and startups (€)"),
              _("Share to EU SMEs and startups (%)"), _("Suppliers"), _("Suppliers reached for the first time")]
    return header, [[r.name or _("All members"), amount_cell(r.awarded_cents, r.min_cell, r.hidden),
                     amount_cell(r.eu_sme_cents, r.min_cell, r.hidden), r.eu_sme_share if not r.hidden else None,
                     r.suppliers, r.first_time_suppliers] for r in rows]


def deals_table(deals: list[Deal]) -> tuple[list[str], list[list]]:
    header = [_("Date"), _("Buyer"), _("Supplier"), _("Need"), _("Reference"), _("Axis"), _("Amount (€)")]
    return header, [[d.purchased_on, d.buyer, d.supplier, d.title, d.reference, d.axis_label,
                     Money(d.amount_cents) if d.amount_cents is not None else _("amount not disclosed")]
                    for d in deals]


def purchases_statement(scope):
    """The purchases in scope, with what the table shows (columns only: read by a cursor, not loaded)."""
    from sqlalchemy import select

    from app.accounts.models import Organisation
    from app.commitments.models import Purchase as P

    return (
        select(Organisation.name.label("buyer_name"), P.purchased_on, P.supplier_name, P.amount_cents, P.source,
               P.status, P.supplier_class, P.supplier_geo, P.supplier_country, P.supplier_innovative)
        .join(Organisation, Organisation.id == P.buyer_id)
        .where(scope.condition())
        .order_by(Organisation.name, P.buyer_id, P.purchased_on.desc(), P.id.desc())
    )


def purchases_table(scope, *, period: tuple[date, date]) -> tuple[list[str], Iterator[list]]:
    """Every purchase in scope with the reason it counts or not; streamed from its own connection."""
    from app.extensions import db

    header = [_("Buyer"), _("Date"), _("Supplier"), _("Amount (€)"), _("Source"), _("Status"),
              _("Counts under the rule"), _("Why")]

    def rows() -> Iterator[list]:
        with db.engine.connect() as connection:
            result = connection.execution_options(stream_results=True, yield_per=1000).execute(
                purchases_statement(scope))
            for p in result:
                verdict = assess(p)
                in_period = period[0] <= p.purchased_on <= period[1]
                why = verdict.explanation() if in_period else _("Does not count: outside the programme period.")
                yield [p.buyer_name, p.purchased_on, p.supplier_name, Money(p.amount_cents), source_label(p.source),
                       label(p.status), verdict.counts and in_period, why]

    return header, rows()


def source_label(source) -> str:
    return _("Awarded on Tremplin") if getattr(source, "value", source) == "award" else _("Declared")


# --- one table for one reader (the download link and the prepared file alike) --------------------

class ExportRefused(Exception):
    """This reader may not have this table: ``not_found`` (no such table, or another organisation's
    detail) or not allowed (``not_found`` False: sign in, or 403)."""

    def __init__(self, *, not_found: bool):
        super().__init__("not found" if not_found else "not allowed")
        self.not_found = not_found


@dataclass(frozen=True)
class Table:
    name: str
    header: list[str]
    rows: Iterable[list]
    total: int | None  # rows, when known without reading them all

    def filename(self, today: date) -> str:
        return f"tremplin-commitment-{self.name}-{today.isoformat()}"


def check_export(reader, table: str, organisation: int | None = None) -> None:
    """Raise ExportRefused unless ``reader`` may download ``table`` (of ``organisation``)."""
    from app.commitments.dashboard_policy import DETAIL_TABLES, PUBLIC_TABLES, may_export

    if table not in PUBLIC_TABLES | DETAIL_TABLES:
        raise ExportRefused(not_found=True)
    if not may_export(reader, table):
        raise ExportRefused(not_found=False)
    if table in DETAIL_TABLES and organisation is not None and not reader.may_see_organisation(organisation):
        raise ExportRefused(not_found=True)


def table_for(reader, table: str, *, organisation: int | None = None, programme, today: date,
              counted: bool = False) -> Table:
    """The header and rows of ``table`` as ``reader`` may see it (``check_export`` first);
    ``counted``: count the rows beforehand when they are read by a cursor (the purchases)."""
    from sqlalchemy import func, select

    from app.commitments.dashboard_policy import DETAIL_TABLES, PUBLIC_TABLES, Audience
    from app.commitments.public_figures import compute, public_figures
    from app.commitments.stats import Scope, members
    from app.commitments.stats_breakdowns import sba_by_buyer
    from app.extensions import db

    check_export(reader, table, organisation)
    scope = reader.detail_scope
    if table in DETAIL_TABLES and organisation is not None:
        scope = Scope.of_buyer(organisation)
    if table in PUBLIC_TABLES:
        # Exact for members and the operator (as on their dashboard), protected for everyone else.
        exact = reader.audience in (Audience.MEMBER, Audience.OPERATOR)
        figures = compute(programme, today) if exact else public_figures(programme, today)
        if table == "progress":
            header, rows = progress_table(figures.collective)
        elif table == "sba":
            header, rows = sba_table([figures.sba])
        elif table == "deals":
            header, rows = deals_table(figures.deals)
        else:
            header, rows = breakdown_table(figures.breakdowns[table.removeprefix("breakdown-")])
    elif table == "members":
        header, rows = members_table(members(programme, scope, today=today))
    elif table == "sba-buyers":
        header, rows = sba_table(sba_by_buyer(programme, scope))
    else:  # purchases: read by a cursor, counted apart
        header, rows = purchases_table(scope, period=(programme.start, programme.end))
        total = None
        if counted:
            total = db.session.scalar(select(func.count()).select_from(purchases_statement(scope).subquery()))
        return Table(table, header, rows, total)
    return Table(table, header, rows, len(rows))
