"""The API tokens page: create (secret shown once), list, revoke."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.api.models import ApiToken
from app.api.tokens import hash_secret
from app.extensions import db
from tests.factories import login, make_org

SECRET = re.compile(r"trp_[a-z0-9]{8}_[A-Za-z0-9_-]+")


def test_the_page_needs_a_signed_in_user(client):
    response = client.get("/account/api-tokens")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_creating_a_token_shows_its_secret_once_and_the_list_only_its_prefix(app, client):
    with app.app_context():
        make_org("startup", email="lea@quantix.fr")
    login(client, "lea@quantix.fr")

    created = client.post("/account/api-tokens", data={"name": "CRM", "scopes": ["read", "write"]})

    assert created.status_code == 200
    secret = SECRET.search(created.get_data(as_text=True)).group(0)
    listed = client.get("/account/api-tokens").get_data(as_text=True)
    assert secret not in listed and f"trp_{secret[4:12]}_" in listed and "CRM" in listed
    with app.app_context():
        token = db.session.scalars(select(ApiToken)).one()
        assert token.token_hash == hash_secret(secret) and token.scopes == ["read", "write"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_a_token_without_a_name_or_permission_is_not_created(app, client):
    with app.app_context():
        make_org("startup", email="lea@quantix.fr")
    login(client, "lea@quantix.fr")

    assert client.post("/account/api-tokens", data={"name": "", "scopes": ["read"]}).status_code == 400
    assert client.post("/account/api-tokens", data={"name": "x"}).status_code == 400
    assert client.post("/account/api-tokens", data={"name": "x", "scopes": ["admin"]}).status_code == 400
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).all() == []


def test_revoking_a_token_closes_the_api_to_it_and_others_cannot_revoke_it(app, client):
    with app.app_context():
        make_org("startup", email="lea@quantix.fr")
        make_org("startup", email="bob@other.fr")
    login(client, "lea@quantix.fr")
    page = client.post("/account/api-tokens", data={"name": "CRM", "scopes": ["read"]})
    secret = SECRET.search(page.get_data(as_text=True)).group(0)
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).one()
    client.post("/logout")
    login(client, "bob@other.fr")
    assert client.post(f"/account/api-tokens/{token_id}/revoke").status_code == 404
    client.post("/logout")
    login(client, "lea@quantix.fr")

    response = client.post(f"/account/api-tokens/{token_id}/revoke", follow_redirects=True)

    assert response.status_code == 200 and "révoqué" in response.get_data(as_text=True)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_with_csrf_protection_on_the_forms_carry_their_token(csrf_app):
    with csrf_app.app_context():
        make_org("startup", email="lea@quantix.fr")
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": "lea@quantix.fr", "password": "Correct-Horse-42",
                                "csrf_token": _csrf(login_page)})

    assert client.post("/account/api-tokens", data={"name": "CRM", "scopes": ["read"]}).status_code == 400
    page = client.get("/account/api-tokens").get_data(as_text=True)
    created = client.post("/account/api-tokens", data={"name": "CRM", "scopes": ["read"],
                                                       "csrf_token": _csrf(page)})
    assert created.status_code == 200 and SECRET.search(created.get_data(as_text=True))
    with csrf_app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).one()
    listed = client.get("/account/api-tokens").get_data(as_text=True)
    assert client.post(f"/account/api-tokens/{token_id}/revoke").status_code == 400
    revoked = client.post(f"/account/api-tokens/{token_id}/revoke", data={"csrf_token": _csrf(listed)})
    assert revoked.status_code == 302
    with csrf_app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None
