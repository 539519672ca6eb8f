"""/api/v1/search and matches: the interface's searches, within the token's rights."""

from __future__ import annotations

import re

import pytest

from app.accounts.models import Role
from app.matching.indexing import reindex
from tests.api.helpers import bearer
from tests.factories import make_member, make_need, make_org
from tests.matching.test_indexing import DownEngine
from tests.matching.test_suggestions import soc_market


def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


@pytest.fixture()
def market(app):
    with app.app_context():
        buyer, buyer_user = make_org("administration", verified=True)
        verified, verified_user = make_org("startup", verified=True)
        unverified, unverified_user = make_org("startup")
        refs = {
            "public": make_need(buyer, visibility="public", title="Plateforme quantique ouverte").reference,
            "restricted": make_need(buyer, visibility="restricted", title="Plateforme quantique secrète").reference,
            "draft": make_need(buyer, status="draft", title="Plateforme quantique brouillon").reference,
        }
        for number in range(5):
            make_need(buyer, visibility="public", title=f"Portail citoyen numéro {number}")
        reindex("needs")
        tokens = {"buyer": bearer(buyer_user, buyer), "verified": bearer(verified_user, verified),
                  "unverified": bearer(unverified_user, unverified)}
    return refs, tokens


def found(client, token, query="q=quantique"):
    response = client.get(f"/api/v1/search/needs?{query}", headers=token)
    assert response.status_code == 200, response.get_json()
    return {hit["reference"] for hit in response.get_json()["hits"]}


def test_a_restricted_need_never_appears_for_an_unverified_supplier(client, market):
    refs, tokens = market

    assert found(client, tokens["unverified"]) == {refs["public"]}
    assert found(client, tokens["unverified"], "q=quantique&status=all") == {refs["public"]}
    assert found(client, tokens["verified"]) == {refs["public"], refs["restricted"]}
    assert refs["draft"] not in found(client, tokens["buyer"], "status=all&per_page=100")


def test_search_results_carry_highlights_facets_and_a_total(client, market):
    refs, tokens = market

    body = client.get("/api/v1/search/needs?q=quantique&route=public&route=private",
                      headers=tokens["verified"]).get_json()

    assert body["total"] == 2 and len(body["hits"]) == 2
    hit = body["hits"][0]
    assert {"reference", "title", "highlights", "buyer", "budget"} <= set(hit)
    assert "<mark>" in hit["highlights"]["title"]
    assert "axes" in body["facets"]


def test_search_pages_come_with_total_and_links_keeping_repeated_parameters(client, market):
    _, tokens = market

    first = client.get("/api/v1/search/needs?per_page=2&route=public&route=private", headers=tokens["verified"])
    total = int(first.headers["X-Total-Count"])
    assert total == 7 and first.get_json()["total"] == 7 and len(first.get_json()["hits"]) == 2
    links = _links(first.headers["Link"])
    assert set(links) == {"first", "next", "last"}
    assert "page=2" in links["next"] and "page=4" in links["last"]
    assert "route=public" in links["next"] and "route=private" in links["next"]
    second = client.get(links["next"], headers=tokens["verified"])
    assert set(_links(second.headers["Link"])) == {"first", "prev", "next", "last"}
    seen = [h["reference"] for r in (first, second) for h in r.get_json()["hits"]]
    assert len(set(seen)) == 4


@pytest.mark.parametrize("query, field", [("axis=nope", "axis.0"), ("per_page=101", "per_page"),
                                          ("sort=random", "sort"), ("page=0", "page"),
                                          ("deadline=tomorrow", "deadline")])
def test_unknown_search_parameters_are_a_422_problem_with_field_errors(client, market, query, field):
    _, tokens = market

    response = client.get(f"/api/v1/search/needs?{query}", headers=tokens["verified"])

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_search_needs_a_token(client, market):
    response = client.get("/api/v1/search/needs")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_an_engine_outage_is_a_503_problem(client, app, market):
    _, tokens = market
    real = app.extensions.get("tremplin.search")
    app.extensions["tremplin.search"] = DownEngine()
    try:
        needs = client.get("/api/v1/search/needs?q=quantique", headers=tokens["verified"])
        suppliers = client.get("/api/v1/search/suppliers", headers=tokens["buyer"])
    finally:
        app.extensions["tremplin.search"] = real
    for response in (needs, suppliers):
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 503


