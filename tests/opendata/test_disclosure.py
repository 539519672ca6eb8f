"""Who sees what in open data: public needs in full, restricted and invitation-only needs
left out unless their buyer chose to publish them anonymised, amounts only when the buyer
agreed, drafts never. Checked on the raw text that leaves the server."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from app.extensions import db
from app.needs.models import Need, NeedStatus, Visibility
from app.opendata.policy import disclosure, exported_needs_clause
from tests.factories import make_need, make_org
from tests.opendata.builders import amend, award, parse


def test_the_sql_rule_and_the_policy_agree_on_every_kind_of_need(app_ctx):
    buyer, _u = make_org("corporate")
    for status, visibility, choice in itertools.product(NeedStatus, Visibility, ("exclude", "anonymise")):
        need = make_need(buyer, status=status.value, visibility=visibility.value,
                         anonymised=visibility != Visibility.PUBLIC)
        need.open_data = choice
    db.session.commit()
    needs = db.session.scalars(select(Need)).all()
    by_sql = set(db.session.scalars(select(Need.id).where(exported_needs_clause())))
    assert by_sql == {n.id for n in needs if disclosure(n) is not None}
    for need in needs:
        shown = disclosure(need)
        if need.status == NeedStatus.DRAFT:
            assert shown is None
        elif need.visibility == Visibility.PUBLIC:
            assert shown is not None and shown.buyer and shown.texts
        elif need.open_data == "exclude":
            assert shown is None
        else:
            assert shown is not None and not shown.buyer and not shown.texts


def test_an_anonymised_public_need_never_names_its_buyer(app_ctx):
    buyer, _u = make_org("administration")
    need = make_need(buyer)
    need.anonymised, need.anonymous_label = True, "un ministère"  # the schema forbids it; the rule holds anyway
    assert disclosure(need).buyer is False and disclosure(need).texts is False


def _restricted_world(client, *, choice: str, visibility: str, anonymised: bool):
    with client.application.app_context():
        buyer, _u = make_org("corporate", name="Banque Très Discrète SA")
        winner, _w = make_org("startup", name="Gagnante SAS")
        need = make_need(buyer, status="closed", visibility=visibility, anonymised=anonymised,
                         title="Refonte du coffre-fort numérique de la Banque Très Discrète")
        need.open_data = choice
        need.cpv_code = "48730000-4"
        db.session.commit()
        amend(need, summary="Précision demandée par la direction juridique de la banque")
        award(need, winner, amount_cents=31_400_00)
        facts = {"reference": need.reference, "siren": buyer.siren, "summary": need.summary,
                 "description": need.description, "title": need.title}
        db.session.remove()
    return facts


def _all_texts(client, reference: str) -> list[str]:
    return [client.get(url).get_data(as_text=True) for url in (
        "/open-data/ocds/releases.json", "/open-data/ocds/records.json", f"/open-data/ocds/{reference}.json")]


def test_restricted_and_invitation_needs_are_left_out_by_default(client):
    for visibility in ("restricted", "invitation"):
        facts = _restricted_world(client, choice="exclude", visibility=visibility, anonymised=False)
        releases, records, _one = _all_texts(client, facts["reference"])
        for text in (releases, records):
            assert facts["reference"] not in text
            assert "Banque Très Discrète" not in text
        missing = client.get("/open-data/ocds/TRP-2099-9999.json")
        hidden = client.get(f"/open-data/ocds/{facts['reference']}.json")
        assert hidden.status_code == missing.status_code == 404
        # nothing tells an excluded need from a missing one (the page only repeats the address asked)
        assert hidden.get_data(as_text=True).replace(facts["reference"], "REF") == \
            missing.get_data(as_text=True).replace("TRP-2099-9999", "REF")


def test_a_need_published_anonymised_says_nothing_of_its_buyer(client, ocds):
    for visibility, anonymised in (("restricted", True), ("invitation", False), ("restricted", False)):
        facts = _restricted_world(client, choice="anonymise", visibility=visibility, anonymised=anonymised)
        for text in _all_texts(client, facts["reference"]):
            assert facts["reference"] in text
            for secret in ("Banque Très Discrète", facts["siren"], facts["summary"], facts["description"],
                           facts["title"], "direction juridique"):
                assert secret not in text, (visibility, secret)
            assert "Gagnante SAS" in text  # the supplier who won is named
        package = parse(client.get(f"/open-data/ocds/{facts['reference']}.json"))
        ocds.check_record_package(package)
        compiled = package["records"][0]["compiledRelease"]
        buyer = next(p for p in compiled["parties"] if "buyer" in p["roles"])
        assert "identifier" not in buyer and "address" not in buyer
        assert buyer["name"] == ("une banque du CAC 40" if anonymised else "Acheteur non divulgué")
        assert compiled["tender"]["title"].startswith("Besoin à diffusion restreinte")
        assert "description" not in compiled["tender"]
        assert compiled["tender"]["amendments"] == [{"id": compiled["tender"]["amendments"][0]["id"],
                                                     "date": compiled["tender"]["amendments"][0]["date"]}]
        cpv_codes = {c["id"] for item in compiled["tender"]["items"] for c in
                     [item["classification"], *item["additionalClassifications"]] if c["scheme"] == "CPV"}
        assert "48730000" in cpv_codes  # what was bought stays useful


def test_amounts_are_published_only_when_the_buyer_agreed(client, ocds):
    with client.application.app_context():
        buyer, _u = make_org("corporate", name="Groupe Pudique")
        winner, _w = make_org("startup")
        secret, open_ = make_need(buyer, status="closed"), make_need(buyer, status="closed")
        secret.disclose_amounts = False
        db.session.commit()
        for need in (secret, open_):
            award(need, winner, amount_cents=27_182_818)
        refs = secret.reference, open_.reference
        db.session.remove()
    hidden = client.get(f"/open-data/ocds/{refs[0]}.json").get_data(as_text=True)
    assert '"amount"' not in hidden and "Value" not in hidden and "271828" not in hidden
    assert "Groupe Pudique" in hidden  # a public need: the buyer is named, only the amounts are withheld
    shown = parse(client.get(f"/open-data/ocds/{refs[1]}.json"))
    ocds.check_record_package(shown)
    compiled = shown["records"][0]["compiledRelease"]
    assert compiled["tender"]["minValue"] == {"amount": 150000, "currency": "EUR"}
    assert compiled["tender"]["value"] == {"amount": 400000, "currency": "EUR"}
    assert compiled["awards"][0]["value"] == {"amount": 271828.18, "currency": "EUR"}
    assert compiled["contracts"][0]["value"] == {"amount": 271828.18, "currency": "EUR"}
    releases = client.get("/open-data/ocds/releases.json").get_data(as_text=True)
    # the open need's budget range, award and contract; nothing of the other
    assert releases.count("271828.18") == 2 and releases.count('"amount"') == 4


def test_drafts_are_never_published(client):
    with client.application.app_context():
        buyer, _u = make_org("administration")
        draft = make_need(buyer, status="draft", title="Projet pas encore annoncé")
        draft.open_data = "anonymise"
        db.session.commit()
        reference = draft.reference
        db.session.remove()
    for url in ("/open-data/ocds/releases.json", "/open-data/ocds/records.json"):
        text = client.get(url).get_data(as_text=True)
        assert reference not in text and "pas encore annoncé" not in text
    assert client.get(f"/open-data/ocds/{reference}.json").status_code == 404
