"""Files attached to a bid by its supplier, while the bid may still be changed.

Types are checked from the content and files stored by content hash (app.files.storage);
they are served only to those who may read the bid (app.needs.policy.can_view_bid).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.bids.models import Bid, BidStatus
from app.bids.services import BidError, audit, flush
from app.events import record_event
from app.extensions import db
from app.files.storage import UploadError, store_upload
from app.needs import policy
from app.needs.models import Attachment
from app.needs.policy import Viewer

MAX_ATTACHMENTS = 10


def bid_attachments(bid: Bid) -> list[Attachment]:
    stmt = select(Attachment).where(Attachment.bid_id == bid.id).order_by(Attachment.created_at, Attachment.id)
    return list(db.session.scalars(stmt))


def add_attachment(bid: Bid, upload, *, viewer: Viewer, now: datetime | None = None) -> Attachment:
    """Attach a file to one's bid while it may still be changed (type checked from content)."""
    if not policy.can_change_bid(viewer, bid, now):
        raise BidError("file", "bid_locked")
    # The bid's row is locked while its files are counted: two uploads at once cannot both
    # take the last place (PostgreSQL; SQLite has a single writer anyway).
    db.session.execute(select(Bid.id).where(Bid.id == bid.id).with_for_update())
    if len(bid_attachments(bid)) >= MAX_ATTACHMENTS:
        raise BidError("file", "too_many_files")
    try:
        stored = store_upload(upload)
    except UploadError as exc:
        raise BidError("file", f"file_{exc.code}") from exc
    attachment = Attachment(bid_id=bid.id, uploaded_by_id=viewer.user_id, filename=stored.filename,
                            content_type=stored.content_type, size_bytes=stored.size_bytes,
                            sha256=stored.sha256, storage_key=stored.storage_key)
    db.session.add(attachment)
    flush()
    _changed(bid, viewer, "bid.attachment_added", attachment=attachment.filename, attachment_id=attachment.id)
    return attachment


def remove_attachment(bid: Bid, attachment: Attachment, *, viewer: Viewer, now: datetime | None = None) -> None:
    if attachment.bid_id != bid.id:
        raise BidError("file", "not_found")
    if not policy.can_change_bid(viewer, bid, now):
        raise BidError("file", "bid_locked")
    details = {"attachment": attachment.filename, "attachment_id": attachment.id}
    db.session.delete(attachment)
    flush()
    _changed(bid, viewer, "bid.attachment_removed", **details)


def _changed(bid: Bid, viewer: Viewer, action: str, **details) -> None:
    """A change to a submitted bid is news for the buyer's side; a draft's is not."""
    audit(action, viewer, bid, organisation_id=bid.supplier_id, need=bid.need.reference, **details)
    if bid.status == BidStatus.SUBMITTED:
        record_event("bid.updated", bid_id=bid.id, need_id=bid.need_id, supplier_id=bid.supplier_id,
                     buyer_id=bid.need.buyer_id, attachment_id=details.get("attachment_id"))
