"""The notification centre: what a signed-in user reads, opens and marks read."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.alerts.models import Notification
from app.alerts.services import notify
from app.bids.services import submit_bid
from app.events import commit
from app.extensions import db
from tests.bids.helpers import complete, viewer
from tests.factories import login, make_need, make_org

MOMENT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # 13:00 in Paris (winter time)


def html(response) -> str:
    return response.get_data(as_text=True)


def ids_listed(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-notification-id="(\d+)"', page)]


@pytest.fixture()
def people(client, app):
    with app.app_context():
        buyer, owner = make_org("administration", verified=True, email="ines@min.gouv.fr")
        supplier, lea = make_org("startup", verified=True, email="lea@quantix.fr")
        other_org, other = make_org("startup", verified=True, email="tom@autre.fr")
        need = make_need(buyer, title="Assistant souverain")
        ids = {"buyer": buyer.id, "owner": owner.id, "lea": lea.id, "other": other.id,
               "need": need.id, "reference": need.reference}
    client.get("/lang/en")
    return ids


def add(app, user_id: int, people: dict, count: int = 1, *, start: datetime = MOMENT, kind: str = "need_amended"):
    """``count`` notifications for a user, one minute apart; their ids, oldest first."""
    created = []
    with app.app_context():
        for n in range(count):
            created += notify([user_id], kind, need_id=people["need"], reason=f"test{start:%s}-{n}",
                              params={"need_title": f"Need {n}", "need_reference": people["reference"]},
                              now=start + timedelta(minutes=n))
        commit()
    return created


def unread(app, user_id: int) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(Notification.id).where(Notification.user_id == user_id,
                                                                    Notification.read_at.is_(None))))


def test_the_centre_asks_visitors_to_sign_in(client, people):
    for response in (client.get("/alerts/"), client.post("/alerts/1/open"), client.post("/alerts/read")):
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert 'data-marker="header-notifications"' not in html(client.get("/"))


def test_notifications_are_listed_newest_first_with_their_sentence_time_and_link(client, app, people):
    older, newer = add(app, people["lea"], people, 2)
    add(app, people["other"], people)  # someone else's: never shown here
    login(client, "lea@quantix.fr")
    page = html(client.get("/alerts/"))
    assert ids_listed(page) == [newer, older]
    assert "Need 1 was amended" in page and "Need 0 was amended" in page
    assert '<time datetime="2026-01-15T12:00:00+00:00">1/15/26, 1:00' in page  # Paris time
    assert "2 unread notifications" in page and page.count("data-unread") == 2
    assert f'action="/alerts/{newer}/open"' in page


def test_the_header_counts_unread_notifications_on_every_page(client, app, people):
    login(client, "ines@min.gouv.fr")
    header = html(client.get("/"))
    assert '<span class="visually-hidden">Notifications (none unread)</span>' in header
    with app.app_context():
        from app.accounts.models import User
        from app.needs.models import Need

        lea = db.session.get(User, people["lea"])
        submit_bid(db.session.get(Need, people["need"]), complete(), viewer=viewer(lea))
        commit()
    for path in ("/", "/alerts/", f"/needs/{people['reference']}"):
        page = html(client.get(path))
        assert '<span class="visually-hidden">Notifications (1 unread)</span>' in page, path
        assert '<span class="badge badge-danger">1</span>' in page
    assert "A bid was received on Assistant souverain" in html(client.get("/alerts/"))


def test_opening_a_notification_marks_it_read_and_leads_to_its_object(client, app, people):
    first, second = add(app, people["lea"], people, 2)
    login(client, "lea@quantix.fr")
    response = client.post(f"/alerts/{first}/open")
    assert response.status_code == 302 and response.headers["Location"] == f"/needs/{people['reference']}"
    assert unread(app, people["lea"]) == {second}
    page = html(client.get("/alerts/"))
    assert "1 unread notification" in page
    assert f'href="/needs/{people["reference"]}"' in page  # a read one is a plain link now


def test_marking_all_read_empties_the_counter(client, app, people):
    add(app, people["lea"], people, 3)
    login(client, "lea@quantix.fr")
    response = client.post("/alerts/read", follow_redirects=True)
    page = html(response)
    assert unread(app, people["lea"]) == set()
    assert "All your notifications are marked as read." in page and "Everything is read." in page
    assert '<span class="visually-hidden">Notifications (none unread)</span>' in page and "data-unread" not in page


def test_the_list_is_paginated_by_twenty(client, app, people):
    created = add(app, people["lea"], people, 25)
    login(client, "lea@quantix.fr")
    first = html(client.get("/alerts/"))
    assert ids_listed(first) == created[::-1][:20]
    assert "Page 1 of 2" in first and 'href="/alerts/?page=2"' in first
    second = html(client.get("/alerts/?page=2"))
    assert ids_listed(second) == created[::-1][20:]
    assert 'href="/alerts/?page=1"' in second
    assert ids_listed(html(client.get("/alerts/?page=9"))) == created[::-1][20:]  # past the end: the last page


def test_another_users_notification_is_not_found_and_stays_unread(client, app, people):
    (theirs,) = add(app, people["other"], people)
    login(client, "lea@quantix.fr")
    assert client.post(f"/alerts/{theirs}/open").status_code == 404
    assert client.post("/alerts/999999/open").status_code == 404
    client.post("/alerts/read")
    assert unread(app, people["other"]) == {theirs}


def test_an_empty_centre_says_what_to_do_next(client, app, people):
    login(client, "lea@quantix.fr")
    page = html(client.get("/alerts/"))
    assert 'data-marker="empty-inbox"' in page
    assert "Save a search to hear of new needs that match it" in page
    assert "Mark all as read" not in page
    client.post("/logout")
    login(client, "ines@min.gouv.fr")
    assert "When suppliers bid on your needs" in html(client.get("/alerts/"))


def test_a_failing_count_never_breaks_the_page(client, app, people, monkeypatch):
    add(app, people["lea"], people, 2)
    login(client, "lea@quantix.fr")

    def broken(user_id):
        raise OperationalError("SELECT count(*)", {}, Exception("database unavailable"))

    monkeypatch.setattr("app.alerts.views_inbox.unread_count", broken)
    response = client.get("/")
    assert response.status_code == 200
    assert '<span class="visually-hidden">Notifications (none unread)</span>' in html(response)
