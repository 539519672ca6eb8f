"""The API's plumbing: token authentication, scopes, problem details, the OpenAPI document."""

from __future__ import annotations

import pytest
from flask import g

from app.api.auth import require_token
from app.api.tokens import create_token, revoke_token
from app.extensions import db
from tests.api.helpers import bearer
from tests.factories import make_org


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["type"] and body["title"] and body["detail"]
    return body


def test_me_tells_the_token_user_organisation_and_scopes(app, client):
    with app.app_context():
        org, user = make_org("startup", name="Acme")
        headers = bearer(user, org, "read", "write")
        email = user.email

    response = client.get("/api/v1/me", headers=headers)

    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["email"] == email
    assert body["organisation"]["name"] == "Acme" and body["organisation"]["kind"] == "startup"
    assert body["scopes"] == ["read", "write"] and body["role"] == "owner"


@pytest.mark.parametrize("header", [None, "Bearer trp_abcdefgh_unknown", "Token abc", "Bearer revoked"])
def test_a_missing_unknown_or_revoked_token_gets_a_401_problem(app, client, header):
    with app.app_context():
        org, user = make_org("startup")
        token, secret = create_token(user, org, name="old", scopes=["read"])
        revoke_token(token)
        db.session.commit()
    headers = {} if header is None else {"Authorization": header.replace("revoked", secret)}

    response = client.get("/api/v1/me", headers=headers)

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_read_only_token_is_refused_where_write_is_required(app):
    calls = []

    @require_token("write")
    def write_something():
        calls.append(g.api_viewer)
        return "done"

    with app.app_context():
        org, user = make_org("startup")
        read_only = bearer(user, org, "read")
        writer = bearer(user, org, "write")
        with app.test_request_context("/api/v1/anything", method="POST", headers=read_only):
            from werkzeug.exceptions import Forbidden

            with pytest.raises(Forbidden):
                write_something()
        with app.test_request_context("/api/v1/anything", method="POST", headers=writer):
            assert write_something() == "done"
        assert calls[0].organisation_id == org.id and calls[0].user_id == user.id


def test_a_read_only_token_is_answered_403_problem_through_the_app(app, client):
    with app.app_context():
        org, user = make_org("startup")
        headers = bearer(user, org, "write")

    assert_problem(client.get("/api/v1/me", headers=headers), 403)


def test_invalid_pagination_is_a_422_problem_with_field_errors(app, client):
    with app.app_context():
        org, user = make_org("startup")
        headers = bearer(user, org)

    response = client.get("/api/v1/needs?per_page=101&page=0", headers=headers)

    body = assert_problem(response, 422)
    assert set(body["errors"]) == {"per_page", "page"}


def test_unknown_api_paths_are_404_problems(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404)


def test_the_openapi_document_lists_the_paths_and_the_bearer_scheme(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.0.3" and spec["info"]["title"] == "Tremplin API"
    assert {"/api/v1/me", "/api/v1/needs", "/api/v1/needs/{reference}"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        **spec["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert spec["security"] == [{"bearerAuth": []}]


def test_the_api_needs_no_csrf_token(csrf_app):
    with csrf_app.app_context():
        org, user = make_org("startup")
        headers = bearer(user, org)
    client = csrf_app.test_client()

    # A POST on a GET-only resource: 405, not a CSRF refusal (400)
    assert_problem(client.post("/api/v1/me", headers=headers), 405)


def test_lang_and_accept_language_choose_the_problem_language(app, client):
    english = client.get("/api/v1/me?lang=en").get_json()
    french = client.get("/api/v1/me", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_json()
    accepted = client.get("/api/v1/me", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_json()
    default = client.get("/api/v1/me").get_json()

    assert english["title"] == accepted["title"] == "Authentication required"
    assert french["title"] == default["title"] != "Authentication required"


@pytest.mark.parametrize("path", ["/api/v1/me?lang=en", "/api/v1/needs?lang=fr", "/api/v1/nothing?lang=en",
                                  "/api/v1/openapi.json?lang=en"])
def test_api_responses_set_no_cookie(app, client, path):
    with app.app_context():
        org, user = make_org("startup")
        headers = bearer(user, org)

    for sent in (headers, {}):
        response = client.get(path, headers=sent)
        assert "Set-Cookie" not in response.headers, (path, response.status_code)


def test_a_signed_in_browser_gets_no_cookie_from_the_api_nor_its_language_changed(app, client):
    from tests.factories import login

    with app.app_context():
        org, user = make_org("startup")
        email = user.email
    login(client, email)
    client.get("/?lang=fr")

    response = client.get("/api/v1/me?lang=en")

    assert "Set-Cookie" not in response.headers
    page = client.get("/")
    assert 'lang="fr"' in page.get_data(as_text=True)


def test_text_with_a_nul_character_is_a_422_problem_not_a_database_error(app, client):
    with app.app_context():
        org, user = make_org("startup")
        headers = bearer(user, org, "read", "write")

    in_path = client.get("/api/v1/needs/TRP%00", headers=headers)
    in_query = client.get("/api/v1/search/needs?q=a%00b", headers=headers)
    in_body = client.post("/api/v1/saved-searches", headers=headers, json={"name": "a\x00b"})

    for response in (in_path, in_query, in_body):
        assert_problem(response, 422)
    assert set(assert_problem(in_body, 422)["errors"]) == {"name"}


def test_an_id_beyond_the_database_integers_is_a_404(app, client):
    with app.app_context():
        org, user = make_org("startup")
        headers = bearer(user, org, "read", "write")

    assert_problem(client.get(f"/api/v1/bids/{2**31}", headers=headers), 404)
    assert_problem(client.post(f"/api/v1/notifications/{2**70}/read", headers=headers), 404)
