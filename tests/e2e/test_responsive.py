"""On a phone (375 px wide) the main pages of every role fit the screen: nothing scrolls the
page sideways, and a table wider than the screen scrolls inside a focusable, labelled region.

Screenshots of each page go to e2e-artifacts/phone-<role>-<page>.png.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.e2e.conftest import shot, sign_in

PHONE = {"width": 375, "height": 812}

# What the pages need from the demo data, read from the server's database.
QUERIES = {
    "public_need": "SELECT reference FROM needs WHERE visibility = 'public' AND status = 'published' "
                   "ORDER BY id LIMIT 1",
    "startup_bid": "SELECT b.id FROM bids b JOIN memberships m ON m.organisation_id = b.supplier_id "
                   "JOIN users u ON u.id = m.user_id WHERE u.email = 'startup@demo.tremplin.fr' ORDER BY b.id LIMIT 1",
    "need_to_bid": "SELECT n.reference FROM needs n WHERE n.status = 'published' AND n.visibility = 'public' "
                   "AND n.id NOT IN (SELECT b.need_id FROM bids b JOIN memberships m ON m.organisation_id = b.supplier_id "
                   "JOIN users u ON u.id = m.user_id WHERE u.email = 'startup@demo.tremplin.fr') ORDER BY n.id LIMIT 1",
    "buyer_need": "SELECT n.reference FROM needs n JOIN memberships m ON m.organisation_id = n.buyer_id "
                  "JOIN users u ON u.id = m.user_id WHERE u.email = 'buyer@demo.tremplin.fr' "
                  "AND EXISTS (SELECT 1 FROM bids b WHERE b.need_id = n.id AND b.status IN ('submitted', 'shortlisted')) "
                  "ORDER BY n.id LIMIT 1",
}

PAGES = {
    None: {
        "home": "/", "needs-search": "/needs", "need": "/needs/{public_need}", "commitment": "/commitment/public",
        "login": "/login", "register": "/register",
    },
    "startup@demo.tremplin.fr": {
        "home": "/", "needs-search": "/needs", "need": "/needs/{public_need}", "bid-form": "/needs/{need_to_bid}/bid",
        "my-bids": "/bids", "bid": "/bids/{startup_bid}", "profile": "/supplier/profile",
        "solutions": "/supplier/solutions", "certifications": "/supplier/certifications",
        "certification-form": "/supplier/certifications/new", "notifications": "/alerts/",
        "billing": "/organisation/billing", "analytics": "/analytics", "organisation": "/organisation",
    },
    "buyer@demo.tremplin.fr": {
        "home": "/", "my-needs": "/needs/mine", "need": "/needs/{buyer_need}", "new-need": "/needs/new",
        "bids-received": "/needs/{buyer_need}/bids", "suppliers": "/suppliers", "commitment": "/commitment/",
        "purchases": "/commitment/purchases", "notifications": "/alerts/",
    },
    "alliance@demo.tremplin.fr": {"home": "/", "commitment": "/commitment/", "purchases": "/commitment/purchases"},
    "ambassador@demo.tremplin.fr": {"home": "/"},
    "operator@demo.tremplin.fr": {
        "home": "/", "verify-queue": "/operator/organisations", "purchases-queue": "/commitment/operator/purchases",
        "jobs": "/operator/jobs",
    },
}

# Tables wider than the screen, and whether each is inside a region that scrolls, takes the
# focus and has a name.
WIDE_TABLES = """() => Array.from(document.querySelectorAll('table'))
  .filter(t => t.getBoundingClientRect().width > window.innerWidth)
  .map(t => {
    let box = t.parentElement;
    while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
    const ok = !!box && box.getAttribute('tabindex') === '0' && box.getAttribute('role') === 'region'
      && !!(box.getAttribute('aria-label') || box.getAttribute('aria-labelledby'));
    return {caption: (t.caption ? t.caption.textContent : t.outerHTML.slice(0, 60)).trim(), ok};
  })"""


@pytest.fixture(scope="module")
def demo_values(demo_db) -> dict[str, str]:
    with demo_db.connect() as conn:
        return {name: str(conn.execute(text(sql)).scalar_one()) for name, sql in QUERIES.items()}


def _role(email: str | None) -> str:
    return email.split("@")[0] if email else "visitor"


@pytest.mark.parametrize("email", list(PAGES), ids=[_role(e) for e in PAGES])
def test_main_pages_fit_a_phone_screen(browser, base_url, demo_values, email):
    context = browser.new_context(base_url=base_url, locale="fr-FR", viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        if email:
            sign_in(page, email)
        problems = []
        for name, path in PAGES[email].items():
            url = path.format(**demo_values)
            response = page.goto(url)
            assert response.status == 200, f"{url}: status {response.status}"
            shot(page, f"phone-{_role(email)}-{name}")
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            if widths[0] > widths[1]:
                problems.append(f"{url}: the page is {widths[0]} px wide on a {widths[1]} px screen")
            for table in page.evaluate(WIDE_TABLES):
                if not table["ok"]:
                    problems.append(f"{url}: the table « {table['caption']} » is wider than the screen "
                                    "outside a focusable, labelled scrolling region")
        assert not problems, "\n".join(problems)
    finally:
        context.close()
