"""Scoring, ranking, shortlisting and rejecting bids, by the buyer's people after the deadline."""

from __future__ import annotations

from fractions import Fraction

import pytest

from app.accounts.models import Role
from app.bids.evaluation import (
    evaluate_bid,
    format_tenths,
    ranking,
    reject_bid,
    shortlist_bid,
    tenths_out_of_100,
)
from app.bids.models import Bid, BidStatus, Evaluation
from app.bids.services import BidError
from app.extensions import db
from app.needs.doctrine import CRITERIA
from tests.bids.helpers import audits, counts, events, viewer
from tests.factories import make_bid, make_member, make_need, make_operator, make_org


def all_scores(value: int, **overrides) -> dict:
    return {**{c: value for c in CRITERIA}, **overrides}


@pytest.fixture()
def closed(app_ctx):
    buyer, owner = make_org("administration", verified=True)
    member = make_member(buyer)
    ambassador = make_member(buyer, role=Role.AMBASSADOR)
    need = make_need(buyer, status="closed")
    suppliers = [make_org("startup", verified=True)[0] for _ in range(4)]
    bids = [make_bid(need, s, price_eur=p) for s, p in zip(suppliers, (300_000, 200_000, 250_000, 150_000),
                                                             strict=True)]
    return {"buyer": buyer, "owner": owner, "member": member, "ambassador": ambassador, "need": need,
            "suppliers": suppliers, "bids": bids}


def refused(action, code, *args, **kwargs):
    before = counts()
    with pytest.raises(BidError) as caught:
        action(*args, **kwargs)
    db.session.rollback()
    assert caught.value.code == code, caught.value.problems
    assert counts() == before
    return caught.value


def test_scores_out_of_500_read_as_a_mark_out_of_100_from_integers_only():
    assert tenths_out_of_100(350 * 2, 2) == 700  # 70.0 / 100
    assert tenths_out_of_100(701, 3) == 467  # 233.67 / 500 = 46.73 / 100 -> 46.7
    assert tenths_out_of_100(1, 4) == 1  # 0.05 rounds half up to 0.1
    assert format_tenths(467) == "46,7" and format_tenths(467, ".") == "46.7"


def test_an_evaluator_scores_each_criterion_and_may_change_the_scores(closed):
    bid = closed["bids"][0]
    evaluation = evaluate_bid(bid, all_scores(4), viewer=viewer(closed["owner"]), comment="Solid")
    db.session.commit()
    assert evaluation.weighted_total(closed["need"].weights) == 400
    again = evaluate_bid(bid, all_scores(5, cost="1"), viewer=viewer(closed["owner"]))
    db.session.commit()
    assert again.id == evaluation.id and db.session.query(Evaluation).count() == 1
    assert again.score_cost == 1 and again.score_sovereignty == 5 and again.comment is None
    assert [e.payload["evaluation_id"] for e in events("bid.evaluated")] == [evaluation.id, evaluation.id]
    entry = audits("bid.evaluated")[-1]
    assert entry.actor_id == closed["owner"].id and entry.details["weighted_total"] == 500 - 10 * 4
    assert entry.details["updated"] is True


@pytest.mark.parametrize(("value", "code"), [
    ("6", "score_out_of_range"), (-1, "score_out_of_range"), ("3.5", "score_invalid"),
    ("abc", "score_invalid"), ("", "score_required"), (None, "score_required"),
])
def test_scores_outside_0_to_5_are_refused(closed, value, code):
    error = refused(evaluate_bid, code, closed["bids"][0], all_scores(3, security=value),
                    viewer=viewer(closed["owner"]))
    assert error.field == "security"


def test_the_weighted_ranking_follows_the_mean_of_the_evaluators_totals(closed):
    a, b, c, d = closed["bids"]
    owner, member = viewer(closed["owner"]), viewer(closed["member"])
    evaluate_bid(a, all_scores(4), viewer=owner)  # 400
    evaluate_bid(a, all_scores(3), viewer=member)  # 300 -> mean 350 = 70.0
    evaluate_bid(b, all_scores(5), viewer=owner)  # 500
    evaluate_bid(b, all_scores(5, sovereignty=0), viewer=member)  # 400 -> mean 450 = 90.0
    evaluate_bid(c, all_scores(2, sovereignty=5), viewer=owner)  # 100 + 160 = 260 = 52.0
    db.session.commit()
    standings = ranking(closed["need"])
    assert [s.bid.id for s in standings] == [b.id, a.id, c.id, d.id]
    assert [s.rank for s in standings] == [1, 2, 3, None]
    assert [s.tenths for s in standings] == [900, 700, 520, None]
    assert standings[0].mean == Fraction(450) and standings[0].totals == [500, 400]


