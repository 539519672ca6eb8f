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


def _questions(need, asker, *, answered: int, unanswered: int) -> None:
    from app.needs.models import Answer, Question

    start = utcnow() - timedelta(days=2)
    for n in range(answered + unanswered):
        question = Question(need_id=need.id, asked_by_org_id=asker.id, body=f"Question {n:02d}?",
                            created_at=start + timedelta(minutes=n))
        if n < answered:
            question.answer = Answer(body=f"Answer {n:02d}.")
        db.session.add(question)
    db.session.commit()


def test_questions_beyond_a_page_go_on_to_the_next_page_counting_only_readable_ones(app, client):
    with app.app_context():
        buyer, _ = make_org("corporate", email="buyer@groupe.fr", verified=True)
        asker, _ = make_org("startup", email="asker@startup.fr", verified=True)
        make_org("startup", email="reader@startup.fr", verified=True)
        need = make_need(buyer, title="Open need")
        _questions(need, asker, answered=21, unanswered=3)
        reference = need.reference
    client.get("/lang/en")
    login(client, "reader@startup.fr")

    first = html(client.get(f"/needs/{reference}"))
    second = html(client.get(f"/needs/{reference}?questions_page=2"))

    assert "Question 00?" in first and "Question 19?" in first and "Question 20?" not in first
    # another supplier reads the 21 answered questions only: page 2 holds one, no unanswered ones
    assert "Question 20?" in second and "Question 21?" not in second and "Question 00?" not in second
    assert "Page 2 of 2" in second
    assert f"/needs/{reference}?questions_page=1#questions-title" in second

    client.post("/logout")
    login(client, "buyer@groupe.fr")
    buyer_second = html(client.get(f"/needs/{reference}?questions_page=2"))
    assert "Question 23?" in buyer_second  # the buyer's side reads all 24


def test_no_question_tells_a_supplier_to_ask_and_the_buyer_to_invite(app, client):
    with app.app_context():
        buyer, _ = make_org("corporate", email="buyer@groupe.fr", verified=True)
        make_org("startup", email="reader@startup.fr", verified=True)
        reference = make_need(buyer, title="Open need").reference
    client.get("/lang/en")
    login(client, "reader@startup.fr")

    supplier_page = html(client.get(f"/needs/{reference}"))
    client.post("/logout")
    login(client, "buyer@groupe.fr")
    buyer_page = html(client.get(f"/needs/{reference}"))

    assert 'data-marker="no-questions"' in supplier_page and 'href="#question-body"' in supplier_page
    assert 'id="question-body"' in supplier_page
    assert 'data-marker="no-questions"' in buyer_page and f'href="/needs/{reference}/invite"' in buyer_page
    assert 'data-marker="no-invitations"' in buyer_page


def test_invited_suppliers_beyond_a_page_go_on_to_the_next_page(app, client):
    from app.needs.models import Invitation

    with app.app_context():
        buyer, _ = make_org("corporate", email="buyer@groupe.fr", verified=True)
        suppliers = [make_org("startup", name=f"Invited {n:02d}", verified=True)[0] for n in range(21)]
        need = make_need(buyer, title="Open need", visibility="invitation")
        start = utcnow() - timedelta(days=1)
        for n, supplier in enumerate(suppliers):
            db.session.add(Invitation(need_id=need.id, supplier_id=supplier.id, created_at=start + timedelta(minutes=n)))
        db.session.commit()
        reference = need.reference
    client.get("/lang/en")
    login(client, "buyer@groupe.fr")

    first = html(client.get(f"/needs/{reference}"))
    second = html(client.get(f"/needs/{reference}?invitations_page=2"))
    invite_second = html(client.get(f"/needs/{reference}/invite?page=2"))

    assert "Invited 00" in first and "Invited 19" in first and "Invited 20" not in first
    assert "Invited 20" in second and "Invited 19" not in second
    assert 'data-marker="invited"' in invite_second and "Page 2 of 2" in invite_second


def test_cancelling_a_need_asks_first_and_cancels_only_when_confirmed(app, client):
    from app.needs.models import NeedStatus

    with app.app_context():
        buyer, _ = make_org("corporate", email="buyer@groupe.fr", verified=True)
        reference = make_need(buyer, title="Open need").reference
    client.get("/lang/en")
    login(client, "buyer@groupe.fr")

    detail = html(client.get(f"/needs/{reference}"))
    confirmation = client.get(f"/needs/{reference}/cancel")

    assert f'href="/needs/{reference}/cancel"' in detail
    text = html(confirmation)
    assert confirmation.status_code == 200 and "Cancel « Open need »?" in text
    assert f'action="/needs/{reference}/cancel"' in text and 'name="cancel-reason"' in text
    with app.app_context():
        assert db.session.scalar(select(Need.status).where(Need.reference == reference)) == NeedStatus.PUBLISHED

    missing = client.post(f"/needs/{reference}/cancel", data={"cancel-reason": ""})
    assert missing.status_code == 400 and 'data-marker="cancel-form"' in html(missing)

    assert client.post(f"/needs/{reference}/cancel", data={"cancel-reason": "Covered elsewhere."}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Need.status).where(Need.reference == reference)) == NeedStatus.CANCELLED


def test_declaring_unsuccessful_asks_first_and_only_after_the_deadline(app, client):
    from app.needs.models import NeedStatus

    with app.app_context():
        buyer, _ = make_org("corporate", email="buyer@groupe.fr", verified=True)
        open_ref = make_need(buyer, title="Open need").reference
        closed_ref = make_need(buyer, title="Closed need", status="closed").reference
        make_org("startup", email="claire@orbinova.fr", verified=True)
    client.get("/lang/en")
    login(client, "buyer@groupe.fr")

    too_early = client.get(f"/needs/{open_ref}/unsuccessful")
    confirmation = client.get(f"/needs/{closed_ref}/unsuccessful")

    assert too_early.status_code == 302
    text = html(confirmation)
    assert confirmation.status_code == 200 and "Declare « Closed need » unsuccessful?" in text
    assert 'name="unsuccessful-reason"' in text
    with app.app_context():
        assert db.session.scalar(select(Need.status).where(Need.reference == closed_ref)) == NeedStatus.CLOSED

    client.post("/logout")
    login(client, "claire@orbinova.fr")
    assert client.get(f"/needs/{closed_ref}/cancel").status_code in (403, 404)


def test_the_change_log_beyond_a_page_goes_on_to_the_next_page_newest_first(app, client):
    from app.needs.models import Amendment

    with app.app_context():
        buyer, _ = make_org("corporate", email="buyer@groupe.fr", verified=True)
        need = make_need(buyer, title="Open need")
        start = utcnow() - timedelta(days=1)
        for n in range(21):
            db.session.add(Amendment(need_id=need.id, summary=f"Amendment {n:02d}", changes={},
                                     created_at=start + timedelta(minutes=n)))
        db.session.commit()
        reference = need.reference
    client.get("/lang/en")

    first = html(client.get(f"/needs/{reference}"))
    second = html(client.get(f"/needs/{reference}?changes_page=2"))

    assert "Amendment 20" in first and "Amendment 01" in first and "Amendment 00" not in first
    assert "Amendment 00" in second and "Amendment 01" not in second
    assert 'reversed start="1"' in second and 'reversed start="21"' in first
