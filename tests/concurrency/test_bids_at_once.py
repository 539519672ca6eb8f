"""Bids sent at the same moment from many browsers and API clients, on real PostgreSQL.

One bid per supplier per need, whatever the timing: the database holds the rule (unique
(need, supplier)), the service turns a lost race into a clear answer, and a change made on
a bid that changed meanwhile is refused instead of silently mixing two people's offers.
"""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select, update

from app.api.models import ApiToken
from app.audit.models import AuditEntry
from app.bids import services
from app.bids.forms import message_for
from app.bids.models import Bid, BidStatus
from app.db import utcnow
from app.events import OutboxEvent
from app.extensions import db
from tests.api.helpers import bearer
from tests.api.test_api_bids import body
from tests.bids.helpers import form
from tests.concurrency.helpers import (
    JOIN_TIMEOUT,
    PG_URL,
    RACERS,
    SKIP_REASON,
    THREADS,
    answer,
    fresh,
    gate,
    signed_in,
    together,
)
from tests.factories import make_member, make_need, make_org

pytestmark = pytest.mark.skipif(not PG_URL, reason=SKIP_REASON)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def messages(app, *codes: str) -> dict[str, str]:
    with app.test_request_context():
        return {code: str(message_for(code)) for code in codes}


def history(action: str, bid_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action,
                                                            AuditEntry.subject_id == bid_id)
                                   .order_by(AuditEntry.id)))


def outbox(kind: str) -> int:
    return count(OutboxEvent, OutboxEvent.kind == kind)


@pytest.fixture()
def market(app):
    fresh(app)
    with app.app_context():
        buyer, buyer_user = make_org("administration", verified=True)
        need = make_need(buyer)
        supplier, supplier_user = make_org("startup", verified=True)
        data = {"need": need.reference, "need_id": need.id, "buyer_email": buyer_user.email,
                "supplier_id": supplier.id, "supplier_email": supplier_user.email}
        db.session.remove()
    return data


def test_many_suppliers_bidding_at_once_each_get_one_bid_and_the_buyer_counts_them_all(app, market):
    with app.app_context():
        emails = []
        for _ in range(THREADS):
            _org, user = make_org("startup", verified=True)
            emails.append(user.email)
        db.session.remove()
    browsers = [signed_in(app, email) for email in emails]

    answers = together([lambda b=b: b.post(f"/needs/{market['need']}/bid", data=form())
                        for b in browsers])

    assert [a.status for a in answers] == [302] * THREADS
    assert all(re.search(r"/bids/\d+$", a.location) for a in answers)
    with app.app_context():
        bids = list(db.session.scalars(select(Bid).where(Bid.need_id == market["need_id"])))
        assert len(bids) == THREADS and len({b.supplier_id for b in bids}) == THREADS
        assert all(b.status == BidStatus.SUBMITTED for b in bids)
        assert outbox("bid.submitted") == THREADS
    page = signed_in(app, market["buyer_email"]).get(f"/needs/{market['need']}/bids")
    assert page.status_code == 200
    assert f'data-bid-count="{THREADS}"' in page.get_data(as_text=True)


