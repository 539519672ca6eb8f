"""Every category is published with a real CPV 2008 code, as 8 digits (no check digit)."""

from __future__ import annotations

import re

from app.needs import taxonomy
from app.opendata import cpv
from tests.factories import make_need, make_org
from tests.opendata.builders import parse


def test_every_category_has_a_cpv_code_with_its_label():
    assert set(cpv.BY_CATEGORY) == set(taxonomy.BY_CODE)
    for category, code in cpv.BY_CATEGORY.items():
        assert re.fullmatch(r"\d{8}", code), category
        assert cpv.LABELS[code], category
    # the sub-categories stay within their axis's family of codes where CPV has one
    assert cpv.cpv_for_category("cyber.audit") == "72800000"  # computer audit and testing services
    assert cpv.cpv_for_category("it.erp") == "48451000"  # enterprise resource planning software package
    assert cpv.cpv_for_category("ai.unknown") == cpv.BY_CATEGORY["ai"]  # a new sub-category: its axis


def test_a_buyer_cpv_code_is_published_by_its_eight_digits():
    assert cpv.eight_digits("72000000-5") == "72000000"
    assert cpv.eight_digits("48730000") == "48730000"
    assert cpv.eight_digits("7200") is None and cpv.eight_digits(None) is None


def test_items_carry_both_classifications(client, ocds):
    with client.application.app_context():
        buyer, _u = make_org("administration")
        need = make_need(buyer, categories=("cloud.hosting", "cyber.soc"))
        need.cpv_code = "72415000-2"  # the same as the first category's: not repeated
        from app.extensions import db

        db.session.commit()
        reference = need.reference
        db.session.remove()
    items = parse(client.get(f"/open-data/ocds/{reference}.json"))["records"][0]["compiledRelease"]["tender"]["items"]
    assert [(i["id"], i["classification"]["id"], [c["id"] for c in i["additionalClassifications"]]) for i in items] == [
        ("cloud.hosting", "72415000", ["cloud.hosting"]), ("cyber.soc", "48760000", ["cyber.soc"])]
    assert items[0]["classification"]["description"] == "World wide web (www) site operation host services"
    assert items[1]["additionalClassifications"][0] == {"scheme": "x_tremplin", "id": "cyber.soc",
                                                        "description": "Détection et réponse (SOC, EDR)"}
