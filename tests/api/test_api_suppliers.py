"""/api/v1/suppliers: the directory, profiles, and a supplier's own profile and solutions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.suppliers import services
from app.suppliers.models import Solution
from tests.api.helpers import bearer
from tests.factories import make_member, make_org

SOLUTION = {"name": "Veillequantique", "summary": "Supervision des réseaux par capteurs quantiques",
            "category_code": "cyber.soc", "deployment": "saas",
            "hosting_country": "FR", "hosting_provider": "OVHcloud", "secnumcloud": True}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.fixture()
def market(app):
    with app.app_context():
        supplier, supplier_user = make_org("startup", name="Quanta Sécurité", verified=True)
        member = make_member(supplier)
        services.update_profile(supplier, by=supplier_user, values={
            "headline": "Détection d'intrusion", "description": "Un SOC souverain.",
            "categories": ["cyber.soc"], "regions_served": ["11"]})
        services.add_certification(supplier, by=supplier_user, values={"kind": "iso27001", "reference": "ISO-42"})
        unverified, unverified_user = make_org("sme", name="Nouvelle Pousse")
        other, other_user = make_org("startup", name="Autre Startup", verified=True)
        foreign = services.create_solution(other, by=other_user, values={**SOLUTION, "name": "Autre solution"})
        buyer, buyer_user = make_org("administration", verified=True)
        db.session.commit()
        from app.matching.indexing import reindex

        reindex("suppliers")
        return {
            "slug": supplier.slug, "unverified_slug": unverified.slug, "foreign_solution": foreign.id,
            "supplier": bearer(supplier_user, supplier, "read", "write"),
            "member": bearer(member, supplier, "read", "write"),
            "supplier_read": bearer(supplier_user, supplier, "read"),
            "unverified": bearer(unverified_user, unverified, "read", "write"),
            "other": bearer(other_user, other, "read", "write"),
            "buyer": bearer(buyer_user, buyer, "read", "write"),
        }


def profile(client, headers):
    response = client.get("/api/v1/suppliers/me/profile", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json(), response.headers["ETag"]


def create(client, headers, key: str | None = None, **changes):
    extra = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/suppliers/me/solutions", json={**SOLUTION, **changes}, headers={**headers, **extra})


def count_solutions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Solution))


# --- reading ------------------------------------------------------------------------------------


def test_buyers_browse_verified_suppliers_with_pagination(client, market):
    response = client.get("/api/v1/suppliers?per_page=1", headers=market["buyer"])
    assert response.status_code == 200
    body = response.get_json()
    assert [s["name"] for s in body] == ["Autre Startup"]  # by name; the unverified one is not listed
    assert response.headers["X-Total-Count"] == "2"
    assert 'rel="next"' in response.headers["Link"]
    second = client.get("/api/v1/suppliers?per_page=1&page=2", headers=market["buyer"]).get_json()
    assert second[0]["name"] == "Quanta Sécurité" and second[0]["headline"] == "Détection d'intrusion"
    assert second[0]["categories"] == ["cyber.soc"]

    filtered = client.get("/api/v1/suppliers?certification=iso27001", headers=market["buyer"]).get_json()
    assert [s["name"] for s in filtered] == ["Quanta Sécurité"]
    assert_problem(client.get("/api/v1/suppliers?certification=bogus", headers=market["buyer"]), 422)
    assert_problem(client.get("/api/v1/suppliers", headers=market["supplier"]), 403)
    assert_problem(client.get("/api/v1/suppliers"), 401)


def test_a_profile_shows_solutions_and_certifications_to_those_who_may_see_it(client, market):
    body = client.get(f"/api/v1/suppliers/{market['slug']}", headers=market["buyer"]).get_json()
    assert body["profile"]["headline"] == "Détection d'intrusion" and body["profile"]["complete"] is True
    assert body["profile"]["completed_at"].endswith("Z")
    assert [c["kind"] for c in body["certifications"]] == ["iso27001"] and body["solutions"] == []
    # a supplier sees itself, not another supplier; nobody but itself sees an unverified one
    assert client.get(f"/api/v1/suppliers/{market['slug']}", headers=market["supplier"]).status_code == 200
    assert_problem(client.get(f"/api/v1/suppliers/{market['slug']}", headers=market["other"]), 404)
    assert_problem(client.get(f"/api/v1/suppliers/{market['unverified_slug']}", headers=market["buyer"]), 404)
    assert client.get(f"/api/v1/suppliers/{market['unverified_slug']}",
                      headers=market["unverified"]).status_code == 200
    assert_problem(client.get("/api/v1/suppliers/nobody", headers=market["buyer"]), 404)
    assert_problem(client.get(f"/api/v1/suppliers/{market['slug']}/solutions", headers=market["other"]), 404)


# --- the profile ----------------------------------------------------------------------------------


def test_a_supplier_changes_its_profile_with_if_match(client, market):
    before, etag = profile(client, market["supplier"])
    response = client.patch("/api/v1/suppliers/me/profile", headers={**market["supplier"], "If-Match": etag},
                            json={"headline": "SOC souverain et détection", "exit_plan": True,
                                  "references": [{"client": "Ministère des Armées", "summary": "SOC 24/7",
                                                  "year": 2024}]})
    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert after["headline"] == "SOC souverain et détection" and after["exit_plan"] is True
    assert after["categories"] == before["categories"]  # not sent: unchanged
    assert after["references"] == [{"client": "Ministère des Armées", "summary": "SOC 24/7", "year": 2024}]
    assert response.headers["ETag"] != etag
    assert profile(client, market["supplier"])[1] == response.headers["ETag"]

    # the first ETag is stale now; no ETag at all is a 428
    stale = client.patch("/api/v1/suppliers/me/profile", headers={**market["supplier"], "If-Match": etag},
                         json={"headline": "Autre"})
    assert_problem(stale, 412)
    assert_problem(client.patch("/api/v1/suppliers/me/profile", headers=market["supplier"], json={}), 428)
    assert profile(client, market["supplier"])[0]["headline"] == "SOC souverain et détection"


def test_profile_validation_errors_are_field_by_field(client, market):
    _, etag = profile(client, market["member"])  # members edit too
    response = client.patch("/api/v1/suppliers/me/profile", headers={**market["member"], "If-Match": etag},
                            json={"categories": ["cyber.soc", "nope"], "regions_served": ["42"],
                                  "references": [{"client": "", "summary": "x"}]})
    body = assert_problem(response, 422)
    assert set(body["errors"]) == {"categories", "regions_served", "references.0.client"}
    typed = client.patch("/api/v1/suppliers/me/profile", headers={**market["member"], "If-Match": etag},
                         json={"headline": 12, "color": "blue"})
    assert set(assert_problem(typed, 422)["errors"]) == {"headline", "color"}


def test_who_may_not_change_a_profile(client, market):
    _, etag = profile(client, market["supplier"])
    read_only = client.patch("/api/v1/suppliers/me/profile", headers={**market["supplier_read"], "If-Match": etag},
                             json={"headline": "x"})
    assert_problem(read_only, 403)
    assert_problem(client.patch("/api/v1/suppliers/me/profile", json={"headline": "x"},
                                headers={**market["buyer"], "If-Match": etag}), 403)
    assert_problem(client.get("/api/v1/suppliers/me/profile", headers=market["buyer"]), 403)
    assert_problem(client.patch("/api/v1/suppliers/me/profile", json={"headline": "x"}), 401)


def test_an_unfilled_profile_reads_as_defaults_and_is_created_on_first_patch(client, market):
    body, etag = profile(client, market["unverified"])
    assert body["headline"] is None and body["complete"] is False and body["updated_at"] is None
    response = client.patch("/api/v1/suppliers/me/profile", headers={**market["unverified"], "If-Match": etag},
                            json={"headline": "Jeune pousse"})
    assert response.status_code == 200 and response.get_json()["headline"] == "Jeune pousse"


# --- solutions ------------------------------------------------------------------------------------


def test_a_supplier_adds_a_solution_found_by_buyers(client, market, app):
    assert client.get("/api/v1/search/suppliers?q=Veillequantique", headers=market["buyer"]).get_json()["total"] == 0
    response = create(client, market["supplier"])
    assert response.status_code == 201, response.get_json()
    solution = response.get_json()
    assert solution["name"] == "Veillequantique" and solution["secnumcloud"] is True
    assert response.headers["Location"].endswith(f"/api/v1/suppliers/me/solutions/{solution['id']}")
    assert client.get(response.headers["Location"], headers=market["supplier"]).headers["ETag"] == \
        response.headers["ETag"]

    found = client.get("/api/v1/search/suppliers?q=Veillequantique", headers=market["buyer"]).get_json()
    assert [hit["slug"] for hit in found["hits"]] == [market["slug"]]
    listed = client.get(f"/api/v1/suppliers/{market['slug']}/solutions", headers=market["buyer"]).get_json()
    assert [s["name"] for s in listed] == ["Veillequantique"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "supplier.solution_created")) == 2


def test_solution_validation_errors(client, market):
    body = assert_problem(create(client, market["supplier"], name="", category_code="nope", open_source=True,
                                 website="ftp://x"), 422)
    assert set(body["errors"]) == {"name", "category_code", "license", "website"}
    assert_problem(create(client, market["supplier"], deployment="cloud"), 422)
    assert create(client, market["supplier"]).status_code == 201
    assert set(assert_problem(create(client, market["supplier"]), 409)["errors"]) == {"name"}  # name taken
    missing = client.post("/api/v1/suppliers/me/solutions", json={}, headers=market["supplier"])
    assert set(assert_problem(missing, 422)["errors"]) == {"name", "summary", "category_code"}


def test_creating_a_solution_is_idempotent_with_a_key(client, market, app):
    first = create(client, market["supplier"], key="sol-1")
    assert first.status_code == 201
    before = count_solutions(app)
    again = create(client, market["supplier"], key="sol-1")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"] and count_solutions(app) == before
    assert_problem(create(client, market["supplier"], key="sol-1", name="Autre nom"), 409)
    assert count_solutions(app) == before
    # the key belongs to the token: another token of the same supplier creates (and is refused: name taken)
    assert create(client, market["member"], key="sol-1").status_code == 409


def test_a_solution_is_changed_with_if_match_and_deleted(client, market, app):
    created = create(client, market["supplier"])
    url, etag = created.headers["Location"], created.headers["ETag"]
    changed = client.patch(url, json={"summary": "Supervision réseau", "secnumcloud": False},
                           headers={**market["supplier"], "If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["summary"] == "Supervision réseau" and changed.get_json()["name"] == SOLUTION["name"]
    assert_problem(client.patch(url, json={"summary": "x"}, headers={**market["supplier"], "If-Match": etag}), 412)
    assert_problem(client.patch(url, json={"summary": "x"}, headers=market["supplier"]), 428)
    assert_problem(client.patch(url, json={"category_code": "nope"},
                                headers={**market["supplier"], "If-Match": changed.headers["ETag"]}), 422)

    assert_problem(client.delete(url, headers=market["supplier_read"]), 403)
    assert_problem(client.delete(url, headers={**market["supplier"], "If-Match": etag}), 412)
    assert client.delete(url, headers=market["member"]).status_code == 204
    assert_problem(client.get(url, headers=market["supplier"]), 404)
    found = client.get("/api/v1/search/suppliers?q=Veillequantique", headers=market["buyer"]).get_json()
    assert found["total"] == 0


def test_another_organisations_solution_is_not_found(client, market):
    url = f"/api/v1/suppliers/me/solutions/{market['foreign_solution']}"
    assert_problem(client.get(url, headers=market["supplier"]), 404)
    assert_problem(client.patch(url, json={"summary": "x"}, headers={**market["supplier"], "If-Match": "*"}), 404)
    assert_problem(client.delete(url, headers=market["supplier"]), 404)
    assert_problem(client.get(f"/api/v1/suppliers/me/solutions/{2**63}", headers=market["supplier"]), 404)
    assert_problem(create(client, market["buyer"]), 403)


# --- certifications -------------------------------------------------------------------------------


def test_certifications_are_recorded_and_deleted(client, market):
    response = client.post("/api/v1/suppliers/me/certifications", headers=market["supplier"],
                           json={"kind": "secnumcloud", "reference": "SNC-2025-1", "issuer": "ANSSI",
                                 "issued_on": "2025-01-15", "expires_on": "2028-01-15"})
    assert response.status_code == 201, response.get_json()
    certification = response.get_json()
    assert certification["valid"] is True and certification["issued_on"] == "2025-01-15"
    duplicate = client.post("/api/v1/suppliers/me/certifications", headers=market["supplier"],
                            json={"kind": "secnumcloud", "reference": "SNC-2025-1"})
    assert set(assert_problem(duplicate, 409)["errors"]) == {"reference"}
    assert client.delete(f"/api/v1/suppliers/me/certifications/{certification['id']}",
                         headers=market["supplier"]).status_code == 204
    kinds = [c["kind"] for c in client.get("/api/v1/suppliers/me/certifications",
                                           headers=market["supplier"]).get_json()]
    assert kinds == ["iso27001"]
