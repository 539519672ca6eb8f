"""The buyer's side at the same moment from many browsers, on real PostgreSQL: scores of
one bid, and awards of one need.

One evaluation per evaluator and bid, holding the nine scores of one submission, never a
mix of two; one award when two people of the buyer award at once, one purchase counted
towards the commitment, and a clear answer for the other.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.bids import awards as award_services
from app.bids import evaluation as evaluation_services
from app.bids.forms import message_for
from app.bids.models import Award, Bid, BidStatus, Evaluation
from app.commitments.models import Purchase, PurchaseStatus
from app.extensions import db
from app.needs.doctrine import CRITERIA
from app.needs.models import Need, NeedStatus
from tests.api.helpers import bearer
from tests.concurrency.helpers import (
    PG_URL,
    RACERS,
    SKIP_REASON,
    THREADS,
    fresh,
    gate,
    hidden_value,
    signed_in,
    together,
)
from tests.factories import make_bid, make_member, make_need, make_org

pytestmark = pytest.mark.skipif(not PG_URL, reason=SKIP_REASON)

MIXED_GRID = dict(zip(CRITERIA, (0, 1, 2, 3, 4, 5, 0, 1, 2), strict=True))


def changed_meanwhile(app) -> str:
    with app.test_request_context():
        return str(message_for("changed_meanwhile"))


def scores_form(score: int, comment: str, **extra) -> dict:
    """The scoring form with the same score on every criterion."""
    return {**{c: str(score) for c in CRITERIA}, "comment": comment, **extra}


@pytest.fixture()
def closed(app):
    """A need past its deadline with bids of several suppliers, its buyer's owner and members."""
    fresh(app)
    with app.app_context():
        buyer, owner = make_org("administration", verified=True)
        need = make_need(buyer, status="closed")
        bids = [make_bid(need, make_org("startup", verified=True)[0], price_eur=100_000 + i)
                for i in range(THREADS)]
        members = [make_member(buyer) for _ in range(THREADS)]
        data = {"need": need.reference, "need_id": need.id, "bids": [b.id for b in bids], "owner": owner.email,
                "owner_id": owner.id, "members": [m.email for m in members], "member_ids": [m.id for m in members]}
        db.session.remove()
    return data


@pytest.mark.parametrize("racing", [False, True], ids=["as-it-comes", "all-read-before-any-writes"])
def test_one_evaluator_scoring_a_bid_from_many_tabs_keeps_one_whole_grid(app, closed, monkeypatch, racing):
    """Each tab scores every criterion the same (0..5) over a grid of different scores: the
    stored grid is one tab's, whole, with that tab's comment; the other tabs are told the
    scores changed meanwhile."""
    bid_id = closed["bids"][0]
    browsers = [signed_in(app, closed["owner"]) for _ in range(RACERS if racing else THREADS)]
    assert browsers[0].post(f"/bids/{bid_id}/evaluation", data={**MIXED_GRID, "comment": "first look"}) \
        .status_code == 302
    said = changed_meanwhile(app)
    if racing:
        gate(monkeypatch, evaluation_services, "flush", RACERS)

    answers = together([lambda b=b, i=i: b.post(f"/bids/{bid_id}/evaluation",
                                                data=scores_form(i % 6, f"tab {i}"))
                        for i, b in enumerate(browsers)])

    accepted = [a for a in answers if a.status == 302]
    assert len(accepted) == 1 if racing else accepted
    for a in answers:
        if a.status != 302:
            assert a.status == 409 and said in a.text
    with app.app_context():
        [evaluation] = db.session.scalars(select(Evaluation).where(Evaluation.bid_id == bid_id))
        assert len(set(evaluation.scores.values())) == 1, f"scores of two submissions mixed: {evaluation.scores}"
        tab = int(evaluation.comment.removeprefix("tab "))
        assert set(evaluation.scores.values()) == {tab % 6}
        saved = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "bid.evaluated",
                                                            AuditEntry.subject_id == bid_id)
                                   .order_by(AuditEntry.id)).all()
        assert len(saved) == 1 + len(accepted)
        assert saved[-1].details["scores"] == evaluation.scores


