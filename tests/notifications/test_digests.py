"""Daily and weekly digests, as received from a real SMTP server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pytest
from sqlalchemy import func, select

from app.alerts.models import EmailMode, MutedNeed, Notification
from app.alerts.services import set_preference
from app.db import utcnow
from app.extensions import db
from app.needs.models import NeedFollow
from notifications.delivery import notify_users
from notifications.digests import digest_period, send_digests
from tests.factories import make_need, make_org
from tests.notifications.mailbox import (
    PUBLIC_URL,
    csrf_token,
    links,
    parts,
    serve_mailing_app,
    serve_smtp,
)


@pytest.fixture()
def smtp():
    yield from serve_smtp()


@pytest.fixture()
def mailing_app(app, test_database, tmp_path, smtp):  # `app` builds the migrated database
    yield from serve_mailing_app(test_database, tmp_path, smtp.url)


class NeedRef(NamedTuple):
    id: int
    title: str
    reference: str


class Market(NamedTuple):
    user_id: int
    needs: dict[str, NeedRef]


def build_market(locale: str = "en") -> Market:
    """A supplier (not verified) and needs around it; it follows three of them."""
    buyer, _owner = make_org("administration", name="Ministère des Essais", verified=True)
    _org, user = make_org("startup", email="lea@quantix.fr")
    user.locale = locale
    specs = {
        "data": ("Plateforme de données", 30, "public"),
        "assistant": ("Assistant souverain", 30, "public"),
        "soon": ("Messagerie chiffrée", 3, "public"),
        "later": ("Archivage numérique", 10, "public"),
        "hidden": ("Supervision réservée", 2, "restricted"),  # restricted to verified suppliers
    }
    needs = {}
    for key, (title, days, visibility) in specs.items():
        need = make_need(buyer, title=title, deadline_in_days=days, visibility=visibility,
                         budget_eur=(150_000, 400_000))
        needs[key] = NeedRef(need.id, need.title, need.reference)
    for key in ("soon", "later", "hidden"):
        db.session.add(NeedFollow(user_id=user.id, need_id=needs[key].id))
    db.session.commit()
    return Market(user.id, needs)


def tell(user_id: int, kind: str, need: NeedRef, *, when: datetime | None = None, **options) -> None:
    params = {"need_title": need.title, "need_reference": need.reference, "searches": ["IA"], "score": 82}
    notify_users([user_id], kind, need_id=need.id, params=params, now=when, **options)
    db.session.commit()


def section(text: str, title: str) -> str:
    """The lines of one need's section in the plain-text part."""
    start = text.index(f"* {title}")
    end = text.find("\n\n", start)
    return text[start:end if end != -1 else None]


def test_a_digest_groups_what_happened_by_need(mailing_app, smtp):
    with mailing_app.app_context():
        market = build_market()
        earlier = utcnow() - timedelta(hours=5)
        tell(market.user_id, "need_matched_search", market.needs["assistant"], when=earlier)
        tell(market.user_id, "need_matched_search", market.needs["data"], when=earlier + timedelta(hours=1))
        tell(market.user_id, "need_matched_profile", market.needs["data"], when=earlier + timedelta(hours=2))
        assert smtp.messages == []  # daily by default: nothing at once
        assert send_digests("daily") == 1
    [message] = smtp.messages
    assert message["Subject"] == "Your daily Tremplin digest: 3 updates"
    assert message["List-Unsubscribe"].startswith(f"<{PUBLIC_URL}/alerts/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(message)
    happened = text[text.index("== What happened =="):]
    data, assistant = section(happened, "Plateforme de données"), section(happened, "Assistant souverain")
    assert happened.index("Plateforme de données") < happened.index("Assistant souverain")  # latest first
    assert "matching your saved search « IA »" in data and "matching your profile (score 82/100)" in data
    assert "matching your profile" not in assistant
    for body in (text, html):
        assert f"{PUBLIC_URL}/needs/{market.needs['data'].reference}" in links(body)
    # one per need: the two that happened, and the followed one closing this week
    assert html.count("Mute this need") == text.count("Mute this need:") == 3


def test_needs_closing_this_week_come_first(mailing_app, smtp):
    with mailing_app.app_context():
        market = build_market()
        tell(market.user_id, "need_matched_search", market.needs["data"])
        send_digests("daily")
    text, html = parts(smtp.messages[0])
    closing = text[text.index("== Closing this week =="):text.index("== What happened ==")]
    assert "Messagerie chiffrée" in closing  # followed, closes in 3 days
    assert "Archivage numérique" not in closing  # followed, but closes in 10 days
    assert "Supervision réservée" not in text  # followed, but no longer visible to this supplier
    assert "Plateforme de données" not in closing  # closes in a month
    assert "in 3 days" in closing and "Deadline: " in closing and "€150,000" in closing
    assert html.index("Closing this week") < html.index("What happened")


def test_a_french_digest(mailing_app, smtp):
    with mailing_app.app_context():
        market = build_market(locale="fr")
        tell(market.user_id, "need_matched_search", market.needs["data"])
        send_digests("daily")
    text, html = parts(smtp.messages[0])
    closing = section(text, "Messagerie chiffrée")
    assert "Date limite\u00a0: " in closing and "(heure de Paris)" in closing and "dans 3 jours" in closing
    assert "150\u202f000\u00a0€" in closing
    assert '<html lang="fr">' in html


def test_the_mute_link_mutes_the_need(mailing_app, smtp):
    with mailing_app.app_context():
        market = build_market()
        tell(market.user_id, "need_matched_search", market.needs["data"])
        tell(market.user_id, "need_matched_search", market.needs["assistant"])
        send_digests("daily")
    text, _html = parts(smtp.messages[0])
    mute_url = re.search(r"Mute this need: (\S+)", section(text, "Plateforme de données")).group(1)
    client = mailing_app.test_client()  # a browser that is not signed in
    page = client.get(mute_url[len(PUBLIC_URL):] + "?lang=en")
    assert page.status_code == 200 and "Plateforme de données" in page.get_data(as_text=True)
    with mailing_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MutedNeed)) == 0  # a GET changes nothing
    done = client.post(mute_url[len(PUBLIC_URL):], data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert done.status_code == 200 and "Need muted" in done.get_data(as_text=True)
    with mailing_app.app_context():
        assert db.session.scalar(select(MutedNeed.need_id)) == market.needs["data"].id
        tell(market.user_id, "need_matched_profile", market.needs["data"])  # muted: nothing
        tell(market.user_id, "need_matched_profile", market.needs["assistant"])
        assert send_digests("daily", now=utcnow() + timedelta(days=1)) == 1
    text, _html = parts(smtp.messages[1])
    assert "Assistant souverain" in text and "Plateforme de données" not in text


def test_a_garbled_mute_link_is_refused(mailing_app, smtp):
    with mailing_app.app_context():
        build_market()
    response = mailing_app.test_client().get("/alerts/mute/WzEsMl0.garbled?lang=en")
    assert response.status_code == 400
    assert "This link does not work" in response.get_data(as_text=True)
    with mailing_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MutedNeed)) == 0


