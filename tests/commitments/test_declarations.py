"""Declared purchases: who the supplier was is stamped on the purchase, every bad input is
refused with a clear message and leaves nothing behind (no row, no file), evidence is
checked from its content, and a declaration may be changed or withdrawn while it waits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale

from app.accounts.models import Role
from app.commitments import services
from app.commitments.eligibility import assess
from app.commitments.messages import CommitmentError
from app.commitments.models import Purchase, PurchaseSource, PurchaseStatus
from app.extensions import db
from app.files.storage import path_for
from tests.commitments.helpers import (
    EXE,
    NOW,
    OFF_PLATFORM_SIREN,
    PDF,
    alliance_member,
    audits,
    counts,
    declaration,
    declare,
    events,
    evidence,
    operator,
    stored_files,
    supplier,
)
from tests.factories import make_member, make_org

pytestmark = pytest.mark.usefixtures("upload_root")
EURO = 100


def refused(buyer, by, **overrides) -> CommitmentError:
    with pytest.raises(CommitmentError) as caught:
        services.declare_purchase(buyer, by=by, now=NOW, **declaration(**overrides))
    db.session.rollback()
    return caught.value


def test_a_purchase_from_a_supplier_on_tremplin_is_stamped_from_its_profile(app_ctx, upload_root):
    buyer, owner = alliance_member()
    startup = supplier("Orbinova IA", labels=["jei"])
    purchase = declare(buyer, owner, supplier_name=None, supplier_country=None, supplier_siren=None,
                       declared_class=None, supplier_search=startup.siren, secnumcloud=True)
    assert purchase.source == PurchaseSource.DECLARED and purchase.status == PurchaseStatus.DECLARED
    assert purchase.supplier_id == startup.id and purchase.supplier_name == "Orbinova IA"
    assert (purchase.supplier_class, purchase.supplier_geo, purchase.supplier_key) == ("startup", "fr",
                                                                                        f"org:{startup.id}")
    assert purchase.supplier_innovative and purchase.secnumcloud is True and purchase.route == "private"
    assert purchase.amount_cents == 185_000 * EURO and purchase.declared_by_id == owner.id
    assert purchase.evidence_filename == "bon-de-commande.pdf"
    assert path_for(purchase.evidence_key).read_bytes() == PDF
    assert events("purchase.declared")[0].payload["purchase_id"] == purchase.id
    assert audits("purchase.declared")[0].actor_id == owner.id


def test_a_supplier_on_tremplin_is_found_by_its_exact_name_in_any_case(app_ctx):
    buyer, owner = alliance_member()
    sme = supplier("Vigie Ponant Sécurité", kind="sme", size="medium")
    purchase = declare(buyer, owner, supplier_name=None, supplier_country=None, supplier_siren=None,
                       declared_class=None, supplier_search="vigie ponant sécurité")
    assert purchase.supplier_id == sme.id and purchase.supplier_class == "sme"
    assert not purchase.supplier_innovative  # an SME without an innovation label
    with force_locale("en"):
        assert assess(purchase).explanation().startswith("Does not count: SME, France")


def test_a_french_supplier_not_on_tremplin_is_stamped_from_what_the_member_states(app_ctx):
    buyer, owner = alliance_member()
    purchase = declare(buyer, owner, declared_class="sme", declared_innovative=True)
    assert purchase.supplier_id is None and purchase.supplier_siren == OFF_PLATFORM_SIREN
    assert (purchase.supplier_class, purchase.supplier_geo, purchase.supplier_innovative) == ("sme", "fr", True)
    assert purchase.supplier_key == f"siren:{OFF_PLATFORM_SIREN}"
    with force_locale("en"):
        assert assess(purchase).explanation() == ("Counts: Innovative SME, France — rule « French startups and "
                                                  "innovative SMEs ».")


def test_a_european_supplier_is_known_by_its_vat_number_and_a_non_european_one_by_its_name(app_ctx):
    buyer, owner = alliance_member()
    german = declare(buyer, owner, supplier_name="Kieler Daten GmbH", supplier_country="DE", supplier_siren=None,
                     supplier_vat="DE 136 695 976")
    assert (german.supplier_geo, german.supplier_key, german.supplier_country) == ("eu", "vat:DE136695976", "DE")
    american = declare(buyer, owner, supplier_name="Cloudy Corp.", supplier_country="US", supplier_siren=None,
                       declared_class="large", amount_euros="90 000")
    assert (american.supplier_geo, american.supplier_class, american.supplier_key) == ("non_eu", "large",
                                                                                       "name:cloudy-corp")
    with force_locale("en"):
        assert assess(american).explanation().startswith("Does not count: Large company, Outside the EU")


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"amount_euros": "0"}, "amount", "The amount must be above 0 €."),
    ({"amount_euros": "cent mille"}, "amount", "Enter the amount in euros with digits only"),
    ({"amount_euros": "150 000 000"}, "amount", "A single purchase of 100 million euros or more"),
    ({"purchased_on": (NOW + timedelta(days=3)).date().isoformat()}, "purchased_on",
     "The purchase date cannot be in the future"),
    ({"purchased_on": "2024-12-31"}, "purchased_on", "dated before the programme started (January 1, 2025)"),
    ({"purchased_on": "32/01/2025"}, "purchased_on", "Enter a real date"),
    ({"supplier_siren": "123456789"}, "supplier_siren", "This SIREN number is not valid: check the digits."),
    ({"supplier_siren": ""}, "supplier_siren", "A French supplier is identified by its SIREN number"),
    ({"supplier_country": "XX"}, "supplier_country", "Choose a country from the list."),
    ({"supplier_country": "DE", "supplier_vat": "DE000"}, "supplier_vat", "This VAT number is not valid"),
    ({"supplier_name": ""}, "supplier_name", "Enter the supplier's company name."),
    ({"declared_class": ""}, "declared_class", "Say what kind of company the supplier is"),
    ({"category_code": "ai.teleportation"}, "category_code", "Choose a category from the list."),
    ({"category_code": ""}, "category_code", "Choose the category of what was bought."),
    ({"description": "  "}, "description", "Say in a few words what was bought."),
    ({"evidence": None}, "evidence", "Attach the evidence: the signed order, contract or invoice."),
    ({"evidence": evidence(b"", "vide.pdf")}, "evidence", "Attach the evidence"),
    ({"evidence": evidence(EXE, "facture.pdf")}, "evidence", "This type of file is not accepted"),
    ({"supplier_name": None, "supplier_country": None, "supplier_siren": None, "declared_class": None},
     "supplier", "Name the supplier"),
    ({"supplier_search": "Nobody Known SAS"}, "supplier", "No verified supplier on Tremplin has this name"),
])
def test_each_bad_input_is_refused_with_a_clear_message_and_leaves_nothing(app_ctx, upload_root, overrides, field,
                                                                           message):
    buyer, owner = alliance_member()
    before = counts()
    error = refused(buyer, owner, **overrides)
    with force_locale("en"):
        assert message in error.messages()[field]
    assert counts() == before  # no purchase, no event, no audit line
    assert stored_files(upload_root) == []  # and no file kept on disk


def test_all_problems_are_reported_at_once_and_the_good_file_is_not_stored(app_ctx, upload_root):
    buyer, owner = alliance_member()
    error = refused(buyer, owner, amount_euros="0", category_code="", supplier_siren="123")
    assert {field for field, _, _ in error.problems} == {"amount", "category_code", "supplier_siren"}
    assert stored_files(upload_root) == []


def test_a_renamed_executable_is_refused_whatever_its_name(app_ctx, upload_root):
    buyer, owner = alliance_member()
    for name in ("facture.pdf", "scan.png", "contrat.docx"):
        error = refused(buyer, owner, evidence=evidence(EXE, name))
        assert error.field == "evidence" and error.code == "file_bad_type"
    assert counts()["Purchase"] == 0 and stored_files(upload_root) == []


def test_the_same_purchase_is_not_declared_twice(app_ctx):
    buyer, owner = alliance_member()
    declare(buyer, owner)
    error = refused(buyer, owner)
    assert error.code == "duplicate"
    assert counts()["Purchase"] == 1
    declare(buyer, owner, amount_euros="185 001")  # another amount is another purchase


def test_only_the_people_of_an_alliance_member_declare(app_ctx):
    buyer, owner = alliance_member()
    ambassador = make_member(buyer, role=Role.AMBASSADOR)
    assert refused(buyer, ambassador).code == "declare_members_only"
    outsider_org, outsider = make_org("corporate", verified=True)
    assert refused(buyer, outsider).code == "declare_members_only"
    assert refused(outsider_org, outsider).code == "not_alliance_member"  # no pledge yet
    startup_org, startup_owner = make_org("startup", verified=True)
    assert refused(startup_org, startup_owner).code == "declare_members_only"
    assert counts()["Purchase"] == 0
    member = make_member(buyer)
    assert declare(buyer, member).declared_by_id == member.id


def test_an_unverified_organisation_is_not_a_supplier_on_tremplin(app_ctx):
    buyer, owner = alliance_member()
    pending = supplier("Startup En Attente", verified=False)
    error = refused(buyer, owner, supplier_name=None, supplier_country=None, supplier_siren=None,
                    declared_class=None, supplier_search=pending.siren)
    assert error.code == "supplier_not_found"


def test_a_supplier_on_tremplin_takes_its_class_from_its_profile_not_from_the_member(app_ctx):
    buyer, owner = alliance_member()
    startup = supplier("Orbinova IA")
    error = refused(buyer, owner, supplier_name=None, supplier_country=None, supplier_siren=None,
                    declared_class="large", supplier_search=startup.siren)
    assert [(field, code) for field, code, _ in error.problems] == [("declared_class", "class_from_profile")]


# --- changing or withdrawing a declaration ------------------------------------------------------


def test_the_declarer_changes_a_declaration_while_it_awaits_verification(app_ctx, upload_root):
    buyer, owner = alliance_member()
    member = make_member(buyer)
    purchase = declare(buyer, member)
    old_key = purchase.evidence_key
    values = declaration(amount_euros="200 000", declared_class="mid", evidence=None)
    values.pop("evidence", None)
    services.update_declaration(purchase, by=member, now=NOW, **values)
    db.session.commit()
    assert purchase.amount_cents == 200_000 * EURO and purchase.supplier_class == "mid"
    assert purchase.evidence_key == old_key  # no new file: the one sent is kept
    assert events("purchase.updated")[0].payload["fields"] == ["amount_cents", "supplier_class"]
    new_file = evidence(PDF + b"% signed\n", "bon-signe.pdf")
    services.update_declaration(purchase, by=owner, evidence=new_file, now=NOW, **values)
    db.session.commit()
    assert purchase.evidence_filename == "bon-signe.pdf" and purchase.evidence_key != old_key


def test_another_member_neither_changes_nor_withdraws_someone_elses_declaration(app_ctx):
    buyer, owner = alliance_member()
    declarer, colleague = make_member(buyer), make_member(buyer)
    purchase = declare(buyer, declarer)
    with pytest.raises(CommitmentError) as caught:
        services.withdraw_declaration(purchase, by=colleague)
    assert caught.value.code == "change_not_allowed"
    services.withdraw_declaration(purchase, by=owner)  # an owner may
    db.session.commit()
    assert counts()["Purchase"] == 0
    assert events("purchase.withdrawn")[0].payload["buyer_id"] == buyer.id


def test_a_decided_declaration_is_neither_changed_nor_withdrawn(app_ctx):
    buyer, owner = alliance_member()
    purchase = declare(buyer, owner)
    services.verify_purchase(purchase, by=operator())
    db.session.commit()
    with pytest.raises(CommitmentError) as caught:
        services.withdraw_declaration(purchase, by=owner)
    assert caught.value.code == "decided"
    with pytest.raises(CommitmentError):
        services.update_declaration(purchase, by=owner, now=NOW, **declaration(amount_euros="1"))
    db.session.rollback()
    assert db.session.get(Purchase, purchase.id).amount_cents == 185_000 * EURO


def test_the_same_supplier_name_twice_asks_for_an_identifier(app_ctx):
    buyer, owner = alliance_member()
    supplier("Nova Data")
    supplier("Nova Data", kind="sme")
    error = refused(buyer, owner, supplier_name=None, supplier_country=None, supplier_siren=None,
                    declared_class=None, supplier_search="Nova Data")
    assert error.code == "supplier_ambiguous"
