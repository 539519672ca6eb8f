"""Submitting, changing and withdrawing a bid: the rules, the transitions and the refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from app.bids import services
from app.bids.models import Bid, BidStatus
from app.bids.services import BidError, submit_bid, withdraw_bid
from app.db import utcnow
from app.extensions import db
from app.needs.models import Need
from app.suppliers.models import Solution
from tests.bids.helpers import audits, complete, counts, events, make_foreign, make_large, viewer
from tests.factories import make_member, make_need, make_org


@pytest.fixture()
def market(app_ctx):
    buyer, buyer_user = make_org("administration", verified=True)
    supplier, supplier_user = make_org("startup", verified=True)
    need = make_need(buyer)
    return {"buyer": buyer, "buyer_user": buyer_user, "supplier": supplier, "user": supplier_user, "need": need}


def refused(need, data, user, code, **options):
    """Submitting is refused with ``code`` and nothing changes in the database."""
    before = counts()
    with pytest.raises(BidError) as caught:
        submit_bid(need, data, viewer=viewer(user), **options)
    db.session.rollback()
    assert caught.value.code == code, caught.value.problems
    assert counts() == before
    return caught.value


# --- the happy paths -----------------------------------------------------------------------


def test_a_verified_supplier_submits_a_bid_with_its_price_in_integer_cents(market):
    bid = submit_bid(market["need"], complete(price="185 000,50 €"), viewer=viewer(market["user"]))
    db.session.commit()
    assert bid.status == BidStatus.SUBMITTED and bid.submitted_at is not None
    assert bid.price_cents == 18_500_050 and isinstance(bid.price_cents, int)
    assert bid.supplier_id == market["supplier"].id and bid.submitted_by_id == market["user"].id
    assert bid.certifications == ["iso27001"] and bid.hosting_country == "FR"
    assert bid.extraterritorial_answer.startswith("French company")
    [event] = events("bid.submitted")
    assert event.payload == {"bid_id": bid.id, "need_id": market["need"].id, "supplier_id": market["supplier"].id,
                             "buyer_id": market["buyer"].id}
    [entry] = audits("bid.submitted")
    assert entry.actor_id == market["user"].id and entry.subject_id == bid.id and entry.subject_type == "Bid"
    assert entry.organisation_id == market["supplier"].id


def test_a_second_submission_updates_the_same_bid(market):
    first = submit_bid(market["need"], complete(), viewer=viewer(market["user"]))
    db.session.commit()
    submitted_at = first.submitted_at
    colleague = make_member(market["supplier"])
    second = submit_bid(market["need"], complete(price="170 000", summary="Cheaper"), viewer=viewer(colleague))
    db.session.commit()
    assert second.id == first.id
    assert db.session.query(Bid).count() == 1
    assert second.price_cents == 17_000_000 and second.summary == "Cheaper"
    assert second.submitted_at == submitted_at  # the first submission date is kept
    assert len(events("bid.updated")) == 1 and len(events("bid.submitted")) == 1
    assert audits("bid.updated")[0].actor_id == colleague.id


def test_the_database_refuses_a_raw_second_bid_of_the_same_supplier(market):
    submit_bid(market["need"], complete(), viewer=viewer(market["user"]))
    db.session.commit()
    db.session.add(Bid(need_id=market["need"].id, supplier_id=market["supplier"].id, price_cents=100,
                       summary="again", proposal="again"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.query(Bid).count() == 1


def test_a_concurrent_duplicate_is_answered_clearly_and_keeps_the_first_bid(market, monkeypatch):
    submit_bid(market["need"], complete(summary="First"), viewer=viewer(market["user"]))
    db.session.commit()
    # A colleague's request started before the first bid existed: it does not see it.
    monkeypatch.setattr(services, "bid_of", lambda need, supplier_id: None)
    error = refused(market["need"], complete(summary="Second"), make_member(market["supplier"]), "duplicate_bid")
    assert error.field == "need"
    assert db.session.query(Bid).one().summary == "First"


def test_a_draft_is_saved_with_little_and_submitted_later(market):
    draft = submit_bid(market["need"], complete(proposal="", timeline="", extraterritorial_answer=""),
                       viewer=viewer(market["user"]), draft=True)
    db.session.commit()
    assert draft.status == BidStatus.DRAFT and draft.submitted_at is None
    assert events("bid.submitted") == [] and len(audits("bid.draft_saved")) == 1
    bid = submit_bid(market["need"], complete(), viewer=viewer(market["user"]))
    db.session.commit()
    assert bid.id == draft.id and bid.status == BidStatus.SUBMITTED and bid.submitted_at is not None
    assert len(events("bid.submitted")) == 1


def test_a_submitted_bid_cannot_go_back_to_draft(market):
    submit_bid(market["need"], complete(), viewer=viewer(market["user"]))
    db.session.commit()
    refused(market["need"], complete(summary="x"), market["user"], "already_submitted", draft=True)


def test_the_bid_names_one_of_the_suppliers_own_solutions(market):
    own = Solution(organisation_id=market["supplier"].id, name="Orbi", summary="LLM", category_code="ai.llm")
    other_org, _ = make_org("startup", verified=True)
    foreign = Solution(organisation_id=other_org.id, name="Other", summary="LLM", category_code="ai.llm")
    db.session.add_all([own, foreign])
    db.session.commit()
    refused(market["need"], complete(solution_id=str(foreign.id)), market["user"], "solution_invalid")
    bid = submit_bid(market["need"], complete(solution_id=str(own.id)), viewer=viewer(market["user"]))
    assert bid.solution_id == own.id


# --- who may bid ---------------------------------------------------------------------------


def test_an_unverified_supplier_is_told_to_wait_for_verification(app_ctx):
    buyer, _ = make_org("administration", verified=True)
    _, user = make_org("startup", verified=False)
    refused(make_need(buyer), complete(), user, "not_verified")


def test_an_invited_unverified_supplier_may_bid(app_ctx):
    buyer, _ = make_org("corporate", verified=True)
    supplier, user = make_org("startup", verified=False)
    need = make_need(buyer, visibility="invitation", invited=[supplier])
    assert submit_bid(need, complete(), viewer=viewer(user)).status == BidStatus.SUBMITTED


def test_a_buyer_cannot_bid(market):
    refused(market["need"], complete(), market["buyer_user"], "not_supplier")


def test_a_large_company_is_refused_on_an_sme_set_aside(app_ctx):
    buyer, _ = make_org("administration", verified=True)
    supplier, user = make_org("sme", verified=True)
    make_large(supplier)
    refused(make_need(buyer, sme_set_aside=True), complete(), user, "set_aside_too_large")


def test_a_company_outside_the_eu_is_refused_on_an_sme_set_aside(app_ctx):
    buyer, _ = make_org("administration", verified=True)
    supplier, user = make_org("startup", verified=True)
    make_foreign(supplier)
    refused(make_need(buyer, sme_set_aside=True), complete(), user, "set_aside_not_eu")


def test_an_eu_sme_bids_on_a_set_aside(app_ctx):
    buyer, _ = make_org("administration", verified=True)
    _, user = make_org("startup", verified=True)
    assert submit_bid(make_need(buyer, sme_set_aside=True), complete(), viewer=viewer(user)).id


def test_no_bid_after_the_deadline_by_the_servers_clock(market):
    need: Need = market["need"]
    need.deadline_at = utcnow() - timedelta(minutes=1)  # still "published" in the database
    db.session.commit()
    refused(need, complete(), market["user"], "deadline_passed")
    refused(need, complete(), market["user"], "deadline_passed", draft=True)


def test_no_bid_on_a_draft_or_cancelled_need(app_ctx):
    buyer, _ = make_org("administration", verified=True)
    _, user = make_org("startup", verified=True)
    refused(make_need(buyer, status="cancelled"), complete(), user, "not_open")


def test_an_invisible_need_is_not_found(app_ctx):
    buyer, _ = make_org("corporate", verified=True)
    _, user = make_org("startup", verified=True)
    refused(make_need(buyer, visibility="invitation"), complete(), user, "not_found")


# --- what a bid must say -------------------------------------------------------------------


@pytest.mark.parametrize(("price", "code"), [
    ("0", "amount_not_positive"),
    ("0,00 €", "amount_not_positive"),
    ("-5 000", "amount_not_positive"),
    ("cent mille", "amount_invalid"),
    ("12.5.3", "amount_invalid"),
    ("", "amount_required"),
    ("100 000 000", "amount_too_high"),
])
def test_a_price_that_is_not_a_positive_amount_is_refused(market, price, code):
    error = refused(market["need"], complete(price=price), market["user"], code)
    assert error.field == "price"


def test_the_three_sovereignty_answers_are_required_on_submission(market):
    error = refused(market["need"], complete(extraterritorial_answer="  ", mastery_answer=""), market["user"],
                    "required")
    assert ("extraterritorial_answer", "required") in error.problems
    assert ("mastery_answer", "required") in error.problems
    assert ("reversibility_answer", "required") not in error.problems


def test_every_mistake_is_reported_at_once(market):
    error = refused(market["need"], complete(summary="", price="abc", hosting_country="XX", certifications=["nope"]),
                    market["user"], "required")
    fields = {f for f, _ in error.problems}
    assert {"summary", "price", "hosting_country", "certifications"} <= fields


def test_a_sensitive_need_refuses_a_bid_without_secnumcloud_hosting(app_ctx):
    buyer, _ = make_org("administration", verified=True)
    _, user = make_org("startup", verified=True)
    need = make_need(buyer, sensitive_data=True)
    error = refused(need, complete(secnumcloud_hosting=False), user, "secnumcloud_required")
    assert error.field == "secnumcloud_hosting"
    bid = submit_bid(need, complete(secnumcloud_hosting=True, hosting_provider="Nimbus SNC"), viewer=viewer(user))
    assert bid.secnumcloud_hosting


def test_secnumcloud_hosting_names_its_provider(market):
    refused(market["need"], complete(secnumcloud_hosting=True, hosting_provider=""), market["user"],
            "secnumcloud_provider_required")


def test_eu_data_residency_requires_data_in_the_eu(app_ctx):
    buyer, _ = make_org("administration", verified=True)
    _, user = make_org("startup", verified=True)
    need = make_need(buyer)
    need.eu_data_residency = True
    db.session.commit()
    refused(need, complete(data_in_eu=False, hosting_country="US"), user, "eu_residency_required")


def test_data_cannot_stay_in_the_eu_when_hosted_outside_it(market):
    refused(market["need"], complete(hosting_country="US", data_in_eu=True), market["user"],
            "data_in_eu_contradiction")


def test_an_unknown_approach_is_refused(market):
    refused(market["need"], complete(approach="magic"), market["user"], "approach_invalid")


# --- withdrawing ---------------------------------------------------------------------------


def test_a_supplier_withdraws_its_bid_and_may_bid_again_before_the_deadline(market):
    bid = submit_bid(market["need"], complete(), viewer=viewer(market["user"]))
    db.session.commit()
    withdraw_bid(bid, viewer=viewer(market["user"]))
    db.session.commit()
    assert bid.status == BidStatus.WITHDRAWN and bid.withdrawn_at is not None
    assert events("bid.withdrawn")[0].payload["bid_id"] == bid.id
    assert len(audits("bid.withdrawn")) == 1
    again = submit_bid(market["need"], complete(), viewer=viewer(market["user"]))
    db.session.commit()
    assert again.id == bid.id and again.status == BidStatus.SUBMITTED and again.withdrawn_at is None
    assert len(events("bid.submitted")) == 2


def test_withdrawing_a_draft_discards_it(market):
    draft = submit_bid(market["need"], complete(), viewer=viewer(market["user"]), draft=True)
    db.session.commit()
    withdraw_bid(draft, viewer=viewer(market["user"]))
    db.session.commit()
    assert db.session.query(Bid).count() == 0
    assert events("bid.withdrawn") == [] and len(audits("bid.draft_discarded")) == 1


def test_nothing_changes_after_the_deadline(market):
    bid = submit_bid(market["need"], complete(), viewer=viewer(market["user"]))
    db.session.commit()
    market["need"].deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    before = counts()
    with pytest.raises(BidError) as caught:
        withdraw_bid(bid, viewer=viewer(market["user"]))
    db.session.rollback()
    assert caught.value.code == "deadline_passed"
    refused(market["need"], complete(summary="Late change"), market["user"], "deadline_passed")
    assert counts() == before
    assert db.session.get(Bid, bid.id).status == BidStatus.SUBMITTED


def test_another_supplier_cannot_withdraw_a_bid(market):
    bid = submit_bid(market["need"], complete(), viewer=viewer(market["user"]))
    db.session.commit()
    _, other = make_org("startup", verified=True)
    with pytest.raises(BidError) as caught:
        withdraw_bid(bid, viewer=viewer(other))
    assert caught.value.code == "not_found"
    db.session.rollback()
    assert db.session.get(Bid, bid.id).status == BidStatus.SUBMITTED
