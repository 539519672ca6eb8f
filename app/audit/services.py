"""Recording audit entries, in the caller's transaction."""

from __future__ import annotations

from flask import has_request_context, request

from app.audit.models import AuditEntry
from app.extensions import db


def record_audit(action: str, *, actor=None, organisation=None, subject=None, details: dict | None = None) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        actor_id=getattr(actor, "id", None),
        organisation_id=getattr(organisation, "id", None),
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        details=details or {},
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