def test_no_second_digest_in_the_same_period(mailing_app, smtp):
    with mailing_app.app_context():
        market = build_market()
        now = utcnow()
        tell(market.user_id, "need_matched_search", market.needs["data"])
        assert send_digests("daily", now=now) == 1
        assert send_digests("daily", now=now) == 0
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.digested_at.is_(None))) == 0
        tell(market.user_id, "need_matched_search", market.needs["assistant"])
        assert send_digests("daily", now=now + timedelta(minutes=5)) == 0  # today's went already
        assert len(smtp.messages) == 1
        assert send_digests("daily", now=now + timedelta(days=1)) == 1  # it comes tomorrow
    text, _html = parts(smtp.messages[1])
    assert "Assistant souverain" in text and "Plateforme de données" not in text.split("== What happened ==")[1]


def test_daily_and_weekly_digests_are_separate(mailing_app, smtp):
    with mailing_app.app_context():
        market = build_market()
        tell(market.user_id, "need_matched_search", market.needs["data"])
        tell(market.user_id, "need_matched_profile", market.needs["assistant"],
             email_modes={market.user_id: EmailMode.WEEKLY})
        assert send_digests("daily") == 1
        assert send_digests("weekly") == 1
        assert send_digests("weekly") == 0
    daily, weekly = smtp.messages
    assert daily["Subject"] == "Your daily Tremplin digest: 1 update"
    assert weekly["Subject"] == "Your weekly Tremplin digest: 1 update"
    daily_text, weekly_text = parts(daily)[0], parts(weekly)[0]
    assert "Plateforme de données" in daily_text and "Assistant souverain" not in daily_text
    assert "Assistant souverain" in weekly_text and "Plateforme de données" not in weekly_text


def test_a_kind_turned_off_after_the_fact_is_left_out(mailing_app, smtp):
    with mailing_app.app_context():
        market = build_market()
        tell(market.user_id, "need_matched_search", market.needs["data"])
        tell(market.user_id, "need_matched_profile", market.needs["assistant"])
        set_preference(market.user_id, "need_matched_profile", email=EmailMode.OFF)
        db.session.commit()
        assert send_digests("daily") == 1
        set_preference(market.user_id, "need_matched_profile", email=EmailMode.DAILY)
        db.session.commit()
        assert send_digests("daily", now=utcnow() + timedelta(days=1)) == 0  # not emailed later either
    text, _html = parts(smtp.messages[0])
    assert "Plateforme de données" in text and "Assistant souverain" not in text
    assert len(smtp.messages) == 1


def test_a_user_with_every_notification_turned_off_gets_no_digest(mailing_app, smtp):
    with mailing_app.app_context():
        market = build_market()
        tell(market.user_id, "need_matched_search", market.needs["data"])
        set_preference(market.user_id, "need_matched_search", email=EmailMode.OFF)
        db.session.commit()
        assert send_digests("daily") == 0
    assert smtp.messages == []


def test_periods_are_paris_days_and_iso_weeks():
    new_years_eve = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January in Paris
    assert digest_period("daily", new_years_eve) == "2027-01-01"
    assert digest_period("weekly", new_years_eve) == "2026-W53"
    assert digest_period("daily", datetime(2027, 6, 30, 21, 59, tzinfo=UTC)) == "2027-06-30"
