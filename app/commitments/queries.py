"""Reading pledges and purchases for the pages: histories, an organisation's purchases, the queue."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.commitments.models import Commitment, CommitmentRevision, Purchase, PurchaseStatus
from app.extensions import db
from app.files.storage import KINDS
from app.main.paging import Page

PER_PAGE = 20
QUEUE_PER_PAGE = 50
_TYPES = {extension: mime for mime, extension in KINDS.values()}


@dataclass
class RevisionRow:
    """One change of a pledge, with what it replaced (None for the first pledge)."""

    revision: CommitmentRevision
    previous: CommitmentRevision | None
    by: User | None


def pledge_history(commitment: Commitment | None) -> list[RevisionRow]:
    """Every revision of the pledge, newest first, each beside the one before it."""
    if commitment is None:
        return []
    revisions = sorted(commitment.revisions, key=lambda r: (r.revised_at, r.id))
    ids = {r.revised_by_id for r in revisions if r.revised_by_id is not None}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    rows = [RevisionRow(r, revisions[i - 1] if i else None, users.get(r.revised_by_id))
            for i, r in enumerate(revisions)]
    return rows[::-1]


def _page(stmt, count_stmt, page: int, per_page: int) -> Page:
    total = db.session.scalar(count_stmt) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = list(db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page)))
    return Page(items, page, per_page, total)


def purchases_of(organisation_id: int, *, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """The organisation's purchases, awarded here or declared, most recent first."""
    where = Purchase.buyer_id == organisation_id
    stmt = (select(Purchase).where(where).options(selectinload(Purchase.supplier))
            .order_by(Purchase.purchased_on.desc(), Purchase.id.desc()))
    return _page(stmt, select(func.count()).select_from(Purchase).where(where), page, per_page)


def awaiting_verification(*, page: int = 1, per_page: int = QUEUE_PER_PAGE) -> Page:
    """Declared purchases the operator has not decided yet, the longest waiting first."""
    where = Purchase.status == PurchaseStatus.DECLARED
    stmt = (select(Purchase).where(where)
            .options(selectinload(Purchase.buyer), selectinload(Purchase.supplier))
            .order_by(Purchase.created_at, Purchase.id))
    return _page(stmt, select(func.count()).select_from(Purchase).where(where), page, per_page)


def evidence_type(purchase: Purchase) -> str:
    """The evidence's MIME type, from the extension its checked type gave to its name."""
    extension = (purchase.evidence_filename or "").rsplit(".", 1)[-1].lower()
    return _TYPES.get(extension, "application/octet-stream")


def supplier_vat(purchase: Purchase) -> str | None:
    """The VAT number of a supplier not on Tremplin, kept as its supplier key."""
    key = purchase.supplier_key or ""
    return key[4:] if purchase.supplier_id is None and key.startswith("vat:") else None
