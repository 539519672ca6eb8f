"""The API tokens page pages its list, says what to do when empty, and revokes only after confirmation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.api import tokens
from app.api.models import ApiToken
from app.db import utcnow
from app.extensions import db
from tests.factories import login, make_org


def _tokens(user, organisation, count: int) -> None:
    start = utcnow() - timedelta(days=1)
    for n in range(count):
        token, _secret = tokens.create_token(user, organisation, name=f"Tool {n:02d}", scopes=["read"])
        token.created_at = start + timedelta(minutes=n)
    db.session.commit()


def test_more_tokens_than_a_page_go_on_to_a_second_page(app, client):
    with app.app_context():
        organisation, user = make_org("startup", email="lea@quantix.fr")
        _tokens(user, organisation, 22)
    client.get("/lang/en")
    login(client, "lea@quantix.fr")

    first = client.get("/account/api-tokens").get_data(as_text=True)
    second = client.get("/account/api-tokens?page=2").get_data(as_text=True)

    # newest first: 21..02 on the first page, 01 and 00 on the second
    assert "Tool 21" in first and "Tool 02" in first and "Tool 01" not in first
    assert "Tool 01" in second and "Tool 00" in second and "Tool 21" not in second
    assert "Page 1 of 2" in first and 'rel="next"' in first and "Page 2 of 2" in second
    assert "Tool 00" in client.get("/account/api-tokens?page=9").get_data(as_text=True)


def test_no_token_says_how_to_create_one(app, client):
    with app.app_context():
        make_org("startup", email="lea@quantix.fr")
    client.get("/lang/en")
    login(client, "lea@quantix.fr")

    page = client.get("/account/api-tokens").get_data(as_text=True)

    assert 'data-marker="no-tokens"' in page and 'href="#create-token"' in page and 'id="create-token"' in page


def test_revoking_asks_first_and_changes_nothing_until_confirmed(app, client):
    with app.app_context():
        organisation, user = make_org("startup", email="lea@quantix.fr")
        _tokens(user, organisation, 1)
        token_id = db.session.scalar(select(ApiToken.id))
    client.get("/lang/en")
    login(client, "lea@quantix.fr")

    listed = client.get("/account/api-tokens").get_data(as_text=True)
    confirmation = client.get(f"/account/api-tokens/{token_id}/revoke")

    assert f'/account/api-tokens/{token_id}/revoke"' in listed and "data-confirm" not in listed
    text = confirmation.get_data(as_text=True)
    assert confirmation.status_code == 200 and "Revoke the token “Tool 00”?" in text
    assert f'action="/account/api-tokens/{token_id}/revoke"' in text and 'method="post"' in text
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None

    assert client.post(f"/account/api-tokens/{token_id}/revoke").status_code == 302
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None
    # a revoked token has nothing left to confirm
    assert client.get(f"/account/api-tokens/{token_id}/revoke").status_code == 302


def test_another_users_token_has_no_confirmation_page(app, client):
    with app.app_context():
        organisation, user = make_org("startup", email="lea@quantix.fr")
        _tokens(user, organisation, 1)
        token_id = db.session.scalar(select(ApiToken.id))
        make_org("startup", email="bob@other.fr")
    login(client, "bob@other.fr")

    assert client.get(f"/account/api-tokens/{token_id}/revoke").status_code == 404
