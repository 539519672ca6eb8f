"""Writing needs through the API: drafts, idempotent creation, ETags, publication, cancellation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.needs.models import Need, NeedStatus
from tests.api.helpers import bearer
from tests.factories import make_need, make_org


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def body(**changes) -> dict:
    deadline = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    data = {
        "title": "Assistant de rédaction souverain",
        "summary": "Un LLM hébergé en France pour nos agents.",
        "description": "Nous cherchons un assistant de rédaction.",
        "categories": ["ai.llm"],
        "budget": {"min_cents": 15_000_000, "max_cents": 40_000_000, "currency": "EUR"},
        "region": "11",
        "visibility": "public",
        "deadline_at": deadline.isoformat().replace("+00:00", "Z"),
        "eu_data_residency": True,
        "requires_secnumcloud": True,
        "reuse_checked": True,
        "reuse_note": "Nothing reusable in the catalogue.",
        "off_the_shelf_sought": True,
    }
    data.update(changes)
    return data


@pytest.fixture()
def people(app):
    with app.app_context():
        buyer, buyer_user = make_org("administration")
        other, other_user = make_org("corporate")
        supplier, supplier_user = make_org("startup", verified=True)
        published = make_need(other, visibility="public")
        other_draft = make_need(other, status="draft")
        closed = make_need(buyer, status="closed")
        return {
            "buyer": bearer(buyer_user, buyer, "read", "write"),
            "buyer_read": bearer(buyer_user, buyer, "read"),
            "other": bearer(other_user, other, "read", "write"),
            "supplier": bearer(supplier_user, supplier, "read", "write"),
            "other_published": published.reference,
            "other_draft": other_draft.reference,
            "own_closed": closed.reference,
        }


def create(client, headers, **changes):
    return client.post("/api/v1/needs", json=body(**changes), headers=headers)


def count_needs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Need))


# --- creation ----------------------------------------------------------------------------


def test_a_buyer_creates_a_draft_in_cents_with_its_location_and_etag(client, people):
    response = create(client, people["buyer"])

    assert response.status_code == 201
    need = response.get_json()
    assert need["status"] == "draft" and need["route"] == "public"
    assert need["budget"] == {"min_cents": 15_000_000, "max_cents": 40_000_000, "currency": "EUR"}
    assert need["categories"] == ["ai.llm"] and need["eu_data_residency"] is True
    assert need["deadline_at"].endswith("Z")
    assert response.headers["Location"].endswith(f"/api/v1/needs/{need['reference']}")
    assert response.headers["ETag"].startswith('"')
    again = client.get(f"/api/v1/needs/{need['reference']}", headers=people["buyer"])
    assert again.status_code == 200 and again.get_json()["title"] == need["title"]


def test_field_errors_are_a_422_problem_naming_each_field(client, app, people):
    before = count_needs(app)
    response = create(client, people["buyer"], title="  ", budget={"min_cents": 500, "max_cents": 100},
                      categories=["nope"], deadline_at="2001-01-01T00:00:00Z", weights={"cost": 90})

    problem = assert_problem(response, 422)
    assert {"title", "budget.min_cents", "categories", "deadline_at", "weights"} <= set(problem["errors"])
    assert count_needs(app) == before


@pytest.mark.parametrize("changes, field", [
    ({"budget": {"min_cents": 1.5, "max_cents": 100}}, "budget.min_cents"),
    ({"budget": {"min_cents": 100, "max_cents": 200, "currency": "USD"}}, "budget.currency"),
    ({"deadline_at": "2030-01-01T00:00:00"}, "deadline_at"),
    ({"visibility": "everyone"}, "visibility"),
    ({"colour": "blue"}, "colour"),
])
def test_malformed_fields_are_a_422_problem(client, people, changes, field):
    problem = assert_problem(create(client, people["buyer"], **changes), 422)
    assert field in problem["errors"]


def test_read_only_tokens_and_suppliers_may_not_create(client, app, people):
    before = count_needs(app)

    assert_problem(create(client, people["buyer_read"]), 403)
    assert_problem(create(client, people["supplier"]), 403)
    assert_problem(client.post("/api/v1/needs", json=body()), 401)
    assert count_needs(app) == before


# --- idempotency -------------------------------------------------------------------------


def test_a_retry_with_the_same_key_and_body_returns_the_same_need_without_a_second_one(client, app, people):
    headers = {**people["buyer"], "Idempotency-Key": "order-42"}
    data = body()
    before = count_needs(app)

    first = client.post("/api/v1/needs", json=data, headers=headers)
    retry = client.post("/api/v1/needs", json=data, headers=headers)

    assert first.status_code == 201 and retry.status_code == 200
    assert retry.get_json() == first.get_json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert count_needs(app) == before + 1
    with app.app_context():  # kept in the audit log: durable across processes
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api.need_created"))
        assert entry.details["idempotency_key"] == "order-42"
        assert entry.details["reference"] == first.get_json()["reference"]


def test_the_same_key_with_another_body_is_a_409_problem(client, app, people):
    headers = {**people["buyer"], "Idempotency-Key": "order-43"}
    assert client.post("/api/v1/needs", json=body(), headers=headers).status_code == 201
    before = count_needs(app)

    assert_problem(client.post("/api/v1/needs", json=body(title="Autre chose"), headers=headers), 409)
    assert count_needs(app) == before


def test_keys_belong_to_one_token_and_requests_without_a_key_are_not_deduplicated(client, app, people):
    first = client.post("/api/v1/needs", json=body(), headers={**people["buyer"], "Idempotency-Key": "k"})
    other = client.post("/api/v1/needs", json=body(), headers={**people["other"], "Idempotency-Key": "k"})
    plain = [create(client, people["buyer"]) for _ in range(2)]

    assert first.status_code == other.status_code == 201
    assert other.get_json()["reference"] != first.get_json()["reference"]
    assert [r.status_code for r in plain] == [201, 201]
    assert plain[0].get_json()["reference"] != plain[1].get_json()["reference"]


def test_a_failed_creation_does_not_spend_the_key(client, people):
    headers = {**people["buyer"], "Idempotency-Key": "order-44"}

    assert create(client, headers, title="").status_code == 422
    assert create(client, headers).status_code == 201


# --- changes with If-Match ---------------------------------------------------------------


def test_patch_with_the_current_etag_changes_the_draft_and_answers_a_new_etag(client, people):
    created = create(client, people["buyer"])
    reference, etag = created.get_json()["reference"], created.headers["ETag"]

    response = client.patch(f"/api/v1/needs/{reference}", json={"title": "Nouveau titre",
                                                                 "categories": ["ai.llm", "ai.nlp"]},
                            headers={**people["buyer"], "If-Match": etag})

    assert response.status_code == 200
    assert response.get_json()["title"] == "Nouveau titre"
    assert response.get_json()["categories"] == ["ai.llm", "ai.nlp"]
    assert response.headers["ETag"] != etag
    stale = client.patch(f"/api/v1/needs/{reference}", json={"title": "Encore"},
                         headers={**people["buyer"], "If-Match": etag})
    assert_problem(stale, 412)
    fresh = client.patch(f"/api/v1/needs/{reference}", json={"title": "Encore"},
                         headers={**people["buyer"], "If-Match": response.headers["ETag"]})
    assert fresh.status_code == 200 and fresh.get_json()["title"] == "Encore"


def test_a_categories_only_change_changes_the_etag(client, people):
    created = create(client, people["buyer"])
    reference, etag = created.get_json()["reference"], created.headers["ETag"]

    response = client.patch(f"/api/v1/needs/{reference}", json={"categories": ["ai.vision"]},
                            headers={**people["buyer"], "If-Match": etag})

    assert response.status_code == 200 and response.headers["ETag"] != etag


def test_patch_without_if_match_is_428_and_with_a_weak_or_unknown_tag_412(client, people):
    created = create(client, people["buyer"])
    reference, etag = created.get_json()["reference"], created.headers["ETag"]
    url = f"/api/v1/needs/{reference}"

    assert_problem(client.patch(url, json={"title": "x"}, headers=people["buyer"]), 428)
    assert_problem(client.patch(url, json={"title": "x"}, headers={**people["buyer"], "If-Match": "W/" + etag}),
                   412)
    assert_problem(client.patch(url, json={"title": "x"}, headers={**people["buyer"], "If-Match": '"nope"'}), 412)
    unchanged = client.get(url, headers=people["buyer"]).get_json()
    assert unchanged["title"] == created.get_json()["title"]


def test_patch_field_errors_are_422_and_change_nothing(client, people):
    created = create(client, people["buyer"])
    reference, etag = created.get_json()["reference"], created.headers["ETag"]

    problem = assert_problem(client.patch(f"/api/v1/needs/{reference}", json={"region": "99"},
                                          headers={**people["buyer"], "If-Match": etag}), 422)

    assert "region" in problem["errors"]
    assert client.get(f"/api/v1/needs/{reference}", headers=people["buyer"]).get_json()["region"] == "11"


def test_patch_refusals_read_only_404_403_and_closed_409(client, people):
    created = create(client, people["buyer"])
    reference, etag = created.get_json()["reference"], created.headers["ETag"]

    def patch(ref, who):
        return client.patch(f"/api/v1/needs/{ref}", json={"title": "x"}, headers={**people[who], "If-Match": etag})

    assert_problem(patch(reference, "buyer_read"), 403)
    assert_problem(patch(reference, "other"), 404)  # another buyer's draft: not even visible
    assert_problem(patch(reference, "supplier"), 404)
    assert_problem(patch(people["other_draft"], "buyer"), 404)
    assert_problem(patch(people["other_published"], "buyer"), 403)  # visible, but not theirs
    assert_problem(patch(people["other_published"], "supplier"), 403)
    assert_problem(patch(people["own_closed"], "buyer"), 409)
    assert_problem(patch("TRP-NOPE", "buyer"), 404)


# --- publication and cancellation --------------------------------------------------------


def test_publish_then_amend_with_a_summary_then_cancel(client, app, people):
    created = create(client, people["buyer"])
    reference = created.get_json()["reference"]
    base = f"/api/v1/needs/{reference}"

    published = client.post(f"{base}/publish", headers=people["buyer"])
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    assert published.headers["ETag"] != created.headers["ETag"]
    assert_problem(client.post(f"{base}/publish", headers=people["buyer"]), 409)

    etag = published.headers["ETag"]
    no_summary = assert_problem(client.patch(base, json={"summary": "Plus précis."},
                                             headers={**people["buyer"], "If-Match": etag}), 422)
    assert "amendment_summary" in no_summary["errors"]
    locked = assert_problem(client.patch(base, json={"visibility": "restricted", "amendment_summary": "x"},
                                         headers={**people["buyer"], "If-Match": etag}), 422)
    assert "visibility" in locked["errors"]
    amended = client.patch(base, json={"summary": "Plus précis.", "amendment_summary": "Summary clarified."},
                           headers={**people["buyer"], "If-Match": etag})
    assert amended.status_code == 200 and amended.get_json()["summary"] == "Plus précis."

    assert "reason" in assert_problem(client.post(f"{base}/cancel", json={}, headers=people["buyer"]), 422)["errors"]
    assert_problem(client.post(f"{base}/cancel", json={"reason": "x"},
                               headers={**people["buyer"], "If-Match": etag}), 412)
    cancelled = client.post(f"{base}/cancel", json={"reason": "Budget withdrawn."},
                            headers={**people["buyer"], "If-Match": amended.headers["ETag"]})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert_problem(client.post(f"{base}/cancel", json={"reason": "Again."}, headers=people["buyer"]), 409)
    with app.app_context():
        assert db.session.scalar(select(Need.status).where(Need.reference == reference)) == NeedStatus.CANCELLED


def test_an_incomplete_draft_is_not_published_and_says_why(client, people):
    reference = create(client, people["buyer"], reuse_checked=False, categories=[]).get_json()["reference"]

    problem = assert_problem(client.post(f"/api/v1/needs/{reference}/publish", headers=people["buyer"]), 409)

    assert {"reuse_checked", "categories"} <= set(problem["errors"])


def test_publish_and_cancel_refusals(client, people):
    reference = create(client, people["buyer"]).get_json()["reference"]

    for action, json in (("publish", None), ("cancel", {"reason": "x"})):
        url = f"/api/v1/needs/{reference}/{action}"
        assert_problem(client.post(url, json=json, headers=people["buyer_read"]), 403)
        assert_problem(client.post(url, json=json, headers=people["other"]), 404)
        assert_problem(client.post(url, json=json, headers=people["supplier"]), 404)
        other = f"/api/v1/needs/{people['other_published']}/{action}"
        assert_problem(client.post(other, json=json, headers=people["supplier"]), 403)
    assert_problem(client.post(f"/api/v1/needs/{people['own_closed']}/publish", headers=people["buyer"]), 409)


def test_the_openapi_document_describes_the_write_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert {"get", "post"} <= set(paths["/api/v1/needs"])
    assert {"get", "patch"} <= set(paths["/api/v1/needs/{reference}"])
    assert "post" in paths["/api/v1/needs/{reference}/publish"]
    assert "post" in paths["/api/v1/needs/{reference}/cancel"]


def test_writes_need_no_csrf_token(csrf_app):
    with csrf_app.app_context():
        org, user = make_org("administration")
        headers = bearer(user, org, "read", "write")
    client = csrf_app.test_client()

    created = client.post("/api/v1/needs", json=body(), headers=headers)

    assert created.status_code == 201
    reference = created.get_json()["reference"]
    patched = client.patch(f"/api/v1/needs/{reference}", json={"title": "Sans CSRF"},
                           headers={**headers, "If-Match": created.headers["ETag"]})
    assert patched.status_code == 200


def test_reading_a_need_gives_the_etag_an_update_must_match(client, people):
    reference = create(client, people["buyer"]).get_json()["reference"]
    read = client.get(f"/api/v1/needs/{reference}", headers=people["buyer"])
    etag = read.headers["ETag"]
    changed = client.patch(f"/api/v1/needs/{reference}", json={"title": "Assistant juridique souverain"},
                           headers={**people["buyer"], "If-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    stale = client.patch(f"/api/v1/needs/{reference}", json={"title": "Autre titre"},
                         headers={**people["buyer"], "If-Match": etag})
    assert_problem(stale, 412)  # someone changed it since this client read it: no lost update


def test_a_draft_is_deleted_and_a_published_need_is_not(client, app, people):
    created = client.post("/api/v1/needs", json=body(), headers=people["buyer"])
    reference, etag = created.get_json()["reference"], created.headers["ETag"]
    url = f"/api/v1/needs/{reference}"

    assert_problem(client.delete(url, headers=people["buyer_read"]), 403)
    assert_problem(client.delete(url, headers=people["other"]), 404)
    assert_problem(client.delete(url, headers={**people["buyer"], "If-Match": '"stale"'}), 412)
    assert client.get(url, headers=people["buyer"]).status_code == 200

    deleted = client.delete(url, headers={**people["buyer"], "If-Match": etag})
    assert deleted.status_code == 204 and deleted.get_data() == b""
    assert_problem(client.get(url, headers=people["buyer"]), 404)
    with app.app_context():
        line = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "need.discarded"))
        assert line.details["reference"] == reference

    published = people["other_published"]
    body_ = assert_problem(client.delete(f"/api/v1/needs/{published}", headers=people["other"]), 409)
    assert "cancelled instead" in body_["detail"] or "annul" in body_["detail"]
    with app.app_context():
        assert db.session.scalar(select(Need).where(Need.reference == published)).status == NeedStatus.PUBLISHED
