"""The supplier's own profile page: members complete it, bad input is shown and saves nothing."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from app.accounts.models import Role
from app.extensions import db
from app.suppliers.models import SupplierProfile
from tests.factories import login, make_member, make_org

COMPLETE = {
    "headline": "Assistant juridique souverain",
    "description": "Nous analysons les contrats publics avec des modèles hébergés en France.",
    "categories": ["ai.llm", "ai.nlp"],
    "regions_served": ["11", "53"],
    "references-0-client": "Ministère des Armées",
    "references-0-summary": "Analyse de 4 000 marchés",
    "references-0-year": "2025",
    "eu_controlled": "y",
    "exit_plan": "y",
    "owns_technology": "y",
}


def _profile(org_id: int) -> SupplierProfile | None:
    return db.session.scalar(select(SupplierProfile).where(SupplierProfile.organisation_id == org_id))


def _people(app, client) -> dict:
    """A supplier with its owner, a member and an ambassador, and a buyer; pages in English."""
    with app.app_context():
        supplier, owner = make_org("startup", verified=True, name="Juriscope SAS")
        buyer, buyer_user = make_org("administration", verified=True)
        member = make_member(supplier)
        ambassador = make_member(buyer, role=Role.AMBASSADOR)  # ambassadors are buyers'
        people = {"org": supplier.id, "slug": supplier.slug, "owner": owner.email, "member": member.email,
                  "ambassador": ambassador.email, "buyer": buyer_user.email}
    client.get("/lang/en")
    return people


def test_a_member_completes_the_profile_and_the_public_profile_shows_it(client, app):
    people = _people(app, client)
    login(client, people["member"])

    page = client.get("/supplier/profile")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'for="headline"' in html and 'name="regions_served"' in html and 'name="references-0-client"' in html

    saved = client.post("/supplier/profile", data=COMPLETE)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/supplier/profile")
    with app.app_context():
        profile = _profile(people["org"])
        assert profile.completed_at is not None
        assert profile.categories == ["ai.llm", "ai.nlp"] and profile.regions_served == ["11", "53"]
        assert profile.references == [{"client": "Ministère des Armées", "summary": "Analyse de 4 000 marchés",
                                       "year": 2025}]
        assert profile.exit_plan and not profile.extraterritorial_exposure

    public = unescape(client.get(f"/suppliers/{people['slug']}").get_data(as_text=True))
    assert "Assistant juridique souverain" in public and "/supplier/profile" in public  # its own: the edit link
    again = unescape(client.get("/supplier/profile").get_data(as_text=True))
    assert "Assistant juridique souverain" in again and "Ministère des Armées" in again


def test_field_errors_are_shown_next_to_their_field_and_nothing_is_saved(client, app):
    people = _people(app, client)
    login(client, people["owner"])
    client.post("/supplier/profile", data={"headline": "Cartographie"})

    refused = client.post("/supplier/profile", data={
        **COMPLETE, "headline": "x" * 201, "categories": ["ai.llm", "nope"],
        "references-0-year": "1900", "references-1-client": "Région Bretagne",
    })
    assert refused.status_code == 400
    html = unescape(refused.get_data(as_text=True))
    assert re.search(r'<input[^>]*aria-describedby="headline-hint headline-error"[^>]*id="headline"', html)
    assert 'id="headline-error">This text is too long: 200 characters at most.' in html
    assert 'id="categories-error"' in html
    assert 'id="references-0-year-error"' in html and 'id="references-1-summary-error"' in html
    assert 'href="#headline"' in html  # the summary links to the field
    with app.app_context():
        profile = _profile(people["org"])
        assert profile.headline == "Cartographie" and profile.categories == [] and profile.completed_at is None


def test_the_profile_says_what_is_missing(client, app):
    people = _people(app, client)
    login(client, people["owner"])
    html = unescape(client.get("/supplier/profile").get_data(as_text=True))
    assert "The regions you serve" in html and "At least one solution" in html


def test_only_the_suppliers_owners_and_members_edit_its_profile(client, app):
    people = _people(app, client)
    login(client, people["buyer"])
    assert client.get("/supplier/profile").status_code == 403
    assert client.post("/supplier/profile", data=COMPLETE).status_code == 403
    client.post("/logout")
    login(client, people["ambassador"])
    assert client.get("/supplier/profile").status_code == 403
    assert client.post("/supplier/profile", data=COMPLETE).status_code == 403
    with app.app_context():
        assert _profile(people["org"]) is None
    client.post("/logout")
    assert client.get("/supplier/profile").status_code in (302, 401)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_with_csrf_protection_on_the_profile_form_needs_its_token(csrf_app):
    with csrf_app.app_context():
        org, _ = make_org("startup", email="lea@juriscope.fr")
        org_id = org.id
    client = csrf_app.test_client()
    client.post("/login", data={"email": "lea@juriscope.fr", "password": "Correct-Horse-42",
                                "csrf_token": _csrf(client.get("/login").get_data(as_text=True))})
    assert client.post("/supplier/profile", data=COMPLETE).status_code == 400
    with csrf_app.app_context():
        assert _profile(org_id) is None
    page = client.get("/supplier/profile").get_data(as_text=True)
    assert client.post("/supplier/profile", data={**COMPLETE, "csrf_token": _csrf(page)}).status_code == 302
    with csrf_app.app_context():
        assert _profile(org_id).completed_at is not None


def test_in_french_ones_own_public_profile_offers_to_edit_it(client, app):
    with app.app_context():
        supplier, owner = make_org("startup", verified=True)
        slug, email = supplier.slug, owner.email
    login(client, email)
    html = unescape(client.get(f"/suppliers/{slug}").get_data(as_text=True))
    assert "Modifier le profil" in html and "/supplier/profile" in html
    assert "Votre profil fournisseur" in unescape(client.get("/supplier/profile").get_data(as_text=True))
