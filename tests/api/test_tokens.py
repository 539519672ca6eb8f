"""API tokens: the secret is shown once and only its hash is kept; dead tokens are refused."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.api.models import ApiToken
from app.api.tokens import TokenError, authenticate, create_token, revoke_token
from app.db import utcnow
from app.extensions import db
from tests.factories import make_org


def test_a_new_token_secret_is_returned_once_and_only_its_hash_is_stored(app_ctx):
    org, user = make_org("startup")

    token, secret = create_token(user, org, name="CI", scopes=["read"])
    db.session.commit()

    assert secret.startswith(f"trp_{token.prefix}_") and len(token.prefix) == 8
    stored = db.session.scalars(select(ApiToken)).one()
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {str(v) for v in vars(stored).values()}
    assert authenticate(f"Bearer {secret}").id == token.id


def test_revoked_expired_unknown_and_malformed_tokens_are_refused(app_ctx):
    org, user = make_org("startup")
    revoked, revoked_secret = create_token(user, org, name="old", scopes=["read"])
    _expired, expired_secret = create_token(user, org, name="exp", scopes=["read"],
                                            expires_at=utcnow() - timedelta(seconds=1))
    revoke_token(revoked)
    db.session.commit()

    for header in (f"Bearer {revoked_secret}", f"Bearer {expired_secret}", "Bearer trp_abcdefgh_nope",
                   revoked_secret, "Basic dXNlcjpwYXNz", "", None):
        assert authenticate(header) is None


def test_last_use_is_recorded_at_most_once_a_minute(app_ctx):
    org, user = make_org("startup")
    token, secret = create_token(user, org, name="CI", scopes=["read"])
    now = utcnow()

    authenticate(f"Bearer {secret}", now=now)
    authenticate(f"Bearer {secret}", now=now + timedelta(seconds=30))
    assert token.last_used_at == now
    authenticate(f"Bearer {secret}", now=now + timedelta(seconds=61))
    assert token.last_used_at == now + timedelta(seconds=61)


@pytest.mark.parametrize(("name", "scopes", "code"), [
    ("", ["read"], "name_required"), ("x", [], "scopes_invalid"), ("x", ["admin"], "scopes_invalid"),
])
def test_a_token_needs_a_name_and_known_scopes(app_ctx, name, scopes, code):
    org, user = make_org("startup")

    with pytest.raises(TokenError) as exc:
        create_token(user, org, name=name, scopes=scopes)
    assert exc.value.code == code


def test_a_token_is_only_for_an_organisation_of_the_user(app_ctx):
    org, user = make_org("startup")
    other, _ = make_org("startup")

    with pytest.raises(TokenError):
        create_token(user, other, name="x", scopes=["read"])
