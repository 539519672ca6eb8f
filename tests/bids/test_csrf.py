"""With CSRF protection on, as in production, every bid form carries its token."""

from __future__ import annotations

import re

from app.bids.models import Bid, BidStatus
from app.extensions import db
from tests.bids.helpers import form
from tests.factories import make_need, make_org


def token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def test_the_bid_form_and_the_withdraw_button_work_with_their_tokens(app, csrf_app):
    with csrf_app.app_context():
        buyer, _ = make_org("administration", verified=True)
        make_org("startup", verified=True, email="claire@orbinova.fr")
        reference = make_need(buyer).reference
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": "claire@orbinova.fr", "password": "Correct-Horse-42",
                                "csrf_token": token(page)})
    assert client.post(f"/needs/{reference}/bid", data=form()).status_code == 400  # no token
    page = client.get(f"/needs/{reference}/bid").get_data(as_text=True)
    response = client.post(f"/needs/{reference}/bid", data={**form(), "csrf_token": token(page)})
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.post(f"/needs/{reference}/bid/withdraw").status_code == 400  # no token
    assert client.post(f"/needs/{reference}/bid/withdraw", data={"csrf_token": token(detail)}).status_code == 302
    with csrf_app.app_context():
        assert db.session.query(Bid).one().status == BidStatus.WITHDRAWN
