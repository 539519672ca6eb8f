"""Unsubscribing from an email: one click from the mail client, or a confirmed page."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, select

from app.alerts.models import EmailMode, Notification, NotificationPreference
from app.alerts.tokens import ALL_EMAILS, mute_token, read_unsubscribe_token, unsubscribe_token
from app.events import commit
from app.extensions import db
from notifications.delivery import notify_users
from tests.factories import make_need, make_org
from tests.notifications.mailbox import PUBLIC_URL


class NeedRef(NamedTuple):
    id: int
    title: str
    reference: str


def market():
    buyer, _owner = make_org("administration", name="Ministère des Essais", verified=True)
    _org, user = make_org("startup", verified=True, email="lea@quantix.fr")
    # plain values: the tests outlive the app context the rows were loaded in
    needs = [NeedRef(n.id, n.title, n.reference) for n in (make_need(buyer, title=f"Besoin {i}") for i in range(3))]
    return user, needs


def tell(user_id, kind, need):
    notify_users([user_id], kind, need_id=need.id,
                 params={"need_title": need.title, "need_reference": need.reference})
    commit()


def email_mode(user_id, kind):
    pref = db.session.scalar(select(NotificationPreference).where(
        NotificationPreference.user_id == user_id, NotificationPreference.kind == kind))
    return pref.email if pref else None


def path_of(url: str) -> str:
    assert url.startswith(PUBLIC_URL)
    return url[len(PUBLIC_URL):]


def test_one_click_from_the_mail_client_stops_that_kind_of_email(mailing_app, smtp):
    with mailing_app.app_context():
        user, needs = market()
        user_id = user.id
        tell(user_id, "need_invitation", needs[0])
    [message] = smtp.messages
    url = message["List-Unsubscribe"].strip("<>")

    # What a mail client does (RFC 8058): a POST with no cookie and no CSRF token.
    client = mailing_app.test_client(use_cookies=False)
    response = client.post(path_of(url), data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "need_invitation" not in response.get_data(as_text=True)

    with mailing_app.app_context():
        assert email_mode(user_id, "need_invitation") == EmailMode.OFF
        tell(user_id, "need_invitation", needs[1])
        # Still in the notification centre, but no email
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
        tell(user_id, "need_answered", needs[2])  # another kind is still emailed
    assert len(smtp.messages) == 2
    assert "a répondu à une question" in smtp.messages[1]["Subject"]  # French, the recipient's language


def test_the_link_opened_in_a_browser_asks_before_changing_anything(mailing_app, smtp):
    with mailing_app.app_context():
        user, needs = market()
        user_id = user.id
        tell(user_id, "need_invitation", needs[0])
    url = smtp.messages[0]["List-Unsubscribe"].strip("<>")
    client = mailing_app.test_client()
    page = client.get(path_of(url) + "?lang=en")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Invitations to bid" in body and "l…@quantix.fr" in body and "<button" in body
    with mailing_app.app_context():
        assert email_mode(user_id, "need_invitation") is None
        tell(user_id, "need_invitation", needs[1])
    assert len(smtp.messages) == 2

    confirmed = client.post(path_of(url))  # the page's button: no login needed
    assert confirmed.status_code == 200
    assert "You are unsubscribed" in confirmed.get_data(as_text=True)
    with mailing_app.app_context():
        assert email_mode(user_id, "need_invitation") == EmailMode.OFF


def test_a_tampered_or_cut_link_is_refused_and_changes_nothing(mailing_app, smtp):
    with mailing_app.app_context():
        user, needs = market()
        user_id = user.id
        token = unsubscribe_token(user_id, "need_invitation")
        other_users_token = unsubscribe_token(user_id + 1, "need_invitation")
        wrong_kind_of_token = mute_token(user_id, needs[0].id)
    payload, signature = token.split(".")
    flipped = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    # the payload of another user with this user's signature
    forged = other_users_token.split(".")[0] + "." + signature
    client = mailing_app.test_client(use_cookies=False)
    for bad in (flipped, token[:-6], forged, wrong_kind_of_token, "garbage"):
        response = client.post(f"/alerts/unsubscribe/{bad}?lang=en", data="List-Unsubscribe=One-Click",
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400, bad
        assert "This unsubscribe link does not work" in response.get_data(as_text=True)
    with mailing_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0
        tell(user_id, "need_invitation", needs[0])
    assert len(smtp.messages) == 1


def test_a_token_signed_with_another_secret_does_not_read(mailing_app, smtp):
    with mailing_app.app_context():
        token = unsubscribe_token(7, "need_invitation")
        assert read_unsubscribe_token(token) == (7, "need_invitation")
        mailing_app.config["SECRET_KEY"] = "another-secret-key-of-another-installation"
        assert read_unsubscribe_token(token) is None


def test_unsubscribing_from_everything_stops_every_kind_but_keeps_the_notification_centre(mailing_app, smtp):
    with mailing_app.app_context():
        user, needs = market()
        user_id = user.id
        token = unsubscribe_token(user_id, ALL_EMAILS)
    client = mailing_app.test_client(use_cookies=False)
    assert client.post(f"/alerts/unsubscribe/{token}").status_code == 200
    with mailing_app.app_context():
        tell(user_id, "need_invitation", needs[0])
        tell(user_id, "need_amended", needs[1])
        notes = db.session.scalars(select(Notification)).all()
        assert len(notes) == 2 and all(n.email_mode == EmailMode.OFF and n.read_at is None for n in notes)
    assert smtp.messages == []
