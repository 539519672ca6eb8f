"""Search as you type with htmx: an htmx request (HX-Request) gets the results panel alone —
facets with their counts, results, pagination — and the live region's sentence out of band;
every other request gets the whole page, which works without JavaScript."""

from __future__ import annotations

import re

import pytest

from app.matching.indexing import reindex
from tests.factories import login, make_need, make_org
from tests.matching.test_supplier_directory import supplier

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/needs"}


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture()
def market(client, app):
    with app.app_context():
        buyer, _ = make_org("administration", verified=True)
        make_need(buyer, title="Cloud souverain pour la santé", route="public", categories=("cloud.iaas",))
        make_need(buyer, title="Cloud hybride des archives", route="private", categories=("cloud.iaas",))
        make_need(buyer, title="Détection d'intrusion", route="public", categories=("cyber.soc",))
        reindex("needs")
    client.get("/lang/en")


def test_the_page_is_a_plain_form_that_htmx_enhances(client, market):
    response = client.get("/needs?q=cloud")
    page = html(response)
    assert response.status_code == 200 and "HX-Request" in response.vary
    assert '<form method="get" action="/needs"' in page  # without JavaScript: a GET form
    assert 'hx-get="/needs"' in page and 'hx-target="#search-panel"' in page
    assert 'hx-trigger="submit, input changed delay:250ms from:#q, change from:#sort, change from:#search-panel"' in page
    assert 'hx-replace-url="true"' in page and 'hx-indicator="#search-indicator, #search-panel"' in page
    # the live region sits outside the swapped panel, with the count as a sentence
    status = re.search(r'<p id="search-status"[^>]*>([^<]*)</p>', page)
    assert status and 'aria-live="polite"' in status.group(0) and "hx-swap-oob" not in status.group(0)
    assert status.group(1) == "2 needs match this search."
    assert page.index('id="search-status"') < page.index('id="search-panel"')
    assert page.index('id="q"') < page.index('id="search-panel"')  # the search box is never swapped
    assert "live-search.js" not in page


def test_an_htmx_request_gets_the_panel_alone_with_the_sentence_out_of_band(client, market):
    response = client.get("/needs?q=cloud&route=public", headers=HTMX)
    fragment = html(response)
    assert response.status_code == 200 and "HX-Request" in response.vary
    assert "<html" not in fragment and "site-header" not in fragment and 'id="q"' not in fragment
    assert "pour la santé" in fragment and "des archives" not in fragment
    assert '<aside class="facets"' in fragment  # the facets come back with their new counts
    assert re.search(r'id="facet-route-public" name="route" value="public" checked>\s*Public procurement '
                     r'<span class="facet-count">\(1\)</span>', fragment)
    assert ('<p id="search-status" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" '
            'hx-swap-oob="innerHTML">1 need matches this search.</p>') in fragment
    assert "data-focus-after-swap" not in fragment  # typing keeps the focus in the search box


def test_partial_still_answers_the_panel_without_out_of_band_parts(client, market):
    fragment = html(client.get("/needs?q=cloud&partial=1"))
    assert "<html" not in fragment and "pour la santé" in fragment
    assert "hx-swap-oob" not in fragment


def test_a_history_restore_gets_the_whole_page(client, market):
    page = html(client.get("/needs?q=cloud", headers={**HTMX, "HX-History-Restore-Request": "true"}))
    assert "<html" in page and 'id="search-panel"' in page


def test_pagination_swaps_through_htmx_and_moves_focus_to_the_results(client, app):
    with app.app_context():
        buyer, _ = make_org("administration", verified=True)
        for n in range(25):
            make_need(buyer, title=f"Plateforme numéro {n}")
        reindex("needs")
    client.get("/lang/en")
    page = html(client.get("/needs?q=plateforme"))
    assert '<nav class="pagination" aria-label="Pages of results" hx-boost="true" hx-push-url="true">' in page
    assert 'href="/needs?q=plateforme&amp;page=2"' in page  # a plain link without JavaScript
    second = html(client.get("/needs?q=plateforme&page=2", headers={**HTMX, "HX-Boosted": "true"}))
    assert "<html" not in second and "Page 2 of 2" in second
    assert '<h2 id="results-title" tabindex="-1" data-focus-after-swap>25 needs</h2>' in second


def test_the_supplier_directory_answers_htmx_with_its_panel(client, app):
    with app.app_context():
        supplier("Vigie Ponant", secnumcloud=True)
        supplier("Bastion Nord")
        make_org("administration", verified=True, email="buyer@ministere.gouv.fr")
        reindex("suppliers")
    login(client, "buyer@ministere.gouv.fr")
    client.get("/lang/en")
    page = client.get("/suppliers?q=intrusion")
    assert "<html" in html(page) and "HX-Request" in page.vary
    assert 'hx-get="/suppliers"' in html(page)
    response = client.get("/suppliers?q=intrusion&flag=secnumcloud", headers=HTMX)
    fragment = html(response)
    assert "HX-Request" in response.vary and "<html" not in fragment
    assert "Vigie Ponant" in fragment and "Bastion Nord" not in fragment
    assert 'id="facet-flag-secnumcloud" name="flag" value="secnumcloud" checked' in fragment
    assert 'hx-swap-oob="innerHTML">1 supplier matches this search.</p>' in fragment
