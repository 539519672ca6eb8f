"""Charts drawn by the server as SVG: no script, no external service.

- ``progress_chart``: the cumulative amounts by month against the target, with the
  pace needed and the linear projection from the pace so far (dashed);
- ``bar_chart``: horizontal bars, one per value of a breakdown, each showing all
  verified purchases and, darker, the part that counts under the rule.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` saying the
figures in words (the tables beside the charts carry the same figures), text in the
reader's language and amounts formatted as the app formats them. Every text is escaped.
The drawing scales to the width of its container (``viewBox``), with few, short labels
so that it stays legible on a phone. Colours pass 3:1 against white and lines differ by
dash pattern as well as colour. The drawing primitives and the bar chart itself are shared
with the other dashboards (app.main.charts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from babel.numbers import format_compact_currency, format_decimal
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from app.commitments.stats import Collective
from app.i18n import current_locale
from app.main import charts
from app.main.charts import BAR_ALL, BAR_PART, GRID, INK, MUTED, nice_step
from app.main.charts import n as _n
from app.main.charts import svg as _svg
from app.main.charts import text as _text
from app.main.filters import euros

__all__ = ["BAR_ALL", "BAR_PART", "GRID", "INK", "MUTED", "Bar", "bar_chart", "compact", "nice_step",
           "percent_text", "progress_chart"]

VERIFIED, DECLARED, TARGET, NEEDED, PROJECTION = "#1d3f8f", "#b45309", "#4a5260", "#8a1c1c", "#1d3f8f"


def compact(cents: int) -> str:
    """A short amount for axes and bar ends: « 12,5 M € » / « €12.5M »."""
    return format_compact_currency(Decimal(cents) / 100, "EUR", locale=current_locale(), fraction_digits=1)


def percent_text(value: Decimal | None) -> str:
    """A percentage with one decimal in the reader's typography: « 12,5 % » / « 12.5% »."""
    if value is None:
        return "—"
    number = format_decimal(value, format="#,##0.0", locale=current_locale())
    return f"{number}\u00a0%" if current_locale() == "fr" else f"{number}%"


# --- the progress chart ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Frame:
    left: int
    right: int
    top: int
    bottom: int
    start: date
    days: int
    maximum: int

    def x(self, day: date) -> float:
        offset = min(max((day - self.start).days, 0), self.days)
        return self.left + (self.right - self.left) * offset / self.days

    def y(self, cents: int) -> float:
        return self.bottom - (self.bottom - self.top) * min(cents, self.maximum) / self.maximum


def _month_end(first: date) -> date:
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _progress_desc(c: Collective) -> str:
    if c.verified_hidden:
        parts = [_("Verified purchases that count: not shown (fewer than %(k)d purchases); the target is %(target)s.",
                   k=c.min_cell, target=euros(c.target_cents))]
    else:
        parts = [_("Verified purchases that count: %(verified)s, %(progress)s of the %(target)s target.",
                   verified=euros(c.verified_cents), progress=percent_text(c.progress),
                   target=euros(c.target_cents))]
    if c.declared_cents and not c.declared_hidden:
        parts.append(_("Another %(declared)s is awaiting verification.", declared=euros(c.declared_cents)))
    p = c.pace
    if p.so_far_cents is not None:
        parts.append(_("Pace so far: %(pace)s a month.", pace=euros(p.so_far_cents)))
    if p.needed_cents:
        parts.append(_("Pace needed to reach the target by %(end)s: %(pace)s a month.",
                       end=format_date(c.end, "long"), pace=euros(p.needed_cents)))
    if p.projection_cents is not None and p.days_left:
        parts.append(_("At the pace so far (a linear projection), %(projection)s would be reached by %(end)s.",
                       projection=euros(p.projection_cents), end=format_date(c.end, "long")))
    return " ".join(parts)


