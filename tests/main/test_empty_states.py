"""Empty lists say what to do next, with a link to do it, through one look (templates/macros/empty.html)."""

from __future__ import annotations

from app.extensions import db
from tests.factories import login, make_need, make_operator, make_org


def html(response) -> str:
    return response.get_data(as_text=True)


def test_no_bid_received_points_back_to_the_need(app, client):
    with app.app_context():
        buyer, _ = make_org("corporate", email="buyer@groupe.fr", verified=True)
        reference = make_need(buyer, status="closed", sealed_bids=False).reference
    client.get("/lang/en")
    login(client, "buyer@groupe.fr")

    page = html(client.get(f"/needs/{reference}/bids"))

    assert 'class="callout callout-info empty-state" data-marker="no-bids-received"' in page
    assert f'href="/needs/{reference}#unsuccessful-title"' in page


def test_an_empty_purchase_queue_points_to_the_organisations_to_verify(app, client):
    with app.app_context():
        make_operator("ops@tremplin.example")
        db.session.commit()
    client.get("/lang/en")
    login(client, "ops@tremplin.example")

    page = html(client.get("/commitment/operator/purchases"))

    assert 'data-marker="queue-empty"' in page and 'href="/operator/organisations"' in page


def test_no_bid_yet_points_to_the_needs(app, client):
    with app.app_context():
        make_org("startup", email="claire@orbinova.fr", verified=True)
    client.get("/lang/en")
    login(client, "claire@orbinova.fr")

    page = html(client.get("/bids"))

    assert 'empty-state" data-marker="empty-bids"' in page and 'href="/needs">Find needs</a>' in page


def test_no_purchase_yet_uses_the_same_empty_state(app, client):
    with app.app_context():
        make_org("corporate", email="buyer@groupe.fr", verified=True)
    client.get("/lang/en")
    login(client, "buyer@groupe.fr")

    page = html(client.get("/commitment/purchases"))

    assert 'empty-state" data-marker="no-purchases"' in page
