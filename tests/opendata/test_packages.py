"""Every package the open data serves is valid OCDS 1.1, whatever the needs' states."""

from __future__ import annotations

from app.extensions import db
from tests.factories import make_org
from tests.opendata.builders import every_state, german_supplier, parse

TENDER_STATUS = {"published": "active", "closed": "active", "amended": "active", "awarded": "complete",
                 "cancelled": "cancelled", "unsuccessful": "unsuccessful"}


def _world(client):
    with client.application.app_context():
        buyer, _user = make_org("administration", name="Ministère des Essais")
        french, _u = make_org("startup", name="Jeune Pousse SAS")
        needs = every_state(buyer, [french, german_supplier()])
        refs = {label: need.reference for label, need in needs.items()}
        db.session.remove()
    return refs


def test_release_and_record_packages_are_valid_for_needs_in_every_state(client, ocds):
    refs = _world(client)
    releases = parse(client.get("/open-data/ocds/releases.json"))
    records = parse(client.get("/open-data/ocds/records.json"))
    ocds.check_release_package(releases)
    ocds.check_record_package(records)

    by_ref = {r["compiledRelease"]["tender"]["id"]: r for r in records["records"]}
    assert set(by_ref) == {ref for label, ref in refs.items() if label != "draft"}
    for label, status in TENDER_STATUS.items():
        assert by_ref[refs[label]]["compiledRelease"]["tender"]["status"] == status, label
    # every release of the release package is in its need's record, and nothing else
    assert sorted(r["id"] for r in releases["releases"]) == sorted(
        rel["id"] for rec in records["records"] for rel in rec["releases"])
    assert len({r["id"] for r in releases["releases"]}) == len(releases["releases"])


def test_one_need_record_is_a_valid_record_package_with_its_stages(client, ocds):
    refs = _world(client)
    for label, ref in refs.items():
        if label == "draft":
            continue
        package = parse(client.get(f"/open-data/ocds/{ref}.json"))
        ocds.check_record_package(package)
        (record,) = package["records"]
        assert record["ocid"] == f"ocds-tremplin-{ref}"
        dates = [r["date"] for r in record["releases"]]
        assert dates == sorted(dates), "releases are in date order"

    awarded = parse(client.get(f"/open-data/ocds/{refs['awarded']}.json"))["records"][0]
    tags = [tuple(r["tag"]) for r in awarded["releases"]]
    assert tags == [("tender",), ("tenderUpdate", "award", "contract"), ("tenderUpdate", "award", "contract"),
                    ("contractTermination",), ("contractUpdate",)]
    compiled = awarded["compiledRelease"]
    assert compiled["tag"] == ["compiled"] and compiled["date"] == awarded["releases"][-1]["date"]
    roles = {p["name"]: p["roles"] for p in compiled["parties"]}
    assert roles == {"Ministère des Essais": ["buyer"], "Jeune Pousse SAS": ["tenderer", "supplier"],
                     "Quanten GmbH": ["tenderer", "supplier"]}
    contracts = {c["awardID"]: c for c in compiled["contracts"]}
    awards = {a["suppliers"][0]["name"]: a for a in compiled["awards"]}
    assert contracts[awards["Jeune Pousse SAS"]["id"]]["status"] == "active"  # pending, then started
    assert contracts[awards["Quanten GmbH"]["id"]]["status"] == "terminated"
    assert awards["Jeune Pousse SAS"]["value"] == {"amount": 123456.78, "currency": "EUR"}
    assert compiled["tender"]["numberOfTenderers"] == 2

    amended = parse(client.get(f"/open-data/ocds/{refs['amended']}.json"))["records"][0]
    (tender_release,) = amended["releases"]
    assert tender_release["tag"] == ["tenderAmendment"]
    assert tender_release["id"].endswith("-tender-amendment-1")
    assert tender_release["tender"]["amendments"][0]["description"] == "Date limite repoussée d'une semaine"


def test_codes_come_from_the_standard_codelists(client, ocds):
    _world(client)
    compiled = [r["compiledRelease"] for r in parse(client.get("/open-data/ocds/records.json"))["records"]]
    assert {role for c in compiled for p in c["parties"] for role in p["roles"]} <= ocds.codes("partyRole")
    assert {c["tender"]["status"] for c in compiled} <= ocds.codes("tenderStatus")
    assert {c["tender"]["procurementMethod"] for c in compiled} <= ocds.codes("method")
    assert {c["tender"]["awardCriteria"] for c in compiled} <= ocds.codes("awardCriteria")
    assert {m for c in compiled for m in c["tender"]["submissionMethod"]} <= ocds.codes("submissionMethod")
    assert {a["status"] for c in compiled for a in c.get("awards", [])} <= ocds.codes("awardStatus")
    assert {k["status"] for c in compiled for k in c.get("contracts", [])} <= ocds.codes("contractStatus")
    schemes = {item["classification"]["scheme"] for c in compiled for item in c["tender"]["items"]}
    assert schemes == {"CPV"} and "CPV" in ocds.codes("itemClassificationScheme")