def progress_chart(c: Collective, *, chart_id: str = "progress-chart", title: str | None = None) -> Markup:
    """Cumulative verified (and verified + awaiting) amounts by month, target, pace needed, projection."""
    width, height = 400, 290
    p = c.pace
    peak = max([c.target_cents, p.projection_cents or 0] + [m.declared_cents or 0 for m in c.series]
               + [m.verified_cents or 0 for m in c.series] + [1])
    step = nice_step(peak)
    maximum = step * -(-peak // step)
    frame = _Frame(left=54, right=width - 12, top=66, bottom=height - 26, start=c.start,
                   days=max((c.end - c.start).days, 1), maximum=maximum)
    body: list[str] = []

    # Legend above the plot: short labels on the left, longer ones on the right
    legend = [(0, 0, _("Verified amount"), VERIFIED, None, 3),
              (1, 0, _("Verified + awaiting verification"), DECLARED, None, 2),
              (0, 1, _("Target"), TARGET, "8 4", 1.5),
              (1, 1, _("Projection at the pace so far"), PROJECTION, "6 4", 2),
              (0, 2, _("Pace needed"), NEEDED, "2 3", 2)]
    for column, line, label, colour, dash, stroke in legend:
        lx, ly = 4 + column * 122, 12 + line * 16
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 20}" y2="{ly - 4}" stroke="{colour}" '
                    f'stroke-width="{stroke}"{dash_attr}/>')
        body.append(_text(lx + 25, ly, label, size=12))

    # Grid and amounts
    for tick in range(0, maximum + 1, step):
        y = frame.y(tick)
        body.append(f'<line x1="{frame.left}" y1="{_n(y)}" x2="{frame.right}" y2="{_n(y)}" stroke="{GRID}" '
                    f'stroke-width="1"/>')
        body.append(_text(frame.left - 6, y + 4, compact(tick), anchor="end", size=12, fill=MUTED))
    # Months: at most six labels across the period
    months = []
    first = date(c.start.year, c.start.month, 1)
    while first <= c.end:
        months.append(first)
        first = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    every = max(1, -(-len(months) // 6))
    for month in months[::every]:
        x = frame.x(max(month, c.start))
        body.append(f'<line x1="{_n(x)}" y1="{frame.bottom}" x2="{_n(x)}" y2="{frame.bottom + 4}" stroke="{MUTED}"/>')
        body.append(_text(x, frame.bottom + 17, format_date(month, "MMM yy"), anchor="middle", size=12, fill=MUTED))
    body.append(f'<line x1="{frame.left}" y1="{frame.bottom}" x2="{frame.right}" y2="{frame.bottom}" '
                f'stroke="{MUTED}" stroke-width="1"/>')

    # Target
    ty = frame.y(c.target_cents)
    body.append(f'<line x1="{frame.left}" y1="{_n(ty)}" x2="{frame.right}" y2="{_n(ty)}" stroke="{TARGET}" '
                f'stroke-width="1.5" stroke-dasharray="8 4"/>')
    body.append(_text(frame.left + 4, ty + 13 if ty - frame.top < 14 else ty - 5,
                      _("Target: %(amount)s", amount=compact(c.target_cents)), size=11, fill=TARGET, weight="600"))

    # Cumulative lines, from zero at the start to today
    def polyline(values: list[tuple[date, int]], colour: str, stroke: float) -> str:
        points = " ".join(f"{_n(frame.x(d))},{_n(frame.y(v))}" for d, v in values)
        return (f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{stroke}" '
                f'stroke-linejoin="round"/>')

    today = min(max(c.today, c.start), c.end)
    ends = [min(_month_end(m.month), today) for m in c.series]
    # (A line not shown under the public figures' minimum cell size has None values.)
    if c.series and not c.declared_hidden and not c.verified_hidden:
        body.append(polyline([(c.start, 0)] + [(d, m.declared_cents) for d, m in zip(ends, c.series, strict=True)],
                             DECLARED, 2))
    if c.series and not c.verified_hidden:
        body.append(polyline([(c.start, 0)] + [(d, m.verified_cents) for d, m in zip(ends, c.series, strict=True)],
                             VERIFIED, 3))
    # Pace needed and projection, from today's verified amount to the end of the period
    if p.days_left and c.today >= c.start and not c.verified_hidden:
        x0, y0 = frame.x(today), frame.y(c.verified_cents)
        if p.needed_cents:
            body.append(f'<line x1="{_n(x0)}" y1="{_n(y0)}" x2="{_n(frame.x(c.end))}" y2="{_n(ty)}" '
                        f'stroke="{NEEDED}" stroke-width="2" stroke-dasharray="2 3"/>')
        if p.projection_cents is not None:
            body.append(f'<line x1="{_n(x0)}" y1="{_n(y0)}" x2="{_n(frame.x(c.end))}" '
                        f'y2="{_n(frame.y(p.projection_cents))}" stroke="{PROJECTION}" stroke-width="2" '
                        f'stroke-dasharray="6 4"/>')
        body.append(f'<circle cx="{_n(x0)}" cy="{_n(y0)}" r="3.5" fill="{VERIFIED}"/>')
    return _svg(chart_id, width, height, title or _("Progress towards the target"), _progress_desc(c), body)


# --- bar charts (drawn by app.main.charts) -------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    label: str
    total_cents: int
    part_cents: int | None = None  # the darker part (e.g. what counts under the rule)


def bar_chart(bars: list[Bar], *, chart_id: str, title: str, total_label: str | None = None,
              part_label: str | None = None) -> Markup:
    """Horizontal bars of amounts with their label above and their amount at the end."""
    return charts.bar_chart([charts.Bar(b.label, b.total_cents, b.part_cents) for b in bars], chart_id=chart_id,
                            title=title, empty=_("No verified purchase yet."), short=compact, words=euros,
                            total_label=total_label, part_label=part_label)
