"""A signed-in user changes their password: the current one first, the rules, the email,
this session kept and every other one ended, guessing throttled."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import create_app
from app.accounts.models import User
from app.accounts.passwords import verify_password
from app.accounts.services import authenticate
from app.alerts.models import EmailStatus, OutgoingEmail
from app.audit.models import AuditEntry
from app.extensions import db
from tests.conftest import _wipe, make_config
from tests.factories import PASSWORD, login, make_org

EMAIL = "lea@quantix.fr"
NEW_PASSWORD = "Nouveau-Sentier-2027"
WRONG = "Wrong-Password-1"


@pytest.fixture()
def lea(app, client):
    with app.app_context():
        _, user = make_org("startup", email=EMAIL)
        return user.id


def signed_in_browser(application):
    """A browser of its own, signed in as Léa. (Not the ``client`` fixture: it keeps its last
    request's context pushed, and other clients' requests would reuse its signed-in user.)"""
    browser = application.test_client()
    with browser.session_transaction() as session:
        session["lang"] = "en"  # messages read in English below
    assert login(browser, EMAIL).status_code == 302
    return browser


def signed_in(browser) -> bool:
    response = browser.get("/organisation")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    return False


def change(browser, current=PASSWORD, new=NEW_PASSWORD, confirm=None, **kwargs):
    return browser.post("/account/password", data={"current_password": current, "password": new,
                                                   "password_confirm": new if confirm is None else confirm},
                        **kwargs)


def emails(app) -> list[OutgoingEmail]:
    with app.app_context():
        found = list(db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)))
        db.session.expunge_all()
        return found


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def password_is(app, password: str) -> bool:
    with app.app_context():
        return authenticate(EMAIL, password) is not None


def test_the_page_asks_for_the_current_password_and_the_new_one_twice(app, lea):
    browser = signed_in_browser(app)
    page = browser.get("/account/password")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in ("current_password", "password", "password_confirm"):
        assert f'name="{name}"' in html
    assert 'autocomplete="current-password"' in html and 'autocomplete="new-password"' in html


def test_a_change_keeps_this_session_ends_the_others_and_is_audited(app, lea):
    here = signed_in_browser(app)
    elsewhere = signed_in_browser(app)

    response = change(here)

    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert signed_in(here)
    assert not signed_in(elsewhere)
    assert password_is(app, NEW_PASSWORD) and not password_is(app, PASSWORD)
    assert "account.password_changed" in audit_actions(app)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.password_changed"))
        assert entry.actor_id == lea and entry.subject_id == lea


def test_the_user_is_told_by_email_that_the_password_changed(app, lea):
    browser = signed_in_browser(app)
    change(browser)

    (sent,) = emails(app)
    assert sent.to_address == EMAIL and sent.user_id == lea
    assert sent.status == EmailStatus.SENT  # handed to the mail backend after commit (inline jobs)
    with app.app_context():
        name = db.session.get(User, lea).full_name
    assert sent.subject and name in sent.text_body and name in sent.html_body
    assert "/password/forgot" in sent.text_body and "/password/forgot" in sent.html_body
    assert NEW_PASSWORD not in sent.text_body and NEW_PASSWORD not in sent.html_body


def test_a_wrong_current_password_is_refused_clearly_and_changes_nothing(app, lea):
    here = signed_in_browser(app)
    elsewhere = signed_in_browser(app)

    response = change(here, current=WRONG)

    assert response.status_code == 400
    assert "Your current password is not correct: nothing was changed." in response.get_data(as_text=True)
    assert password_is(app, PASSWORD) and not password_is(app, NEW_PASSWORD)
    assert signed_in(here) and signed_in(elsewhere)
    assert emails(app) == []
    assert "account.password_changed" not in audit_actions(app)
    with app.app_context():
        assert db.session.get(User, lea).failed_logins == 1  # counted as a failed sign-in


@pytest.mark.parametrize(("new", "message"), [
    ("Short-1a", "at least 12 characters"),
    ("onlylowercaseletters", "at least three of"),
])
def test_a_weak_new_password_gets_the_rule_and_changes_nothing(app, lea, new, message):
    here = signed_in_browser(app)
    elsewhere = signed_in_browser(app)

    response = change(here, new=new)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert password_is(app, PASSWORD)
    assert signed_in(here) and signed_in(elsewhere)
    assert emails(app) == [] and "account.password_changed" not in audit_actions(app)


def test_the_confirmation_must_match_and_the_new_password_must_differ(app, lea):
    browser = signed_in_browser(app)

    mismatch = change(browser, confirm="Nouveau-Sentier-2028")
    same = change(browser, new=PASSWORD)

    assert mismatch.status_code == 400 and "The two passwords differ." in mismatch.get_data(as_text=True)
    assert same.status_code == 400 and "choose a different password" in same.get_data(as_text=True)
    assert password_is(app, PASSWORD) and signed_in(browser) and emails(app) == []


def test_guessing_the_current_password_locks_like_sign_in_guessing(app, lea):
    browser = signed_in_browser(app)
    threshold = app.config["LOGIN_LOCKOUT_THRESHOLD"]
    for _ in range(threshold):
        assert change(browser, current=WRONG).status_code == 400

    refused = change(browser)  # even the right current password, now

    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert password_is(app, PASSWORD) is False  # the account is locked for sign-in too
    with app.app_context():
        user = db.session.get(User, lea)
        assert user.locked_until is not None
        assert verify_password(user.password_hash, PASSWORD)  # unchanged
    assert "account.locked" in audit_actions(app)


def test_the_sign_in_rate_limit_of_the_account_applies_to_the_current_password(app, test_database, tmp_path):
    limited = create_app(make_config(test_database, tmp_path, LOGIN_ACCOUNT_RATE_LIMIT="2 per minute",
                                     LOGIN_LOCKOUT_THRESHOLD=100))
    _wipe(limited)
    try:
        with limited.app_context():
            make_org("startup", email=EMAIL)
        browser = signed_in_browser(limited)
        assert change(browser, current=WRONG).status_code == 400
        assert change(browser, current=WRONG).status_code == 400

        refused = change(browser)

        assert refused.status_code == 429 and "Retry-After" in refused.headers
        assert password_is(limited, PASSWORD)
    finally:
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()


def test_after_a_change_stay_signed_in_keeps_working_on_this_browser(app, lea):
    browser = app.test_client()
    browser.post("/login", data={"email": EMAIL, "password": PASSWORD, "remember": "y"})
    old_cookie = browser.get_cookie("remember_token").value

    change(browser)

    new_cookie = browser.get_cookie("remember_token")
    assert new_cookie is not None and new_cookie.value != old_cookie
    browser.delete_cookie("session")  # the browser was closed and opened again
    assert signed_in(browser)


def test_the_form_needs_the_csrf_token(csrf_app):
    with csrf_app.app_context():
        make_org("startup", email=EMAIL)
    browser = csrf_app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)})

    response = change(browser)

    assert response.status_code == 400
    assert password_is(csrf_app, PASSWORD)
