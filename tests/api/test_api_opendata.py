"""Open data through the API: the same OCDS 1.1 packages as the public open data, valid
against the official schemas, with a restricted need never in them."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from app.extensions import db
from tests.api.helpers import bearer
from tests.factories import make_need, make_org
from tests.opendata.builders import every_state, german_supplier
from tests.opendata.conftest import OCDS_DIR, OCDSValidators

API = "/api/v1/ocds"


@pytest.fixture(scope="module")
def ocds():
    if not OCDS_DIR.is_dir():
        pytest.skip(f"the OCDS 1.1.5 schemas are not beside the repository (expected {OCDS_DIR.resolve()})")
    return OCDSValidators(OCDS_DIR)


@pytest.fixture()
def world(client):
    with client.application.app_context():
        buyer, buyer_user = make_org("administration", name="Ministère des Essais")
        french, supplier_user = make_org("startup", name="Jeune Pousse SAS", verified=True)
        needs = every_state(buyer, [french, german_supplier()])
        restricted = make_need(buyer, visibility="restricted", title="Audit confidentiel des réseaux")
        anonymised = make_need(buyer, visibility="restricted", title="Plateforme interne secrète")
        anonymised.open_data = "anonymise"
        invited = make_need(buyer, visibility="invitation", title="Sur invitation seulement", invited=[french])
        db.session.commit()
        return {
            "refs": {label: need.reference for label, need in needs.items()},
            "restricted": restricted.reference, "anonymised": anonymised.reference, "invited": invited.reference,
            # a supplier who may see the restricted and invited needs elsewhere in the API
            "supplier": bearer(supplier_user, french, "read"),
            "buyer": bearer(buyer_user, buyer, "read"),
        }


def parse(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def test_the_packages_are_valid_ocds_and_leave_restricted_needs_out(client, world, ocds):
    releases = parse(client.get(f"{API}/releases", headers=world["supplier"]))
    records = parse(client.get(f"{API}/records", headers=world["buyer"]))
    ocds.check_release_package(releases)
    ocds.check_record_package(records)

    published = {ref for label, ref in world["refs"].items() if label != "draft"}
    by_ref = {r["compiledRelease"]["tender"]["id"]: r for r in records["records"]}
    assert set(by_ref) == published | {world["anonymised"]}
    assert {r["ocid"].removeprefix("ocds-tremplin-") for r in releases["releases"]} == published | {
        world["anonymised"]}
    text = json.dumps([releases, records], ensure_ascii=False)
    for hidden in ("Audit confidentiel", "Sur invitation", "Plateforme interne secrète", "Brouillon secret",
                   world["restricted"], world["invited"], world["refs"]["draft"]):
        assert hidden not in text
    # the anonymised need names no buyer
    compiled = by_ref[world["anonymised"]]["compiledRelease"]
    assert "Ministère des Essais" not in json.dumps(compiled, ensure_ascii=False)
    # the same packages as the public open data
    public = parse(client.get("/open-data/ocds/records.json"))
    assert [r["ocid"] for r in public["records"]] == [r["ocid"] for r in records["records"]]


def test_one_record_by_ocid_or_reference_and_never_a_restricted_one(client, world, ocds):
    ref = world["refs"]["awarded"]
    by_ocid = parse(client.get(f"{API}/records/ocds-tremplin-{ref}", headers=world["supplier"]))
    ocds.check_record_package(by_ocid)
    (record,) = by_ocid["records"]
    assert record["ocid"] == f"ocds-tremplin-{ref}"
    assert parse(client.get(f"{API}/records/{ref}", headers=world["supplier"]))["records"] == by_ocid["records"]

    for hidden in (world["restricted"], world["invited"], world["refs"]["draft"], "TRP-NONE-0000"):
        for identifier in (hidden, f"ocds-tremplin-{hidden}"):
            response = client.get(f"{API}/records/{identifier}", headers=world["supplier"])
            assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_since_keeps_what_happened_from_that_day_and_refuses_a_bad_date(client, world, ocds):
    day = (date.today() - timedelta(days=10)).isoformat()
    recent = parse(client.get(f"{API}/releases?since={day}", headers=world["supplier"]))
    ocds.check_release_package(recent)
    everything = parse(client.get(f"{API}/releases", headers=world["supplier"]))["releases"]
    assert 0 < len(recent["releases"]) < len(everything)
    assert all(r["date"] >= day for r in recent["releases"])

    later = parse(client.get(f"{API}/releases?since=2999-01-01", headers=world["supplier"]))
    assert later["releases"] == [] and "since=2999-01-01" in later["uri"]
    assert parse(client.get(f"{API}/records?since=2999-01-01", headers=world["supplier"]))["records"] == []

    response = client.get(f"{API}/releases?since=31/01/2026", headers=world["supplier"])
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert set(response.get_json()["errors"]) == {"since"}


def test_a_token_is_required(client, world):
    for path in ("/releases", "/records", f"/records/{world['refs']['published']}"):
        response = client.get(API + path)
        assert response.status_code == 401 and response.mimetype == "application/problem+json"