@pytest.fixture()
def soc(app):
    with app.app_context():
        buyer, need, suppliers = soc_market()
        buyer_user = buyer.memberships[0].user
        ambassador = make_member(buyer, role=Role.AMBASSADOR)
        vigie = suppliers["vigie"]
        tokens = {
            "buyer": bearer(buyer_user, buyer),
            "ambassador": bearer(ambassador, buyer),
            "vigie": bearer(vigie.memberships[0].user, vigie),
        }
        return need.reference, vigie.id, tokens


def test_buyers_search_suppliers_and_suppliers_may_not(client, soc):
    _, vigie_id, tokens = soc

    response = client.get("/api/v1/search/suppliers?q=SOC&per_page=1", headers=tokens["buyer"])
    body = response.get_json()
    assert response.status_code == 200
    assert body["total"] >= 2 and len(body["hits"]) == 1
    assert "Cachée SOC" not in {h["name"] for h in body["hits"]}  # unverified suppliers are not listed
    assert response.headers["X-Total-Count"] == str(body["total"])
    assert "next" in _links(response.headers["Link"])
    assert client.get("/api/v1/search/suppliers", headers=tokens["vigie"]).status_code == 403
    assert client.get("/api/v1/search/suppliers?country=XX", headers=tokens["buyer"]).status_code == 422


def test_the_needs_buyer_gets_suggested_suppliers_with_score_and_reasons(client, soc):
    reference, vigie_id, tokens = soc

    response = client.get(f"/api/v1/needs/{reference}/matches?lang=en", headers=tokens["buyer"])

    assert response.status_code == 200
    first = response.get_json()[0]
    assert first["supplier"]["id"] == vigie_id
    assert 0 < first["score"] <= 100
    assert any(r["text"].startswith("Categories:") for r in first["reasons"])
    french = client.get(f"/api/v1/needs/{reference}/matches", headers={**tokens["buyer"], "Accept-Language": "fr"})
    assert any(r["text"].startswith("Catégories") for r in french.get_json()[0]["reasons"])
    assert "Cachée SOC" not in {s["supplier"]["name"] for s in response.get_json()}


def test_only_the_buyers_agents_get_matches(client, soc):
    reference, _, tokens = soc

    assert client.get(f"/api/v1/needs/{reference}/matches", headers=tokens["ambassador"]).status_code == 403
    assert client.get(f"/api/v1/needs/{reference}/matches", headers=tokens["vigie"]).status_code == 403
    assert client.get("/api/v1/needs/TRP-NOPE/matches", headers=tokens["buyer"]).status_code == 404
    assert client.get(f"/api/v1/needs/{reference}/matches").status_code == 401


def test_a_supplier_gets_its_needs_and_a_buyer_may_not(client, soc):
    reference, _, tokens = soc

    response = client.get("/api/v1/matches?limit=5", headers=tokens["vigie"])

    assert response.status_code == 200
    assert reference in [m["need"]["reference"] for m in response.get_json()]
    assert all(0 <= m["score"] <= 100 and m["reasons"] for m in response.get_json())
    assert client.get("/api/v1/matches", headers=tokens["buyer"]).status_code == 403
    assert client.get("/api/v1/matches?limit=0", headers=tokens["vigie"]).status_code == 422


def test_matches_when_the_engine_is_down_are_a_503_problem(client, app, soc):
    reference, _, tokens = soc
    real = app.extensions.get("tremplin.search")
    app.extensions["tremplin.search"] = DownEngine()
    try:
        for_need = client.get(f"/api/v1/needs/{reference}/matches", headers=tokens["buyer"])
        for_supplier = client.get("/api/v1/matches", headers=tokens["vigie"])
    finally:
        app.extensions["tremplin.search"] = real
    assert for_need.status_code == for_supplier.status_code == 503
    assert for_need.mimetype == "application/problem+json"
