"""Paging a list in SQL for the pages: one count, one LIMIT/OFFSET, the page number clamped.

Views pass a statement with a stable order (always ending on a unique column) and get a
``Page`` that templates/macros/pagination.html renders.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy import func, select

from app.extensions import db

PER_PAGE = 20


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def requested_page(name: str = "page") -> int:
    """The page number asked for in the query string; 1 when absent or not a number."""
    return request.args.get(name, 1, type=int) or 1


def paginate(stmt, *, page: int, per_page: int = PER_PAGE, count_stmt=None, scalars: bool = True) -> Page:
    """The ``page``-th slice of ``stmt``, counted in SQL; a page out of range shows the
    nearest one (the last, or the first). ``count_stmt`` overrides the derived count;
    ``scalars=False`` keeps whole rows (for statements selecting several columns)."""
    if count_stmt is None:
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = db.session.scalar(count_stmt) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    sliced = stmt.offset((page - 1) * per_page).limit(per_page)
    rows = db.session.scalars(sliced) if scalars else db.session.execute(sliced)
    return Page(list(rows), page, per_page, total)
