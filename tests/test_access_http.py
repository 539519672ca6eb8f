"""No leak through the pages: a need one may not know about is a 404 at every URL.

Roles × visibilities through HTTP, for the need page, its documents, the bid form, the
buyer's bid list, questions, and the browse list; and no supplier reads another's bid.
"""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from app.accounts.models import Role
from app.extensions import db
from app.files.storage import store_upload
from app.needs.models import Attachment
from tests.factories import login, make_bid, make_member, make_need, make_operator, make_org

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def attach(need):
    stored = store_upload(FileStorage(io.BytesIO(PDF), filename="cahier des charges.pdf"))
    att = Attachment(need_id=need.id, filename=stored.filename, content_type=stored.content_type,
                     size_bytes=stored.size_bytes, sha256=stored.sha256, storage_key=stored.storage_key)
    db.session.add(att)
    db.session.commit()
    return att.id


@pytest.fixture()
def world(client, app):
    with app.app_context():
        buyer, _ = make_org("corporate", verified=True, email="owner@buyer.fr")
        make_member(buyer, role=Role.AMBASSADOR, email="ambassador@buyer.fr")
        make_org("administration", verified=True, email="owner@other-buyer.fr")
        make_org("startup", verified=True, email="owner@verified.fr")
        make_org("startup", verified=False, email="owner@unverified.fr")
        invited, _ = make_org("sme", verified=True, email="owner@invited.fr")
        make_operator(email="ops@tremplin.example")
        db.session.commit()
        needs = {}
        for visibility in ("public", "restricted", "invitation"):
            need = make_need(buyer, visibility=visibility, title=f"Secret title {visibility}",
                             route="private", invited=[invited] if visibility == "invitation" else ())
            needs[visibility] = (need.reference, attach(need))
        draft = make_need(buyer, status="draft", title="Secret title draft")
        needs["draft"] = (draft.reference, attach(draft))
    return needs


WHO_SEES = {
    "public": {None, "owner@buyer.fr", "ambassador@buyer.fr", "owner@other-buyer.fr", "owner@verified.fr",
               "owner@unverified.fr", "owner@invited.fr", "ops@tremplin.example"},
    "restricted": {"owner@buyer.fr", "ambassador@buyer.fr", "owner@verified.fr", "owner@invited.fr",
                   "ops@tremplin.example"},
    "invitation": {"owner@buyer.fr", "ambassador@buyer.fr", "owner@invited.fr", "ops@tremplin.example"},
    "draft": {"owner@buyer.fr", "ambassador@buyer.fr", "ops@tremplin.example"},
}
PEOPLE = sorted(WHO_SEES["public"], key=lambda p: p or "")


@pytest.mark.parametrize("who", PEOPLE, ids=lambda p: p or "anonymous")
def test_invisible_needs_are_404_everywhere(client, world, who):
    if who:
        assert login(client, who).status_code == 302
    listing = client.get("/needs").get_data(as_text=True)
    for visibility, (reference, attachment_id) in world.items():
        sees = who in WHO_SEES[visibility]
        page = client.get(f"/needs/{reference}")
        document = client.get(f"/needs/{reference}/attachments/{attachment_id}")
        if sees:
            assert page.status_code == 200, (visibility, who)
            assert document.status_code == 200
            assert document.headers["Content-Disposition"].startswith("attachment")
            assert document.headers["X-Content-Type-Options"] == "nosniff"
            continue
        assert page.status_code == 404, (visibility, who)
        assert document.status_code == 404
        assert f"Secret title {visibility}" not in listing
        assert client.get(f"/needs/{reference}/bid").status_code in (302, 404)  # anonymous: sign in first
        if who:
            assert client.get(f"/needs/{reference}/bid").status_code == 404
            assert client.get(f"/needs/{reference}/bids").status_code == 404
            assert client.post(f"/needs/{reference}/questions", data={"body": "Hello?"}).status_code == 404


def test_no_supplier_reads_another_suppliers_bid(client, app):
    with app.app_context():
        buyer, _ = make_org("corporate", verified=True)
        first, _ = make_org("startup", verified=True, email="first@example.fr")
        second, _ = make_org("startup", verified=True, email="second@example.fr")
        need = make_need(buyer, visibility="public", route="private")
        bid_id = make_bid(need, first, price_eur=123_456).id
        make_bid(need, second)
    login(client, "second@example.fr")
    response = client.get(f"/bids/{bid_id}")
    assert response.status_code == 404
    assert "123" not in response.get_data(as_text=True).replace("404", "")
    client.post("/logout")
    login(client, "first@example.fr")
    assert client.get(f"/bids/{bid_id}").status_code == 200
