"""The buyer's pages: sealed bids show only their number; then comparison, scores, award."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.bids.models import Award, Bid, BidStatus, Evaluation
from app.commitments.models import Purchase
from app.db import utcnow
from app.extensions import db
from app.needs.doctrine import CRITERIA
from app.needs.models import Need, NeedStatus
from tests.bids.helpers import counts
from tests.factories import login, make_bid, make_member, make_need, make_operator, make_org


@pytest.fixture()
def tender(client, app):
    """A public-route need with two submitted bids, a draft and a withdrawn one."""
    with app.app_context():
        buyer, _ = make_org("administration", verified=True, email="buyer@min.gouv.fr")
        make_member(buyer, role=Role.AMBASSADOR, email="amb@min.gouv.fr")
        make_org("corporate", verified=True, email="other@bank.fr")
        make_operator(email="ops@tremplin.example")
        db.session.commit()
        need = make_need(buyer, title="Secure messaging")
        names = ("Alpha Cloud", "Beta Secure", "Gamma Draft", "Delta Gone")
        statuses = ("submitted", "submitted", "draft", "withdrawn")
        bids = []
        for i, (name, status) in enumerate(zip(names, statuses, strict=True)):
            org, _ = make_org("startup", verified=True, name=name, email=f"s{i}@startup.fr")
            bids.append(make_bid(need, org, status=status, price_eur=100_000 * (i + 1)))
        ids = {"need": need.reference, "need_id": need.id, "bids": [b.id for b in bids]}
    client.get("/lang/en")
    return ids


def close(app, need_id: int) -> None:
    with app.app_context():
        need = db.session.get(Need, need_id)
        need.deadline_at = utcnow() - timedelta(hours=1)
        db.session.commit()


def html(response) -> str:
    return response.get_data(as_text=True)


def snapshot(app):
    with app.app_context():
        return counts()


def test_while_sealed_the_buyer_sees_only_the_number_of_bids(client, tender):
    login(client, "buyer@min.gouv.fr")
    page = html(client.get(f"/needs/{tender['need']}/bids"))
    assert 'data-bid-count="2"' in page and 'data-marker="sealed"' in page
    for secret in ("Alpha Cloud", "Beta Secure", "€100,000", "€200,000", 'data-marker="ranking"'):
        assert secret not in page
    assert client.get(f"/bids/{tender['bids'][0]}").status_code == 404


def test_after_the_deadline_the_buyer_compares_the_bids(client, app, tender):
    close(app, tender["need_id"])
    login(client, "buyer@min.gouv.fr")
    page = html(client.get(f"/needs/{tender['need']}/bids"))
    assert 'data-marker="ranking"' in page and 'data-marker="comparison"' in page
    assert "Alpha Cloud" in page and "Beta Secure" in page and "€200,000" in page
    assert "Gamma Draft" not in page and "Delta Gone" not in page
    assert 'data-marker="award-form"' in page
    assert client.get(f"/bids/{tender['bids'][0]}").status_code == 200
    assert client.get(f"/bids/{tender['bids'][2]}").status_code == 404  # a draft stays private


def test_suppliers_never_see_the_bids_page_and_strangers_not_even_the_need(client, app, tender):
    close(app, tender["need_id"])
    login(client, "s0@startup.fr")
    assert client.get(f"/needs/{tender['need']}/bids").status_code == 403
    assert client.get(f"/bids/{tender['bids'][1]}").status_code == 404
    client.post("/logout")
    with app.app_context():
        corp = db.session.scalar(select(Need).where(Need.id == tender["need_id"])).buyer
        hidden = make_need(corp, visibility="invitation").reference
    login(client, "other@bank.fr")
    assert client.get(f"/needs/{hidden}/bids").status_code == 404
    assert client.get(f"/needs/{tender['need']}/bids").status_code == 403


def test_the_ambassador_and_the_operator_look_but_do_not_act(client, app, tender):
    close(app, tender["need_id"])
    bid_id = tender["bids"][0]
    for email in ("amb@min.gouv.fr", "ops@tremplin.example"):
        login(client, email)
        page = html(client.get(f"/needs/{tender['need']}/bids"))
        assert "Alpha Cloud" in page and 'data-marker="award-form"' not in page
        before = snapshot(app)
        scores = {c: "3" for c in CRITERIA}
        assert client.post(f"/bids/{bid_id}/evaluation", data=scores).status_code == 403
        assert client.post(f"/needs/{tender['need']}/award", data={"bids": [bid_id], f"amount-{bid_id}": "1 000"}
                           ).status_code == 403
        assert client.post(f"/bids/{bid_id}/reject", data={"feedback": "No"}).status_code == 403
        assert snapshot(app) == before
        client.post("/logout")


def test_the_buyer_scores_a_bid_and_sees_its_mark(client, app, tender):
    close(app, tender["need_id"])
    login(client, "buyer@min.gouv.fr")
    bid_id = tender["bids"][0]
    response = client.post(f"/bids/{bid_id}/evaluation", data={**{c: "4" for c in CRITERIA}, "comment": "Good"})
    assert response.status_code == 302
    page = html(client.get(f"/bids/{bid_id}"))
    assert "80.0" in page and "rank 1" in page
    ranking = html(client.get(f"/needs/{tender['need']}/bids"))
    assert f'data-bid-id="{bid_id}" data-rank="1"' in ranking and 'data-tenths="800"' in ranking


def test_scores_outside_0_to_5_are_explained_and_not_saved(client, app, tender):
    close(app, tender["need_id"])
    login(client, "buyer@min.gouv.fr")
    before = snapshot(app)
    response = client.post(f"/bids/{tender['bids'][0]}/evaluation", data={**{c: "3" for c in CRITERIA}, "cost": "7"})
    assert response.status_code == 400 and "A score is between 0 and 5." in html(response)
    assert snapshot(app) == before


def test_scoring_before_the_deadline_is_refused_with_a_reason(client, app, tender):
    with app.app_context():
        need = db.session.get(Need, tender["need_id"])
        need.sealed_bids = False  # as if private, so that the buyer may already read the bid
        need.route = "private"
        db.session.commit()
    login(client, "buyer@min.gouv.fr")
    response = client.post(f"/bids/{tender['bids'][0]}/evaluation", data={c: "3" for c in CRITERIA})
    assert response.status_code == 403 and "only once the deadline has passed" in html(response)
    with app.app_context():
        assert db.session.query(Evaluation).count() == 0


def test_a_rejection_without_feedback_is_refused(client, app, tender):
    close(app, tender["need_id"])
    login(client, "buyer@min.gouv.fr")
    bid_id = tender["bids"][1]
    response = client.post(f"/bids/{bid_id}/reject", data={"feedback": " "})
    assert response.status_code == 400 and "feedback is required" in html(response)
    with app.app_context():
        assert db.session.get(Bid, bid_id).status == BidStatus.SUBMITTED
    assert client.post(f"/bids/{bid_id}/reject", data={"feedback": "Price too high."}).status_code == 302
    client.post("/logout")
    login(client, "s1@startup.fr")
    assert "Price too high." in html(client.get("/bids"))
    assert "Price too high." in html(client.get(f"/bids/{bid_id}"))


def test_shortlisting_from_the_page(client, app, tender):
    close(app, tender["need_id"])
    login(client, "buyer@min.gouv.fr")
    assert client.post(f"/bids/{tender['bids'][0]}/shortlist").status_code == 302
    with app.app_context():
        assert db.session.get(Bid, tender["bids"][0]).status == BidStatus.SHORTLISTED


def test_the_buyer_awards_two_bids_then_turns_down_the_rest(client, app, tender):
    with app.app_context():
        need = db.session.get(Need, tender["need_id"])
        org, _ = make_org("sme", verified=True, name="Epsilon")
        third = make_bid(need, org, price_eur=90_000).id
    close(app, tender["need_id"])
    login(client, "buyer@min.gouv.fr")
    a, b = tender["bids"][:2]
    response = client.post(f"/needs/{tender['need']}/award",
                           data={"bids": [str(a), str(b)], f"amount-{a}": "95 000", f"amount-{b}": "180 000,50"})
    assert response.status_code == 302
    with app.app_context():
        assert sorted(db.session.scalars(select(Award.amount_cents))) == [9_500_000, 18_000_050]
        assert db.session.query(Purchase).count() == 2
        assert db.session.get(Need, tender["need_id"]).status == NeedStatus.AWARDED
    page = html(client.get(f"/needs/{tender['need']}/bids"))
    assert 'data-marker="reject-others-form"' in page
    response = client.post(f"/needs/{tender['need']}/reject-others", data={"feedback": "Thank you for bidding."})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Bid, third).status == BidStatus.REJECTED


def test_an_award_with_a_wrong_amount_changes_nothing(client, app, tender):
    close(app, tender["need_id"])
    login(client, "buyer@min.gouv.fr")
    a = tender["bids"][0]
    before = snapshot(app)
    response = client.post(f"/needs/{tender['need']}/award", data={"bids": [str(a)], f"amount-{a}": "0"})
    assert response.status_code == 400 and "The amount must be greater than zero." in html(response)
    response = client.post(f"/needs/{tender['need']}/award", data={})
    assert response.status_code == 400 and "Choose at least one bid" in html(response)
    assert snapshot(app) == before


def test_no_award_before_the_deadline(client, app, tender):
    login(client, "buyer@min.gouv.fr")
    a = tender["bids"][0]
    before = snapshot(app)
    response = client.post(f"/needs/{tender['need']}/award", data={"bids": [str(a)], f"amount-{a}": "1 000"})
    assert response.status_code == 403 and "only once the deadline has passed" in html(response)
    assert snapshot(app) == before


def test_another_buyer_cannot_award(client, app, tender):
    close(app, tender["need_id"])
    login(client, "other@bank.fr")
    a = tender["bids"][0]
    before = snapshot(app)
    response = client.post(f"/needs/{tender['need']}/award", data={"bids": [str(a)], f"amount-{a}": "1 000"})
    assert response.status_code == 403
    assert snapshot(app) == before
