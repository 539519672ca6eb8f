"""Saved searches with htmx: pausing, resuming and changing the frequency answer the search's
card alone, with the message for the list's live region out of band; refused input comes
back in the card; others' searches stay out of reach."""

from __future__ import annotations

import re
from html import unescape

from app.alerts.models import Frequency
from tests.alerts.test_saved_search_pages import create, page, people, searches  # noqa: F401 - fixture
from tests.factories import login

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/alerts/searches"}


def card(fragment: str, search_id: int) -> str:
    found = re.search(rf'<li class="card saved-search" id="saved-search-{search_id}".*?</li>', fragment, re.DOTALL)
    assert found, "no card for the search"
    return found.group(0)


def test_the_list_has_forms_that_htmx_enhances_and_a_live_region(client, app, people):  # noqa: F811
    login(client, "claire@orbinova.fr")
    search_id = create(app, people["user"], people["supplier"], "Cyber", q="soc")
    listing = page(client.get("/alerts/searches"))
    assert '<div id="saved-search-status" role="status" aria-live="polite"></div>' in listing
    assert (f'<form method="post" action="/alerts/searches/{search_id}/pause" class="inline" '
            f'hx-post="/alerts/searches/{search_id}/pause" hx-target="closest li" hx-swap="outerHTML">') in listing
    assert f'hx-post="/alerts/searches/{search_id}/frequency" hx-target="closest li"' in listing


def test_pausing_and_resuming_with_htmx_swap_the_card(client, app, people):  # noqa: F811
    login(client, "claire@orbinova.fr")
    search_id = create(app, people["user"], people["supplier"], "Cyber", q="soc")
    response = client.post(f"/alerts/searches/{search_id}/pause", headers=HTMX)
    fragment = unescape(page(response))
    assert response.status_code == 200 and "HX-Request" in response.vary and "<html" not in fragment
    assert searches(app, people["user"])[0].paused
    paused = card(fragment, search_id)
    assert "Paused" in paused and "Resume alerts" in paused
    assert f'id="saved-search-{search_id}-pause"' in paused  # the same id: htmx gives the focus back
    assert re.search(r'<div id="saved-search-status" hx-swap-oob="innerHTML"><p class="flash flash-success">'
                     r"Alerts of « Cyber » are paused.</p></div>", fragment)
    resumed = unescape(page(client.post(f"/alerts/searches/{search_id}/resume", headers=HTMX)))
    assert "Active" in card(resumed, search_id) and "are back on" in resumed
    assert not searches(app, people["user"])[0].paused
    assert "are paused" not in page(client.get("/alerts/searches"))  # nothing left to flash on the next page


def test_changing_the_frequency_with_htmx_swaps_the_card_and_refusals_come_back_in_it(client, app, people):  # noqa: F811
    login(client, "claire@orbinova.fr")
    search_id = create(app, people["user"], people["supplier"], "Cyber", q="soc")
    fragment = unescape(page(client.post(f"/alerts/searches/{search_id}/frequency", data={"frequency": "weekly"},
                                         headers=HTMX)))
    assert searches(app, people["user"])[0].frequency == Frequency.WEEKLY
    assert '<option value="weekly" selected>' in card(fragment, search_id)
    assert "Alerts of « Cyber »: weekly digest." in fragment
    refused = client.post(f"/alerts/searches/{search_id}/frequency", data={"frequency": "hourly"}, headers=HTMX)
    shown = unescape(page(refused))
    assert refused.status_code == 200  # htmx swaps only successful answers: the card says what is wrong
    assert 'aria-invalid="true"' in card(shown, search_id) and "Choose how often to be alerted" in shown
    assert '<div id="saved-search-status" hx-swap-oob="innerHTML"></div>' in shown
    assert searches(app, people["user"])[0].frequency == Frequency.WEEKLY


def test_another_users_search_is_not_found_with_htmx_either(client, app, people):  # noqa: F811
    login(client, "claire@orbinova.fr")
    theirs = people["theirs"]
    for action in ("pause", "resume"):
        assert client.post(f"/alerts/searches/{theirs}/{action}", headers=HTMX).status_code == 404
    assert client.post(f"/alerts/searches/{theirs}/frequency", data={"frequency": "weekly"},
                       headers=HTMX).status_code == 404
