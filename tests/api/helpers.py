"""Tokens for API tests."""

from __future__ import annotations

from app.api.tokens import create_token
from app.extensions import db


def bearer(user, organisation, *scopes: str) -> dict[str, str]:
    _token, secret = create_token(user, organisation, name="test", scopes=list(scopes or ("read",)))
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}
