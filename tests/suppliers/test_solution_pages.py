"""The supplier's own solutions: listed, added, changed, deleted after confirmation, found by search."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from app.accounts.models import Role
from app.extensions import db
from app.matching.search import SupplierSearch, search_suppliers
from app.suppliers import services
from app.suppliers.models import Solution
from tests.factories import login, make_member, make_org

SOLUTION = {"name": "Lexiquarium", "summary": "Analyse de contrats publics par IA", "category_code": "ai.nlp",
            "deployment": "saas", "hosting_country": "fr", "hosting_provider": "OVHcloud",
            "open_source": "y", "license": "EUPL-1.2", "website": "https://juriscope.example"}


def _people(app, client) -> dict:
    """A verified startup with its owner and a member, another startup's solution, a buyer and its ambassador."""
    with app.app_context():
        supplier, owner = make_org("startup", verified=True, name="Juriscope SAS")
        other, other_owner = make_org("sme", verified=True)
        theirs = services.create_solution(other, by=other_owner, values={
            "name": "Leur outil", "summary": "Autre chose", "category_code": "ai.nlp"})
        buyer, buyer_user = make_org("administration", verified=True)
        ambassador = make_member(buyer, role=Role.AMBASSADOR)
        member = make_member(supplier)
        db.session.commit()
        people = {"org": supplier.id, "owner": owner.email, "member": member.email, "theirs": theirs.id,
                  "buyer": buyer_user.email, "ambassador": ambassador.email}
    client.get("/lang/en")
    return people


def _solutions(app, org_id: int) -> list[Solution]:
    with app.app_context():
        found = db.session.scalars(select(Solution).where(Solution.organisation_id == org_id)).all()
        db.session.expunge_all()
        return found


def _found(app, words: str) -> list[int]:
    with app.app_context():
        return [org.id for org, _ in search_suppliers(SupplierSearch(q=words)).hits]


def test_a_member_adds_changes_and_deletes_a_solution(client, app):
    people = _people(app, client)
    login(client, people["member"])

    empty = unescape(client.get("/supplier/solutions").get_data(as_text=True))
    assert "No solution described yet. Add your first solution" in empty and "/supplier/solutions/new" in empty
    form = client.get("/supplier/solutions/new").get_data(as_text=True)
    assert 'for="name"' in form and 'name="category_code"' in form

    created = client.post("/supplier/solutions/new", data=SOLUTION)
    assert created.status_code == 302 and created.headers["Location"].endswith("/supplier/solutions")
    [solution] = _solutions(app, people["org"])
    assert (solution.name, solution.hosting_country, solution.license) == ("Lexiquarium", "FR", "EUPL-1.2")
    assert _found(app, "Lexiquarium") == [people["org"]]  # the search index followed the commit

    listed = unescape(client.get("/supplier/solutions").get_data(as_text=True))
    assert "Lexiquarium" in listed and f"/supplier/solutions/{solution.id}/edit" in listed
    assert f"/supplier/solutions/{solution.id}/delete" in listed

    edit = unescape(client.get(f"/supplier/solutions/{solution.id}/edit").get_data(as_text=True))
    assert 'value="Lexiquarium"' in edit and 'value="EUPL-1.2"' in edit
    changed = client.post(f"/supplier/solutions/{solution.id}/edit",
                          data={**SOLUTION, "name": "Lexiquarium Pro", "open_source": "", "license": ""})
    assert changed.status_code == 302
    [solution] = _solutions(app, people["org"])
    assert solution.name == "Lexiquarium Pro" and not solution.open_source and solution.license is None

    confirm = unescape(client.get(f"/supplier/solutions/{solution.id}/delete").get_data(as_text=True))
    assert "Delete the solution « Lexiquarium Pro »?" in confirm
    assert _solutions(app, people["org"])  # asking is not deleting
    deleted = client.post(f"/supplier/solutions/{solution.id}/delete")
    assert deleted.status_code == 302
    assert _solutions(app, people["org"]) == []
    assert _found(app, "Lexiquarium") == []


