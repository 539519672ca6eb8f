"""Pages filled in on a state that changed before they were sent: the same races as the
threaded tests, one step after the other, so they run on SQLite too.

A form carries the version of what it was filled in on (the bid, the evaluator's scores,
the need); sent after someone else changed it, it is refused with a clear message and
changes nothing, rather than silently overwriting what its sender never saw.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.bids.forms import message_for
from app.bids.models import Award, Bid, Evaluation
from app.commitments.models import Purchase
from app.extensions import db
from app.needs.doctrine import CRITERIA
from tests.api.helpers import bearer
from tests.bids.helpers import form
from tests.concurrency.helpers import fresh, hidden_value, signed_in
from tests.factories import make_bid, make_member, make_need, make_org


def said(app, code: str) -> str:
    with app.test_request_context():
        return str(message_for(code))


def page_version(browser, url: str, name: str) -> str:
    return hidden_value(browser.get(url).get_data(as_text=True), name)


@pytest.fixture()
def market(app):
    fresh(app)
    with app.app_context():
        buyer, owner = make_org("administration", verified=True)
        need = make_need(buyer)
        closed = make_need(buyer, status="closed")
        supplier, user = make_org("startup", verified=True)
        colleague = make_member(supplier)
        bids = [make_bid(closed, make_org("startup", verified=True)[0]) for _ in range(2)]
        member = make_member(buyer)
        data = {"need": need.reference, "need_id": need.id, "closed": closed.reference, "closed_id": closed.id,
                "supplier": user.email, "colleague": colleague.email, "bids": [b.id for b in bids],
                "owner": owner.email, "member": member.email, "buyer_id": buyer.id, "member_id": member.id}
        db.session.remove()
    return data


def test_a_first_bid_sent_from_a_page_opened_before_a_colleagues_bid_is_refused(app, market):
    mine, theirs = signed_in(app, market["supplier"]), signed_in(app, market["colleague"])
    url = f"/needs/{market['need']}/bid"
    mine_seen, theirs_seen = page_version(mine, url, "bid_version"), page_version(theirs, url, "bid_version")
    assert mine_seen == theirs_seen == "0"
    assert theirs.post(url, data=form(summary="The colleague's offer", bid_version=theirs_seen)).status_code == 302

    late = mine.post(url, data=form(summary="My offer", bid_version=mine_seen))

    assert late.status_code == 409 and said(app, "duplicate_bid") in late.get_data(as_text=True)
    with app.app_context():
        [bid] = db.session.scalars(select(Bid).where(Bid.need_id == market["need_id"]))
        assert bid.summary == "The colleague's offer"


def test_a_change_sent_from_a_page_opened_before_another_change_is_refused_then_made_after_reload(app, market):
    url = f"/needs/{market['need']}/bid"
    first, second = signed_in(app, market["supplier"]), signed_in(app, market["colleague"])
    assert first.post(url, data=form(summary="Offer", price="200 000")).status_code == 302
    first_seen, second_seen = page_version(first, url, "bid_version"), page_version(second, url, "bid_version")
    assert first.post(url, data=form(summary="Offer", price="180 000", bid_version=first_seen)).status_code == 302

    stale = second.post(url, data=form(summary="Offer rewritten", price="200 000", bid_version=second_seen))

    assert stale.status_code == 409 and said(app, "changed_meanwhile") in stale.get_data(as_text=True)
    with app.app_context():
        [bid] = db.session.scalars(select(Bid).where(Bid.need_id == market["need_id"]))
        assert (bid.summary, bid.price_cents) == ("Offer", 18_000_000)
    reloaded = page_version(second, url, "bid_version")
    assert second.post(url, data=form(summary="Offer rewritten", price="180 000",
                                      bid_version=reloaded)).status_code == 302


def test_scores_sent_from_a_page_opened_before_the_same_evaluators_other_tab_saved_are_refused(app, market):
    bid_id = market["bids"][0]
    tab1, tab2 = signed_in(app, market["owner"]), signed_in(app, market["owner"])
    seen1 = page_version(tab1, f"/bids/{bid_id}", "evaluation_version")
    seen2 = page_version(tab2, f"/bids/{bid_id}", "evaluation_version")
    assert seen1 == seen2 == "0"
    assert tab1.post(f"/bids/{bid_id}/evaluation", data={**{c: "4" for c in CRITERIA}, "comment": "tab 1",
                                                         "evaluation_version": seen1}).status_code == 302

    stale = tab2.post(f"/bids/{bid_id}/evaluation", data={**{c: "1" for c in CRITERIA}, "comment": "tab 2",
                                                          "evaluation_version": seen2})

    assert stale.status_code == 409 and said(app, "changed_meanwhile") in stale.get_data(as_text=True)
    with app.app_context():
        [evaluation] = db.session.scalars(select(Evaluation).where(Evaluation.bid_id == bid_id))
        assert evaluation.comment == "tab 1" and set(evaluation.scores.values()) == {4}


def test_an_award_decided_on_a_page_opened_before_a_colleagues_award_is_refused(app, market):
    url = f"/needs/{market['closed']}/bids"
    owner, member = signed_in(app, market["owner"]), signed_in(app, market["member"])
    owner_seen, member_seen = page_version(owner, url, "need_version"), page_version(member, url, "need_version")
    first, second = market["bids"]
    assert owner.post(f"/needs/{market['closed']}/award", data={
        "bids": [str(first)], f"amount-{first}": "150 000", "need_version": owner_seen}).status_code == 302

    stale = member.post(f"/needs/{market['closed']}/award", data={
        "bids": [str(second)], f"amount-{second}": "90 000", "need_version": member_seen})

    assert stale.status_code == 409 and said(app, "changed_meanwhile") in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Award)) == 1
        assert db.session.scalar(select(func.count()).select_from(Purchase)) == 1
    # Having seen the first award, the colleague may still award a second lot.
    assert member.post(f"/needs/{market['closed']}/award", data={
        "bids": [str(second)], f"amount-{second}": "90 000",
        "need_version": page_version(member, url, "need_version")}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Purchase)) == 2


def test_an_api_award_with_the_needs_stale_etag_is_refused(app, market):
    with app.app_context():
        from app.accounts.models import Organisation, User

        buyer = db.session.get(Organisation, market["buyer_id"])
        auth = bearer(db.session.get(User, market["member_id"]), buyer, "read", "write")
        db.session.remove()
    api = app.test_client()
    etag = api.get(f"/api/v1/needs/{market['closed']}", headers=auth).headers["ETag"]
    first, second = market["bids"]

    def award(bid_id: int, tag: str):
        return api.post(f"/api/v1/needs/{market['closed']}/awards", headers={**auth, "If-Match": tag},
                        json={"bids": [{"bid_id": bid_id, "amount": {"amount_cents": 9_000_000, "currency": "EUR"}}]})

    assert award(first, etag).status_code == 201
    assert award(second, etag).status_code == 412
    fresh_tag = api.get(f"/api/v1/needs/{market['closed']}", headers=auth).headers["ETag"]
    assert fresh_tag != etag and award(second, fresh_tag).status_code == 201
