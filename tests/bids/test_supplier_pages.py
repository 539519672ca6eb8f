"""The supplier's pages: the bid form, refusals told plainly, withdrawal, the list of bids."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import Organisation
from app.bids.models import Bid, BidStatus
from app.db import utcnow
from app.extensions import db
from app.main.filters import PARIS
from app.needs.models import Need
from tests.bids.helpers import counts, form, make_foreign, make_large
from tests.factories import login, make_bid, make_need, make_org


@pytest.fixture()
def market(client, app):
    with app.app_context():
        buyer, _ = make_org("administration", verified=True, email="buyer@min.gouv.fr")
        supplier, _ = make_org("startup", verified=True, email="claire@orbinova.fr", name="Orbinova")
        need = make_need(buyer, title="LLM for caseworkers", sensitive_data=False)
        sensitive = make_need(buyer, title="Health records", sensitive_data=True)
        ids = {"buyer": buyer.id, "supplier": supplier.id, "need": need.reference, "need_id": need.id,
               "sensitive": sensitive.reference}
    client.get("/lang/en")
    return ids


def html(response) -> str:
    return response.get_data(as_text=True)


def snapshot(app):
    with app.app_context():
        return counts()


def test_visitors_are_asked_to_sign_in_before_bidding(client, market):
    response = client.get(f"/needs/{market['need']}/bid")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_form_shows_the_needs_requirements_in_paris_time(client, app, market):
    login(client, "claire@orbinova.fr")
    page = html(client.get(f"/needs/{market['sensitive']}/bid"))
    assert 'data-marker="bid-form"' in page and 'data-marker="secnumcloud-required"' in page
    with app.app_context():
        deadline = db.session.scalar(select(Need.deadline_at).where(Need.reference == market["sensitive"]))
    paris = deadline.astimezone(PARIS)
    assert f"{paris:%A} {paris.day} {paris:%B %Y}, {paris:%-I:%M %p} (Paris time)" in page
    plain = html(client.get(f"/needs/{market['need']}/bid"))
    assert 'data-marker="secnumcloud-required"' not in plain


def test_a_supplier_submits_then_changes_its_bid(client, app, market):
    login(client, "claire@orbinova.fr")
    response = client.post(f"/needs/{market['need']}/bid", data=form())
    assert response.status_code == 302 and "/bids/" in response.headers["Location"]
    with app.app_context():
        bid = db.session.query(Bid).one()
        assert bid.status == BidStatus.SUBMITTED and bid.price_cents == 18_500_050
        assert bid.certifications == ["iso27001", "hds"] and bid.open_source and not bid.secnumcloud_hosting
        bid_id = bid.id
    detail = html(client.get(f"/bids/{bid_id}"))
    assert "Your bid is submitted" in detail and "€185,000.50" in detail
    edit = html(client.get(f"/needs/{market['need']}/bid"))
    assert 'value="185 000,50"' in edit and "Update the bid" in edit
    client.post(f"/needs/{market['need']}/bid", data=form(price="170 000", open_source=None))
    with app.app_context():
        bid = db.session.query(Bid).one()
        assert bid.id == bid_id and bid.price_cents == 17_000_000 and not bid.open_source


def test_a_draft_is_saved_with_the_draft_button(client, app, market):
    login(client, "claire@orbinova.fr")
    data = form(action="draft", proposal="", mastery_answer="")
    response = client.post(f"/needs/{market['need']}/bid", data=data)
    assert response.status_code == 302
    assert "Your draft is saved" in html(client.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.query(Bid).one().status == BidStatus.DRAFT


@pytest.mark.parametrize(("price", "message"), [
    ("0", "The amount must be greater than zero."),
    ("-10 000", "The amount must be greater than zero."),
    ("a lot", "This is not an amount in euros"),
])
def test_a_wrong_price_is_explained_and_nothing_is_saved(client, app, market, price, message):
    login(client, "claire@orbinova.fr")
    before = snapshot(app)
    response = client.post(f"/needs/{market['need']}/bid", data=form(price=price))
    assert response.status_code == 400
    assert message in html(response) and 'aria-invalid="true"' in html(response)
    assert snapshot(app) == before


def test_missing_sovereignty_answers_are_flagged_field_by_field(client, app, market):
    login(client, "claire@orbinova.fr")
    before = snapshot(app)
    response = client.post(f"/needs/{market['need']}/bid", data=form(reversibility_answer=""))
    assert response.status_code == 400
    assert 'id="reversibility_answer-error"' in html(response)
    assert snapshot(app) == before


def test_a_sensitive_need_refuses_an_offer_without_secnumcloud(client, app, market):
    login(client, "claire@orbinova.fr")
    before = snapshot(app)
    response = client.post(f"/needs/{market['sensitive']}/bid", data=form())
    assert response.status_code == 400
    assert "only an offer hosted by a SecNumCloud-qualified provider" in html(response)
    assert snapshot(app) == before
    ok = client.post(f"/needs/{market['sensitive']}/bid", data=form(secnumcloud_hosting="y"))
    assert ok.status_code == 302


def test_a_large_company_is_told_why_it_cannot_bid_on_a_set_aside(client, app, market):
    with app.app_context():
        big, _ = make_org("sme", verified=True, email="big@groupe.fr")
        make_large(big)
        set_aside = make_need(db.session.get(Need, market["need_id"]).buyer, sme_set_aside=True).reference
    login(client, "big@groupe.fr")
    response = client.get(f"/needs/{set_aside}/bid")
    assert response.status_code == 403
    assert "reserved for EU SMEs and startups: your organisation has 250 employees or more" in html(response)
    before = snapshot(app)
    assert client.post(f"/needs/{set_aside}/bid", data=form()).status_code == 403
    assert snapshot(app) == before


def test_a_company_outside_the_eu_is_told_why_it_cannot_bid_on_a_set_aside(client, app, market):
    with app.app_context():
        swiss, _ = make_org("startup", verified=True, email="ch@example.ch")
        make_foreign(swiss)
        set_aside = make_need(db.session.get(Need, market["need_id"]).buyer, sme_set_aside=True).reference
    login(client, "ch@example.ch")
    response = client.get(f"/needs/{set_aside}/bid")
    assert response.status_code == 403 and "not established in the European Union" in html(response)


def test_an_unverified_supplier_is_told_to_wait(client, app, market):
    with app.app_context():
        make_org("startup", verified=False, email="new@startup.fr")
    login(client, "new@startup.fr")
    response = client.post(f"/needs/{market['need']}/bid", data=form())
    assert response.status_code == 403 and "awaiting verification" in html(response)
    with app.app_context():
        assert db.session.query(Bid).count() == 0


def test_a_buyer_gets_a_clear_refusal(client, market):
    login(client, "buyer@min.gouv.fr")
    response = client.get(f"/needs/{market['need']}/bid")
    assert response.status_code == 403 and "Only startups and SMEs" in html(response)


def test_a_need_the_supplier_may_not_see_is_not_found(client, app, market):
    with app.app_context():
        corp, _ = make_org("corporate", verified=True)
        secret = make_need(corp, visibility="invitation").reference
    login(client, "claire@orbinova.fr")
    assert client.get(f"/needs/{secret}/bid").status_code == 404
    assert client.post(f"/needs/{secret}/bid", data=form()).status_code == 404
    assert client.get("/needs/NOPE-1/bid").status_code == 404


def _submit_then_close(client, app, market) -> int:
    login(client, "claire@orbinova.fr")
    client.post(f"/needs/{market['need']}/bid", data=form())
    with app.app_context():
        need = db.session.get(Need, market["need_id"])
        need.deadline_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
        return db.session.query(Bid).one().id


def test_a_bid_is_withdrawn_before_the_deadline(client, app, market):
    login(client, "claire@orbinova.fr")
    client.post(f"/needs/{market['need']}/bid", data=form())
    response = client.post(f"/needs/{market['need']}/bid/withdraw", follow_redirects=True)
    assert response.status_code == 200 and "Your bid is withdrawn" in html(response)
    with app.app_context():
        assert db.session.query(Bid).one().status == BidStatus.WITHDRAWN


def test_no_change_nor_withdrawal_after_the_deadline(client, app, market):
    bid_id = _submit_then_close(client, app, market)
    before = snapshot(app)
    response = client.post(f"/needs/{market['need']}/bid/withdraw")
    assert response.status_code == 403 and "The deadline has passed" in html(response)
    edit = client.post(f"/needs/{market['need']}/bid", data=form(price="1 000"))
    assert edit.status_code == 302 and edit.headers["Location"].endswith(f"/bids/{bid_id}")
    assert "The deadline has passed" in html(client.get(edit.headers["Location"]))
    assert snapshot(app) == before
    with app.app_context():
        bid = db.session.get(Bid, bid_id)
        assert bid.status == BidStatus.SUBMITTED and bid.price_cents == 18_500_050


def test_no_supplier_reads_another_suppliers_bid(client, app, market):
    bid_id = _submit_then_close(client, app, market)
    client.post("/logout")
    with app.app_context():
        make_org("startup", verified=True, email="rival@example.fr")
    login(client, "rival@example.fr")
    assert client.get(f"/bids/{bid_id}").status_code == 404
    assert client.post(f"/needs/{market['need']}/bid/withdraw").status_code == 404
    assert client.get(f"/bids/{bid_id}/attachments/1").status_code == 404


def test_our_bids_lists_status_result_and_feedback(client, app, market):
    with app.app_context():
        org = db.session.get(Organisation, market["supplier"])
        closed = make_need(db.session.get(Need, market["need_id"]).buyer, status="closed", title="Old tender")
        bid = make_bid(closed, org)
        bid.status, bid.feedback, bid.decided_at = BidStatus.REJECTED, "Too expensive for the scope.", utcnow()
        db.session.commit()
    login(client, "claire@orbinova.fr")
    page = html(client.get("/bids"))
    assert "Old tender" in page and "Too expensive for the scope." in page and "Not retained" in page


def test_our_bids_says_what_to_do_when_there_is_none(client, market):
    login(client, "claire@orbinova.fr")
    page = html(client.get("/bids"))
    assert 'data-marker="empty-bids"' in page and "Bid on this need" in page


def test_our_bids_is_paginated(client, app, market):
    with app.app_context():
        org = db.session.get(Organisation, market["supplier"])
        buyer = db.session.get(Need, market["need_id"]).buyer
        for _ in range(23):
            make_bid(make_need(buyer), org)
    login(client, "claire@orbinova.fr")
    first = html(client.get("/bids"))
    assert first.count("data-bid-id=") == 20 and "Page 1 of 2" in first and 'rel="next"' in first
    second = html(client.get("/bids?page=2"))
    assert second.count("data-bid-id=") == 3 and 'rel="prev"' in second


def test_our_bids_is_for_suppliers(client, market):
    login(client, "buyer@min.gouv.fr")
    assert client.get("/bids").status_code == 403
