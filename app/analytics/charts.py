"""The supplier analytics' chart: needs in its field by month, as columns, drawn by the server.

Built with the commitment charts' helpers (app.commitments.charts): an ``<svg role="img">``
whose ``<desc>`` says every figure in words, no script.
"""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from app.analytics.queries import MonthCount
from app.commitments.charts import BAR_ALL, GRID, MUTED, _n, _svg, _text, nice_step


def months_chart(months: list[MonthCount], *, chart_id: str, title: str) -> Markup:
    """One column per month, its count above it, the month's short name below."""
    width, height, left, top, bottom = 360, 170, 4, 18, 140
    maximum = max([m.count for m in months] + [1])
    ceiling = nice_step(maximum, 4) * 4 if maximum > 4 else 4
    slot = (width - 2 * left) / max(len(months), 1)
    body = [f'<line x1="{left}" y1="{bottom}" x2="{width - left}" y2="{bottom}" stroke="{GRID}"/>']
    lines = []
    for i, month in enumerate(months):
        x = left + i * slot
        tall = (bottom - top) * month.count / ceiling
        if month.count:
            body.append(f'<rect x="{_n(x + slot * 0.15)}" y="{_n(bottom - tall)}" width="{_n(slot * 0.7)}" '
                        f'height="{_n(tall)}" fill="{BAR_ALL}"/>')
        body.append(_text(x + slot / 2, bottom - tall - 4, str(month.count), anchor="middle", size=10, fill=MUTED))
        body.append(_text(x + slot / 2, bottom + 14, format_date(month.month, "MMM"), anchor="middle", size=10))
        lines.append(_("%(month)s: %(num)d.", month=format_date(month.month, "MMMM y"), num=month.count))
    return _svg(chart_id, width, height + 4, title, " ".join(lines), body)
