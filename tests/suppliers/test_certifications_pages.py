"""The supplier's own certifications: listed, added, changed, deleted after confirmation."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from sqlalchemy import select

from app.accounts.models import Role
from app.extensions import db
from app.suppliers import services
from app.suppliers.models import Certification, CertificationKind
from tests.factories import login, make_member, make_org

CERTIFICATION = {"kind": "secnumcloud", "reference": "SNC-2026-042", "issuer": "ANSSI",
                 "issued_on": "2026-01-15", "expires_on": "2029-01-14", "solution_id": ""}


def _people(app, client) -> dict:
    """A verified startup with its owner, a member and a solution; another SME's certification; a buyer."""
    with app.app_context():
        supplier, owner = make_org("startup", verified=True, name="Juriscope SAS")
        solution = services.create_solution(supplier, by=owner, values={
            "name": "Lexiquarium", "summary": "Analyse de contrats", "category_code": "ai.nlp"})
        other, other_owner = make_org("sme", verified=True)
        theirs = services.add_certification(other, by=other_owner, values={"kind": "hds", "reference": "HDS-1"})
        buyer, buyer_user = make_org("administration", verified=True)
        ambassador = make_member(buyer, role=Role.AMBASSADOR)
        member = make_member(supplier)
        db.session.commit()
        people = {"org": supplier.id, "slug": supplier.slug, "owner": owner.email, "member": member.email,
                  "solution": solution.id, "theirs": theirs.id, "buyer": buyer_user.email,
                  "ambassador": ambassador.email}
    client.get("/lang/en")
    return people


def _certifications(app, org_id: int) -> list[Certification]:
    with app.app_context():
        found = db.session.scalars(select(Certification).where(Certification.organisation_id == org_id)
                                   .order_by(Certification.id)).all()
        db.session.expunge_all()
        return found


def test_a_member_adds_changes_and_deletes_a_certification(client, app):
    people = _people(app, client)
    login(client, people["member"])

    empty = unescape(client.get("/supplier/certifications").get_data(as_text=True))
    assert "No certification recorded yet." in empty and "/supplier/certifications/new" in empty
    form = client.get("/supplier/certifications/new").get_data(as_text=True)
    assert 'for="kind"' in form and 'name="expires_on"' in form and 'type="date"' in form
    assert f'value="{people["solution"]}">Lexiquarium' in form  # one's own solutions to choose from

    created = client.post("/supplier/certifications/new", data=CERTIFICATION)
    assert created.status_code == 302 and created.headers["Location"].endswith("/supplier/certifications")
    [cert] = _certifications(app, people["org"])
    assert (cert.kind, cert.reference, cert.issuer) == (CertificationKind.SECNUMCLOUD, "SNC-2026-042", "ANSSI")
    assert (cert.issued_on, cert.expires_on, cert.solution_id) == (date(2026, 1, 15), date(2029, 1, 14), None)

    listed = unescape(client.get("/supplier/certifications").get_data(as_text=True))
    assert "SNC-2026-042" in listed and "Covers the whole company." in listed
    assert f"/supplier/certifications/{cert.id}/edit" in listed and f"/supplier/certifications/{cert.id}/delete" in listed
    public = unescape(client.get(f"/suppliers/{people['slug']}").get_data(as_text=True))
    assert "SNC-2026-042" in public

    edit = unescape(client.get(f"/supplier/certifications/{cert.id}/edit").get_data(as_text=True))
    assert 'value="SNC-2026-042"' in edit and 'value="2029-01-14"' in edit
    changed = client.post(f"/supplier/certifications/{cert.id}/edit", data={
        **CERTIFICATION, "expires_on": "", "issuer": "", "solution_id": str(people["solution"])})
    assert changed.status_code == 302
    [cert] = _certifications(app, people["org"])
    assert (cert.expires_on, cert.issuer, cert.solution_id) == (None, None, people["solution"])
    listed = unescape(client.get("/supplier/certifications").get_data(as_text=True))
    assert "Covers the solution « Lexiquarium »." in listed and "No expiry date." in listed

    confirm = unescape(client.get(f"/supplier/certifications/{cert.id}/delete").get_data(as_text=True))
    assert "Delete the certification « SecNumCloud" in confirm and "SNC-2026-042 »?" in confirm
    assert _certifications(app, people["org"])  # asking is not deleting
    deleted = client.post(f"/supplier/certifications/{cert.id}/delete")
    assert deleted.status_code == 302
    assert _certifications(app, people["org"]) == []


