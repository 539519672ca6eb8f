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
from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy import select, text
from sqlalchemy.orm.exc import StaleDataError

from app.api.auth import api_token
from app.audit.models import AuditEntry
from app.audit.services import record_audit
from app.events import commit
from app.extensions import db

MAX_KEY_LENGTH = 255
REPLAYED = {"Idempotent-Replayed": "true"}  # the header of an answer replayed for a retry


def key_parameter(what: str = "creates nothing more (200, the same answer)") -> dict:
    """The Idempotency-Key header of a creation, for the OpenAPI document."""
    return {"in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
            "description": f"Retrying with the same key and body {what}; the same key with another body is a 409."}


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


@dataclass
class Creation:
    """A creation under the request's Idempotency-Key, if it has one.

    ``Creation.begin(action)`` reads the key, serialises requests carrying it, and finds the
    earlier creation this token made with it (``earlier``): a retry with another body is a
    409 there and then. After creating, ``remember(subject=...)`` writes the audit entry
    that keeps the key, in the same transaction.
    """

    action: str
    key: str | None
    fingerprint: str
    earlier: AuditEntry | None = None

    @classmethod
    def begin(cls, action: str, *, fingerprint: str | None = None, organisation_id: int | None = None,
              conflict_message: str | None = None) -> Creation:
        token = api_token()
        key = idempotency_key()
        fingerprint = body_fingerprint() if fingerprint is None else fingerprint
        earlier = None
        if key is not None:
            lock_key(token.id, key)
            earlier = earlier_creation(action, token.id, organisation_id or token.organisation_id, key)
            if earlier is not None and earlier.details.get("fingerprint") != fingerprint:
                abort(409, message=conflict_message
                      or _("This Idempotency-Key was already used with a different request body."))
        return cls(action, key, fingerprint, earlier)

    def earlier_subject(self, model):
        """The row the earlier creation made; gone since (deleted, withdrawn), the key stays spent: 409."""
        row = db.session.get(model, self.earlier.subject_id)
        if row is None:
            abort(409, message=_("This Idempotency-Key was already used."))
        return row

    def remember(self, *, subject=None, organisation=None, **details) -> None:
        """Keep the key with what was created (nothing to keep without a key)."""
        if self.key is None:
            return
        token = api_token()
        record_audit(self.action, actor=token.user, organisation=organisation or token.organisation, subject=subject,
                     details={"token_id": token.id, "idempotency_key": self.key, "fingerprint": self.fingerprint,
                              **details})
