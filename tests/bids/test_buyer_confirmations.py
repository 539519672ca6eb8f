"""Turning a bid down, and turning down the others after an award, go through a confirmation page:
the GET names what will happen and changes nothing; feedback missing there re-renders that page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.bids.models import Bid, BidStatus
from app.db import utcnow
from app.extensions import db
from app.needs.models import Need
from tests.factories import login, make_bid, make_need, make_org


@pytest.fixture()
def closed_tender(client, app):
    """A need past its deadline with three submitted bids."""
    with app.app_context():
        buyer, _ = make_org("administration", verified=True, email="buyer@min.gouv.fr")
        need = make_need(buyer, title="Secure messaging")
        bids = []
        for i, name in enumerate(("Alpha Cloud", "Beta Secure", "Gamma Mail")):
            org, _ = make_org("startup", verified=True, name=name, email=f"s{i}@startup.fr")
            bids.append(make_bid(need, org, price_eur=100_000 * (i + 1)).id)
        need.deadline_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        ids = {"need": need.reference, "need_id": need.id, "bids": bids}
    client.get("/lang/en")
    return ids


def html(response) -> str:
    return response.get_data(as_text=True)


def status_of(app, bid_id: int) -> BidStatus:
    with app.app_context():
        return db.session.get(Bid, bid_id).status


def test_turning_a_bid_down_asks_first_and_acts_only_when_confirmed(client, app, closed_tender):
    login(client, "buyer@min.gouv.fr")
    bid_id = closed_tender["bids"][0]

    detail = html(client.get(f"/bids/{bid_id}"))
    confirmation = client.get(f"/bids/{bid_id}/reject")

    assert f'href="/bids/{bid_id}/reject"' in detail
    text = html(confirmation)
    assert confirmation.status_code == 200 and "Do not retain the bid of Alpha Cloud?" in text
    assert f'action="/bids/{bid_id}/reject"' in text and 'data-marker="reject-form"' in text
    assert status_of(app, bid_id) == BidStatus.SUBMITTED

    missing = client.post(f"/bids/{bid_id}/reject", data={"feedback": " "})
    assert missing.status_code == 400 and "feedback is required" in html(missing)
    assert 'data-marker="reject-form"' in html(missing) and status_of(app, bid_id) == BidStatus.SUBMITTED

    assert client.post(f"/bids/{bid_id}/reject", data={"feedback": "Too expensive."}).status_code == 302
    assert status_of(app, bid_id) == BidStatus.REJECTED


def test_a_bid_no_longer_in_play_has_no_confirmation_page(client, app, closed_tender):
    login(client, "buyer@min.gouv.fr")
    bid_id = closed_tender["bids"][0]
    client.post(f"/bids/{bid_id}/reject", data={"feedback": "Too expensive."})

    response = client.get(f"/bids/{bid_id}/reject")

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/bids/{bid_id}")


def test_a_bidder_cannot_open_the_buyers_confirmation_page(client, closed_tender):
    login(client, "s0@startup.fr")
    assert client.get(f"/bids/{closed_tender['bids'][0]}/reject").status_code == 403


def test_turning_down_the_others_lists_them_first_and_acts_only_when_confirmed(client, app, closed_tender):
    login(client, "buyer@min.gouv.fr")
    first, second, third = closed_tender["bids"]
    client.post(f"/needs/{closed_tender['need']}/award", data={"bids": [str(first)], f"amount-{first}": "95 000"})
    url = f"/needs/{closed_tender['need']}/reject-others"

    received = html(client.get(f"/needs/{closed_tender['need']}/bids"))
    confirmation = client.get(url)

    assert f'href="{url}"' in received
    text = html(confirmation)
    assert confirmation.status_code == 200 and "Do not retain the 2 other bids?" in text
    assert "Beta Secure" in text and "Gamma Mail" in text and f'action="{url}"' in text
    assert status_of(app, second) == status_of(app, third) == BidStatus.SUBMITTED

    assert client.post(url, data={"feedback": ""}).status_code == 400
    assert status_of(app, second) == BidStatus.SUBMITTED

    assert client.post(url, data={"feedback": "Thank you for bidding."}).status_code == 302
    assert status_of(app, second) == status_of(app, third) == BidStatus.REJECTED


def test_before_any_award_there_is_nothing_to_confirm(client, app, closed_tender):
    login(client, "buyer@min.gouv.fr")
    response = client.get(f"/needs/{closed_tender['need']}/reject-others")
    assert response.status_code == 302 and response.headers["Location"].endswith("/bids")
    with app.app_context():
        assert db.session.get(Need, closed_tender["need_id"]) is not None
