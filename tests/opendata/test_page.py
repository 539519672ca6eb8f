"""The open data page tells anyone what is published, under which licence, and links to it."""

from __future__ import annotations

from tests.factories import make_need, make_org


def test_the_open_data_page_explains_and_links_the_files(client):
    with client.application.app_context():
        buyer, _u = make_org("administration")
        reference = make_need(buyer).reference
        make_need(buyer, visibility="restricted")  # left out: not counted
    response = client.get("/open-data/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for link in ('href="/open-data/ocds/releases.json"', 'href="/open-data/ocds/records.json"',
                 f'href="/open-data/ocds/{reference}.json"', 'href="https://www.etalab.gouv.fr/licence-ouverte-open-licence"'):
        assert link in html
    assert "Licence Ouverte" in html and "ocds-tremplin-" in html and "FR-RCS" in html
    english = client.get("/open-data/?lang=en").get_data(as_text=True)
    assert "1 need is published today." in english  # the restricted need is not counted
