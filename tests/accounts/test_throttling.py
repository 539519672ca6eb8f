"""Sign-in and password-reset throttling (per address, per account) and the account lockout."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import create_app
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.config import ConfigError, load_config
from app.db import utcnow
from app.extensions import db
from tests.conftest import REDIS_URL, _wipe, make_config
from tests.factories import PASSWORD, login, make_org

WRONG = "Wrong-Password-1"
HIGH = "100000 per minute"


def build_app(test_database, tmp_path, **settings):
    application = create_app(make_config(test_database, tmp_path, **settings))
    _wipe(application)
    return application


@pytest.fixture()
def make_app(app, test_database, tmp_path):
    """Apps with the given limits on the session's database (`app` migrated it)."""
    built = []

    def factory(label: str = "limited", **settings):
        application = build_app(test_database, tmp_path / label, **settings)
        built.append(application)
        return application

    yield factory
    for application in built:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def from_address(application, address: str):
    client = application.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def user_named(application, email: str) -> None:
    with application.app_context():
        make_org("startup", email=email)


def state(application, email: str) -> tuple[int, object]:
    with application.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return user.failed_logins, user.locked_until


# --- per address ----------------------------------------------------------------------


def test_too_many_failed_sign_ins_from_one_address_get_429_with_retry_after(make_app):
    application = make_app(LOGIN_RATE_LIMIT="3 per minute", LOGIN_ACCOUNT_RATE_LIMIT=HIGH)
    client = from_address(application, "203.0.113.7")
    statuses = [login(client, f"someone{i}@example.fr", WRONG).status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]
    refused = login(client, "another@example.fr", WRONG)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    page = refused.get_data(as_text=True)
    assert 'role="alert"' in page and "/password/forgot" in page
    # Reading the page is never throttled; another address has its own budget.
    assert client.get("/login").status_code == 200
    assert login(from_address(application, "203.0.113.8"), "someone@example.fr", WRONG).status_code == 401


def test_successful_sign_ins_from_one_address_are_not_throttled(make_app):
    application = make_app(LOGIN_RATE_LIMIT="2 per minute", LOGIN_ACCOUNT_RATE_LIMIT=HIGH)
    for email in ("lea@quantix.fr", "hugo@quantix.fr", "ines@quantix.fr"):
        user_named(application, email)
    client = from_address(application, "203.0.113.10")
    for email in ("lea@quantix.fr", "hugo@quantix.fr", "ines@quantix.fr", "lea@quantix.fr"):
        assert login(client, email).status_code == 302
        client.post("/logout")


def test_the_address_limit_refuses_even_the_right_password(make_app):
    application = make_app(LOGIN_RATE_LIMIT="2 per minute", LOGIN_ACCOUNT_RATE_LIMIT=HIGH)
    user_named(application, "lea@quantix.fr")
    client = from_address(application, "203.0.113.9")
    login(client, "x@example.fr", WRONG)
    login(client, "y@example.fr", WRONG)
    assert login(client, "lea@quantix.fr", PASSWORD).status_code == 429
    assert "Se déconnecter" not in client.get("/").get_data(as_text=True)


# --- per account ----------------------------------------------------------------------


def test_failed_sign_ins_on_one_email_are_limited_whatever_the_address(make_app):
    application = make_app(LOGIN_RATE_LIMIT=HIGH, LOGIN_ACCOUNT_RATE_LIMIT="3 per 15 minutes")
    statuses = [login(from_address(application, f"198.51.100.{i}"), "Nobody@Example.fr ", WRONG).status_code
                for i in range(3)]
    # The same email typed differently is the same account.
    statuses.append(login(from_address(application, "198.51.100.50"), "  nobody@example.FR", WRONG).status_code)
    assert statuses == [401, 401, 401, 429]
    assert login(from_address(application, "198.51.100.51"), "other@example.fr", WRONG).status_code == 401


def test_successful_sign_ins_do_not_spend_the_account_budget(make_app):
    application = make_app(LOGIN_RATE_LIMIT=HIGH, LOGIN_ACCOUNT_RATE_LIMIT="2 per 15 minutes")
    user_named(application, "lea@quantix.fr")
    for _ in range(4):
        client = application.test_client()
        assert login(client, "lea@quantix.fr").status_code == 302


def test_a_locked_account_and_an_unknown_email_get_the_same_answer(make_app):
    # Production defaults: 5 failures per account and per 15 minutes, lockout after 5.
    application = make_app(LOGIN_RATE_LIMIT=HIGH, LOGIN_ACCOUNT_RATE_LIMIT="5 per 15 minutes")
    user_named(application, "lea@quantix.fr")
    answers = {}
    for email in ("lea@quantix.fr", "ghost@quantix.fr"):
        client = application.test_client()
        assert [login(client, email, WRONG).status_code for _ in range(5)] == [401] * 5
        answers[email] = login(client, email, PASSWORD)
    known, unknown = answers["lea@quantix.fr"], answers["ghost@quantix.fr"]
    assert known.status_code == unknown.status_code == 429
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"]
    assert known.get_data(as_text=True).replace("lea@quantix.fr", "X") == \
        unknown.get_data(as_text=True).replace("ghost@quantix.fr", "X")