def test_field_errors_are_shown_next_to_their_field_and_nothing_is_saved(client, app):
    people = _people(app, client)
    login(client, people["owner"])
    refused = client.post("/supplier/solutions/new", data={
        **SOLUTION, "name": "", "license": "", "secnumcloud": "y", "hosting_provider": "", "website": "juriscope"})
    assert refused.status_code == 400
    html = unescape(refused.get_data(as_text=True))
    assert 'id="name-error">This field is required.' in html
    assert re.search(r'aria-describedby="name-hint name-error"', html)
    assert 'id="license-error"' in html and 'id="hosting_provider-error"' in html and 'id="website-error"' in html
    assert "Analyse de contrats publics par IA" in html  # what was typed is kept
    assert _solutions(app, people["org"]) == []

    client.post("/supplier/solutions/new", data=SOLUTION)
    [solution] = _solutions(app, people["org"])
    taken = client.post("/supplier/solutions/new", data=SOLUTION)
    assert taken.status_code == 400 and "You already have a solution with this name." in taken.get_data(as_text=True)
    refused_edit = client.post(f"/supplier/solutions/{solution.id}/edit", data={**SOLUTION, "summary": ""})
    assert refused_edit.status_code == 400 and 'id="summary-error"' in refused_edit.get_data(as_text=True)
    [kept] = _solutions(app, people["org"])
    assert kept.summary == SOLUTION["summary"]


def test_only_the_suppliers_owners_and_members_reach_its_solutions(client, app):
    people = _people(app, client)
    for email in (people["buyer"], people["ambassador"]):
        login(client, email)
        for url in ("/supplier/solutions", "/supplier/solutions/new",
                    f"/supplier/solutions/{people['theirs']}/edit", f"/supplier/solutions/{people['theirs']}/delete"):
            assert client.get(url).status_code == 403, (email, url)
        assert client.post("/supplier/solutions/new", data=SOLUTION).status_code == 403
        client.post("/logout")
    assert client.get("/supplier/solutions").status_code == 302  # asked to sign in


def test_another_organisations_solution_is_not_found(client, app):
    people = _people(app, client)
    login(client, people["owner"])
    theirs = people["theirs"]
    assert client.get(f"/supplier/solutions/{theirs}/edit").status_code == 404
    assert client.post(f"/supplier/solutions/{theirs}/edit", data=SOLUTION).status_code == 404
    assert client.get(f"/supplier/solutions/{theirs}/delete").status_code == 404
    assert client.post(f"/supplier/solutions/{theirs}/delete").status_code == 404
    assert client.get("/supplier/solutions/999999/edit").status_code == 404
    with app.app_context():
        assert db.session.get(Solution, theirs).name == "Leur outil"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_with_csrf_protection_on_solution_changes_need_their_token(csrf_app):
    with csrf_app.app_context():
        org, _ = make_org("startup", email="lea@juriscope.fr")
        org_id = org.id
    client = csrf_app.test_client()
    client.post("/login", data={"email": "lea@juriscope.fr", "password": "Correct-Horse-42",
                                "csrf_token": _csrf(client.get("/login").get_data(as_text=True))})
    assert client.post("/supplier/solutions/new", data=SOLUTION).status_code == 400
    assert _solutions(csrf_app, org_id) == []
    page = client.get("/supplier/solutions/new").get_data(as_text=True)
    assert client.post("/supplier/solutions/new", data={**SOLUTION, "csrf_token": _csrf(page)}).status_code == 302
    [solution] = _solutions(csrf_app, org_id)
    assert client.post(f"/supplier/solutions/{solution.id}/delete").status_code == 400
    assert _solutions(csrf_app, org_id)
    confirm = client.get(f"/supplier/solutions/{solution.id}/delete").get_data(as_text=True)
    assert client.post(f"/supplier/solutions/{solution.id}/delete",
                       data={"csrf_token": _csrf(confirm)}).status_code == 302
    assert _solutions(csrf_app, org_id) == []
