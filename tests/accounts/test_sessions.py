"""Sessions end everywhere when the user asks, or when the password changes or is reset;
sign-out and remember-me cookies; the flags of the cookies."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import create_app
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.config import load_config
from app.extensions import db
from tests.conftest import _wipe, make_config
from tests.factories import PASSWORD, login, make_org

EMAIL = "lea@quantix.fr"
NEW_PASSWORD = "Nouveau-Sentier-2027"
REMEMBER = "remember_token"
LINK = re.compile(r"/password/reset/[A-Za-z0-9._-]+")


@pytest.fixture()
def lea(app, client):
    with app.app_context():
        _, user = make_org("startup", email=EMAIL)
        return user.id


@pytest.fixture()
def browser(app, lea):
    """A browser of its own. (The ``client`` fixture keeps its last request's context pushed,
    which other clients' requests would reuse, signed-in user included: it only wipes here.)"""
    return app.test_client()


def signed_in(client) -> bool:
    """Whether the browser reaches a page for members only (else it is sent to sign in)."""
    response = client.get("/organisation")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    return False


def second_browser(app):
    other = app.test_client()  # a new browser, with its own cookies
    assert login(other, EMAIL).status_code == 302
    return other


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def version_of(app, user_id: int) -> int:
    with app.app_context():
        return db.session.get(User, user_id).session_version


def set_cookie_header(response, name: str) -> str:
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    return header


# --- the account page and its confirmation -----------------------------------------------


def test_the_account_page_offers_the_password_change_and_sign_out_everywhere(browser, app, lea):
    login(browser, EMAIL)
    home = browser.get("/").get_data(as_text=True)
    assert 'href="/account"' in home  # the header's link to the account
    page = browser.get("/account").get_data(as_text=True)
    assert 'href="/account/password"' in page and 'href="/account/sign-out-everywhere"' in page


def test_the_account_pages_ask_visitors_to_sign_in(app, client):
    browser = app.test_client()
    for path in ("/account", "/account/password", "/account/sign-out-everywhere"):
        response = browser.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    response = browser.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sign_out_everywhere_explains_first_and_changes_nothing_until_confirmed(browser, app, lea):
    login(browser, EMAIL)
    other = second_browser(app)
    page = browser.get("/account/sign-out-everywhere")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'action="/account/sign-out-everywhere"' in text and 'method="post"' in text
    assert "API" in text  # says that API tokens are not signed out
    assert signed_in(browser) and signed_in(other)
    assert version_of(app, lea) == 0


# --- sign out everywhere ----------------------------------------------------------------------


def test_sign_out_everywhere_ends_this_session_and_every_other_one(browser, app, lea):
    login(browser, EMAIL)
    other = second_browser(app)
    assert signed_in(browser) and signed_in(other)

    response = browser.post("/account/sign-out-everywhere")

    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not signed_in(browser)
    assert not signed_in(other)
    assert "account.signed_out_everywhere" in audit_actions(app)
    # Signing in again works, on the new version.
    assert login(other, EMAIL).status_code == 302 and signed_in(other)


def test_sign_out_everywhere_needs_the_csrf_token(csrf_app):
    with csrf_app.app_context():
        _, user = make_org("startup", email=EMAIL)
        user_id = user.id
    browser = csrf_app.test_client()
    form = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert browser.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}).status_code == 302

    assert browser.post("/account/sign-out-everywhere").status_code == 400
    assert version_of(csrf_app, user_id) == 0
    assert browser.get("/organisation").status_code == 200


def test_remember_me_cookies_end_with_the_sessions(browser, app, lea):
    remembered = app.test_client()
    response = remembered.post("/login", data={"email": EMAIL, "password": PASSWORD, "remember": "y"})
    assert set_cookie_header(response, REMEMBER)
    # The browser closes: the session cookie goes, the remember-me cookie signs it in again.
    remembered.delete_cookie("session")
    assert signed_in(remembered)

    login(browser, EMAIL)
    browser.post("/account/sign-out-everywhere")

    remembered.delete_cookie("session")
    refused = remembered.get("/organisation")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    # ...and the stale cookie is deleted, not merely refused.
    assert set_cookie_header(refused, REMEMBER).startswith(f"{REMEMBER}=;")
    assert remembered.get_cookie(REMEMBER) is None
    assert not signed_in(remembered)


def test_signing_out_deletes_the_remember_me_cookie(browser, app, lea):
    browser.post("/login", data={"email": EMAIL, "password": PASSWORD, "remember": "y"})
    assert browser.get_cookie(REMEMBER) is not None

    browser.post("/logout")

    assert browser.get_cookie(REMEMBER) is None
    assert not signed_in(browser)


def test_a_session_signed_in_before_versions_lasts_until_the_first_bump(browser, app, lea):
    login(browser, EMAIL)
    with browser.session_transaction() as session:
        session["_user_id"] = str(lea)  # the id alone, as stored before session versions
    assert signed_in(browser)

    other = second_browser(app)
    other.post("/account/sign-out-everywhere")

    assert not signed_in(browser)


# --- password reset -----------------------------------------------------------------------------


def test_a_password_reset_ends_every_session_and_signs_in_the_browser_that_reset(browser, app, lea):
    signed_in_elsewhere = second_browser(app)
    assert signed_in(signed_in_elsewhere)

    resetting = app.test_client()
    assert resetting.post("/password/forgot", data={"email": EMAIL}).status_code == 302
    with app.app_context():
        from app.alerts.models import OutgoingEmail

        body = db.session.scalar(select(OutgoingEmail.text_body))
    token = LINK.search(body).group(0).split("/password/reset/")[1]
    response = resetting.post(f"/password/reset/{token}",
                              data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302

    assert signed_in(resetting)
    assert not signed_in(signed_in_elsewhere)
    assert version_of(app, lea) == 1
    assert "account.password_reset" in audit_actions(app)


# --- cookie flags ------------------------------------------------------------------------------


def test_session_and_remember_cookies_are_http_only_and_same_site(browser, app, lea):
    response = browser.post("/login", data={"email": EMAIL, "password": PASSWORD, "remember": "y"})
    for name in ("session", REMEMBER):
        header = set_cookie_header(response, name)
        assert "HttpOnly" in header, header
        assert "SameSite=Lax" in header, header
        assert "Secure" not in header, header  # the test site is served over plain HTTP


def test_cookies_are_secure_when_the_site_is_served_over_https(app, test_database, tmp_path):
    secure_app = create_app(make_config(test_database, tmp_path, PUBLIC_URL="https://tremplin.example"))
    _wipe(secure_app)
    try:
        with secure_app.app_context():
            make_org("startup", email=EMAIL)
        browser = secure_app.test_client()
        response = browser.post("/login", data={"email": EMAIL, "password": PASSWORD, "remember": "y"},
                                base_url="https://tremplin.example")
        assert response.status_code == 302
        for name in ("session", REMEMBER):
            header = set_cookie_header(response, name)
            assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header, header
    finally:
        with secure_app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_production_configuration_asks_for_secure_cookies():
    environ = {"TREMPLIN_ENV": "production", "SECRET_KEY": "x" * 40,
               "DATABASE_URL": "postgresql://tremplin:pw@db.internal:5432/tremplin",
               "REDIS_URL": "redis://cache.internal:6379/0", "MEILI_URL": "http://search.internal:7700",
               "MEILI_API_KEY": "key", "SMTP_URL": "smtp://mail.internal:587"}
    config = load_config(None, environ=environ)
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True and config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
