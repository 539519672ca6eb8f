"""Documents on needs: checked from their content, served only to who may see the need."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.files.storage import MAX_BYTES, path_for
from app.needs.models import Attachment
from tests.factories import login, make_need, make_org
from tests.needs.builders import english, events, need_by_ref

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture()
def needs(client, app):
    with app.app_context():
        corp, _ = make_org("corporate", name="Groupe Industriel", email="buyer@groupe.fr", verified=True)
        make_org("startup", name="Vérifiée", email="verified@startup.fr", verified=True)
        make_org("startup", name="Non vérifiée", email="unverified@startup.fr", verified=False)
        restricted = make_need(corp, visibility="restricted")
        draft = make_need(corp, status="draft")
        return {"restricted": restricted.reference, "draft": draft.reference}


def upload(client, ref, data: bytes, name: str, **extra):
    return client.post(f"/needs/{ref}/attachments", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name), **extra})


def upload_root(app) -> Path:
    return Path(app.instance_path) / "uploads"


def stored_files(app) -> set[Path]:
    root = upload_root(app)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_the_buyer_adds_a_document_to_a_draft_and_it_is_served_as_a_download(client, app, needs):
    login(client, "buyer@groupe.fr")
    response = upload(client, needs["draft"], PDF, "../../cahier des charges.pdf")
    assert response.status_code == 302
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert attachment.filename == "cahier des charges.pdf"
        assert attachment.content_type == "application/pdf" and attachment.size_bytes == len(PDF)
        assert path_for(attachment.storage_key).read_bytes() == PDF
        assert need_by_ref(needs["draft"]).amendments == []  # a draft changes freely
        attachment_id = attachment.id
    download = client.get(f"/needs/{needs['draft']}/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "cahier" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_document_added_to_a_published_need_is_an_amendment(client, app, needs):
    login(client, "buyer@groupe.fr")
    english(client)
    response = upload(client, needs["restricted"], docx_bytes(), "annexe.docx", note="Annexe technique")
    assert response.status_code == 302
    with app.app_context():
        need = need_by_ref(needs["restricted"])
        [amendment] = need.amendments
        assert amendment.summary == "Annexe technique"
        assert amendment.changes == {"attachments": {"old": None, "new": "annexe.docx"}}
        assert events("need.amended")[0].payload["fields"] == ["attachments"]
    page = client.get(f"/needs/{needs['restricted']}").get_data(as_text=True)
    assert "document added: annexe.docx" in page


@pytest.mark.parametrize("data, name, message", [
    (b"MZ\x90\x00 not a document", "rapport.pdf", "This type of file is not accepted"),
    (b"<html><script>alert(1)</script></html>", "page.html", "This type of file is not accepted"),
    (b"%PDF-" + b"0" * (MAX_BYTES - 4), "enorme.pdf", "larger than 20 MB"),
    (b"", "vide.pdf", "Choose a file to send."),
], ids=["executable named .pdf", "html", "oversize", "empty"])
def test_a_refused_file_is_explained_and_nothing_is_stored(client, app, needs, data, name, message):
    login(client, "buyer@groupe.fr")
    english(client)
    before = stored_files(app)
    response = upload(client, needs["draft"], data, name)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'id="file-error"' in html
    assert stored_files(app) == before
    with app.app_context():
        assert db.session.scalar(select(Attachment)) is None


def test_suppliers_cannot_add_documents(client, app, needs):
    login(client, "verified@startup.fr")
    assert upload(client, needs["restricted"], PDF, "offre.pdf").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Attachment)) is None


def test_a_document_is_404_for_whoever_cannot_see_the_need(client, app, needs):
    login(client, "buyer@groupe.fr")
    upload(client, needs["restricted"], PDF, "cahier.pdf")
    upload(client, needs["draft"], docx_bytes(), "brouillon.docx")
    with app.app_context():
        ids = {a.filename: a.id for a in db.session.scalars(select(Attachment))}
    restricted_url = f"/needs/{needs['restricted']}/attachments/{ids['cahier.pdf']}"
    draft_url = f"/needs/{needs['draft']}/attachments/{ids['brouillon.docx']}"
    client.post("/logout")
    assert client.get(restricted_url).status_code == 404  # anonymous
    assert client.get(draft_url).status_code == 404
    login(client, "unverified@startup.fr")
    assert client.get(restricted_url).status_code == 404
    client.post("/logout")
    login(client, "verified@startup.fr")
    assert client.get(restricted_url).status_code == 200
    assert client.get(draft_url).status_code == 404
    # an attachment reached through another need's address is not served either
    assert client.get(f"/needs/{needs['restricted']}/attachments/{ids['brouillon.docx']}").status_code == 404


def test_documents_of_a_draft_may_be_removed_not_those_of_a_published_need(client, app, needs):
    login(client, "buyer@groupe.fr")
    upload(client, needs["draft"], PDF, "a.pdf")
    upload(client, needs["restricted"], docx_bytes(), "b.docx")
    with app.app_context():
        ids = {a.filename: a.id for a in db.session.scalars(select(Attachment))}
    assert client.post(f"/needs/{needs['draft']}/attachments/{ids['a.pdf']}/delete").status_code == 302
    client.post(f"/needs/{needs['restricted']}/attachments/{ids['b.docx']}/delete")
    with app.app_context():
        assert [a.filename for a in db.session.scalars(select(Attachment))] == ["b.docx"]