def test_equal_scores_share_a_rank_and_the_cheaper_bid_comes_first(closed):
    a, b, _, d = closed["bids"]  # a costs 300k, d 150k
    evaluate_bid(a, all_scores(3), viewer=viewer(closed["owner"]))
    evaluate_bid(d, all_scores(3), viewer=viewer(closed["owner"]))
    evaluate_bid(b, all_scores(1), viewer=viewer(closed["owner"]))
    db.session.commit()
    ranked = [(s.bid.id, s.rank) for s in ranking(closed["need"]) if s.rank]
    assert ranked == [(d.id, 1), (a.id, 1), (b.id, 3)]


def test_drafts_and_withdrawn_bids_are_not_ranked_nor_scored(closed):
    other, _ = make_org("startup", verified=True)
    withdrawn = make_bid(closed["need"], other, status="withdrawn")
    assert withdrawn.id not in [s.bid.id for s in ranking(closed["need"])]
    refused(evaluate_bid, "not_in_play", withdrawn, all_scores(3), viewer=viewer(closed["owner"]))


def test_nobody_scores_before_the_deadline(app_ctx):
    buyer, owner = make_org("corporate", verified=True)
    need = make_need(buyer, sealed_bids=False)
    supplier, _ = make_org("startup", verified=True)
    bid = make_bid(need, supplier)
    refused(evaluate_bid, "before_deadline", bid, all_scores(3), viewer=viewer(owner))
    refused(shortlist_bid, "before_deadline", bid, viewer=viewer(owner))


@pytest.mark.parametrize("who", ["ambassador", "other_buyer", "operator", "supplier"])
def test_only_the_buyers_owners_and_members_score(closed, who):
    if who == "ambassador":
        person = closed["ambassador"]
    elif who == "other_buyer":
        person = make_org("administration", verified=True)[1]
    elif who == "operator":
        person = make_operator()
        db.session.commit()
    else:
        person = closed["suppliers"][0].memberships[0].user
    bid = closed["bids"][1]
    refused(evaluate_bid, "cannot_evaluate", bid, all_scores(3), viewer=viewer(person))
    refused(shortlist_bid, "cannot_evaluate", bid, viewer=viewer(person))
    refused(reject_bid, "cannot_award", bid, "No", viewer=viewer(person))


def test_shortlisting_records_an_event_and_an_audit_line(closed):
    bid = closed["bids"][2]
    shortlist_bid(bid, viewer=viewer(closed["member"]))
    db.session.commit()
    assert db.session.get(Bid, bid.id).status == BidStatus.SHORTLISTED
    assert events("bid.shortlisted")[0].payload == {"bid_id": bid.id, "need_id": closed["need"].id,
                                                    "supplier_id": bid.supplier_id,
                                                    "buyer_id": closed["buyer"].id}
    assert audits("bid.shortlisted")[0].actor_id == closed["member"].id
    refused(shortlist_bid, "already_shortlisted", bid, viewer=viewer(closed["member"]))


def test_a_rejection_needs_feedback_that_the_supplier_will_read(closed):
    bid = closed["bids"][0]
    refused(reject_bid, "feedback_required", bid, "   ", viewer=viewer(closed["owner"]))
    reject_bid(bid, "Hosting outside the EU.", viewer=viewer(closed["owner"]))
    db.session.commit()
    bid = db.session.get(Bid, bid.id)
    assert bid.status == BidStatus.REJECTED and bid.feedback == "Hosting outside the EU." and bid.decided_at
    assert events("bid.rejected")[0].payload["bid_id"] == bid.id
    assert audits("bid.rejected")[0].details["feedback"] == "Hosting outside the EU."
    refused(reject_bid, "not_in_play", bid, "Again", viewer=viewer(closed["owner"]))
