"""The supplier analytics' chart: needs in its field by month, as columns, drawn by the server.

Drawn by the shared charts (app.main.charts): an ``<svg role="img">`` whose ``<desc>`` says
every figure in words, no script.
"""

from __future__ import annotations

from markupsafe import Markup

from app.analytics.queries import MonthCount
from app.main.charts import month_chart


def months_chart(months: list[MonthCount], *, chart_id: str, title: str) -> Markup:
    """One column per month, its count above it, the month's short name below."""
    return month_chart([(m.month, m.count) for m in months], chart_id=chart_id, title=title)
