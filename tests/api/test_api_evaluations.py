"""The buyer's side after the deadline through the API: ranking, evaluations with If-Match,
shortlisting, rejecting with feedback, idempotent awards that become verified purchases,
closing without award; and what the supplier then reads of its bid."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.bids.models import Award, BidStatus, Evaluation
from app.commitments.models import Purchase, PurchaseSource, PurchaseStatus
from app.extensions import db
from app.needs.doctrine import CRITERIA
from tests.api.helpers import bearer
from tests.api.test_api_needs_write import assert_problem
from tests.api.test_api_questions import documented  # noqa: F401  (every response checked against the document)
from tests.factories import make_bid, make_member, make_need, make_org


@pytest.fixture()
def people(app):
    with app.app_context():
        buyer, buyer_user = make_org("corporate")
        colleague = make_member(buyer)
        ambassador = make_member(buyer, role=Role.AMBASSADOR)
        other, other_user = make_org("corporate")
        supplier, supplier_user = make_org("startup", verified=True)
        rival, rival_user = make_org("sme", verified=True)
        closed = make_need(buyer, status="closed")
        bid = make_bid(closed, supplier, price_eur=180_000)
        rival_bid = make_bid(closed, rival, price_eur=150_000)
        sealed = make_need(buyer, sealed_bids=True)
        sealed_bid = make_bid(sealed, supplier)
        unsealed = make_need(buyer, sealed_bids=False)
        unsealed_bid = make_bid(unsealed, supplier)
        private = make_need(buyer, status="closed", visibility="invitation")
        return {
            "buyer": bearer(buyer_user, buyer, "read", "write"),
            "colleague": bearer(colleague, buyer, "read", "write"),
            "buyer_read": bearer(buyer_user, buyer, "read"),
            "ambassador": bearer(ambassador, buyer, "read", "write"),
            "other": bearer(other_user, other, "read", "write"),
            "supplier": bearer(supplier_user, supplier, "read", "write"),
            "rival": bearer(rival_user, rival, "read", "write"),
            "closed": closed.reference, "bid": bid.id, "rival_bid": rival_bid.id,
            "sealed": sealed.reference, "sealed_bid": sealed_bid.id,
            "unsealed": unsealed.reference, "unsealed_bid": unsealed_bid.id,
            "private": private.reference,
        }


def scores(value: int = 4, **changes) -> dict:
    return {**{criterion: value for criterion in CRITERIA}, **changes}


def evaluation_url(reference, bid_id) -> str:
    return f"/api/v1/needs/{reference}/bids/{bid_id}/evaluation"


def put_scores(client, headers, reference, bid_id, value=4, *, if_match=None, comment="Solide.", **changes):
    extra = {"If-Match": if_match} if if_match else {}
    return client.put(evaluation_url(reference, bid_id), json={"scores": scores(value, **changes), "comment": comment},
                      headers={**headers, **extra})


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- ranking ------------------------------------------------------------------------------------------


def test_the_ranking_orders_bids_by_their_evaluators_mean_weighted_score(client, people):
    url = f"/api/v1/needs/{people['closed']}/ranking"
    before = client.get(url, headers=people["buyer"]).get_json()
    assert before["unsealed"] is True and before["count"] == 2 and sum(before["weights"].values()) == 100
    assert [s["rank"] for s in before["standings"]] == [None, None]
    assert [s["bid_id"] for s in before["standings"]] == [people["rival_bid"], people["bid"]]  # cheaper first

    assert put_scores(client, people["buyer"], people["closed"], people["bid"], 5).status_code == 201
    assert put_scores(client, people["colleague"], people["closed"], people["bid"], 3).status_code == 201
    assert put_scores(client, people["buyer"], people["closed"], people["rival_bid"], 2).status_code == 201
    response = client.get(url, headers=people["buyer"])

    assert response.status_code == 200
    first, second = response.get_json()["standings"]
    assert (first["bid_id"], first["rank"], first["evaluations"], first["score_tenths"]) == (people["bid"], 1, 2, 800)
    assert (second["bid_id"], second["rank"], second["score_tenths"]) == (people["rival_bid"], 2, 400)
    assert first["price"] == {"amount_cents": 18_000_000, "currency": "EUR"} and first["status"] == "submitted"
    assert first["supplier"]["kind"] == "startup"


def test_while_sealed_the_ranking_gives_only_the_number_of_bids(client, people):
    response = client.get(f"/api/v1/needs/{people['sealed']}/ranking", headers=people["buyer"])

    assert response.status_code == 200
    assert response.get_json() == {"need": people["sealed"], "unsealed": False, "count": 1,
                                   "weights": response.get_json()["weights"]}


def test_only_the_buyer_reads_the_ranking(client, people):
    url = f"/api/v1/needs/{people['closed']}/ranking"
    assert_problem(client.get(url), 401)
    assert_problem(client.get(url, headers=people["supplier"]), 403)
    assert_problem(client.get(url, headers=people["other"]), 403)
    assert_problem(client.get(f"/api/v1/needs/{people['private']}/ranking", headers=people["supplier"]), 404)
    assert client.get(url, headers=people["ambassador"]).status_code == 200  # ambassadors look


# --- evaluations -----------------------------------------------------------------------------------------


def test_an_evaluation_is_created_then_changed_with_if_match(client, app, people):
    created = put_scores(client, people["buyer"], people["closed"], people["bid"], 4)

    assert created.status_code == 201, created.get_data(as_text=True)
    evaluation = created.get_json()
    assert evaluation["scores"] == scores(4) and evaluation["weighted_total"] == 400
    assert evaluation["comment"] == "Solide." and evaluation["bid_id"] == people["bid"]
    etag = created.headers["ETag"]
    read = client.get(evaluation_url(people["closed"], people["bid"]), headers=people["buyer"])
    assert read.status_code == 200 and read.headers["ETag"] == etag and read.get_json() == evaluation

    assert_problem(put_scores(client, people["buyer"], people["closed"], people["bid"], 5), 428)
    assert_problem(put_scores(client, people["buyer"], people["closed"], people["bid"], 5, if_match='"stale"'), 412)
    assert_problem(put_scores(client, people["buyer"], people["closed"], people["bid"], 5,
                              if_match="W/" + etag), 412)
    changed = put_scores(client, people["buyer"], people["closed"], people["bid"], 5, if_match=etag, comment=None)
    assert changed.status_code == 200
    assert changed.get_json()["scores"] == scores(5) and changed.get_json()["comment"] is None
    assert changed.headers["ETag"] != etag
    assert_problem(put_scores(client, people["buyer"], people["closed"], people["bid"], 1, if_match=etag), 412)
    assert count(app, Evaluation) == 1


def test_a_first_evaluation_may_be_conditioned_on_the_bids_etag(client, people):
    bid_etag = client.get(f"/api/v1/bids/{people['bid']}", headers=people["buyer"]).headers["ETag"]
    assert_problem(put_scores(client, people["buyer"], people["closed"], people["bid"], if_match='"old"'), 412)
    assert put_scores(client, people["buyer"], people["closed"], people["bid"], if_match=bid_etag).status_code == 201
    assert_problem(client.get(evaluation_url(people["closed"], people["rival_bid"]), headers=people["buyer"]), 404)


@pytest.mark.parametrize("payload, field", [
    ({"scores": {c: 3 for c in CRITERIA if c != "cost"}}, "scores.cost"),
    ({"scores": scores(security=6)}, "scores"),
    ({"scores": scores(security=-1)}, "scores"),
    ({"scores": scores(security="4")}, "scores"),
    ({"scores": scores(taste=3)}, "scores"),
    ({"comment": "Sans notes."}, "scores"),
    ({"scores": scores(), "comment": "x" * 5001}, "comment"),
])
def test_invalid_scores_are_a_422_naming_the_field(client, app, people, payload, field):
    response = client.put(evaluation_url(people["closed"], people["bid"]), json=payload, headers=people["buyer"])

    problem = assert_problem(response, 422)
    assert any(name == field or name.startswith(field + ".") for name in problem["errors"]), problem["errors"]
    assert count(app, Evaluation) == 0


def test_who_may_not_evaluate(client, app, people):
    closed, bid = people["closed"], people["bid"]

    assert_problem(put_scores(client, {}, closed, bid), 401)
    assert_problem(put_scores(client, people["buyer_read"], closed, bid), 403)
    assert_problem(put_scores(client, people["ambassador"], closed, bid), 403)
    assert_problem(put_scores(client, people["supplier"], closed, bid), 403)  # its own bid
    assert_problem(put_scores(client, people["rival"], closed, bid), 404)  # another's bid
    assert_problem(put_scores(client, people["other"], closed, bid), 404)
    assert_problem(put_scores(client, people["buyer"], people["sealed"], people["sealed_bid"]), 404)  # sealed
    assert_problem(put_scores(client, people["buyer"], people["unsealed"], people["unsealed_bid"]), 409)  # open
    assert_problem(put_scores(client, people["buyer"], people["closed"], people["sealed_bid"]), 404)  # other need
    assert count(app, Evaluation) == 0


# --- shortlisting and rejecting ------------------------------------------------------------------------


def test_the_buyer_shortlists_a_bid_once(client, people):
    url = f"/api/v1/needs/{people['closed']}/bids/{people['bid']}/shortlist"
    etag = client.get(f"/api/v1/bids/{people['bid']}", headers=people["buyer"]).headers["ETag"]

    assert_problem(client.post(url, headers={**people["buyer"], "If-Match": '"stale"'}), 412)
    response = client.post(url, headers={**people["buyer"], "If-Match": etag})

    assert response.status_code == 200 and response.get_json()["status"] == "shortlisted"
    assert response.headers["ETag"] != etag
    assert_problem(client.post(url, headers=people["buyer"]), 409)
    assert_problem(client.post(url, headers=people["supplier"]), 403)
    assert_problem(client.post(url, headers=people["buyer_read"]), 403)
    assert_problem(client.post(f"/api/v1/needs/{people['unsealed']}/bids/{people['unsealed_bid']}/shortlist",
                               headers=people["buyer"]), 409)  # bids still open


def test_a_rejection_needs_feedback_that_the_supplier_reads(client, people):
    url = f"/api/v1/needs/{people['closed']}/bids/{people['bid']}/reject"

    assert "feedback" in assert_problem(client.post(url, json={}, headers=people["buyer"]), 422)["errors"]
    assert "feedback" in assert_problem(client.post(url, json={"feedback": "  "}, headers=people["buyer"]),
                                        422)["errors"]
    assert_problem(client.post(url, json={"feedback": "Trop cher."}, headers=people["rival"]), 404)
    response = client.post(url, json={"feedback": "Trop cher pour le périmètre."}, headers=people["buyer"])

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "rejected"
    seen = client.get(f"/api/v1/bids/{people['bid']}", headers=people["supplier"]).get_json()
    assert seen["status"] == "rejected" and seen["feedback"] == "Trop cher pour le périmètre."
    assert seen["decided_at"].endswith("Z") and seen["award"] is None
    assert_problem(client.post(url, json={"feedback": "Encore."}, headers=people["buyer"]), 409)


# --- awards ------------------------------------------------------------------------------------------------


def award_body(bid_id, cents=17_500_050, **extra) -> dict:
    return {"bids": [{"bid_id": bid_id, "amount": {"amount_cents": cents, "currency": "EUR"}}], **extra}


def test_an_award_becomes_a_verified_purchase_and_is_idempotent(client, app, people):
    url = f"/api/v1/needs/{people['closed']}/awards"
    headers = {**people["buyer"], "Idempotency-Key": "award-1"}

    first = client.post(url, json=award_body(people["bid"], note="Lot unique."), headers=headers)
    retry = client.post(url, json=award_body(people["bid"], note="Lot unique."), headers=headers)

    assert first.status_code == 201, first.get_data(as_text=True)
    [award] = first.get_json()
    assert award["bid_id"] == people["bid"] and award["need"] == people["closed"]
    assert award["amount"] == {"amount_cents": 17_500_050, "currency": "EUR"} and award["note"] == "Lot unique."
    assert award["awarded_at"].endswith("Z") and award["supplier"]["kind"] == "startup"
    assert retry.status_code == 200 and retry.get_json() == first.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert count(app, Award) == 1
    with app.app_context():
        purchase = db.session.get(Purchase, award["purchase_id"])
        assert purchase.source == PurchaseSource.AWARD and purchase.status == PurchaseStatus.VERIFIED
        assert purchase.amount_cents == 17_500_050
    assert_problem(client.post(url, json=award_body(people["rival_bid"]), headers=headers), 409)
    assert count(app, Award) == 1

    listed = client.get(url, headers=people["buyer"])
    assert listed.status_code == 200 and listed.get_json() == first.get_json()
    assert client.get(f"/api/v1/needs/{people['closed']}", headers=people["buyer"]).get_json()["status"] == "awarded"
    seen = client.get(f"/api/v1/bids/{people['bid']}", headers=people["supplier"]).get_json()
    assert seen["status"] == "awarded"
    assert seen["award"]["amount"] == {"amount_cents": 17_500_050, "currency": "EUR"}
    assert seen["award"]["id"] == award["id"]
    assert_problem(client.get(url, headers=people["supplier"]), 403)
    # the bid is decided: awarding it again is a conflict; another bid may still be awarded (lots)
    assert_problem(client.post(url, json=award_body(people["bid"]), headers=people["buyer"]), 409)
    second = client.post(url, json=award_body(people["rival_bid"], 9_000_000), headers=people["buyer"])
    assert second.status_code == 201 and count(app, Award) == 2


def test_several_bids_are_awarded_at_once(client, app, people):
    body = {"bids": [{"bid_id": people["bid"], "amount": {"amount_cents": 10_000_000}},
                     {"bid_id": people["rival_bid"], "amount": {"amount_cents": 5_000_000, "currency": "EUR"}}]}

    response = client.post(f"/api/v1/needs/{people['closed']}/awards", json=body, headers=people["buyer"])

    assert response.status_code == 201
    assert sorted(a["bid_id"] for a in response.get_json()) == sorted([people["bid"], people["rival_bid"]])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Purchase)) == 2


@pytest.mark.parametrize("body, field", [
    ({"bids": []}, "bids"),
    ({}, "bids"),
    ("zero", "bids.0.amount.amount_cents"),
    ("negative", "bids.0.amount.amount_cents"),
    ("too_high", "bids.0.amount.amount_cents"),
    ("usd", "bids.0.amount.currency"),
    ("float", "bids.0.amount.amount_cents"),
    ("unknown", "bids"),
    ("twice", "bids"),
])
def test_invalid_awards_are_a_422_naming_the_field(client, app, people, body, field):
    bid = people["bid"]
    bodies = {
        "zero": award_body(bid, 0), "negative": award_body(bid, -100), "too_high": award_body(bid, 10**10 * 100),
        "usd": {"bids": [{"bid_id": bid, "amount": {"amount_cents": 100, "currency": "USD"}}]},
        "float": {"bids": [{"bid_id": bid, "amount": {"amount_cents": 10.5}}]},
        "unknown": award_body(people["sealed_bid"]),
        "twice": {"bids": award_body(bid)["bids"] * 2},
    }
    response = client.post(f"/api/v1/needs/{people['closed']}/awards", json=bodies[body] if isinstance(body, str) else body,
                           headers=people["buyer"])

    problem = assert_problem(response, 422)
    assert field in problem["errors"], problem["errors"]
    assert count(app, Award) == 0


def test_who_may_not_award_and_when(client, app, people):
    url = f"/api/v1/needs/{people['closed']}/awards"
    body = award_body(people["bid"])

    assert_problem(client.post(url, json=body), 401)
    assert_problem(client.post(url, json=body, headers=people["buyer_read"]), 403)
    assert_problem(client.post(url, json=body, headers=people["ambassador"]), 403)
    assert_problem(client.post(url, json=body, headers=people["supplier"]), 403)
    assert_problem(client.post(url, json=body, headers=people["other"]), 403)
    assert_problem(client.post(f"/api/v1/needs/{people['private']}/awards", json=body, headers=people["other"]), 404)
    assert_problem(client.post(f"/api/v1/needs/{people['unsealed']}/awards", json=award_body(people["unsealed_bid"]),
                               headers=people["buyer"]), 409)  # bids still open
    client.post(f"/api/v1/needs/{people['closed']}/bids/{people['bid']}/reject", json={"feedback": "Non."},
                headers=people["buyer"])
    assert_problem(client.post(url, json=body, headers=people["buyer"]), 409)  # already rejected
    assert count(app, Award) == 0


# --- closing without award ------------------------------------------------------------------------------


def test_a_closed_need_is_declared_unsuccessful_with_a_reason(client, people):
    url = f"/api/v1/needs/{people['closed']}/unsuccessful"
    etag = client.get(f"/api/v1/needs/{people['closed']}", headers=people["buyer"]).headers["ETag"]

    assert "reason" in assert_problem(client.post(url, json={}, headers=people["buyer"]), 422)["errors"]
    assert "reason" in assert_problem(client.post(url, json={"reason": " "}, headers=people["buyer"]),
                                      422)["errors"]
    assert_problem(client.post(url, json={"reason": "Aucune offre."},
                               headers={**people["buyer"], "If-Match": '"stale"'}), 412)
    response = client.post(url, json={"reason": "Aucune offre adaptée."},
                           headers={**people["buyer"], "If-Match": etag})

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "unsuccessful" and response.headers["ETag"] != etag
    assert_problem(client.post(url, json={"reason": "Encore."}, headers=people["buyer"]), 409)
    assert_problem(client.post(f"/api/v1/needs/{people['closed']}/awards", json=award_body(people["bid"]),
                               headers=people["buyer"]), 409)


def test_who_may_not_close_without_award_and_when(client, people):
    body = {"reason": "Aucune offre."}

    def post(reference, headers):
        return client.post(f"/api/v1/needs/{reference}/unsuccessful", json=body, headers=headers)

    assert_problem(post(people["closed"], {}), 401)
    assert_problem(post(people["closed"], people["buyer_read"]), 403)
    assert_problem(post(people["closed"], people["ambassador"]), 403)
    assert_problem(post(people["closed"], people["supplier"]), 403)
    assert_problem(post(people["private"], people["supplier"]), 404)
    assert_problem(post(people["sealed"], people["buyer"]), 409)  # bids open until the deadline


def test_the_openapi_document_describes_the_outcome_resources(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    put = spec["paths"]["/api/v1/needs/{reference}/bids/{bid_id}/evaluation"]["put"]
    assert {"200", "201", "403", "404", "409", "412", "422", "428"} <= set(put["responses"])
    award = spec["paths"]["/api/v1/needs/{reference}/awards"]["post"]
    assert {"200", "201", "403", "404", "409", "422"} <= set(award["responses"])
    assert "Idempotency-Key" in {p["name"] for p in award["parameters"]}
    assert {"200", "403", "404", "409", "412", "422"} <= set(
        spec["paths"]["/api/v1/needs/{reference}/unsuccessful"]["post"]["responses"])
    assert BidStatus.AWARDED.value in str(spec["components"]["schemas"]["Standing"])
