"""Small interactions with htmx, in a real browser: the needs search answers as one types and
as facets are ticked, pages of results turn, and a notification is marked read, all without
loading a new page (a marker set on `window` survives), the URL following the search."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from tests.e2e.conftest import shot, sign_in

MARKER = "window.__tremplinNoReload = 'still here'"
SURVIVED = "() => window.__tremplinNoReload === 'still here'"


@pytest.fixture()
def console_errors(page):
    """Script errors, htmx's logged errors and failed requests (but the browser's favicon)."""
    errors: list[str] = []

    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def on_response(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", on_response)
    return errors


@pytest.fixture(scope="module")
def search_word(demo_db) -> str:
    """A word of a public open need's title, long enough to narrow the search."""
    with demo_db.connect() as conn:
        title = conn.execute(text(
            "SELECT title FROM needs WHERE visibility = 'public' AND status = 'published' "
            "ORDER BY id LIMIT 1")).scalar_one()
    return max(re.findall(r"\w+", title), key=len)


def results_heading(page) -> str:
    return page.locator("#results-title").inner_text()


def test_typing_in_the_needs_search_updates_the_results_without_a_page_load(page, search_word, console_errors):
    page.goto("/needs")
    before = results_heading(page)
    page.evaluate(MARKER)
    page.locator("#q").click()
    page.keyboard.type(search_word, delay=20)
    page.wait_for_url(re.compile(r"[?&]q=" + re.escape(search_word.split()[0][:3])), timeout=10_000)
    page.wait_for_function("([b]) => document.querySelector('#results-title').innerText !== b", arg=[before])
    after = results_heading(page)
    assert page.evaluate(SURVIVED), "the page was reloaded"
    assert page.evaluate("document.activeElement.id") == "q", "typing lost the focus"
    assert page.input_value("#q") == search_word
    assert int(re.search(r"\d+", after).group()) < int(re.search(r"\d+", before).group())
    status = page.locator("#search-status")
    assert status.get_attribute("aria-live") == "polite"
    assert re.match(r"\d+ besoins? correspond", status.inner_text()) or re.match(r"\d+ needs? match", status.inner_text())
    assert re.search(r"\d+", status.inner_text()).group() == re.search(r"\d+", after).group()  # sent out of band
    shot(page, "interactions-search-typed")
    # The URL is shareable: loading it shows the same search.
    url = page.url
    page.goto(url)
    assert page.input_value("#q") == search_word and results_heading(page) == after
    assert not console_errors, console_errors


def test_ticking_a_facet_refreshes_the_results_and_the_counts(page, console_errors):
    page.goto("/needs")
    before = results_heading(page)
    counts_before = page.locator(".facets").inner_text()
    page.evaluate(MARKER)
    # The category with the fewest needs (but some) narrows the results for sure.
    boxes = page.locator("fieldset.facet input[name=axis]")
    assert boxes.count() > 1, "the demo market has fewer than two categories of needs"
    sizes = [int(re.search(r"\((\d+)\)", boxes.nth(i).locator("xpath=..").inner_text()).group(1))
             for i in range(boxes.count())]
    box = boxes.nth(sizes.index(min(sizes)))
    box_id = box.get_attribute("id")
    box.check()
    page.wait_for_url(re.compile(r"[?&]axis="), timeout=10_000)
    page.wait_for_function("([b]) => document.querySelector('#results-title').innerText !== b", arg=[before])
    assert page.evaluate(SURVIVED), "the page was reloaded"
    assert results_heading(page) != before
    assert int(re.search(r"\d+", results_heading(page)).group()) == min(sizes)
    assert page.locator(f"#{box_id}").is_checked()
    assert page.evaluate("document.activeElement.id") == box_id, "the facet lost the focus after the swap"
    assert page.locator(".facets").inner_text() != counts_before  # the other facets' counts follow
    shot(page, "interactions-facet-ticked")
    # Unticking brings every need back.
    page.locator(f"#{box_id}").uncheck()
    page.wait_for_function("([b]) => document.querySelector('#results-title').innerText === b", arg=[before])
    assert "axis=" not in page.url and page.evaluate(SURVIVED)
    assert not console_errors, console_errors


def test_the_next_page_of_results_comes_without_a_page_load(page, console_errors):
    page.goto("/needs?status=all&closed=1")
    following = page.locator("nav.pagination a[rel=next]")
    if following.count() == 0:
        pytest.skip("the demo market fits on one page of results")
    page.evaluate(MARKER)
    following.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"[?&]page=2"), timeout=10_000)
    page.wait_for_selector("nav.pagination a[rel=prev]")
    assert page.evaluate(SURVIVED), "the page was reloaded"
    assert page.evaluate("document.activeElement.id") == "results-title"
    shot(page, "interactions-next-page")
    assert not console_errors, console_errors


def test_marking_a_notification_read_updates_the_header_badge_without_a_reload(page, console_errors):
    sign_in(page, "startup@demo.tremplin.fr")
    page.goto("/alerts/")
    badge = page.locator("#header-notifications .badge")
    assert badge.count() == 1, "the demo startup has no unread notification"
    count = int(badge.inner_text())
    unread = page.locator("li[data-unread]")
    assert unread.count() >= 1
    item = unread.first
    notification_id = item.get_attribute("data-notification-id")
    shot(page, "interactions-notifications-before")
    page.evaluate(MARKER)
    item.locator("form[hx-post] button").click()
    page.wait_for_selector(f"li[data-notification-id='{notification_id}']:not([data-unread])")
    if count > 1:
        page.wait_for_function("([n]) => document.querySelector('#header-notifications .badge')?.innerText === n",
                               arg=[str(count - 1)])
    else:
        page.wait_for_selector("#header-notifications .badge", state="detached")
    assert page.evaluate(SURVIVED), "the page was reloaded"
    hidden = page.locator("#header-notifications .visually-hidden").inner_text()
    assert (f"{count - 1} non lue" in hidden) if count > 1 else ("aucune" in hidden.lower())
    assert page.evaluate("document.activeElement.getAttribute('data-notification-id')") == notification_id
    summary = page.locator("#inbox-summary-text").inner_text()
    assert (str(count - 1) in summary) if count > 1 else summary
    shot(page, "interactions-notification-read")
    # The change is saved: a reload shows the same count.
    page.reload()
    assert page.locator(f"li[data-notification-id='{notification_id}'][data-unread]").count() == 0
    assert not console_errors, console_errors


def test_pausing_a_saved_search_swaps_its_card_without_a_reload(page, console_errors):
    sign_in(page, "startup@demo.tremplin.fr")
    page.goto("/alerts/searches")
    cards = page.locator("li.saved-search")
    if cards.count() == 0:
        pytest.skip("the demo startup has no saved search")
    search = cards.first
    search_id = search.get_attribute("data-search-id")
    toggle = page.locator(f"#saved-search-{search_id}-pause")
    label = toggle.inner_text()
    page.evaluate(MARKER)
    toggle.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("([id, t]) => document.getElementById(id)?.innerText !== t",
                           arg=[f"saved-search-{search_id}-pause", label])
    assert page.evaluate(SURVIVED), "the page was reloaded"
    assert page.evaluate("document.activeElement.id") == f"saved-search-{search_id}-pause"
    assert page.locator("#saved-search-status .flash").is_visible()
    shot(page, "interactions-saved-search-toggled")
    # Back as it was, for the other tests of the demo market.
    page.keyboard.press("Enter")
    page.wait_for_function("([id, t]) => document.getElementById(id)?.innerText === t",
                           arg=[f"saved-search-{search_id}-pause", label])
    assert not console_errors, console_errors
