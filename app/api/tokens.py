"""Creating, revoking and checking API tokens.

A token's secret reads ``trp_<prefix>_<random>``; only its SHA-256 hash is stored, so a
lookup by hash is the comparison (no secret is ever compared character by character).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from app.accounts.models import Organisation, User
from app.api.models import SCOPES, ApiToken
from app.db import utcnow
from app.extensions import db

SECRET_PREFIX = "trp_"
TOUCH_INTERVAL = timedelta(minutes=1)
_PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


class TokenError(ValueError):
    """A token could not be created; ``code`` names why."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(user: User, organisation: Organisation, *, name: str, scopes,
                 expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token of the user for the organisation, and its secret (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise TokenError("name_required")
    scopes = sorted(set(scopes or ()), key=SCOPES.index) if set(scopes or ()) <= set(SCOPES) else None
    if not scopes:
        raise TokenError("scopes_invalid")
    if not any(m.organisation_id == organisation.id for m in user.memberships):
        raise TokenError("not_a_member")
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(8))
    secret = f"{SECRET_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(user_id=user.id, organisation_id=organisation.id, name=name[:100],
                     token_hash=hash_secret(secret), prefix=prefix, scopes=scopes, expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_token(token: ApiToken, *, now: datetime | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        db.session.flush()


def parse_authorization(header: str | None) -> str | None:
    """The secret of an ``Authorization: Bearer <secret>`` header (None if absent or malformed)."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(SECRET_PREFIX) or len(value) > 200:
        return None
    return value


def authenticate(header: str | None, *, now: datetime | None = None) -> ApiToken | None:
    """The live token of an Authorization header, or None (unknown, revoked, expired, inactive user)."""
    secret = parse_authorization(header)
    if secret is None:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    now = now or utcnow()
    if token is None or token.is_revoked or token.is_expired(now) or not token.user.active:
        return None
    if not any(m.organisation_id == token.organisation_id for m in token.user.memberships):
        return None  # the user left the organisation: the token goes with the membership
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        token.last_used_at = now
        db.session.flush()
    return token


def tokens_of(user: User, organisation: Organisation) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.organisation_id == organisation.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ))
