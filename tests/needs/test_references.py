"""Need references: TRP-<year>-<number>, numbered within the year."""

from __future__ import annotations

from app.extensions import db
from tests.factories import make_need, make_org


def test_references_are_numbered_within_the_year_past_9999(app_ctx):
    """The next reference follows the greatest number of the year, even once numbers grow a digit."""
    from datetime import UTC, datetime

    from app.needs.services import _next_reference

    buyer, _ = make_org("administration", verified=True)
    now = datetime(2031, 3, 1, tzinfo=UTC)
    assert _next_reference(now) == "TRP-2031-0001"
    for reference in ("TRP-2031-0002", "TRP-2031-9999", "TRP-2031-10000", "TRP-2030-20000"):
        need = make_need(buyer, status="draft")
        need.reference = reference
    db.session.commit()
    assert _next_reference(now) == "TRP-2031-10001"
