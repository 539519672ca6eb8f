"""Bids through the API: submitting, changing with If-Match, idempotent creation,
withdrawal, the supplier's list, and the buyer's sealed view."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.bids.models import Bid, BidStatus
from app.extensions import db
from tests.api.helpers import bearer
from tests.api.test_api_needs_write import assert_problem
from tests.factories import make_bid, make_need, make_org


def body(**changes) -> dict:
    data = {
        "price": {"amount_cents": 18_500_050, "currency": "EUR"},
        "summary": "Un LLM souverain hébergé en France.",
        "proposal": "Nous déployons notre modèle sur une infrastructure qualifiée.",
        "timeline": "Trois mois, en deux lots.",
        "approach": "off_the_shelf",
        "hosting_country": "FR",
        "hosting_provider": "OVHcloud",
        "secnumcloud_hosting": True,
        "data_in_eu": True,
        "open_source": True,
        "extraterritorial_answer": "Aucune loi extraterritoriale ne s'applique.",
        "reversibility_answer": "Export complet en formats ouverts.",
        "mastery_answer": "Nous maîtrisons le modèle et son entraînement.",
    }
    data.update(changes)
    return data


@pytest.fixture()
def people(app):
    with app.app_context():
        buyer, buyer_user = make_org("corporate")
        supplier, supplier_user = make_org("startup", verified=True)
        rival, rival_user = make_org("startup", verified=True)
        sealed = make_need(buyer, sealed_bids=True)
        open_need = make_need(buyer, sealed_bids=False)
        private = make_need(buyer, visibility="invitation")
        rival_bid = make_bid(sealed, rival)
        return {
            "buyer": bearer(buyer_user, buyer, "read", "write"),
            "supplier": bearer(supplier_user, supplier, "read", "write"),
            "supplier_read": bearer(supplier_user, supplier, "read"),
            "rival": bearer(rival_user, rival, "read", "write"),
            "sealed": sealed.reference,
            "open": open_need.reference,
            "private": private.reference,
            "rival_bid": rival_bid.id,
        }


def put(client, headers, reference, **changes):
    return client.put(f"/api/v1/needs/{reference}/bid", json=body(**changes), headers=headers)


def count_bids(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Bid))


def test_a_supplier_submits_a_bid_in_cents_then_lists_and_reads_it(client, people):
    response = put(client, people["supplier"], people["open"])

    assert response.status_code == 201, response.get_data(as_text=True)
    bid = response.get_json()
    assert bid["status"] == "submitted" and bid["need"] == people["open"]
    assert bid["price"] == {"amount_cents": 18_500_050, "currency": "EUR"}
    assert bid["mastery_answer"].startswith("Nous maîtrisons") and bid["secnumcloud_hosting"] is True
    assert response.headers["ETag"].startswith('"')
    read = client.get(response.headers["Location"], headers=people["supplier"])
    assert read.status_code == 200 and read.headers["ETag"] == response.headers["ETag"]

    listed = client.get("/api/v1/bids?per_page=1", headers=people["supplier"])
    assert listed.status_code == 200 and [b["id"] for b in listed.get_json()] == [bid["id"]]
    assert listed.headers["X-Total-Count"] == "1" and 'rel="last"' in listed.headers["Link"]


def test_changing_a_bid_requires_its_current_etag(client, people):
    first = put(client, people["supplier"], people["open"])
    etag = first.headers["ETag"]

    assert_problem(put(client, people["supplier"], people["open"], summary="Sans If-Match"), 428)
    changed = client.put(f"/api/v1/needs/{people['open']}/bid", json=body(summary="Nouvelle offre"),
                         headers={**people["supplier"], "If-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["summary"] == "Nouvelle offre"
    assert changed.headers["ETag"] != etag
    stale = client.put(f"/api/v1/needs/{people['open']}/bid", json=body(summary="Trop tard"),
                       headers={**people["supplier"], "If-Match": etag})
    assert_problem(stale, 412)


def test_field_errors_are_a_422_problem_naming_each_field(client, app, people):
    before = count_bids(app)
    response = put(client, people["supplier"], people["open"], price={"amount_cents": -5}, summary="  ",
                   hosting_country="US", secnumcloud_hosting=True, hosting_provider="")

    problem = assert_problem(response, 422)
    assert {"price.amount_cents", "summary", "data_in_eu", "hosting_provider"} <= set(problem["errors"])
    malformed = put(client, people["supplier"], people["open"], price={"amount_cents": 1.5, "currency": "USD"})
    assert {"price.amount_cents", "price.currency"} <= set(assert_problem(malformed, 422)["errors"])
    assert count_bids(app) == before


def test_read_only_tokens_buyers_and_invisible_needs_are_refused(client, app, people):
    before = count_bids(app)

    assert_problem(put(client, people["supplier_read"], people["open"]), 403)
    assert_problem(put(client, people["buyer"], people["open"]), 403)
    assert_problem(put(client, people["supplier"], people["private"]), 404)
    assert_problem(put(client, people["supplier"], "TRP-NOPE"), 404)
    assert count_bids(app) == before


def test_another_supplier_never_reads_a_bid(client, people):
    assert_problem(client.get(f"/api/v1/bids/{people['rival_bid']}", headers=people["supplier"]), 404)
    assert_problem(client.get(f"/api/v1/needs/{people['sealed']}/bids", headers=people["supplier"]), 403)
    assert client.get("/api/v1/bids", headers=people["supplier"]).get_json() == []
    assert client.get(f"/api/v1/bids/{people['rival_bid']}", headers=people["rival"]).status_code == 200


def test_sealed_bids_show_the_buyer_only_their_count(client, people):
    put(client, people["supplier"], people["open"])

    sealed = client.get(f"/api/v1/needs/{people['sealed']}/bids", headers=people["buyer"])
    assert sealed.status_code == 200
    assert sealed.get_json() == {"need": people["sealed"], "unsealed": False, "count": 1}
    assert_problem(client.get(f"/api/v1/bids/{people['rival_bid']}", headers=people["buyer"]), 404)

    unsealed = client.get(f"/api/v1/needs/{people['open']}/bids", headers=people["buyer"]).get_json()
    assert unsealed["unsealed"] is True and unsealed["count"] == 1
    assert unsealed["bids"][0]["summary"] == body()["summary"]


def test_a_retry_with_the_same_key_creates_nothing_more(client, app, people):
    headers = {**people["supplier"], "Idempotency-Key": "bid-7"}
    before = count_bids(app)

    first = client.put(f"/api/v1/needs/{people['open']}/bid", json=body(), headers=headers)
    retry = client.put(f"/api/v1/needs/{people['open']}/bid", json=body(), headers=headers)

    assert first.status_code == 201 and retry.status_code == 200
    assert retry.get_json() == first.get_json()
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert count_bids(app) == before + 1
    other = client.put(f"/api/v1/needs/{people['open']}/bid", json=body(summary="Autre"), headers=headers)
    assert_problem(other, 409)


def test_a_supplier_withdraws_its_bid(client, app, people):
    etag = put(client, people["supplier"], people["open"]).headers["ETag"]

    stale = client.post(f"/api/v1/needs/{people['open']}/bid/withdraw",
                        headers={**people["supplier"], "If-Match": '"stale"'})
    assert_problem(stale, 412)
    response = client.post(f"/api/v1/needs/{people['open']}/bid/withdraw",
                           headers={**people["supplier"], "If-Match": etag})
    assert response.status_code == 200 and response.get_json()["status"] == BidStatus.WITHDRAWN.value
    assert_problem(client.post(f"/api/v1/needs/{people['sealed']}/bid/withdraw", headers=people["supplier"]), 404)
    assert_problem(client.post(f"/api/v1/needs/{people['open']}/bid/withdraw", headers=people["supplier_read"]),
                   403)


def test_the_supplier_filters_and_sorts_its_bids(client, app, people):
    assert put(client, people["supplier"], people["open"]).status_code == 201
    assert put(client, people["supplier"], people["sealed"], price={"amount_cents": 9_000_000, "currency": "EUR"}
               ).status_code == 201
    assert client.post(f"/api/v1/needs/{people['open']}/bid/withdraw", headers=people["supplier"]).status_code == 200

    def refs(query):
        response = client.get(f"/api/v1/bids?{query}", headers=people["supplier"])
        assert response.status_code == 200, response.get_data(as_text=True)
        return [(bid["need"], bid["status"]) for bid in response.get_json()]

    assert refs("status=withdrawn") == [(people["open"], "withdrawn")]
    assert refs("status=submitted") == [(people["sealed"], "submitted")]
    assert refs(f"need={people['sealed']}") == [(people["sealed"], "submitted")]
    assert [ref for ref, _ in refs("sort=price")] == [people["sealed"], people["open"]]
    assert [ref for ref, _ in refs("sort=-price")] == [people["open"], people["sealed"]]
    # The rival's bid on the same need is never among them, whatever the filter.
    assert refs(f"need={people['sealed']}&status=submitted&status=withdrawn") == [(people["sealed"], "submitted")]
    assert client.get("/api/v1/bids?sort=bogus", headers=people["supplier"]).status_code == 422