# --- lockout (kept in the database) -----------------------------------------------------


def test_five_failures_lock_the_account_even_for_the_right_password(client, app):
    with app.app_context():
        make_org("startup", email="lea@quantix.fr")
    assert [login(client, "lea@quantix.fr", WRONG).status_code for _ in range(5)] == [401] * 5
    refused = login(client, "lea@quantix.fr", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 15 * 60
    assert "Se déconnecter" not in client.get("/").get_data(as_text=True)
    failed, locked_until = state(app, "lea@quantix.fr")
    assert failed == 0 and locked_until > utcnow() + timedelta(minutes=14)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.locked"))
        assert entry is not None and entry.subject_type == "User" and entry.organisation_id is not None


def test_the_lockout_holds_in_another_app_instance(client, app, make_app):
    other = make_app("other")  # another process: its own (empty) rate-limit counts, the same database
    with app.app_context():
        make_org("startup", email="lea@quantix.fr")
    for _ in range(5):
        login(client, "lea@quantix.fr", WRONG)
    assert login(other.test_client(), "lea@quantix.fr", PASSWORD).status_code == 429
    assert state(app, "lea@quantix.fr")[1] is not None


def test_the_lockout_ends_after_its_time_and_success_clears_the_count(client, app):
    with app.app_context():
        make_org("startup", email="lea@quantix.fr")
    for _ in range(5):
        login(client, "lea@quantix.fr", WRONG)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "lea@quantix.fr"))
        user.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    login(client, "lea@quantix.fr", WRONG)
    assert state(app, "lea@quantix.fr")[0] == 1
    assert login(client, "lea@quantix.fr", PASSWORD).status_code == 302
    assert state(app, "lea@quantix.fr") == (0, None)


def test_failures_must_be_consecutive_to_lock(client, app):
    with app.app_context():
        make_org("startup", email="lea@quantix.fr")
    for _ in range(4):
        login(client, "lea@quantix.fr", WRONG)
    assert login(client, "lea@quantix.fr", PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(4):
        login(client, "lea@quantix.fr", WRONG)
    assert login(client, "lea@quantix.fr", PASSWORD).status_code == 302


# --- password-reset requests ----------------------------------------------------------


def test_reset_requests_are_limited_per_address(make_app):
    application = make_app(PASSWORD_RESET_RATE_LIMIT="2 per 15 minutes", PASSWORD_RESET_ACCOUNT_RATE_LIMIT=HIGH)
    client = from_address(application, "203.0.113.20")
    statuses = [client.post("/password/forgot", data={"email": f"p{i}@example.fr"}).status_code for i in range(3)]
    assert statuses == [302, 302, 429]
    assert client.get("/password/forgot").status_code == 200


def test_reset_requests_are_limited_per_email_whether_or_not_it_has_an_account(make_app):
    application = make_app(PASSWORD_RESET_RATE_LIMIT=HIGH, PASSWORD_RESET_ACCOUNT_RATE_LIMIT="2 per hour")
    user_named(application, "lea@quantix.fr")
    for email in ("lea@quantix.fr", "ghost@quantix.fr"):
        statuses = [from_address(application, f"192.0.2.{i}").post("/password/forgot", data={"email": email})
                    .status_code for i in range(3)]
        assert statuses == [302, 302, 429], email


# --- shared storage and settings ------------------------------------------------------


@pytest.mark.skipif(not REDIS_URL, reason="needs TEST_REDIS_URL (a Redis server)")
def test_two_app_instances_on_redis_share_the_sign_in_count(make_app):
    settings = {"LOGIN_RATE_LIMIT": "3 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": HIGH,
                "RATELIMIT_STORAGE_URI": REDIS_URL}
    first, second = make_app("one", **settings), make_app("two", **settings)
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"  # fresh key
    clients = [from_address(first, address), from_address(second, address)] * 2
    statuses = [login(c, f"{uuid.uuid4().hex}@example.fr", WRONG).status_code for c in clients]
    assert statuses == [401, 401, 401, 429]


def test_sign_in_limits_have_production_defaults_and_refuse_malformed_values():
    config = load_config(None, environ={})
    assert config["LOGIN_RATE_LIMIT"] == "10 per minute; 100 per hour"
    assert config["LOGIN_ACCOUNT_RATE_LIMIT"] == "5 per 15 minutes"
    assert config["LOGIN_LOCKOUT_THRESHOLD"] == 5 and config["LOGIN_LOCKOUT_MINUTES"] == 15
    assert config["PASSWORD_RESET_MAX_AGE"] == 3600
    with pytest.raises(ConfigError, match="LOGIN_RATE_LIMIT"):
        load_config(None, environ={"LOGIN_RATE_LIMIT": "ten a minute"})
    with pytest.raises(ConfigError, match="LOGIN_LOCKOUT_THRESHOLD"):
        load_config(None, environ={"LOGIN_LOCKOUT_THRESHOLD": "0"})
