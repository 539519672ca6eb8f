"""The shared paging helper: counted in SQL, sliced with LIMIT/OFFSET, out-of-range pages clamped."""

from __future__ import annotations

from sqlalchemy import event, select

from app.accounts.models import Organisation
from app.extensions import db
from app.main.paging import paginate
from tests.factories import make_org


def test_a_page_holds_its_slice_in_a_stable_order_and_knows_its_neighbours(app_ctx):
    for n in range(5):
        make_org("startup", name=f"Org {n}")
    stmt = select(Organisation).order_by(Organisation.name, Organisation.id)

    first = paginate(stmt, page=1, per_page=2)
    last = paginate(stmt, page=3, per_page=2)

    assert [o.name for o in first.items] == ["Org 0", "Org 1"]
    assert first.total == 5 and first.pages == 3 and first.has_next and not first.has_prev
    assert [o.name for o in last.items] == ["Org 4"] and last.has_prev and not last.has_next


def test_pages_out_of_range_show_the_nearest_page(app_ctx):
    for n in range(3):
        make_org("startup", name=f"Org {n}")
    stmt = select(Organisation).order_by(Organisation.name, Organisation.id)

    assert paginate(stmt, page=99, per_page=2).page == 2
    assert paginate(stmt, page=-4, per_page=2).page == 1
    empty = paginate(select(Organisation).where(Organisation.id < 0), page=7, per_page=2)
    assert empty.page == 1 and empty.pages == 1 and empty.items == [] and empty.total == 0


def test_the_count_and_the_slice_are_done_by_the_database(app_ctx):
    for n in range(4):
        make_org("startup", name=f"Org {n}")
    statements = []
    engine = db.engine
    listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = paginate(select(Organisation).order_by(Organisation.id), page=2, per_page=3)
    finally:
        event.remove(engine, "before_cursor_execute", listener)

    assert len(page.items) == 1 and page.total == 4
    assert any("count(" in s.lower() for s in statements)
    assert any("limit" in s.lower() and "offset" in s.lower() for s in statements)
