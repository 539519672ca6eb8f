"""Helpers of the buyer's journey (test_journey_buyer.py): more browser contexts, reading
what a page shows, and the one write the journey makes behind the server's back."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from tests.e2e.conftest import sign_in


def expect(target):
    """Playwright's ``expect``, imported when first used: without the playwright package the
    harness skips (or, in CI, fails) these tests instead of failing their collection."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


@contextmanager
def people(browser, base_url: str) -> Iterator[Callable[[str], object]]:
    """Open one signed-in page per person, each in its own browser context (own cookies),
    French like the ``page`` fixture's; every context is closed on the way out."""
    contexts = []

    def signed_in(email: str):
        context = browser.new_context(base_url=base_url, locale="fr-FR", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, email)
        return page

    try:
        yield signed_in
    finally:
        for context in contexts:
            context.close()


def text_of(page) -> str:
    """What the person reads: the page's visible text, spaces folded (French typography puts
    no-break and narrow no-break spaces before « ; : ? » and inside quotes)."""
    return re.sub(r"\s+", " ", page.locator("body").inner_text())


def expect_flash(page, text: str) -> None:
    """Wait for the status message (flash) saying `text`: a click that posts a form returns
    before the next page has loaded, so the message is awaited, not read at once."""
    expect(page.get_by_role("status").filter(has_text=text).first).to_be_visible()


def deadline_of(page) -> datetime:
    """The deadline a need's page shows, read from its <time datetime> (UTC)."""
    value = page.locator("time[data-marker=deadline]").first.get_attribute("datetime")
    return datetime.fromisoformat(value).astimezone(UTC)


def move_deadline_into_past(engine, reference: str, *, ago: timedelta = timedelta(minutes=1)) -> None:
    """Simulate the passing of time: set the need's deadline to `ago` before now, directly in
    the demo database the server uses (the journey cannot wait for a real deadline).

    The need's version goes up as an edit's would, so a form opened before the change is
    refused as stale rather than silently overwriting it. The server closes the need by its
    own clock when it next reads it (status « Clos »), exactly as after a real deadline.
    """
    from app.needs.models import Need

    needs = Need.__table__
    with engine.begin() as conn:
        done = conn.execute(
            update(needs).where(needs.c.reference == reference)
            .values(deadline_at=datetime.now(UTC) - ago, version=needs.c.version + 1))
    assert done.rowcount == 1, f"no need {reference} in the demo database"
