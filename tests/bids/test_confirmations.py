"""Withdrawing a bid, discarding a draft and removing a file go through a confirmation page:
the GET says what will happen and changes nothing; only the POST of that page acts."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from app.bids.models import Bid, BidStatus
from app.extensions import db
from app.needs.models import Attachment, Need
from tests.bids.helpers import form
from tests.factories import login, make_need, make_org

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture()
def market(client, app, tmp_path):
    app.config["UPLOAD_PATH"] = str(tmp_path / "uploads")
    with app.app_context():
        buyer, _ = make_org("administration", verified=True, email="buyer@min.gouv.fr")
        make_org("startup", verified=True, email="claire@orbinova.fr", name="Orbinova")
        make_org("startup", verified=True, email="rival@example.fr")
        need = make_need(buyer, title="LLM for caseworkers")
        ids = {"need": need.reference, "need_id": need.id}
    client.get("/lang/en")
    login(client, "claire@orbinova.fr")
    yield ids
    app.config.pop("UPLOAD_PATH", None)


def html(response) -> str:
    return response.get_data(as_text=True)


def submit(client, reference: str, **extra) -> int:
    response = client.post(f"/needs/{reference}/bid", data=form(**extra))
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_withdrawing_a_bid_asks_first_and_withdraws_only_when_confirmed(client, app, market):
    bid_id = submit(client, market["need"])

    detail = html(client.get(f"/bids/{bid_id}"))
    confirmation = client.get(f"/needs/{market['need']}/bid/withdraw")

    assert f'href="/needs/{market["need"]}/bid/withdraw"' in detail and "data-confirm" not in detail
    text = html(confirmation)
    assert confirmation.status_code == 200 and "Withdraw your bid on « LLM for caseworkers »?" in text
    assert f'action="/needs/{market["need"]}/bid/withdraw"' in text and 'method="post"' in text
    with app.app_context():
        assert db.session.get(Bid, bid_id).status == BidStatus.SUBMITTED

    assert client.post(f"/needs/{market['need']}/bid/withdraw").status_code == 302
    with app.app_context():
        assert db.session.get(Bid, bid_id).status == BidStatus.WITHDRAWN


def test_discarding_a_draft_asks_first(client, app, market):
    client.post(f"/needs/{market['need']}/bid", data=form(action="draft"))
    with app.app_context():
        bid_id, status = db.session.query(Bid.id, Bid.status).one()
        assert status == BidStatus.DRAFT

    text = html(client.get(f"/needs/{market['need']}/bid/withdraw"))

    assert "Discard your draft bid" in text and "deleted for good" in text
    with app.app_context():
        assert db.session.get(Bid, bid_id) is not None


def test_no_confirmation_page_once_the_deadline_has_passed(client, app, market):
    submit(client, market["need"])
    with app.app_context():
        need = db.session.get(Need, market["need_id"])
        need.deadline_at = need.deadline_at - timedelta(days=60)
        db.session.commit()

    response = client.get(f"/needs/{market['need']}/bid/withdraw")

    assert response.status_code == 302 and "/bids/" in response.headers["Location"]


def test_a_supplier_without_a_bid_has_no_confirmation_page(client, market):
    assert client.get(f"/needs/{market['need']}/bid/withdraw").status_code == 404


def test_removing_a_file_asks_first_and_removes_only_when_confirmed(client, app, market):
    bid_id = submit(client, market["need"])
    client.post(f"/bids/{bid_id}/attachments", data={"file": (io.BytesIO(PDF), "offer.pdf")},
                content_type="multipart/form-data")
    with app.app_context():
        attachment_id = db.session.query(Attachment.id).scalar()
    url = f"/bids/{bid_id}/attachments/{attachment_id}/delete"

    detail = html(client.get(f"/bids/{bid_id}"))
    confirmation = client.get(url)

    assert f'href="{url}"' in detail
    assert confirmation.status_code == 200 and "Remove « offer.pdf » from your bid?" in html(confirmation)
    with app.app_context():
        assert db.session.get(Attachment, attachment_id) is not None

    assert client.post(url).status_code == 302
    with app.app_context():
        assert db.session.get(Attachment, attachment_id) is None


def test_another_suppliers_file_has_no_confirmation_page(client, app, market):
    bid_id = submit(client, market["need"])
    client.post(f"/bids/{bid_id}/attachments", data={"file": (io.BytesIO(PDF), "offer.pdf")},
                content_type="multipart/form-data")
    with app.app_context():
        attachment_id = db.session.query(Attachment.id).scalar()
    client.post("/logout")
    login(client, "rival@example.fr")

    assert client.get(f"/bids/{bid_id}/attachments/{attachment_id}/delete").status_code == 404
