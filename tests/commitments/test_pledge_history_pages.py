"""The history of a pledge is paged in SQL, newest first; each row keeps the revision it replaced,
also across a page boundary."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.commitments import services
from app.events import commit
from tests.commitments.helpers import NOW
from tests.factories import login, make_org

EURO = 100
pytestmark = pytest.mark.usefixtures("upload_root")


def _revisions(org, owner, count: int):
    commitment = None
    for n in range(count):
        commitment = services.record_pledge(org, amount_euros=f"{n + 1} 000 000", period_start="2025-01-01",
                                            period_end="2027-12-31", by=owner, note=f"Revision {n:02d}",
                                            now=NOW - timedelta(days=count - n))
        commit()
    return commitment


def test_each_row_beside_the_revision_it_replaced_across_pages(app_ctx):
    # imported once the app has loaded its blueprints
    from app.commitments.views_pledges import history_page

    org, owner = make_org("corporate", verified=True)
    commitment = _revisions(org, owner, 22)

    first = history_page(commitment, page=1)
    second = history_page(commitment, page=2)

    assert first.total == 22 and first.pages == 2
    assert [row.revision.note for row in first.items][:2] == ["Revision 21", "Revision 20"]
    # the last row of page 1 (revision 02) replaced revision 01, the first row of page 2
    assert first.items[-1].revision.note == "Revision 02" and first.items[-1].previous.note == "Revision 01"
    assert [row.revision.note for row in second.items] == ["Revision 01", "Revision 00"]
    assert second.items[-1].previous is None and second.items[0].by.id == owner.id


def test_the_pledge_page_shows_page_two_and_keeps_the_last_revision_on_top(app, client):
    with app.app_context():
        org, owner = make_org("corporate", verified=True, email="owner@banque.fr")
        _revisions(org, owner, 22)
    client.get("/lang/en")
    login(client, "owner@banque.fr")

    first = client.get("/commitment/pledge").get_data(as_text=True)
    second = client.get("/commitment/pledge?page=2").get_data(as_text=True)

    assert "Revision 21" in first and "Revision 01" not in first
    assert "Revision 01" in second and "Revision 00" in second and "Revision 21" not in second
    assert "Page 2 of 2" in second and "Last revised" in second
