"""The inbox shows only notifications about needs their reader may still see.

A notification is decided when its reader may see the need; later the reader may lose
that right (their startup is no longer verified, they leave the organisation). From then
on the inbox, its unread count and the API no longer show the need's title, as the need
page itself answers 404.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.models import Membership, Organisation
from app.accounts.services import remove_member
from app.alerts.services import notify
from app.events import commit
from app.extensions import db
from tests.api.helpers import bearer
from tests.factories import login, make_member, make_need, make_org


def alert_about(user_ids, need) -> None:
    notify(user_ids, "need_matched_search", need_id=need.id, reason="search",
           params={"need_title": need.title, "need_reference": need.reference, "searches": ["Cyber"]})


def market(app):
    with app.app_context():
        buyer, _ = make_org("administration", verified=True)
        supplier, lea = make_org("startup", verified=True, email="lea@quantix.fr")
        leaving = make_member(supplier, email="paul@quantix.fr")
        restricted = make_need(buyer, visibility="restricted", title="Supervision réservée aux vérifiés")
        public = make_need(buyer, title="Messagerie ouverte à tous")
        alert_about([lea.id, leaving.id], restricted)
        alert_about([lea.id, leaving.id], public)
        commit()
        return {"supplier": supplier.id, "lea": lea.id, "leaving": leaving.id, "headers": bearer(lea, supplier)}


def listed_titles(client) -> list[str]:
    page = client.get("/alerts/").get_data(as_text=True)
    return re.findall(r"(Supervision réservée aux vérifiés|Messagerie ouverte à tous)", page)


def test_a_supplier_no_longer_verified_no_longer_sees_alerts_of_restricted_needs(client, app):
    ids = market(app)
    login(client, "lea@quantix.fr")
    assert sorted(set(listed_titles(client))) == ["Messagerie ouverte à tous", "Supervision réservée aux vérifiés"]
    api = client.get("/api/v1/notifications", headers=ids["headers"])
    assert api.status_code == 200 and api.headers["X-Unread-Count"] == "2" and len(api.get_json()) == 2

    with app.app_context():
        db.session.get(Organisation, ids["supplier"]).verified_at = None
        db.session.commit()

    assert set(listed_titles(client)) == {"Messagerie ouverte à tous"}
    api = client.get("/api/v1/notifications", headers=ids["headers"])
    assert api.headers["X-Unread-Count"] == "1"
    assert len(api.get_json()) == 1
    assert "Supervision réservée" not in api.get_data(as_text=True)


def test_a_member_who_left_keeps_only_the_alerts_of_needs_anyone_may_see(client, app):
    ids = market(app)
    with app.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == ids["leaving"]))
        remove_member(membership, by=db.session.get(type(membership.user), ids["lea"]))
        commit()
    login(client, "paul@quantix.fr")
    assert set(listed_titles(client)) == {"Messagerie ouverte à tous"}
