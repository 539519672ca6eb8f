"""Notification emails as a recipient's mail client receives them from a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.db import utcnow
from app.events import commit
from app.extensions import db
from notifications.delivery import notify_users
from notifications.emails import build_notification_email
from tests.factories import make_need, make_org
from tests.notifications.mailbox import PUBLIC_URL, links, parts, serve_mailing_app, serve_smtp


@pytest.fixture()
def smtp():
    yield from serve_smtp()


@pytest.fixture()
def mailing_app(app, test_database, tmp_path, smtp):  # `app` builds the migrated database
    yield from serve_mailing_app(test_database, tmp_path, smtp.url)


def a_july_deadline() -> datetime:
    """14:00 UTC on 3 July next year: 16:00 in Paris (summer time)."""
    return datetime(utcnow().year + 1, 7, 3, 14, 0, tzinfo=UTC)


def invite(user, need, *, buyer="Ministère des Essais"):
    notify_users([user.id], "need_invitation", need_id=need.id,
                 params={"need_title": need.title, "need_reference": need.reference, "buyer": buyer})
    commit()


def setup_invitation(locale: str, email: str):
    buyer, _owner = make_org("administration", name="Ministère des Essais", verified=True)
    _org, user = make_org("startup", verified=True, email=email)
    user.locale = locale
    need = make_need(buyer, title="Assistant souverain", budget_eur=(150_000, 400_000))
    need.deadline_at = a_july_deadline()
    db.session.commit()
    return user, need


def test_a_french_user_receives_the_email_in_french_with_text_and_html(mailing_app, smtp):
    with mailing_app.app_context():
        user, need = setup_invitation("fr", "lea@quantix.fr")
        invite(user, need)
    [message] = smtp.to("lea@quantix.fr")
    assert "Assistant souverain" in message["Subject"]
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    for body in (text, html):
        assert "Ministère des Essais" in body and "Assistant souverain" in body
        assert "Date limite\u00a0: " in body.replace("&nbsp;", "\u00a0")
        assert "16:00 (heure de Paris)" in body.replace("&nbsp;", "\u00a0")  # 14:00 UTC in July
        assert "150\u202f000\u00a0€" in body.replace("&nbsp;", "\u00a0")
    assert '<html lang="fr">' in html


def test_an_english_user_receives_the_email_in_english(mailing_app, smtp):
    with mailing_app.app_context():
        user, need = setup_invitation("en", "sam@quantix.fr")
        invite(user, need)
    [message] = smtp.to("sam@quantix.fr")
    assert message["Subject"] == "Ministère des Essais invites you to bid on Assistant souverain"
    text, html = parts(message)
    for body in (text, html):
        assert "invites you to bid on Assistant souverain" in body
        assert "Deadline: " in body and "4:00 PM (Paris time)" in body
        assert "€150,000" in body and "€400,000" in body
    assert '<html lang="en">' in html


def test_links_are_absolute_on_the_public_address(mailing_app, smtp):
    with mailing_app.app_context():
        user, need = setup_invitation("en", "sam@quantix.fr")
        need_url = f"{PUBLIC_URL}/needs/{need.reference}"
        invite(user, need)
    [message] = smtp.to("sam@quantix.fr")
    text, html = parts(message)
    for body in (text, html):
        found = links(body)
        assert need_url in found
        assert f"{PUBLIC_URL}/alerts/preferences" in found
        assert any(u.startswith(f"{PUBLIC_URL}/alerts/unsubscribe/") for u in found)
        assert all(u.startswith(PUBLIC_URL) for u in found)


def test_each_email_offers_a_one_click_unsubscribe(mailing_app, smtp):
    with mailing_app.app_context():
        user, need = setup_invitation("fr", "lea@quantix.fr")
        invite(user, need)
    [message] = smtp.to("lea@quantix.fr")
    header = message["List-Unsubscribe"]
    assert header.startswith(f"<{PUBLIC_URL}/alerts/unsubscribe/") and header.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(message)
    assert header[1:-1] in links(text) and header[1:-1] in links(html)


def test_an_email_built_during_a_request_still_links_to_the_public_address(mailing_app):
    with mailing_app.app_context():
        user, need = setup_invitation("en", "sam@quantix.fr")
        notify_users([user.id], "need_invitation", need_id=need.id,
                     params={"need_title": need.title, "need_reference": need.reference})
        db.session.commit()
        from app.alerts.models import Notification

        notification = db.session.query(Notification).one()
        with mailing_app.test_request_context("/", base_url="http://10.0.0.7:8000"):
            mail = build_notification_email(notification)
        assert f"{PUBLIC_URL}/needs/{need.reference}" in mail.text
    assert "10.0.0.7" not in mail.text + mail.html + mail.headers["List-Unsubscribe"]


def test_a_notification_of_a_deactivated_account_is_not_emailed(mailing_app, smtp):
    with mailing_app.app_context():
        user, need = setup_invitation("fr", "lea@quantix.fr")
        user.active = False
        db.session.commit()
        invite(user, need)
    assert smtp.messages == []
