"""Questions and answers, the change log and invitations through the API: the page's rules
(who reads which question, askers never named), idempotent asking, conflicts and refusals."""

from __future__ import annotations

import pytest
import schemathesis
from sqlalchemy import func, select

from app.accounts.models import Role
from app.extensions import db
from app.needs.models import Invitation, Question
from tests.api.helpers import bearer
from tests.api.test_api_needs_write import assert_problem
from tests.factories import make_member, make_need, make_org


@pytest.fixture(autouse=True)
def documented(client, monkeypatch):
    """Every response of the test checked against the OpenAPI document: a status it does
    not list, or a body that does not match the listed schema, fails the test."""
    document = client.get("/api/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(document)
    original = client.open

    def open_and_check(*args, **kwargs):
        response = original(*args, **kwargs)
        method, path = response.request.method, response.request.path
        operation = schema.find_operation_by_path(method, path)
        if operation is not None:
            listed = document["paths"][operation.path][method.lower()]["responses"]
            assert str(response.status_code) in listed, f"{method} {path}: {response.status_code} not documented"
            operation.validate_response(response)
        return response

    monkeypatch.setattr(client, "open", open_and_check)


@pytest.fixture()
def people(app):
    with app.app_context():
        buyer, buyer_user = make_org("corporate")
        ambassador = make_member(buyer, role=Role.AMBASSADOR)
        other, other_user = make_org("administration")
        supplier, supplier_user = make_org("startup", verified=True)
        rival, rival_user = make_org("sme", verified=True)
        outsider, _outsider_user = make_org("startup", verified=True)
        open_need = make_need(buyer)
        closed = make_need(buyer, status="closed")
        draft = make_need(buyer, status="draft")
        private = make_need(buyer, visibility="invitation")
        return {
            "buyer": bearer(buyer_user, buyer, "read", "write"),
            "buyer_read": bearer(buyer_user, buyer, "read"),
            "ambassador": bearer(ambassador, buyer, "read", "write"),
            "other": bearer(other_user, other, "read", "write"),
            "supplier": bearer(supplier_user, supplier, "read", "write"),
            "supplier_read": bearer(supplier_user, supplier, "read"),
            "rival": bearer(rival_user, rival, "read", "write"),
            "outsider": bearer(_outsider_user, outsider, "read", "write"),
            "outsider_slug": outsider.slug,
            "outsider_id": outsider.id,
            "other_id": other.id,
            "open": open_need.reference,
            "closed": closed.reference,
            "draft": draft.reference,
            "private": private.reference,
        }


def ask(client, headers, reference, text="Quel volume de documents ?", **extra):
    return client.post(f"/api/v1/needs/{reference}/questions", json={"body": text}, headers={**headers, **extra})


def questions(client, headers, reference):
    response = client.get(f"/api/v1/needs/{reference}/questions", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- questions and answers ----------------------------------------------------------------------


def test_a_supplier_asks_and_only_it_and_the_buyer_read_the_unanswered_question(client, people):
    response = ask(client, people["supplier"], people["open"])

    assert response.status_code == 201, response.get_data(as_text=True)
    question = response.get_json()
    assert question["body"] == "Quel volume de documents ?" and question["need"] == people["open"]
    assert question["answer"] is None and question["asked_by_your_organisation"] is True
    assert question["asked_at"].endswith("Z")
    assert client.get(response.headers["Location"], headers=people["supplier"]).get_json() == question

    assert [q["id"] for q in questions(client, people["supplier"], people["open"])] == [question["id"]]
    assert questions(client, people["rival"], people["open"]) == []
    assert_problem(client.get(response.headers["Location"], headers=people["rival"]), 404)
    seen_by_buyer = questions(client, people["buyer"], people["open"])
    assert [q["id"] for q in seen_by_buyer] == [question["id"]]
    assert seen_by_buyer[0]["asked_by_your_organisation"] is False
    assert set(seen_by_buyer[0]) == {"id", "need", "body", "asked_at", "asked_by_your_organisation", "answer"}


def test_the_buyer_answers_for_every_supplier_without_naming_the_asker(client, people):
    question = ask(client, people["supplier"], people["open"]).get_json()
    url = f"/api/v1/needs/{people['open']}/questions/{question['id']}/answer"

    response = client.post(url, json={"body": "Environ 10 000 par an."}, headers=people["buyer"])

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["answer"]["body"] == "Environ 10 000 par an."
    assert response.get_json()["answer"]["answered_at"].endswith("Z")
    [seen] = questions(client, people["rival"], people["open"])
    assert seen["id"] == question["id"] and seen["answer"]["body"] == "Environ 10 000 par an."
    assert seen["asked_by_your_organisation"] is False
    again = client.post(url, json={"body": "Autre réponse."}, headers=people["buyer"])
    assert_problem(again, 409)
    assert questions(client, people["rival"], people["open"])[0]["answer"]["body"] == "Environ 10 000 par an."


def test_who_may_not_answer(client, people):
    question = ask(client, people["supplier"], people["open"]).get_json()
    url = f"/api/v1/needs/{people['open']}/questions/{question['id']}/answer"
    answer = {"body": "Réponse."}

    assert_problem(client.post(url, json=answer), 401)
    assert_problem(client.post(url, json=answer, headers=people["buyer_read"]), 403)
    assert_problem(client.post(url, json=answer, headers=people["ambassador"]), 403)
    assert_problem(client.post(url, json=answer, headers=people["supplier"]), 403)  # the asker reads it
    assert_problem(client.post(url, json=answer, headers=people["rival"]), 404)  # another's unanswered question
    assert_problem(client.post(url, json=answer, headers=people["other"]), 404)  # invisible to another buyer
    assert_problem(client.post(f"/api/v1/needs/{people['closed']}/questions/{question['id']}/answer",
                               json=answer, headers=people["buyer"]), 404)  # not this need's question
    assert_problem(client.post(f"/api/v1/needs/{people['open']}/questions/999999/answer",
                               json=answer, headers=people["buyer"]), 404)
    assert questions(client, people["buyer"], people["open"])[0]["answer"] is None


@pytest.mark.parametrize("payload", [{}, {"body": "   "}, {"body": 12}, {"body": "x" * 4001}])
def test_an_empty_or_malformed_question_or_answer_is_a_422_on_body(client, app, people, payload):
    before = count(app, Question)
    problem = assert_problem(client.post(f"/api/v1/needs/{people['open']}/questions", json=payload,
                                         headers=people["supplier"]), 422)
    assert "body" in problem["errors"]
    assert count(app, Question) == before

    question = ask(client, people["supplier"], people["open"]).get_json()
    problem = assert_problem(client.post(f"/api/v1/needs/{people['open']}/questions/{question['id']}/answer",
                                         json=payload, headers=people["buyer"]), 422)
    assert "body" in problem["errors"]


def test_who_may_not_ask_and_when(client, app, people):
    before = count(app, Question)

    assert_problem(ask(client, {}, people["open"]), 401)
    assert_problem(ask(client, people["supplier_read"], people["open"]), 403)
    assert_problem(ask(client, people["buyer"], people["open"]), 403)
    assert_problem(ask(client, people["other"], people["open"]), 403)
    assert_problem(ask(client, people["supplier"], people["draft"]), 404)
    assert_problem(ask(client, people["supplier"], people["private"]), 404)
    assert_problem(ask(client, people["supplier"], "TRP-NOPE"), 404)
    assert_problem(ask(client, people["supplier"], people["closed"]), 409)
    assert count(app, Question) == before


def test_asking_again_with_the_same_idempotency_key_creates_nothing_more(client, app, people):
    before = count(app, Question)
    key = {"Idempotency-Key": "question-1"}

    first = ask(client, people["supplier"], people["open"], **key)
    retry = ask(client, people["supplier"], people["open"], **key)

    assert first.status_code == 201 and retry.status_code == 200
    assert retry.get_json() == first.get_json() and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["Location"] == first.headers["Location"]
    assert count(app, Question) == before + 1
    assert_problem(ask(client, people["supplier"], people["open"], "Une autre question ?", **key), 409)
    assert count(app, Question) == before + 1
    assert_problem(ask(client, people["supplier"], people["open"], **{"Idempotency-Key": "x" * 256}), 400)
    # another token's key is its own
    assert ask(client, people["rival"], people["open"], **key).status_code == 201


def test_questions_of_an_invisible_need_are_a_404(client, people):
    assert_problem(client.get(f"/api/v1/needs/{people['private']}/questions", headers=people["supplier"]), 404)
    assert_problem(client.get(f"/api/v1/needs/{people['draft']}/questions", headers=people["other"]), 404)
    assert_problem(client.get(f"/api/v1/needs/{people['open']}/questions"), 401)


# --- the change log ---------------------------------------------------------------------------------


def test_the_change_log_lists_amendments_with_old_and_new_values(client, people):
    need_url = f"/api/v1/needs/{people['open']}"
    etag = client.get(need_url, headers=people["buyer"]).headers["ETag"]
    assert client.get(f"{need_url}/amendments", headers=people["supplier"]).get_json() == []
    patched = client.patch(need_url, json={"title": "Assistant souverain, deux lots",
                                           "amendment_summary": "Découpage en deux lots."},
                           headers={**people["buyer"], "If-Match": etag})
    assert patched.status_code == 200, patched.get_data(as_text=True)

    response = client.get(f"{need_url}/amendments", headers=people["supplier"])

    assert response.status_code == 200
    [amendment] = response.get_json()
    assert amendment["need"] == people["open"] and amendment["summary"] == "Découpage en deux lots."
    assert amendment["changes"]["title"]["new"] == "Assistant souverain, deux lots"
    assert amendment["changes"]["title"]["old"] != amendment["changes"]["title"]["new"]
    assert amendment["created_at"].endswith("Z")
    assert_problem(client.get(f"/api/v1/needs/{people['private']}/amendments", headers=people["rival"]), 404)


# --- invitations ------------------------------------------------------------------------------------


def test_the_buyer_invites_a_supplier_by_slug_who_then_sees_the_need(client, app, people):
    url = f"/api/v1/needs/{people['private']}/invitations"
    assert_problem(client.get(f"/api/v1/needs/{people['private']}", headers=people["outsider"]), 404)

    response = client.post(url, json={"supplier_slug": people["outsider_slug"], "message": "Votre offre nous "
                                      "intéresse."}, headers=people["buyer"])

    assert response.status_code == 201, response.get_data(as_text=True)
    invitation = response.get_json()
    assert invitation["supplier"]["id"] == people["outsider_id"] and invitation["need"] == people["private"]
    assert invitation["message"] == "Votre offre nous intéresse."
    assert client.get(f"/api/v1/needs/{people['private']}", headers=people["outsider"]).status_code == 200
    listed = client.get(url, headers=people["buyer"])
    assert listed.status_code == 200 and [i["id"] for i in listed.get_json()] == [invitation["id"]]
    assert_problem(client.get(url, headers=people["outsider"]), 403)
    before = count(app, Invitation)
    assert_problem(client.post(url, json={"supplier_id": people["outsider_id"]}, headers=people["buyer"]), 409)
    assert count(app, Invitation) == before


@pytest.mark.parametrize("payload, field", [
    ({}, "supplier_id"),
    ({"supplier_id": 1, "supplier_slug": "x"}, "supplier_id"),
    ({"supplier_slug": "nobody-by-this-name"}, "supplier_slug"),
    ({"supplier_id": 999999}, "supplier_id"),
    ({"supplier_id": "12"}, "supplier_id"),
])
def test_an_unknown_or_ambiguous_supplier_is_a_422(client, people, payload, field):
    problem = assert_problem(client.post(f"/api/v1/needs/{people['open']}/invitations", json=payload,
                                         headers=people["buyer"]), 422)
    assert field in problem["errors"]


def test_only_startups_and_smes_are_invited(client, people):
    problem = assert_problem(client.post(f"/api/v1/needs/{people['open']}/invitations",
                                         json={"supplier_id": people["other_id"]}, headers=people["buyer"]), 422)
    assert "supplier_id" in problem["errors"]


def test_who_may_not_invite_and_when(client, app, people):
    before = count(app, Invitation)
    payload = {"supplier_id": people["outsider_id"]}

    def invite(reference, headers):
        return client.post(f"/api/v1/needs/{reference}/invitations", json=payload, headers=headers)

    assert_problem(invite(people["open"], {}), 401)
    assert_problem(invite(people["open"], people["buyer_read"]), 403)
    assert_problem(invite(people["open"], people["ambassador"]), 403)
    assert_problem(invite(people["open"], people["supplier"]), 403)
    assert_problem(invite(people["open"], people["other"]), 403)
    assert_problem(invite(people["draft"], people["other"]), 404)
    assert_problem(invite(people["closed"], people["buyer"]), 409)
    assert count(app, Invitation) == before
    assert invite(people["draft"], people["buyer"]).status_code == 201  # a draft's are announced at publication
