"""Documents on needs: checked from their content, stored by hash outside the web root.

Only the buyer's agents add them (the pages ask the policy), while the need can still be
changed; on a published need a new document is an amendment, so bidders are told.
A refused file (wrong type, too large, empty) raises NeedError and stores nothing.
A need holds at most MAX_ATTACHMENTS documents: the need's row is locked while they are
counted, so two uploads at once cannot both take the last place (PostgreSQL; SQLite has
a single writer anyway).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.audit.services import record_audit
from app.db import utcnow
from app.events import record_event
from app.extensions import db
from app.files.storage import UploadError, store_upload
from app.needs.models import Amendment, Attachment, Need, NeedStatus
from app.needs.policy import effective_status
from app.needs.validation import NeedError

MAX_NOTE = 500
MAX_ATTACHMENTS = 20


def need_attachments(need: Need) -> list[Attachment]:
    stmt = select(Attachment).where(Attachment.need_id == need.id).order_by(Attachment.created_at, Attachment.id)
    return list(db.session.scalars(stmt))


def add_attachment(need: Need, upload: FileStorage | None, *, by: User, note: str | None = None,
                   now: datetime | None = None) -> Attachment:
    now = now or utcnow()
    status = effective_status(need, now)
    if status not in (NeedStatus.DRAFT, NeedStatus.PUBLISHED):
        raise NeedError("file", "not_editable")
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise NeedError("note", "too_long", max=MAX_NOTE)
    db.session.execute(select(Need.id).where(Need.id == need.id).with_for_update())
    count = db.session.scalar(select(func.count(Attachment.id)).where(Attachment.need_id == need.id))
    if count >= MAX_ATTACHMENTS:
        raise NeedError("file", "too_many_files", max=MAX_ATTACHMENTS)
    try:
        stored = store_upload(upload)
    except UploadError as exc:
        raise NeedError("file", f"file_{exc.code}") from exc
    attachment = Attachment(
        need_id=need.id, uploaded_by_id=by.id, filename=stored.filename, content_type=stored.content_type,
        size_bytes=stored.size_bytes, sha256=stored.sha256, storage_key=stored.storage_key,
    )
    db.session.add(attachment)
    db.session.flush()
    record_audit("need.attachment_added", actor=by, organisation=need.buyer, subject=need,
                 details={"attachment_id": attachment.id, "filename": stored.filename, "sha256": stored.sha256})
    if status == NeedStatus.PUBLISHED:
        amendment = Amendment(need=need, author_id=by.id, summary=note or stored.filename, created_at=now,
                              changes={"attachments": {"old": None, "new": stored.filename}})
        db.session.add(amendment)
        db.session.flush()
        record_event("need.amended", need_id=need.id, amendment_id=amendment.id, fields=["attachments"])
    return attachment


def remove_attachment(attachment: Attachment, need: Need, *, by: User) -> None:
    """Drafts only: once published, documents stay (bidders may have read them)."""
    if need.status != NeedStatus.DRAFT:
        raise NeedError("file", "attachment_kept")
    record_audit("need.attachment_removed", actor=by, organisation=need.buyer, subject=need,
                 details={"attachment_id": attachment.id, "filename": attachment.filename})
    db.session.delete(attachment)
    db.session.flush()
