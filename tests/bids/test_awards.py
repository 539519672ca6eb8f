"""Awarding bids: Award rows, verified Purchases in integer cents, the need awarded."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.bids.awards import award_bids
from app.bids.evaluation import reject_remaining
from app.bids.models import Award, Bid, BidStatus
from app.bids.services import BidError
from app.commitments.models import Purchase, PurchaseSource, PurchaseStatus
from app.db import utcnow
from app.extensions import db
from app.main.filters import PARIS
from app.needs.models import Need, NeedStatus
from tests.bids.helpers import audits, counts, events, viewer
from tests.factories import make_bid, make_member, make_need, make_operator, make_org


@pytest.fixture()
def closed(app_ctx):
    buyer, owner = make_org("administration", verified=True)
    need = make_need(buyer, status="closed", categories=("cyber.soc", "ai.llm"))
    suppliers = [make_org("startup", verified=True)[0] for _ in range(3)]
    bids = [make_bid(need, s, price_eur=200_000 + 10_000 * i) for i, s in enumerate(suppliers)]
    return {"buyer": buyer, "owner": owner, "need": need, "suppliers": suppliers, "bids": bids}


def refused(code, need, amounts, person, **options):
    before = counts()
    with pytest.raises(BidError) as caught:
        award_bids(need, amounts, viewer=viewer(person), **options)
    db.session.rollback()
    assert caught.value.code == code, caught.value.problems
    assert counts() == before
    assert db.session.get(Need, need.id).status != NeedStatus.AWARDED
    return caught.value


def test_an_award_creates_the_award_and_a_verified_purchase_and_awards_the_need(closed):
    need, bid = closed["need"], closed["bids"][1]
    [result] = award_bids(need, {bid.id: "195 000,50 €"}, viewer=viewer(closed["owner"]), note="Best value")
    db.session.commit()
    award = db.session.scalar(select(Award))
    assert award.bid_id == bid.id and award.need_id == need.id and award.amount_cents == 19_500_050
    assert award.awarded_by_id == closed["owner"].id and award.note == "Best value"
    purchase = db.session.scalar(select(Purchase))
    assert purchase.award_id == award.id and purchase.source == PurchaseSource.AWARD
    assert purchase.status == PurchaseStatus.VERIFIED and purchase.verified_at is not None
    assert purchase.buyer_id == closed["buyer"].id and purchase.supplier_id == bid.supplier_id
    assert purchase.amount_cents == 19_500_050 and isinstance(purchase.amount_cents, int)
    assert purchase.purchased_on == utcnow().astimezone(PARIS).date()
    assert purchase.category_code == need.categories[0].code
    need = db.session.get(Need, need.id)
    assert need.status == NeedStatus.AWARDED and need.awarded_at is not None
    assert db.session.get(Bid, bid.id).status == BidStatus.AWARDED
    [bid_event] = events("bid.awarded")
    assert bid_event.payload["award_id"] == award.id and bid_event.payload["purchase_id"] == purchase.id
    assert bid_event.payload["amount_cents"] == 19_500_050
    [need_event] = events("need.awarded")
    assert need_event.payload == {"need_id": need.id, "buyer_id": closed["buyer"].id, "award_ids": [award.id],
                                  "bid_ids": [bid.id]}
    assert len(audits("bid.awarded")) == 1 and len(audits("need.awarded")) == 1
    assert result.purchase.id == purchase.id


def test_several_bids_are_awarded_at_once_and_more_later(closed):
    need, (a, b, c) = closed["need"], closed["bids"]
    award_bids(need, {a.id: "100 000", b.id: "50 000"}, viewer=viewer(closed["owner"]))
    db.session.commit()
    member = make_member(closed["buyer"])
    award_bids(need, {c.id: "25 000"}, viewer=viewer(member))
    db.session.commit()
    amounts = sorted(db.session.scalars(select(Purchase.amount_cents)))
    assert amounts == [2_500_000, 5_000_000, 10_000_000]
    assert db.session.query(Award).count() == 3
    assert len(events("bid.awarded")) == 3 and len(events("need.awarded")) == 1


def test_no_award_before_the_deadline(app_ctx):
    buyer, owner = make_org("administration", verified=True)
    need = make_need(buyer)
    supplier, _ = make_org("startup", verified=True)
    bid = make_bid(need, supplier)
    refused("before_deadline", need, {bid.id: "100 000"}, owner)


@pytest.mark.parametrize("who", ["ambassador", "other_buyer", "operator", "supplier"])
def test_only_the_buyers_owners_and_members_award(closed, who):
    if who == "ambassador":
        person = make_member(closed["buyer"], role=Role.AMBASSADOR)
    elif who == "other_buyer":
        person = make_org("corporate", verified=True)[1]
    elif who == "operator":
        person = make_operator()
        db.session.commit()
    else:
        person = closed["suppliers"][0].memberships[0].user
    refused("cannot_award", closed["need"], {closed["bids"][0].id: "100 000"}, person)


@pytest.mark.parametrize(("amount", "code"), [("0", "amount_not_positive"), ("-3", "amount_not_positive"),
                                              ("beaucoup", "amount_invalid"), ("", "amount_required")])
def test_the_contracted_amount_must_be_a_positive_amount(closed, amount, code):
    bid = closed["bids"][0]
    error = refused(code, closed["need"], {bid.id: amount}, closed["owner"])
    assert error.field == f"amount-{bid.id}"


def test_an_award_needs_a_bid_of_this_need_still_in_play(closed):
    refused("choose_bid", closed["need"], {}, closed["owner"])
    other_need = make_need(closed["buyer"], status="closed")
    stranger = make_bid(other_need, closed["suppliers"][0])
    refused("bid_unknown", closed["need"], {stranger.id: "1 000"}, closed["owner"])
    withdrawn_by = make_org("startup", verified=True)[0]
    withdrawn = make_bid(closed["need"], withdrawn_by, status="withdrawn")
    refused("not_in_play", closed["need"], {withdrawn.id: "1 000"}, closed["owner"])


def test_after_the_award_the_other_bids_are_turned_down_in_one_action(closed):
    need, (a, b, c) = closed["need"], closed["bids"]
    with pytest.raises(BidError) as caught:
        reject_remaining(need, "Thank you", viewer=viewer(closed["owner"]))
    assert caught.value.code == "not_awarded_yet"
    db.session.rollback()
    award_bids(need, {a.id: "100 000"}, viewer=viewer(closed["owner"]))
    db.session.commit()
    with pytest.raises(BidError) as caught:
        reject_remaining(need, "", viewer=viewer(closed["owner"]))
    assert caught.value.code == "feedback_required"
    db.session.rollback()
    rejected = reject_remaining(need, "Another offer was better on sovereignty.", viewer=viewer(closed["owner"]))
    db.session.commit()
    assert {bid.id for bid in rejected} == {b.id, c.id}
    for bid_id in (b.id, c.id):
        bid = db.session.get(Bid, bid_id)
        assert bid.status == BidStatus.REJECTED and bid.feedback == "Another offer was better on sovereignty."
    assert db.session.get(Bid, a.id).status == BidStatus.AWARDED
    assert len(events("bid.rejected")) == 2 and len(audits("bid.rejected")) == 2