def test_one_supplier_sending_its_first_bid_from_many_tabs_gets_one_bid_and_clear_answers(app, market):
    """A double click, two tabs, two colleagues: one bid row; every other answer is a success
    on that same bid (it came after the first: a change) or says the bid already exists."""
    with app.app_context():
        from app.accounts.models import Organisation

        supplier = db.session.get(Organisation, market["supplier_id"])
        emails = [market["supplier_email"]] * (THREADS // 2) + \
            [make_member(supplier).email for _ in range(THREADS - THREADS // 2)]
        db.session.remove()
    browsers = [signed_in(app, email) for email in emails]
    said = messages(app, "duplicate_bid", "changed_meanwhile")

    answers = together([lambda b=b, i=i: b.post(f"/needs/{market['need']}/bid",
                                                data=form(summary=f"Offer from tab {i}"))
                        for i, b in enumerate(browsers)])

    with app.app_context():
        [bid] = db.session.scalars(select(Bid).where(Bid.need_id == market["need_id"]))
        accepted = [a for a in answers if a.status == 302]
        refused = [a for a in answers if a.status != 302]
        assert accepted and all(a.location.endswith(f"/bids/{bid.id}") for a in accepted)
        for refusal in refused:
            assert refusal.status == 409, refusal.status
            assert said["duplicate_bid"] in refusal.text or said["changed_meanwhile"] in refusal.text
        # The first one submitted it; each later success was recorded as a change, once.
        assert len(history("bid.submitted", bid.id)) == 1 and outbox("bid.submitted") == 1
        assert len(history("bid.updated", bid.id)) == len(accepted) - 1 == outbox("bid.updated")
        last = (history("bid.updated", bid.id) or history("bid.submitted", bid.id))[-1]
        assert last.details["price_cents"] == bid.price_cents
        assert bid.summary in {f"Offer from tab {i}" for i in range(THREADS)}


def test_tabs_that_all_found_no_bid_create_one_and_the_others_are_told_it_exists(app, market, monkeypatch):
    """Every tab has looked for the bid and found none before any writes: one creates it, the
    database refuses the others' rows, and each of them is told, not shown a 500."""
    browsers = [signed_in(app, market["supplier_email"]) for _ in range(RACERS)]
    said = messages(app, "duplicate_bid")
    gate(monkeypatch, services, "_save_new", RACERS)

    answers = together([lambda b=b, i=i: b.post(f"/needs/{market['need']}/bid",
                                                data=form(summary=f"Offer from tab {i}"))
                        for i, b in enumerate(browsers)])

    assert sorted(a.status for a in answers) == [302] + [409] * (RACERS - 1)
    assert all(said["duplicate_bid"] in a.text for a in answers if a.status == 409)
    [winner] = [i for i, a in enumerate(answers) if a.status == 302]
    with app.app_context():
        [bid] = db.session.scalars(select(Bid).where(Bid.need_id == market["need_id"]))
        assert bid.summary == f"Offer from tab {winner}"
        assert outbox("bid.submitted") == 1 and outbox("bid.updated") == 0


def test_one_supplier_creating_its_bid_through_the_api_from_many_clients_gets_one_bid(app, market, monkeypatch):
    """Without an Idempotency-Key, every client having found no bid: one 201, the others a
    409 problem saying the bid exists. No 500."""
    with app.app_context():
        from app.accounts.models import Organisation, User

        supplier = db.session.get(Organisation, market["supplier_id"])
        user = db.session.scalar(select(User).where(User.email == market["supplier_email"]))
        headers = [bearer(user, supplier, "read", "write") for _ in range(RACERS)]
        db.session.remove()
    clients = [app.test_client() for _ in range(RACERS)]
    said = messages(app, "duplicate_bid")
    gate(monkeypatch, services, "_save_new", RACERS)

    answers = together([lambda c=c, h=h: c.put(f"/api/v1/needs/{market['need']}/bid", json=body(), headers=h)
                        for c, h in zip(clients, headers, strict=True)])

    assert sorted(a.status for a in answers) == [201] + [409] * (RACERS - 1)
    for refusal in (a for a in answers if a.status == 409):
        assert refusal.json["status"] == 409 and refusal.json["detail"] == said["duplicate_bid"]
    with app.app_context():
        assert count(Bid, Bid.need_id == market["need_id"]) == 1
        assert outbox("bid.submitted") == 1


def test_an_api_creation_that_found_no_bid_does_not_overwrite_one_created_meanwhile(app, market, monkeypatch):
    """A client looks for its bid, finds none and goes on to create one; meanwhile a colleague's
    client creates the bid. The late creation is a 409, not a 201 that silently overwrites
    the colleague's bid without the If-Match a change requires."""
    with app.app_context():
        from app.accounts.models import Organisation, User

        supplier = db.session.get(Organisation, market["supplier_id"])
        user = db.session.scalar(select(User).where(User.email == market["supplier_email"]))
        mine, theirs = bearer(user, supplier, "read", "write"), bearer(make_member(supplier), supplier, "write")
        db.session.remove()
    from app.api import api_bids

    looked, created = threading.Event(), threading.Event()
    real_own_bid = api_bids._own_bid

    def own_bid_then_wait(need):
        found = real_own_bid(need)
        if threading.current_thread().name == "late":
            looked.set()
            assert created.wait(JOIN_TIMEOUT)
        return found

    monkeypatch.setattr(api_bids, "_own_bid", own_bid_then_wait)
    late: list = []
    thread = threading.Thread(name="late", target=lambda: late.append(answer(app.test_client().put(
        f"/api/v1/needs/{market['need']}/bid", json=body(summary="Mine"), headers=mine))))
    thread.start()
    assert looked.wait(JOIN_TIMEOUT)
    first = app.test_client().put(f"/api/v1/needs/{market['need']}/bid", json=body(summary="Theirs"),
                                  headers=theirs)
    created.set()
    thread.join(JOIN_TIMEOUT)

    assert first.status_code == 201
    assert late[0].status == 409 and late[0].json["detail"] == messages(app, "duplicate_bid")["duplicate_bid"]
    with app.app_context():
        [bid] = db.session.scalars(select(Bid).where(Bid.need_id == market["need_id"]))
        assert bid.summary == "Theirs"


def test_an_api_retry_storm_with_one_idempotency_key_creates_one_bid_and_replays_it(app, market):
    with app.app_context():
        from app.accounts.models import Organisation, User

        supplier = db.session.get(Organisation, market["supplier_id"])
        user = db.session.scalar(select(User).where(User.email == market["supplier_email"]))
        auth = bearer(user, supplier, "read", "write")
        # Used a moment ago, the token is not written again by each request (its last-used
        # time): nothing but the key's lock holds the retries one after the other.
        db.session.execute(update(ApiToken).values(last_used_at=utcnow()))
        db.session.commit()
        db.session.remove()
    headers = {**auth, "Idempotency-Key": "bid-once"}
    clients = [app.test_client() for _ in range(THREADS)]

    answers = together([lambda c=c: c.put(f"/api/v1/needs/{market['need']}/bid", json=body(), headers=headers)
                        for c in clients])

    assert sorted(a.status for a in answers) == [200] * (THREADS - 1) + [201]
    assert len({a.json["id"] for a in answers}) == 1
    with app.app_context():
        assert count(Bid, Bid.need_id == market["need_id"]) == 1
        assert outbox("bid.submitted") == 1


# --- changing one bid from many places at once ----------------------------------------------


ORIGINAL = {"summary": "Original offer", "price": "200 000"}


def _changes(i: int) -> dict:
    """Each tab changes part of the offer: even tabs the price only, odd tabs the summary only.
    Written over another tab's change, only the fields it changed would land: a mixed offer
    nobody sent."""
    if i % 2 == 0:
        return {"summary": ORIGINAL["summary"], "price": f"{300_000 + i} €"}
    return {"summary": f"Offer rewritten in tab {i}", "price": ORIGINAL["price"]}


@pytest.mark.parametrize("racing", [False, True], ids=["as-it-comes", "all-read-before-any-writes"])
def test_changes_of_one_bid_from_many_tabs_never_mix_and_each_accepted_one_is_recorded_once(app, market, monkeypatch,
                                                                                             racing):
    browsers = [signed_in(app, market["supplier_email"]) for _ in range(RACERS if racing else THREADS)]
    assert browsers[0].post(f"/needs/{market['need']}/bid", data=form(**ORIGINAL)).status_code == 302
    said = messages(app, "changed_meanwhile")
    if racing:
        gate(monkeypatch, services, "flush", RACERS)

    answers = together([lambda b=b, i=i: b.post(f"/needs/{market['need']}/bid", data=form(**_changes(i)))
                        for i, b in enumerate(browsers)])

    accepted = [i for i, a in enumerate(answers) if a.status == 302]
    assert len(accepted) == 1 if racing else accepted
    for a in answers:
        if a.status != 302:
            assert a.status == 409 and said["changed_meanwhile"] in a.text
    with app.app_context():
        [bid] = db.session.scalars(select(Bid).where(Bid.need_id == market["need_id"]))
        sent = {(ORIGINAL["summary"], 300_000_00 + i * 100) if i % 2 == 0
                else (f"Offer rewritten in tab {i}", 200_000_00) for i in range(THREADS)}
        assert (bid.summary, bid.price_cents) in sent, "the stored offer mixes two tabs' changes"
        changes = history("bid.updated", bid.id)
        assert len(changes) == len(accepted) == outbox("bid.updated")
        assert changes[-1].details["price_cents"] == bid.price_cents
        assert bid.version == 1 + len(accepted)  # created, then each accepted change once


def test_api_changes_with_one_etag_from_many_clients_let_exactly_one_through(app, market):
    with app.app_context():
        from app.accounts.models import Organisation, User

        supplier = db.session.get(Organisation, market["supplier_id"])
        user = db.session.scalar(select(User).where(User.email == market["supplier_email"]))
        auth = bearer(user, supplier, "read", "write")
        db.session.remove()
    created = app.test_client().put(f"/api/v1/needs/{market['need']}/bid", json=body(), headers=auth)
    assert created.status_code == 201
    etag = created.headers["ETag"]
    clients = [app.test_client() for _ in range(THREADS)]

    answers = together([
        lambda c=c, i=i: c.put(f"/api/v1/needs/{market['need']}/bid", headers={**auth, "If-Match": etag},
                               json=body(price={"amount_cents": 10_000_000 + i, "currency": "EUR"}))
        for i, c in enumerate(clients)])

    assert sorted(a.status for a in answers) == [200] + [412] * (THREADS - 1)
    [winner] = [i for i, a in enumerate(answers) if a.status == 200]
    with app.app_context():
        [bid] = db.session.scalars(select(Bid).where(Bid.need_id == market["need_id"]))
        assert bid.price_cents == 10_000_000 + winner
        assert len(history("bid.updated", bid.id)) == 1
