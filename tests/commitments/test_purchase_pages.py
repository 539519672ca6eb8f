"""The purchases pages as a member uses them: declaring with evidence, reading why each
purchase counts or not, downloading evidence, changing or withdrawing while it waits,
and nobody outside the organisation reaching any of it."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Organisation, User
from app.bids.awards import award_bids
from app.commitments import services
from app.commitments.models import Purchase, PurchaseStatus
from app.db import utcnow
from app.extensions import db
from tests.bids.helpers import viewer
from tests.commitments.helpers import (
    EXE,
    PDF,
    alliance_member,
    counts,
    declare,
    operator,
    stored_files,
    supplier,
)
from tests.factories import login, make_bid, make_member, make_need, make_org, valid_siren

pytestmark = pytest.mark.usefixtures("upload_root")
SIREN = valid_siren(7321)


def form(**overrides) -> dict:
    """The declaration form as a browser posts it (an unchecked box is absent)."""
    data = {
        "supplier": "", "supplier_name": "Quantix Labs", "supplier_country": "FR", "supplier_siren": SIREN,
        "supplier_vat": "", "declared_class": "startup", "amount": "185 000,00 €", "purchased_on": "2025-06-30",
        "category_code": "ai.llm", "description": "Licences du copilote documentaire.", "secnumcloud": "yes",
        "evidence": (io.BytesIO(PDF), "Bon de commande.pdf"),
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def post(client, url="/commitment/purchases/new", **overrides):
    return client.post(url, data=form(**overrides), content_type="multipart/form-data")


def buyer_and_owner(ids: dict):
    owner = db.session.scalar(select(User).where(User.email == ids["owner"]))
    return db.session.get(Organisation, ids["buyer"]), owner


@pytest.fixture()
def member(client, app):
    """A member of an alliance member, signed in, in English."""
    with app.app_context():
        buyer, owner = alliance_member("Banque Fontenoy")
        user = make_member(buyer, email="claire@fontenoy.fr")
        ids = {"buyer": buyer.id, "owner": owner.email, "member": user.email, "member_id": user.id}
    client.get("/lang/en")
    login(client, "claire@fontenoy.fr")
    return ids


def test_a_member_declares_a_purchase_with_its_evidence_and_downloads_it(client, app, member):
    empty = client.get("/commitment/purchases").get_data(as_text=True)
    assert "No purchase yet" in empty and "Declare a purchase" in empty
    page = client.get("/commitment/purchases/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and '<label for="evidence">' in page
    response = post(client)
    assert response.status_code == 302
    purchase_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    detail = client.get(f"/commitment/purchases/{purchase_id}").get_data(as_text=True)
    assert "Awaiting verification" in detail and "Quantix Labs" in detail and "€185,000" in detail
    assert "Counts: Startup, France — rule « French startups and innovative SMEs »." in detail
    assert "It counts only once the Tremplin team has verified the evidence." in detail
    download = client.get(f"/commitment/purchases/{purchase_id}/evidence")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "Bon de commande.pdf" in download.headers["Content-Disposition"]
    with app.app_context():
        purchase = db.session.get(Purchase, purchase_id)
        assert purchase.declared_by_id == member["member_id"] and purchase.secnumcloud is True


def test_a_supplier_on_tremplin_is_chosen_by_its_siren(client, app, member):
    with app.app_context():
        startup = supplier("Orbinova IA", labels=["french_tech_120"])
        siren, startup_id = startup.siren, startup.id
    response = post(client, supplier=f"{siren[:3]} {siren[3:6]} {siren[6:]}", supplier_name="",
                    supplier_country="", supplier_siren="", declared_class="")
    assert response.status_code == 302
    with app.app_context():
        purchase = db.session.scalar(select(Purchase))
        assert purchase.supplier_id == startup_id and purchase.supplier_key == f"org:{startup_id}"


def test_bad_input_shows_each_message_on_its_field_and_saves_nothing(client, app, member, upload_root):
    future = (utcnow().date() + timedelta(days=10)).isoformat()
    response = post(client, amount="0", purchased_on=future, supplier_siren="123456789", category_code="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for field, message in (("amount", "The amount must be above 0 €."),
                           ("purchased_on", "The purchase date cannot be in the future"),
                           ("supplier_siren", "This SIREN number is not valid: check the digits."),
                           ("category_code", "Choose the category of what was bought.")):
        assert f'id="{field}-error"' in page and message in page
        assert f'aria-describedby="{field}-hint {field}-error"' in page or f'aria-describedby="{field}-error"' in page
    assert "choose it again" in page  # the browser does not keep the file
    assert 'value="Quantix Labs"' in page  # what was typed is kept
    with app.app_context():
        assert counts()["Purchase"] == 0
    assert stored_files(upload_root) == []


def test_a_renamed_executable_is_refused_as_evidence(client, app, member, upload_root):
    response = post(client, evidence=(io.BytesIO(EXE), "facture.pdf"))
    assert response.status_code == 400
    assert "This type of file is not accepted" in response.get_data(as_text=True)
    with app.app_context():
        assert counts()["Purchase"] == 0
    assert stored_files(upload_root) == []


def test_the_purchases_page_says_which_rule_applied_to_each_purchase(client, app, member):
    with app.app_context():
        buyer, owner = buyer_and_owner(member)
        startup = supplier("Orbinova IA")
        need = make_need(buyer, status="closed", title="Assistant documentaire")
        bid = make_bid(need, startup)
        award_bids(need, {bid.id: "320 000"}, viewer=viewer(owner))
        db.session.commit()
        declare(buyer, owner, supplier_name="Grand Groupe Informatique", declared_class="large",
                amount_euros="700 000")
        declare(buyer, owner, supplier_name="Kieler Daten GmbH", supplier_country="DE", supplier_siren=None,
                supplier_vat="DE136695976", amount_euros="90 000")
        rejected = declare(buyer, owner, amount_euros="50 000")
        services.reject_purchase(rejected, by=operator(), reason="Bon de commande illisible.")
        db.session.commit()
    page = client.get("/commitment/purchases").get_data(as_text=True)
    assert "Awarded on Tremplin" in page and "Declared" in page
    assert "Counts: Startup, France — rule « French startups and innovative SMEs »." in page
    assert "Does not count: Large company, France — rule « French startups and innovative SMEs »." in page
    assert "Does not count: Startup, Other EU country — rule « French startups and innovative SMEs »." in page
    assert "Does not count: rejected — Bon de commande illisible." in page
    assert "(once verified)" in page


def test_purchases_are_paginated(client, app, member):
    with app.app_context():
        buyer, owner = buyer_and_owner(member)
        for n in range(23):
            declare(buyer, owner, amount_euros=str(10_000 + n), purchased_on=(date(2025, 1, 1)
                                                                               + timedelta(days=n)).isoformat())
    first = client.get("/commitment/purchases").get_data(as_text=True)
    assert "Page 1 of 2" in first and first.count("data-purchase-id=") == 20
    second = client.get("/commitment/purchases?page=2").get_data(as_text=True)
    assert second.count("data-purchase-id=") == 3 and "€10,000" in second  # the oldest on the last page


def test_the_declarer_changes_then_withdraws_a_declaration_after_confirming(client, app, member):
    purchase_id = int(post(client).headers["Location"].rsplit("/", 1)[1])
    edit = client.get(f"/commitment/purchases/{purchase_id}/edit").get_data(as_text=True)
    assert 'value="185 000"' in edit and "Sent already: Bon de commande.pdf" in edit
    changed = post(client, url=f"/commitment/purchases/{purchase_id}/edit", amount="190 000", evidence=None)
    assert changed.status_code == 302
    with app.app_context():
        assert db.session.get(Purchase, purchase_id).amount_cents == 190_000 * 100
    confirm = client.get(f"/commitment/purchases/{purchase_id}/withdraw").get_data(as_text=True)
    assert "Withdraw the declaration of the purchase from Quantix Labs?" in confirm and "Keep it" in confirm
    with app.app_context():
        assert counts()["Purchase"] == 1  # asking is not withdrawing
    done = client.post(f"/commitment/purchases/{purchase_id}/withdraw", follow_redirects=True)
    assert "is withdrawn" in done.get_data(as_text=True)
    with app.app_context():
        assert counts()["Purchase"] == 0


def test_a_verified_purchase_can_no_longer_be_changed(client, app, member):
    purchase_id = int(post(client).headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        services.verify_purchase(db.session.get(Purchase, purchase_id), by=operator())
        db.session.commit()
    detail = client.get(f"/commitment/purchases/{purchase_id}").get_data(as_text=True)
    assert "Change the declaration" not in detail and "Verified" in detail
    refused = client.post(f"/commitment/purchases/{purchase_id}/withdraw", follow_redirects=True)
    assert "no longer awaiting verification" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Purchase, purchase_id).status == PurchaseStatus.VERIFIED


def test_another_organisations_purchase_and_evidence_are_not_found(client, app, member):
    purchase_id = int(post(client).headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        make_org("corporate", verified=True, email="rival@autre-banque.fr")
        make_org("startup", verified=True, email="claire@orbinova.fr")
    for email in ("rival@autre-banque.fr", "claire@orbinova.fr"):
        client.post("/logout")
        login(client, email)
        for url in (f"/commitment/purchases/{purchase_id}", f"/commitment/purchases/{purchase_id}/evidence",
                    f"/commitment/purchases/{purchase_id}/edit"):
            assert client.get(url).status_code == 404, (email, url)
        assert client.post(f"/commitment/purchases/{purchase_id}/withdraw").status_code == 404
    client.post("/logout")
    anonymous = client.get(f"/commitment/purchases/{purchase_id}/evidence")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    with app.app_context():
        operator_email = operator().email
    login(client, operator_email)
    assert client.get(f"/commitment/purchases/{purchase_id}/evidence").data == PDF  # the operator checks it
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Purchase)) == 1


def test_a_buyer_that_has_not_pledged_is_told_to_pledge_first(client, app):
    with app.app_context():
        make_org("administration", verified=True, email="achats@ministere.gouv.fr")
    client.get("/lang/en")
    login(client, "achats@ministere.gouv.fr")
    page = client.get("/commitment/purchases/new").get_data(as_text=True)
    assert "record its pledge first" in page and 'data-marker="declare-form"' not in page
    assert post(client).status_code == 400
    with app.app_context():
        assert counts()["Purchase"] == 0


def test_the_form_refuses_a_post_without_its_csrf_token(csrf_app, tmp_path):
    csrf_app.config["UPLOAD_PATH"] = str(tmp_path / "uploads")
    with csrf_app.app_context():
        buyer, owner = alliance_member()
        email = owner.email
    with csrf_app.test_client() as client:
        page = client.get("/login")
        token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"email": email, "password": "Correct-Horse-42", "csrf_token": token})
        response = client.post("/commitment/purchases/new", data=form(), content_type="multipart/form-data")
        assert response.status_code == 400
    with csrf_app.app_context():
        assert counts()["Purchase"] == 0
