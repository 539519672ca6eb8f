"""Which purchases count towards the pledge: the supplier's class from its size data, its
country, the rule in force (configuration), and the sentence that explains it."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale

from app.accounts.models import OrganisationKind, SizeCategory
from app.commitments.eligibility import (
    RULES,
    Geography,
    SupplierClass,
    assess,
    geography,
    size_class,
    stamp,
)
from app.commitments.models import Purchase, PurchaseSource, PurchaseStatus
from app.config import ConfigError, load_config
from tests.factories import make_org

K, S = OrganisationKind, SizeCategory


@pytest.mark.parametrize(("kind", "size", "employees", "turnover", "expected"), [
    (K.STARTUP, S.SMALL, 12, None, SupplierClass.STARTUP),
    (K.STARTUP, None, None, None, SupplierClass.STARTUP),
    (K.STARTUP, S.MID, 600, None, SupplierClass.MID),  # a startup grown into an ETI is no longer one
    (K.SME, S.MEDIUM, 180, None, SupplierClass.SME),
    (K.SME, None, None, None, SupplierClass.SME),
    (K.SME, None, 249, 50_000_000_00, SupplierClass.SME),  # EU definition: < 250 people, ≤ €50M
    (K.SME, None, 249, 50_000_001_00, SupplierClass.MID),
    (K.SME, None, 250, None, SupplierClass.MID),
    (K.CORPORATE, None, 5_000, None, SupplierClass.LARGE),
    (K.CORPORATE, S.LARGE, None, None, SupplierClass.LARGE),
    (K.CORPORATE, None, None, None, SupplierClass.UNKNOWN),
])
def test_a_supplier_is_classed_by_its_recorded_size_data(kind, size, employees, turnover, expected):
    assert size_class(kind=kind, size=size, employees=employees, turnover_cents=turnover) == expected


def test_the_country_places_a_supplier_in_france_the_eu_or_outside():
    assert [geography(c) for c in ("FR", "de", "PL", "CH", "US", None)] == [
        Geography.FRANCE, Geography.EU, Geography.EU, Geography.NON_EU, Geography.NON_EU, Geography.NON_EU]


def purchase(cls, geo, innovative=False):
    return Purchase(supplier_class=cls, supplier_geo=geo, supplier_innovative=innovative, amount_cents=1)


def test_by_default_french_startups_and_innovative_smes_count_and_nothing_else(app_ctx):
    counts = {name: assess(p).counts for name, p in {
        "fr startup": purchase("startup", "fr"),
        "fr innovative sme": purchase("sme", "fr", True),
        "fr plain sme": purchase("sme", "fr"),
        "fr eti": purchase("mid", "fr", True),
        "german startup": purchase("startup", "eu"),
        "us startup": purchase("startup", "non_eu"),
        "unknown size": purchase("unknown", "fr"),
    }.items()}
    assert counts == {"fr startup": True, "fr innovative sme": True, "fr plain sme": False, "fr eti": False,
                      "german startup": False, "us startup": False, "unknown size": False}


def test_widening_the_rule_to_europe_counts_a_german_startup_but_still_no_us_one():
    rule = RULES["eu_startups_smes"]
    assert assess(purchase("startup", "eu"), rule).counts
    assert assess(purchase("sme", "eu"), rule).counts
    assert not assess(purchase("startup", "non_eu"), rule).counts


def test_the_explanation_names_the_supplier_class_the_place_and_the_rule(app_ctx):
    with force_locale("en"):
        assert assess(purchase("sme", "fr", True)).explanation() == (
            "Counts: Innovative SME, France — rule « French startups and innovative SMEs ».")
        assert assess(purchase("mid", "eu")).explanation().startswith("Does not count: Mid-size company")
    with force_locale("fr"):
        assert "Ne compte pas" in assess(purchase("startup", "non_eu")).explanation()


def test_sql_and_python_give_the_same_answer_for_every_class_and_place(app_ctx):
    from sqlalchemy import select

    from app.extensions import db

    buyer, _ = make_org("corporate", verified=True)
    cases = [(c.value, g.value, i) for c in SupplierClass for g in Geography for i in (False, True)]
    rows = []
    for n, (cls, geo, innovative) in enumerate(cases):
        p = Purchase(buyer_id=buyer.id, source=PurchaseSource.DECLARED, status=PurchaseStatus.DECLARED,
                     supplier_name=f"Supplier {n}", supplier_country="FR", amount_cents=100 + n,
                     purchased_on=date(2026, 1, 1), supplier_class=cls, supplier_geo=geo,
                     supplier_innovative=innovative)
        rows.append(p)
    db.session.add_all(rows)
    db.session.flush()
    for rule in RULES.values():
        in_sql = set(db.session.scalars(select(Purchase.id).where(rule.sql(Purchase))))
        in_python = {p.id for p in rows if assess(p, rule).counts}
        assert in_sql == in_python, rule.code
    db.session.rollback()


def test_stamp_records_an_on_platform_supplier_from_its_organisation(app_ctx):
    supplier, _ = make_org("startup", verified=True)
    supplier.size, supplier.labels = S.SMALL, ["jei"]
    p = Purchase(supplier=supplier, supplier_country="FR", amount_cents=1)
    stamp(p)
    assert (p.supplier_class, p.supplier_geo, p.supplier_innovative) == ("startup", "fr", True)
    assert p.supplier_key == f"org:{supplier.id}"


def test_stamp_records_an_off_platform_supplier_from_the_declaration(app_ctx):
    p = Purchase(supplier_name="Écosystème Numérique SAS", supplier_siren=None, supplier_country="BE",
                 amount_cents=1)
    stamp(p, declared_class="sme", declared_innovative=True, secnumcloud=False)
    assert (p.supplier_class, p.supplier_geo, p.supplier_innovative, p.secnumcloud) == ("sme", "eu", True, False)
    assert p.supplier_key == "name:ecosysteme-numerique-sas"


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("COMMITMENT_ELIGIBILITY", "everyone", "unknown rule"),
    ("COMMITMENT_TARGET_EUROS", "1e9", "whole number"),
    ("COMMITMENT_END", "2027-13-01", "YYYY-MM-DD"),
    ("COMMITMENT_END", "2024-01-01", "after COMMITMENT_START"),
    ("OCDS_OCID_PREFIX", "tremplin", "ocid prefix"),
])
def test_programme_settings_are_checked_at_start_up(setting, value, message):
    with pytest.raises(ConfigError) as error:
        load_config({"TREMPLIN_ENV": "testing"}, environ={setting: value})
    assert setting in str(error.value) and message in str(error.value)


def test_programme_defaults_are_the_alliance_pledge():
    config = load_config({"TREMPLIN_ENV": "testing"}, environ={})
    assert config["COMMITMENT_TARGET_CENTS"] == 1_000_000_000 * 100
    assert config["COMMITMENT_END"] == date(2027, 12, 31)
    assert config["COMMITMENT_ELIGIBILITY"] == "fr_startups_innovative_smes"
