"""Helpers shared by the end-to-end journeys: more people in the same browser, the
language switch, and the one thing a browser cannot do — let time pass.

Journeys read the pages in English, chosen through the header's language switch as a
visitor would (the `page` fixture starts in French).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, text
from stdnum import luhn

from app.db import UTCDateTime
from tests.e2e.conftest import sign_in

PASSWORD = "Tremplin-Journey-2026!"


def in_english(page) -> None:
    """Switch the interface to English with the header's language switch."""
    if not page.url.startswith("http"):
        page.goto("/")
    page.get_by_role("link", name="English", exact=True).first.click()  # the header's, named « Langue »
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"


def open_person(browser, base_url: str, email: str):
    """Another person's browser (a context of its own: its own cookies), signed in, in English."""
    context = browser.new_context(base_url=base_url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/")
    in_english(page)
    sign_in(page, email)
    return page


def new_siren() -> str:
    """A SIREN number nobody has: eight random digits and the Luhn check digit."""
    body = f"{secrets.randbelow(10**8):08d}"
    return body + luhn.calc_check_digit(body)


def unique_word(prefix: str = "e2e") -> str:
    """A word of letters only, that no demo need nor supplier contains."""
    letters = "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(6))
    return f"{prefix}{letters}"


def main_of(page):
    """The page's main region (not the header nor the footer)."""
    return page.locator("main")


def euros_in_cents(shown: str) -> int:
    """Integer cents from an amount as the English pages show it, e.g. « €1,250,000 » or « €12.50 »."""
    number = shown.replace("€", "").replace(",", "").replace("\u202f", "").replace("\xa0", "").strip()
    return int(Decimal(number) * 100)


def table_row(table, row: int = 0) -> dict[str, str]:
    """A table's row as {column heading: cell text}, read from the page."""
    headings = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    cells = [c.strip() for c in table.locator("tbody tr").nth(row).locator("th, td").all_inner_texts()]
    assert len(headings) == len(cells), (headings, cells)
    return dict(zip(headings, cells, strict=True))


def move_deadline_into_the_past(engine, reference: str, *, minutes: int = 5) -> None:
    """Let the bidding period end: put the need's deadline a few minutes in the past.

    The only database write of the journeys. A browser cannot wait weeks for a deadline,
    and the form refuses a deadline in the past (rightly), so the journey moves it here,
    as the clock would have. Nothing else changes: the app derives « closed for bids »
    from the deadline on each request.
    """
    past = datetime.now(UTC) - timedelta(minutes=minutes)
    update = text("UPDATE needs SET deadline_at = :past WHERE reference = :reference").bindparams(
        bindparam("past", type_=UTCDateTime()))
    with engine.begin() as conn:
        changed = conn.execute(update, {"past": past, "reference": reference}).rowcount
    assert changed == 1, f"no need {reference}"
