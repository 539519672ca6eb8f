"""What API writes share: the ``Idempotency-Key`` of creations and the commit that turns a
lost race into a 412.

A creation's key is kept, with the token's id and a fingerprint of the JSON body, in the
audit entry written in the same transaction as the created row (action e.g.
``api.need_created``): no table of its own, and it survives restarts. Concurrent requests
with one key are serialised by a PostgreSQL advisory lock on (token, key).
"""

from __future__ import annotations

import hashlib
import json

from flask import request
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy import select, text
from sqlalchemy.orm.exc import StaleDataError

from app.audit.models import AuditEntry
from app.events import commit
from app.extensions import db

MAX_KEY_LENGTH = 255


def body_fingerprint() -> str:
    """A hash of the request's JSON body, keys sorted."""
    body = request.get_json(silent=True)
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip().strip('"')
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        abort(400, message=_("An Idempotency-Key is 1 to %(length)s printable characters.", length=MAX_KEY_LENGTH))
    return key


def lock_key(token_id: int, key: str) -> None:
    """Serialise requests with one (token, key) until their transactions end."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    lock = int.from_bytes(hashlib.sha256(f"api-idempotency:{token_id}:{key}".encode()).digest()[:8], "big",
                          signed=True)
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock})


def earlier_creation(action: str, token_id: int, organisation_id: int, key: str) -> AuditEntry | None:
    """The audit entry of the creation this token made with this key, if any."""
    return db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == action,
            AuditEntry.organisation_id == organisation_id,
            AuditEntry.details["token_id"].as_integer() == token_id,
            AuditEntry.details["idempotency_key"].as_string() == key,
        ).order_by(AuditEntry.id).limit(1)
    )


def commit_or_412() -> None:
    """Commit; a row changed meanwhile by another request (version check) is a 412."""
    try:
        commit()
    except StaleDataError:
        db.session.rollback()
        abort(412)
