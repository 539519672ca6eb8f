"""The figures anyone may see, and a short per-process cache of them for the public page.

The public page and its CSV files need about ten aggregates over every purchase in the
period (each a few hundred milliseconds on a million purchases, see
bench/commitment_dashboard.py). They are the same for every visitor, so the public page
and the public CSV files reuse them for ``COMMITMENT_PUBLIC_CACHE_SECONDS`` (60 by
default; 0, the default under testing, computes them on every request), per process,
keyed by the programme's settings and the day. A visitor may thus see a purchase verified
less than a minute ago not yet counted. Signed-in dashboards always compute afresh.
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
    sba_overall,
)

DEFAULT_CACHE_SECONDS = 60
DEALS = 10


@dataclass(frozen=True)
class PublicFigures:
    collective: Collective
    breakdowns: dict[str, Breakdown]
    sba: SbaRow
    pledged_cents: int
    pledgers: int
    deals: list[Deal] = field(default_factory=list)


def compute(programme: Programme, today: date, *, with_deals: bool = True) -> PublicFigures:
    pledged, pledgers = pledged_total()
    return PublicFigures(
        collective=collective(programme, today=today),
        breakdowns={code: breakdown(code, programme) for code in DIMENSIONS},
        sba=sba_overall(programme),
        pledged_cents=pledged,
        pledgers=pledgers,
        deals=latest_deals(programme, limit=DEALS) if with_deals else [],
    )


_cache: dict[tuple, tuple[float, PublicFigures]] = {}
_lock = threading.Lock()


def cache_seconds() -> int:
    default = 0 if current_app.testing else DEFAULT_CACHE_SECONDS
    return int(current_app.config.get("COMMITMENT_PUBLIC_CACHE_SECONDS", default))


def public_figures(programme: Programme, today: date) -> PublicFigures:
    """The public figures, reused for a minute (see the module's docstring)."""
    ttl = cache_seconds()
    if ttl <= 0:
        return compute(programme, today)
    key = (id(current_app._get_current_object()), programme.target_cents, programme.start, programme.end,
           programme.rule.code, today)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    figures = compute(programme, today)
    with _lock:
        if len(_cache) > 16:
            _cache.clear()
        _cache[key] = (now, figures)
    return figures
