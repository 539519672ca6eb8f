"""Charts drawn by the server as SVG, shared by every dashboard: no script, no external service.

- ``bar_chart``: horizontal bars, one per row (a status, a dimension's value), the label
  above the bar and the figure at its end; optionally a darker part of each bar;
- ``month_chart``: one column per calendar month, its figure above, the month below.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` saying every figure
in words; pages put the same figures in a table beside it. Colours and sizes are SVG
attributes (no ``style``), every text is escaped, and the drawing scales to the width of its
container (``viewBox``) with few, short labels so that it stays legible on a phone. Colours
pass 3:1 against white. Callers say how a figure reads: ``short`` at the bar's end (« 12 »,
« 1,2 M € ») and ``words`` in the description (« 12 bids », « 1 200 000,00 € »).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape

INK, MUTED, GRID = "#1b1f24", "#4a5260", "#c5cbd4"
BAR_ALL, BAR_PART = "#7089c4", "#14305f"
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'


def chart_id_of(chart_id: str) -> str:
    """An id safe in an attribute: lower case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9-]", "-", chart_id.lower())


def n(value: float) -> str:
    """A coordinate with at most one decimal."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 12, fill: str = INK,
         weight: str | None = None) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (f'<text x="{n(x)}" y="{n(y)}" font-size="{size}" fill="{fill}" text-anchor="{anchor}"{bold}>'
            f"{escape(content)}</text>")


def svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    """The ``<svg role="img">`` around ``body``, named by its title and described by its desc."""
    cid = chart_id_of(chart_id)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" {FONT}>'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


def nice_step(maximum: int, ticks: int = 4) -> int:
    """A round step (1, 2, 2.5 or 5 × 10^n) so that ``ticks`` steps cover ``maximum``."""
    raw = max(-(-maximum // ticks), 1)
    magnitude = 1
    while magnitude * 10 <= raw:
        magnitude *= 10
    for factor in (1, 2, 2.5, 5, 10):
        step = int(magnitude * factor)
        if step >= raw:
            return step
    return magnitude * 10


# --- horizontal bars -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    part: int | None = None  # a darker part of the bar (e.g. what counts under the rule)


def bar_chart(bars: Sequence[Bar], *, chart_id: str, title: str, empty: str,
              short: Callable[[int], str] = str, words: Callable[[int], str] = str,
              total_label: str | None = None, part_label: str | None = None) -> Markup:
    """Horizontal bars with their label above and their figure at the end; ``empty`` when none."""
    width, row, top = 360, 38, 4
    has_parts = any(b.part is not None for b in bars)
    body: list[str] = []
    if has_parts and total_label and part_label:
        for i, (label, colour) in enumerate(((part_label, BAR_PART), (total_label, BAR_ALL))):
            ly = 4 + i * 15
            body.append(f'<rect x="4" y="{ly}" width="14" height="10" fill="{colour}"/>')
            body.append(text(24, ly + 9, label, size=11))
        top = 36
    maximum = max([b.value for b in bars] + [1])
    span = width - 4 - 84
    lines = []
    for i, bar in enumerate(bars):
        y = top + i * row
        body.append(text(4, y + 13, bar.label, size=12))
        length = span * bar.value / maximum
        body.append(f'<rect x="4" y="{n(y + 18)}" width="{n(max(length, 1 if bar.value else 0))}" '
                    f'height="14" fill="{BAR_ALL}"/>')
        if bar.part:
            body.append(f'<rect x="4" y="{n(y + 18)}" width="{n(max(span * bar.part / maximum, 1))}" '
                        f'height="14" fill="{BAR_PART}"/>')
        body.append(text(4 + length + 5, y + 30, short(bar.value), size=11, fill=MUTED))
        if bar.part is not None and part_label:
            lines.append(_("%(label)s: %(total)s (%(part_label)s: %(part)s).", label=bar.label,
                           total=words(bar.value), part=words(bar.part), part_label=part_label))
        else:
            lines.append(_("%(label)s: %(total)s.", label=bar.label, total=words(bar.value)))
    height = top + max(len(bars), 1) * row + 4
    if not bars:
        body.append(text(4, top + 20, empty, size=12, fill=MUTED))
        lines.append(empty)
    return svg(chart_id, width, height, title, " ".join(lines), body)


# --- columns by month ----------------------------------------------------------------------------

def month_chart(months: Sequence[tuple[date, int]], *, chart_id: str, title: str,
                words: Callable[[int], str] | None = None) -> Markup:
    """One column per month (its first day, oldest first), its figure above, its short name below."""
    width, height, left, top, bottom = 360, 170, 4, 18, 140
    maximum = max([count for _month, count in months] + [1])
    ceiling = nice_step(maximum, 4) * 4 if maximum > 4 else 4
    slot = (width - 2 * left) / max(len(months), 1)
    body = [f'<line x1="{left}" y1="{bottom}" x2="{width - left}" y2="{bottom}" stroke="{GRID}"/>']
    lines = []
    for i, (month, count) in enumerate(months):
        x = left + i * slot
        tall = (bottom - top) * count / ceiling
        if count:
            body.append(f'<rect x="{n(x + slot * 0.15)}" y="{n(bottom - tall)}" width="{n(slot * 0.7)}" '
                        f'height="{n(tall)}" fill="{BAR_ALL}"/>')
        body.append(text(x + slot / 2, bottom - tall - 4, str(count), anchor="middle", size=10, fill=MUTED))
        body.append(text(x + slot / 2, bottom + 14, format_date(month, "MMM"), anchor="middle", size=10))
        if words is None:
            lines.append(_("%(month)s: %(num)d.", month=month_label(month), num=count))
        else:
            lines.append(_("%(label)s: %(total)s.", label=month_label(month), total=words(count)))
    return svg(chart_id, width, height + 4, title, " ".join(lines), body)


def month_label(month: date) -> str:
    """A month in full, as the charts' descriptions and tables name it: « novembre 2026 »."""
    return format_date(month, "MMMM y")
