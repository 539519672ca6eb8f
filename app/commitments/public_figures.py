"""The figures anyone may see, and a short per-process cache of them for the public page.

The public page and its CSV files need about ten aggregates over every purchase in the
period (each a few hundred milliseconds on a million purchases, see
bench/commitment_dashboard.py). They are the same for every visitor, so the public page
and the public CSV files reuse them for ``COMMITMENT_PUBLIC_CACHE_SECONDS`` (60 by
default; 0, the default under testing, computes them on every request), per process,
keyed by the programme's settings and the day. A visitor may thus see a purchase verified
less than a minute ago not yet counted. Signed-in dashboards always compute afresh.

**Minimum cell size.** An aggregate of one or two purchases is one deal's amount, even
when its buyer chose not to disclose it. The public figures therefore show no amount made
of fewer than ``COMMITMENT_PUBLIC_MIN_CELL`` purchases (3 by default): small breakdown
rows are folded together (``stats_breakdowns.protect``), the cumulative lines move by
groups of at least that many purchases and small totals are hidden
(``stats.collective(min_cell=...)``), and so are the overall Small Business Act amounts
when one of their parts is too small (``stats_breakdowns.protect_sba``). The public page,
the public CSV files and signed-in readers outside the alliance get these figures;
alliance members and the operator get exact ones. The latest deals show an amount only
when its buyer disclosed it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date

from flask import current_app

from app.commitments.stats import Collective, Programme, collective, pledged_total
from app.commitments.stats_breakdowns import (
    DIMENSIONS,
    Breakdown,
    Deal,
    SbaRow,
    breakdown,
    latest_deals,
    protect,
    protect_sba,
    sba_overall,
)

DEFAULT_CACHE_SECONDS = 60
DEFAULT_MIN_CELL = 3
DEALS = 10


def min_cell() -> int:
    """The public figures' minimum cell size: ``COMMITMENT_PUBLIC_MIN_CELL``, 3 by default."""
    return max(int(current_app.config.get("COMMITMENT_PUBLIC_MIN_CELL", DEFAULT_MIN_CELL)), 1)


@dataclass(frozen=True)
class PublicFigures:
    collective: Collective
    breakdowns: dict[str, Breakdown]
    sba: SbaRow
    pledged_cents: int
    pledgers: int
    deals: list[Deal] = field(default_factory=list)
    min_cell: int | None = None  # None: exact figures


def compute(programme: Programme, today: date, *, with_deals: bool = True,
            min_cell: int | None = None) -> PublicFigures:
    """The aggregates; with ``min_cell``, protected by that minimum cell size (see above)."""
    pledged, pledgers = pledged_total()
    breakdowns = {code: breakdown(code, programme) for code in DIMENSIONS}
    sba = sba_overall(programme)
    if min_cell is not None:
        eligible_count = sum(r.eligible_count for r in breakdowns["class"].rows)
        breakdowns = {code: protect(b, min_cell) for code, b in breakdowns.items()}
        sba = protect_sba(sba, min_cell, eligible_count=eligible_count)
    return PublicFigures(
        collective=collective(programme, today=today, min_cell=min_cell),
        breakdowns=breakdowns,
        sba=sba,
        pledged_cents=pledged,
        pledgers=pledgers,
        deals=latest_deals(programme, limit=DEALS) if with_deals else [],
        min_cell=min_cell,
    )


_cache: dict[tuple, tuple[float, PublicFigures]] = {}
_lock = threading.Lock()


def cache_seconds() -> int:
    default = 0 if current_app.testing else DEFAULT_CACHE_SECONDS
    return int(current_app.config.get("COMMITMENT_PUBLIC_CACHE_SECONDS", default))


def public_figures(programme: Programme, today: date) -> PublicFigures:
    """The public figures, protected by the minimum cell size, reused for a minute (see the
    module's docstring)."""
    ttl, k = cache_seconds(), min_cell()
    if ttl <= 0:
        return compute(programme, today, min_cell=k)
    key = (id(current_app._get_current_object()), programme.target_cents, programme.start, programme.end,
           programme.rule.code, today, k)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    figures = compute(programme, today, min_cell=k)
    with _lock:
        if len(_cache) > 16:
            _cache.clear()
        _cache[key] = (now, figures)
    return figures