def test_tabs_scoring_from_the_same_page_let_one_through_and_tell_the_others(app, closed):
    """Every tab opened the bid's page before any saved: the first save wins, each other one is
    told to reload (it would overwrite scores it has not seen), whatever the timing."""
    bid_id = closed["bids"][0]
    browsers = [signed_in(app, closed["owner"]) for _ in range(THREADS)]
    assert browsers[0].post(f"/bids/{bid_id}/evaluation", data={**MIXED_GRID, "comment": "first look"}) \
        .status_code == 302
    seen = [hidden_value(b.get(f"/bids/{bid_id}").get_data(as_text=True), "evaluation_version") for b in browsers]
    assert len(set(seen)) == 1

    answers = together([lambda b=b, i=i: b.post(f"/bids/{bid_id}/evaluation",
                                                data=scores_form(i % 6, f"tab {i}", evaluation_version=seen[i]))
                        for i, b in enumerate(browsers)])

    assert sorted(a.status for a in answers) == [302] + [409] * (THREADS - 1)
    [winner] = [i for i, a in enumerate(answers) if a.status == 302]
    with app.app_context():
        [evaluation] = db.session.scalars(select(Evaluation).where(Evaluation.bid_id == bid_id))
        assert evaluation.comment == f"tab {winner}" and set(evaluation.scores.values()) == {winner % 6}


