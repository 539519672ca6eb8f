"""How many files a need or a bid holds is capped, and the cap holds under concurrent uploads.

A buyer adding a 21st document to a need, or a supplier an 11th file to a bid, is told
why and nothing is stored. On PostgreSQL, uploads racing for the last place are
serialised on the need's (or bid's) row, so the cap is never exceeded.
"""

from __future__ import annotations

import io
import threading

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.bids import attachments as bid_files
from app.extensions import db
from app.needs import attachments as need_documents
from app.needs.models import Attachment, Need
from app.needs.validation import NeedError
from tests.bids.helpers import form
from tests.conftest import PG_URL
from tests.factories import login, make_need, make_org


def pdf(n: int) -> bytes:
    """A distinct small PDF (its content decides its stored name)."""
    return b"%PDF-1.7\n%" + str(n).encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def stored_files(app, **where) -> int:
    with app.app_context():
        column = Attachment.need_id if "need_id" in where else Attachment.bid_id
        return db.session.scalar(select(func.count(Attachment.id)).where(column == next(iter(where.values()))))


def upload_document(client, ref: str, n: int):
    return client.post(f"/needs/{ref}/attachments", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(pdf(n)), f"annexe-{n}.pdf")})


@pytest.fixture()
def draft(app, tmp_path):
    app.config["UPLOAD_PATH"] = str(tmp_path / "uploads")
    with app.app_context():
        buyer, user = make_org("corporate", name="Groupe Industriel", email="buyer@groupe.fr", verified=True)
        need = make_need(buyer, status="draft")
        yield {"ref": need.reference, "need_id": need.id, "user_id": user.id}
    app.config.pop("UPLOAD_PATH", None)


def test_a_need_holds_twenty_documents_and_the_twenty_first_is_refused_with_a_reason(client, app, draft):
    login(client, "buyer@groupe.fr")
    client.get("/lang/en")
    for n in range(need_documents.MAX_ATTACHMENTS):
        assert upload_document(client, draft["ref"], n).status_code == 302
    refused = upload_document(client, draft["ref"], 99)
    assert refused.status_code == 400
    assert "A need holds at most 20 documents" in refused.get_data(as_text=True)
    assert stored_files(app, need_id=draft["need_id"]) == need_documents.MAX_ATTACHMENTS


def test_a_bid_holds_ten_files_and_the_eleventh_is_refused_with_a_reason(client, app, tmp_path):
    app.config["UPLOAD_PATH"] = str(tmp_path / "uploads")
    try:
        with app.app_context():
            buyer, _ = make_org("administration", verified=True, email="buyer@min.gouv.fr")
            make_org("startup", verified=True, email="claire@orbinova.fr")
            ref = make_need(buyer).reference
        client.get("/lang/en")
        login(client, "claire@orbinova.fr")
        bid_id = int(client.post(f"/needs/{ref}/bid", data=form()).headers["Location"].rsplit("/", 1)[1])
        for n in range(bid_files.MAX_ATTACHMENTS):
            response = client.post(f"/bids/{bid_id}/attachments", content_type="multipart/form-data",
                                   data={"file": (io.BytesIO(pdf(n)), f"offre-{n}.pdf")})
            assert response.status_code == 302
        refused = client.post(f"/bids/{bid_id}/attachments", content_type="multipart/form-data",
                              data={"file": (io.BytesIO(pdf(99)), "offre-99.pdf")})
        assert refused.status_code == 400
        assert "A bid holds at most 10 files" in refused.get_data(as_text=True)
        assert stored_files(app, bid_id=bid_id) == bid_files.MAX_ATTACHMENTS
    finally:
        app.config.pop("UPLOAD_PATH", None)


@pytest.mark.skipif(not PG_URL, reason="row locks need PostgreSQL: set TEST_DATABASE_URL (CI does)")
def test_uploads_racing_for_the_last_place_of_a_need_never_exceed_the_cap(app, draft):
    """Eight uploads start together when one place is left: exactly one is stored."""
    with app.app_context():
        need = db.session.get(Need, draft["need_id"])
        user = db.session.get(User, draft["user_id"])
        for n in range(need_documents.MAX_ATTACHMENTS - 1):
            need_documents.add_attachment(need, FileStorage(io.BytesIO(pdf(n)), f"annexe-{n}.pdf"), by=user)
        db.session.commit()

    racers = 8
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(n: int) -> None:
        with app.app_context():
            need = db.session.get(Need, draft["need_id"])
            user = db.session.get(User, draft["user_id"])
            barrier.wait()
            try:
                need_documents.add_attachment(need, FileStorage(io.BytesIO(pdf(100 + n)), f"r-{n}.pdf"), by=user)
                db.session.commit()
                outcome = "stored"
            except NeedError as exc:
                db.session.rollback()
                outcome = exc.code
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["stored"] + ["too_many_files"] * (racers - 1)
    assert stored_files(app, need_id=draft["need_id"]) == need_documents.MAX_ATTACHMENTS
