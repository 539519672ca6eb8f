"""The muted needs on the preferences page are paged in SQL and, when none, say how to hear less."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.alerts.models import MutedNeed
from app.alerts.services import mute_need
from app.db import utcnow
from app.extensions import db
from tests.factories import login, make_need, make_org


def test_muted_needs_beyond_a_page_are_on_the_next_page_newest_first(app, client):
    with app.app_context():
        buyer, _ = make_org("administration", verified=True)
        _org, user = make_org("startup", verified=True, email="lea@quantix.fr")
        start = utcnow() - timedelta(days=1)
        for n in range(21):
            need = make_need(buyer, title=f"Muted need {n:02d}")
            mute_need(user.id, need.id)
            db.session.scalar(select(MutedNeed).where(MutedNeed.need_id == need.id)).created_at = \
                start + timedelta(minutes=n)
        db.session.commit()
    client.get("/lang/en")
    login(client, "lea@quantix.fr")

    first = client.get("/alerts/preferences").get_data(as_text=True)
    second = client.get("/alerts/preferences?page=2").get_data(as_text=True)

    assert "Muted need 20" in first and "Muted need 01" in first and "Muted need 00" not in first
    assert "Muted need 00" in second and "Muted need 20" not in second
    assert "Page 2 of 2" in second and "/alerts/preferences?page=1#muted" in second


def test_no_muted_need_says_how_to_hear_less(app, client):
    with app.app_context():
        make_org("startup", verified=True, email="lea@quantix.fr")
    client.get("/lang/en")
    login(client, "lea@quantix.fr")

    page = client.get("/alerts/preferences").get_data(as_text=True)

    assert 'data-marker="no-muted-needs"' in page and 'href="#notification-kinds"' in page
    assert 'id="notification-kinds"' in page