def test_several_evaluators_scoring_at_once_each_get_one_evaluation(app, closed):
    """Eight people of the buyer, each in two tabs, score the same bid for the first time."""
    bid_id = closed["bids"][0]
    people = closed["members"][: THREADS // 2]
    browsers = [signed_in(app, email) for email in people for _tab in range(2)]

    answers = together([lambda b=b, i=i: b.post(f"/bids/{bid_id}/evaluation",
                                                data=scores_form(i % 6, f"tab {i}"))
                        for i, b in enumerate(browsers)])

    said = changed_meanwhile(app)
    for a in answers:
        assert a.status == 302 or (a.status == 409 and said in a.text), a.status
    with app.app_context():
        evaluations = list(db.session.scalars(select(Evaluation).where(Evaluation.bid_id == bid_id)))
        assert sorted(e.evaluator_id for e in evaluations) == sorted(closed["member_ids"][: THREADS // 2])
        for evaluation in evaluations:
            tab = int(evaluation.comment.removeprefix("tab "))
            assert set(evaluation.scores.values()) == {tab % 6}
            assert evaluation.evaluator_id == closed["member_ids"][tab // 2]  # that person's own tab


# --- awards ---------------------------------------------------------------------------------


def _award_form(bid_id: int, need_version: str | None) -> dict:
    data = {"bids": [str(bid_id)], f"amount-{bid_id}": "150 000", "note": f"Awarded to bid {bid_id}"}
    if need_version is not None:
        data["need_version"] = need_version
    return data


def test_buyers_awarding_different_bids_at_once_make_one_award_and_one_purchase(app, closed):
    """Each person of the buyer looked at the bids and awards a different one at the same
    moment: one award and its purchase; everyone else is told the need changed meanwhile."""
    browsers = [signed_in(app, email) for email in closed["members"]]
    pages = [b.get(f"/needs/{closed['need']}/bids").get_data(as_text=True) for b in browsers]
    seen = [hidden_value(page, "need_version") for page in pages]
    said = changed_meanwhile(app)

    answers = together([lambda b=b, i=i: b.post(f"/needs/{closed['need']}/award",
                                                data=_award_form(closed["bids"][i], seen[i]))
                        for i, b in enumerate(browsers)])

    assert sorted(a.status for a in answers) == [302] + [409] * (THREADS - 1)
    for a in answers:
        if a.status == 409:
            assert said in a.text
    [winner] = [i for i, a in enumerate(answers) if a.status == 302]
    with app.app_context():
        [award] = db.session.scalars(select(Award).where(Award.need_id == closed["need_id"]))
        assert award.bid_id == closed["bids"][winner] and award.awarded_by_id == closed["member_ids"][winner]
        [purchase] = db.session.scalars(select(Purchase).where(Purchase.buyer_id == award.need.buyer_id))
        assert purchase.award_id == award.id and purchase.amount_cents == 15_000_000
        assert purchase.status == PurchaseStatus.VERIFIED  # what the commitment tracker counts
        statuses = dict(db.session.execute(select(Bid.id, Bid.status).where(Bid.need_id == closed["need_id"])).all())
        assert [bid for bid, status in statuses.items() if status == BidStatus.AWARDED] == [award.bid_id]
        assert db.session.get(Need, closed["need_id"]).status == NeedStatus.AWARDED


@pytest.mark.parametrize("later_lot", [False, True], ids=["first-award", "later-lot"])
def test_awards_racing_without_the_page_version_still_make_one_award(app, closed, monkeypatch, later_lot):
    """Older pages or scripts that post no version, every request having read the need before
    any writes: one award passes, by the need's version when written, whether it is the
    need's first award or a later lot."""
    if later_lot:
        owner = signed_in(app, closed["owner"])
        assert owner.post(f"/needs/{closed['need']}/award",
                          data=_award_form(closed["bids"][-1], None)).status_code == 302
    browsers = [signed_in(app, email) for email in closed["members"][:RACERS]]
    said = changed_meanwhile(app)
    gate(monkeypatch, award_services, "flush", RACERS)

    answers = together([lambda b=b, i=i: b.post(f"/needs/{closed['need']}/award",
                                                data=_award_form(closed["bids"][i], None))
                        for i, b in enumerate(browsers)])

    assert sorted(a.status for a in answers) == [302] + [409] * (RACERS - 1)
    assert all(said in a.text for a in answers if a.status == 409)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Award)) == 1 + later_lot
        assert db.session.scalar(select(func.count()).select_from(Purchase)) == 1 + later_lot


def test_buyers_awarding_the_same_bid_at_once_make_one_award(app, closed):
    browsers = [signed_in(app, email) for email in closed["members"]]
    bid_id = closed["bids"][0]

    answers = together([lambda b=b: b.post(f"/needs/{closed['need']}/award", data=_award_form(bid_id, None))
                        for b in browsers])

    with app.test_request_context():
        said = {str(message_for("changed_meanwhile")), str(message_for("not_in_play"))}
    assert sum(a.status == 302 for a in answers) == 1
    for a in answers:  # raced it, or came after it: the bid is no longer in play
        assert a.status == 302 or (a.status in (400, 409) and any(m in a.text for m in said)), a.status
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Award)) == 1
        assert db.session.scalar(select(func.count()).select_from(Purchase)) == 1


def test_api_awards_with_the_needs_etag_from_many_clients_let_one_through(app, closed):
    with app.app_context():
        from app.accounts.models import Organisation, User

        users = [db.session.scalar(select(User).where(User.id == i)) for i in closed["member_ids"]]
        buyer = db.session.get(Organisation, db.session.get(Need, closed["need_id"]).buyer_id)
        auths = [bearer(user, buyer, "read", "write") for user in users]
        db.session.remove()
    etag = app.test_client().get(f"/api/v1/needs/{closed['need']}", headers=auths[0]).headers["ETag"]
    clients = [app.test_client() for _ in range(THREADS)]

    answers = together([
        lambda c=c, i=i: c.post(f"/api/v1/needs/{closed['need']}/awards", headers={**auths[i], "If-Match": etag},
                                json={"bids": [{"bid_id": closed["bids"][i],
                                                "amount": {"amount_cents": 15_000_000, "currency": "EUR"}}]})
        for i, c in enumerate(clients)])

    assert sorted(a.status for a in answers) == [201] + [412] * (THREADS - 1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Award)) == 1
        assert db.session.scalar(select(func.count()).select_from(Purchase)) == 1
