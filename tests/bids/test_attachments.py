"""Files on a bid: checked from their content, up to 20 MB, served only to those who may read the bid."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from app.db import utcnow
from app.extensions import db
from app.needs.models import Attachment, Need
from tests.bids.helpers import counts, events, form
from tests.factories import login, make_need, make_org

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture()
def bid(client, app, tmp_path):
    app.config["UPLOAD_PATH"] = str(tmp_path / "uploads")
    with app.app_context():
        buyer, _ = make_org("administration", verified=True, email="buyer@min.gouv.fr")
        make_org("startup", verified=True, email="claire@orbinova.fr")
        make_org("startup", verified=True, email="rival@example.fr")
        need = make_need(buyer)
        ids = {"need": need.reference, "need_id": need.id}
    client.get("/lang/en")
    login(client, "claire@orbinova.fr")
    response = client.post(f"/needs/{ids['need']}/bid", data=form())
    ids["bid"] = int(response.headers["Location"].rsplit("/", 1)[1])
    yield ids
    app.config.pop("UPLOAD_PATH", None)


def upload(client, bid_id, data: bytes, name: str = "offer.pdf"):
    return client.post(f"/bids/{bid_id}/attachments", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def snapshot(app):
    with app.app_context():
        return counts()


def test_a_pdf_is_attached_and_downloaded_by_the_bidder(client, app, bid):
    response = upload(client, bid["bid"], PDF, "Notre offre.pdf")
    assert response.status_code == 302
    with app.app_context():
        attachment = db.session.query(Attachment).one()
        assert attachment.bid_id == bid["bid"] and attachment.content_type == "application/pdf"
        assert attachment.size_bytes == len(PDF) and len(attachment.sha256) == 64
        assert events("bid.updated")[0].payload["attachment_id"] == attachment.id
        attachment_id = attachment.id
    download = client.get(f"/bids/{bid['bid']}/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download.headers["Content-Disposition"]


def test_a_file_that_is_not_an_accepted_type_is_refused(client, app, bid):
    before = snapshot(app)
    response = upload(client, bid["bid"], b"MZ\x90\x00 not really a pdf", "offer.pdf")
    assert response.status_code == 400 and "This type of file is not accepted" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_a_file_over_20_mb_is_refused(client, app, bid):
    before = snapshot(app)
    response = upload(client, bid["bid"], PDF + b"0" * (20 * 1024 * 1024), "big.pdf")
    assert response.status_code == 400 and "The file exceeds 20 MB." in response.get_data(as_text=True)
    assert snapshot(app) == before
    huge = upload(client, bid["bid"], PDF + b"0" * (22 * 1024 * 1024), "huge.pdf")
    assert huge.status_code == 413
    assert snapshot(app) == before


def test_an_empty_upload_is_refused(client, app, bid):
    response = client.post(f"/bids/{bid['bid']}/attachments", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a file to send." in response.get_data(as_text=True)


def test_files_are_locked_after_the_deadline_and_hidden_from_other_suppliers(client, app, bid):
    upload(client, bid["bid"], PDF)
    with app.app_context():
        attachment_id = db.session.query(Attachment).one().id
        need = db.session.get(Need, bid["need_id"])
        need.deadline_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    before = snapshot(app)
    assert upload(client, bid["bid"], PDF + b"more").status_code == 403
    assert client.post(f"/bids/{bid['bid']}/attachments/{attachment_id}/delete").status_code == 403
    assert snapshot(app) == before
    client.post("/logout")
    login(client, "rival@example.fr")
    assert client.get(f"/bids/{bid['bid']}/attachments/{attachment_id}").status_code == 404
    client.post("/logout")
    login(client, "buyer@min.gouv.fr")  # the deadline has passed: the bid is unsealed
    assert client.get(f"/bids/{bid['bid']}/attachments/{attachment_id}").data == PDF


def test_the_sealed_buyer_cannot_download_before_the_deadline(client, app, bid):
    upload(client, bid["bid"], PDF)
    with app.app_context():
        attachment_id = db.session.query(Attachment).one().id
    client.post("/logout")
    login(client, "buyer@min.gouv.fr")
    assert client.get(f"/bids/{bid['bid']}/attachments/{attachment_id}").status_code == 404


def test_the_bidder_removes_a_file_before_the_deadline(client, app, bid):
    upload(client, bid["bid"], PDF)
    with app.app_context():
        attachment_id = db.session.query(Attachment).one().id
    assert client.post(f"/bids/{bid['bid']}/attachments/{attachment_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.query(Attachment).count() == 0
