"""/api/v1/notifications and /api/v1/saved-searches: the token user's own, and only theirs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.alerts.models import Notification, SavedSearch
from app.db import utcnow
from app.extensions import db
from tests.api.helpers import bearer
from tests.factories import make_member, make_need, make_org


def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


def _notify(user, number: int, *, need=None, read=False):
    params = {"score": 70 + number, "need_title": f"Besoin {number}"}
    if need is not None:
        params["need_reference"] = need.reference
    notification = Notification(user_id=user.id, kind="need_matched_profile", dedup_key=f"t:{user.id}:{number}",
                                params=params, need_id=need.id if need is not None else None,
                                created_at=utcnow() - timedelta(minutes=100 - number),
                                read_at=utcnow() if read else None)
    db.session.add(notification)
    return notification


@pytest.fixture()
def people(app):
    with app.app_context():
        buyer, buyer_user = make_org("administration", verified=True)
        supplier, user = make_org("startup", verified=True)
        colleague = make_member(supplier)
        need = make_need(buyer)
        mine = [_notify(user, n, need=need if n == 4 else None, read=n == 0) for n in range(5)]
        theirs = _notify(colleague, 50)
        db.session.commit()
        ids = {"mine": [n.id for n in mine], "theirs": theirs.id, "need": need.reference}
        tokens = {
            "read": bearer(user, supplier, "read"),
            "write": bearer(user, supplier, "read", "write"),
            "colleague": bearer(colleague, supplier, "read", "write"),
            "buyer": bearer(buyer_user, buyer, "read", "write"),
        }
        return ids, tokens


def test_notifications_are_the_users_newest_first_with_sentence_link_and_read_flag(client, people):
    ids, tokens = people

    response = client.get("/api/v1/notifications?lang=en", headers=tokens["read"])

    assert response.status_code == 200
    items = response.get_json()
    assert [n["id"] for n in items] == list(reversed(ids["mine"]))  # not the colleague's
    assert items[0]["sentence"] == "New need matching your profile (score 74/100): Besoin 4"
    assert items[0]["link"].endswith(f"/needs/{ids['need']}") and items[0]["link"].startswith("http")
    assert items[1]["link"] is None
    assert [n["read"] for n in items] == [False, False, False, False, True]
    assert response.headers["X-Total-Count"] == "5" and response.headers["X-Unread-Count"] == "4"
    french = client.get("/api/v1/notifications", headers={**tokens["read"], "Accept-Language": "fr"}).get_json()
    assert french[0]["sentence"].startswith("Nouveau besoin correspondant à votre profil")


def test_notifications_come_in_pages_with_links(client, people):
    ids, tokens = people

    first = client.get("/api/v1/notifications?per_page=2", headers=tokens["read"])
    unread = client.get("/api/v1/notifications?unread=true&per_page=100", headers=tokens["read"])

    assert len(first.get_json()) == 2 and first.headers["X-Total-Count"] == "5"
    links = _links(first.headers["Link"])
    assert set(links) == {"first", "next", "last"} and "page=3" in links["last"]
    assert len(unread.get_json()) == 4 and unread.headers["X-Total-Count"] == "4"
    assert client.get("/api/v1/notifications?per_page=101", headers=tokens["read"]).status_code == 422


def test_marking_read_needs_the_write_scope_and_ones_own_notification(client, people):
    ids, tokens = people
    one = ids["mine"][3]

    refused = client.post(f"/api/v1/notifications/{one}/read", headers=tokens["read"])
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    other = client.post(f"/api/v1/notifications/{ids['theirs']}/read", headers=tokens["write"])
    assert other.status_code == 404 and other.mimetype == "application/problem+json"
    assert client.post(f"/api/v1/notifications/{one}/read").status_code == 401

    done = client.post(f"/api/v1/notifications/{one}/read", headers=tokens["write"])
    assert done.status_code == 200 and done.get_json()["read"] is True and done.get_json()["read_at"]
    assert client.get("/api/v1/notifications", headers=tokens["read"]).headers["X-Unread-Count"] == "3"


def test_marking_all_read_leaves_other_users_alone(client, app, people):
    ids, tokens = people

    assert client.post("/api/v1/notifications/read", headers=tokens["read"]).status_code == 403
    some = client.post("/api/v1/notifications/read", json={"ids": [ids["mine"][1], ids["theirs"]]},
                       headers=tokens["write"])
    assert some.get_json() == {"marked": 1, "unread": 3}
    everything = client.post("/api/v1/notifications/read", headers=tokens["write"])
    assert everything.status_code == 200 and everything.get_json() == {"marked": 3, "unread": 0}
    with app.app_context():
        assert db.session.get(Notification, ids["theirs"]).read_at is None


# --- saved searches ---------------------------------------------------------------------------


def test_a_supplier_saves_lists_changes_and_deletes_a_search(client, app, people):
    _, tokens = people

    created = client.post("/api/v1/saved-searches", headers=tokens["write"],
                          json={"name": "  IA en Bretagne ", "q": "intelligence", "axis": ["ai"],
                                "region": ["53"], "frequency": "weekly"})
    assert created.status_code == 201, created.get_json()
    saved = created.get_json()
    assert saved["name"] == "IA en Bretagne" and saved["q"] == "intelligence"
    assert saved["filters"] == {"axis": ["ai"], "region": ["53"]}
    assert saved["frequency"] == "weekly" and saved["paused"] is False
    assert "/api/v1/search/needs?" in saved["results"] and "axis=ai" in saved["results"]

    listed = client.get("/api/v1/saved-searches", headers=tokens["read"]).get_json()
    assert [s["id"] for s in listed] == [saved["id"]]

    url = f"/api/v1/saved-searches/{saved['id']}"
    paused = client.patch(url, json={"paused": True, "frequency": "instant"}, headers=tokens["write"])
    assert paused.status_code == 200
    assert paused.get_json()["paused"] is True and paused.get_json()["frequency"] == "instant"
    resumed = client.patch(url, json={"paused": False}, headers=tokens["write"]).get_json()
    assert resumed["paused"] is False and resumed["paused_at"] is None

    assert client.delete(url, headers=tokens["read"]).status_code == 403
    assert client.delete(url, headers=tokens["write"]).status_code == 204
    assert client.get(url, headers=tokens["read"]).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(SavedSearch)) is None


@pytest.mark.parametrize("body, field", [
    ({"q": "ia"}, "name"),
    ({"name": "x", "frequency": "hourly"}, "frequency"),
    ({"name": "x", "axis": ["nope"]}, "axis.0"),
    ({"name": "x" * 121}, "name"),
    ({"name": "x", "colour": "blue"}, "colour"),
])
def test_invalid_saved_searches_are_a_422_problem_with_field_errors(client, people, body, field):
    _, tokens = people

    response = client.post("/api/v1/saved-searches", json=body, headers=tokens["write"])

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_a_name_used_twice_is_a_422_on_the_name(client, people):
    _, tokens = people
    client.post("/api/v1/saved-searches", json={"name": "Cyber"}, headers=tokens["write"])

    again = client.post("/api/v1/saved-searches", json={"name": "cyber"}, headers=tokens["write"])

    assert again.status_code == 422 and list(again.get_json()["errors"]) == ["name"]


def test_saved_searches_are_the_users_own_and_only_suppliers(client, people):
    _, tokens = people
    saved = client.post("/api/v1/saved-searches", json={"name": "Cyber"}, headers=tokens["write"]).get_json()
    url = f"/api/v1/saved-searches/{saved['id']}"

    assert client.get(url, headers=tokens["colleague"]).status_code == 404
    assert client.patch(url, json={"paused": True}, headers=tokens["colleague"]).status_code == 404
    assert client.delete(url, headers=tokens["colleague"]).status_code == 404
    assert client.get("/api/v1/saved-searches", headers=tokens["colleague"]).get_json() == []
    assert client.post("/api/v1/saved-searches", json={"name": "Cyber"}, headers=tokens["read"]).status_code == 403
    assert client.patch(url, json={"paused": True}, headers=tokens["read"]).status_code == 403
    assert client.get("/api/v1/saved-searches", headers=tokens["buyer"]).status_code == 403
    assert client.post("/api/v1/saved-searches", json={"name": "Cyber"}, headers=tokens["buyer"]).status_code == 403
    assert client.get("/api/v1/saved-searches").status_code == 401
    assert client.patch(url, json={}, headers=tokens["write"]).status_code == 422
