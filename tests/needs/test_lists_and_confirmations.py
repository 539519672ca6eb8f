"""Our needs are paged in SQL (grouped by status on each page), say what to do when there are
none, and a need's document is removed only after a confirmation page."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from app.db import utcnow
from app.extensions import db
from app.needs.models import Attachment, Need
from tests.factories import login, make_need, make_org

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def html(response) -> str:
    return response.get_data(as_text=True)


def test_our_needs_beyond_a_page_go_on_to_the_next_page_status_by_status(app, client):
    with app.app_context():
        buyer, _ = make_org("corporate", email="buyer@groupe.fr", verified=True)
        start = utcnow() - timedelta(days=1)
        for n in range(21):
            need = make_need(buyer, title=f"Published {n:02d}")
            need.updated_at = start + timedelta(minutes=n)
        draft = make_need(buyer, status="draft", title="Draft one")
        draft.updated_at = start
        db.session.commit()
    client.get("/lang/en")
    login(client, "buyer@groupe.fr")

    first = html(client.get("/needs/mine"))
    second = html(client.get("/needs/mine?page=2"))

    # drafts first, then the published ones most recently changed first: 1 + 19 on page 1
    assert "Draft one" in first and "Published 20" in first and "Published 02" in first
    assert "Published 01" not in first
    assert "Published 01" in second and "Published 00" in second and "Draft one" not in second
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    # a page out of range shows the last one
    assert "Published 00" in html(client.get("/needs/mine?page=40"))


def test_no_need_yet_says_to_post_the_first_one(app, client):
    with app.app_context():
        make_org("corporate", email="buyer@groupe.fr", verified=True)
    client.get("/lang/en")
    login(client, "buyer@groupe.fr")

    page = html(client.get("/needs/mine"))

    assert 'data-marker="no-needs"' in page and "You have not posted any need yet" in page
    assert 'href="/needs/new">Post your first need</a>' in page


def test_removing_a_document_asks_first_and_removes_only_when_confirmed(app, client, tmp_path):
    app.config["UPLOAD_PATH"] = str(tmp_path / "uploads")
    try:
        with app.app_context():
            buyer, _ = make_org("corporate", email="buyer@groupe.fr", verified=True)
            reference = make_need(buyer, status="draft", title="Draft one").reference
        client.get("/lang/en")
        login(client, "buyer@groupe.fr")
        client.post(f"/needs/{reference}/attachments", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(PDF), "spec.pdf")})
        with app.app_context():
            attachment_id = db.session.scalar(select(Attachment.id))
        url = f"/needs/{reference}/attachments/{attachment_id}/delete"

        detail = html(client.get(f"/needs/{reference}"))
        confirmation = client.get(url)

        assert f'href="{url}"' in detail
        assert confirmation.status_code == 200 and "Remove « spec.pdf » from the need?" in html(confirmation)
        with app.app_context():
            assert db.session.get(Attachment, attachment_id) is not None

        assert client.post(url).status_code == 302
        with app.app_context():
            assert db.session.get(Attachment, attachment_id) is None
    finally:
        app.config.pop("UPLOAD_PATH", None)


def test_a_supplier_gets_no_document_removal_page(app, client, tmp_path):
    app.config["UPLOAD_PATH"] = str(tmp_path / "uploads")
    try:
        with app.app_context():
            buyer, _ = make_org("corporate", email="buyer@groupe.fr", verified=True)
            make_org("startup", email="claire@orbinova.fr", verified=True)
            reference = make_need(buyer, title="Published").reference
        login(client, "buyer@groupe.fr")
        client.post(f"/needs/{reference}/attachments", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(PDF), "spec.pdf"), "note": "A new document"})
        with app.app_context():
            attachment_id = db.session.scalar(select(Attachment.id))
            assert db.session.scalar(select(Need.id).where(Need.reference == reference))
        client.post("/logout")
        login(client, "claire@orbinova.fr")

        assert client.get(f"/needs/{reference}/attachments/{attachment_id}/delete").status_code == 403
    finally:
        app.config.pop("UPLOAD_PATH", None)
