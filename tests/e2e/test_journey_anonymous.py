"""Journey 4: an anonymous visitor cannot reach a restricted need — not by search, not
by its URL, not through the open data exports."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.e2e.conftest import shot


@pytest.fixture(scope="module")
def restricted_need(demo_db) -> dict[str, str]:
    """A published restricted need of the demo market: what a visitor must never see."""
    with demo_db.connect() as conn:
        row = conn.execute(text(
            "SELECT reference, title FROM needs WHERE visibility = 'restricted' AND status = 'published' "
            "ORDER BY id LIMIT 1")).one_or_none()
        public = conn.execute(text(
            "SELECT count(*) FROM needs WHERE visibility = 'public' AND status = 'published'")).scalar()
    assert row is not None, "the demo market has no published restricted need"
    assert public > 0, "the demo market has no published public need"
    return {"reference": row.reference, "title": row.title}


def test_home_page_shows_the_market_without_restricted_needs(page, restricted_need):
    response = page.goto("/")
    assert response.status == 200
    assert page.locator("main").is_visible()
    assert restricted_need["title"] not in page.content()
    shot(page, "anonymous-home")


def test_search_does_not_find_a_restricted_need(page, restricted_need):
    page.goto("/needs?skip=1")
    listing = page.content()
    assert restricted_need["reference"] not in listing
    assert restricted_need["title"] not in listing
    shot(page, "anonymous-needs-search")

    # Searching for its very title, as typed into the search form.
    page.fill("input[name=q]", restricted_need["title"])
    page.locator("form:has(input[name=q]) [type=submit]").first.click()
    # htmx swaps the results in without a page load; the URL follows the search.
    page.wait_for_url(lambda url: "q=" in url)
    page.wait_for_load_state("networkidle")
    # The query stays in the search box; the page's text and links must not show the need.
    found = page.locator("body").inner_text()
    assert restricted_need["reference"] not in found
    assert restricted_need["title"] not in found
    assert page.locator(f"a[href*='{restricted_need['reference']}']").count() == 0
    shot(page, "anonymous-needs-search-restricted-title")


def test_restricted_need_page_is_not_found(page, restricted_need):
    response = page.goto(f"/needs/{restricted_need['reference']}")
    assert response.status == 404
    assert restricted_need["title"] not in page.content()
    shot(page, "anonymous-need-404")


def test_public_api_does_not_reveal_a_restricted_need(page, restricted_need):
    for path in ("/api/v1/needs", f"/api/v1/needs?q={restricted_need['reference']}",
                 f"/api/v1/needs/{restricted_need['reference']}",
                 "/api/v1/ocds/releases", "/api/v1/ocds/records",
                 f"/api/v1/ocds/records/{restricted_need['reference']}"):
        response = page.request.get(path)
        body = response.text()
        assert response.status != 200 or restricted_need["title"] not in body, path
        assert restricted_need["title"] not in body, path
        assert restricted_need["reference"] not in body, path


def test_open_data_exports_leave_restricted_needs_out(page, restricted_need):
    response = page.goto("/open-data/")
    assert response.status == 200
    shot(page, "anonymous-open-data")

    for path in ("/open-data/ocds/releases.json", "/open-data/ocds/records.json"):
        export = page.request.get(path)
        assert export.status == 200, path
        body = export.text()
        assert export.json(), path
        assert restricted_need["reference"] not in body, path
        assert restricted_need["title"] not in body, path
    record = page.request.get(f"/open-data/ocds/{restricted_need['reference']}.json")
    assert record.status == 404