def test_field_errors_are_shown_next_to_their_field_and_nothing_is_saved(client, app):
    people = _people(app, client)
    login(client, people["owner"])
    refused = client.post("/supplier/certifications/new", data={
        **CERTIFICATION, "kind": "", "issued_on": "15/01/2026", "solution_id": str(people["solution"] + 1000)})
    assert refused.status_code == 400
    html = unescape(refused.get_data(as_text=True))
    assert 'id="kind-error">This field is required.' in html
    assert 'id="issued_on-error">Give the date as YYYY-MM-DD.' in html
    assert 'id="solution_id-error">Choose one of your own solutions.' in html
    assert re.search(r'aria-describedby="issued_on-hint issued_on-error"', html)
    assert 'value="SNC-2026-042"' in html  # what was typed is kept
    assert _certifications(app, people["org"]) == []

    unordered = client.post("/supplier/certifications/new", data={**CERTIFICATION, "expires_on": "2025-12-31"})
    assert unordered.status_code == 400
    assert 'id="expires_on-error">The expiry date comes after the issue date.' in unordered.get_data(as_text=True)
    assert _certifications(app, people["org"]) == []

    client.post("/supplier/certifications/new", data=CERTIFICATION)
    [cert] = _certifications(app, people["org"])
    taken = client.post("/supplier/certifications/new", data=CERTIFICATION)
    assert taken.status_code == 400 and "This certification is already recorded." in taken.get_data(as_text=True)
    refused_edit = client.post(f"/supplier/certifications/{cert.id}/edit", data={**CERTIFICATION, "reference": ""})
    assert refused_edit.status_code == 400 and 'id="reference-error"' in refused_edit.get_data(as_text=True)
    [kept] = _certifications(app, people["org"])
    assert kept.reference == "SNC-2026-042"


def test_only_the_suppliers_owners_and_members_reach_its_certifications(client, app):
    people = _people(app, client)
    theirs = people["theirs"]
    for email in (people["buyer"], people["ambassador"]):
        login(client, email)
        for url in ("/supplier/certifications", "/supplier/certifications/new",
                    f"/supplier/certifications/{theirs}/edit", f"/supplier/certifications/{theirs}/delete"):
            assert client.get(url).status_code == 403, (email, url)
        assert client.post("/supplier/certifications/new", data=CERTIFICATION).status_code == 403
        assert client.post(f"/supplier/certifications/{theirs}/delete").status_code == 403
        client.post("/logout")
    assert client.get("/supplier/certifications").status_code == 302  # asked to sign in


def test_another_organisations_certification_is_not_found(client, app):
    people = _people(app, client)
    login(client, people["owner"])
    theirs = people["theirs"]
    assert client.get(f"/supplier/certifications/{theirs}/edit").status_code == 404
    assert client.post(f"/supplier/certifications/{theirs}/edit", data=CERTIFICATION).status_code == 404
    assert client.get(f"/supplier/certifications/{theirs}/delete").status_code == 404
    assert client.post(f"/supplier/certifications/{theirs}/delete").status_code == 404
    assert client.get("/supplier/certifications/999999/edit").status_code == 404
    with app.app_context():
        assert db.session.get(Certification, theirs).reference == "HDS-1"


def test_the_profile_pages_and_the_home_link_to_the_certifications(client, app):
    people = _people(app, client)
    login(client, people["owner"])
    for url in ("/supplier/profile", f"/suppliers/{people['slug']}", "/"):
        assert 'href="/supplier/certifications"' in client.get(url, follow_redirects=True).get_data(as_text=True), url


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_with_csrf_protection_on_certification_changes_need_their_token(csrf_app):
    with csrf_app.app_context():
        org, _ = make_org("startup", email="lea@juriscope.fr")
        org_id = org.id
    client = csrf_app.test_client()
    client.post("/login", data={"email": "lea@juriscope.fr", "password": "Correct-Horse-42",
                                "csrf_token": _csrf(client.get("/login").get_data(as_text=True))})
    assert client.post("/supplier/certifications/new", data=CERTIFICATION).status_code == 400
    assert _certifications(csrf_app, org_id) == []
    page = client.get("/supplier/certifications/new").get_data(as_text=True)
    created = client.post("/supplier/certifications/new", data={**CERTIFICATION, "csrf_token": _csrf(page)})
    assert created.status_code == 302
    [cert] = _certifications(csrf_app, org_id)
    edit = client.get(f"/supplier/certifications/{cert.id}/edit").get_data(as_text=True)
    assert client.post(f"/supplier/certifications/{cert.id}/edit",
                       data={**CERTIFICATION, "reference": "SNC-2"}).status_code == 400
    assert client.post(f"/supplier/certifications/{cert.id}/edit",
                       data={**CERTIFICATION, "reference": "SNC-2", "csrf_token": _csrf(edit)}).status_code == 302
    assert client.post(f"/supplier/certifications/{cert.id}/delete").status_code == 400
    assert _certifications(csrf_app, org_id)
    confirm = client.get(f"/supplier/certifications/{cert.id}/delete").get_data(as_text=True)
    assert client.post(f"/supplier/certifications/{cert.id}/delete",
                       data={"csrf_token": _csrf(confirm)}).status_code == 302
    assert _certifications(csrf_app, org_id) == []
