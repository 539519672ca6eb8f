"""Password reset by a signed, expiring, single-use link sent by email; the password rules."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from app.accounts import reset
from app.accounts.models import User
from app.accounts.passwords import password_problem
from app.accounts.services import authenticate
from app.alerts.models import EmailStatus, OutgoingEmail
from app.audit.models import AuditEntry
from app.db import utcnow
from app.extensions import db
from tests.factories import PASSWORD, login, make_org

NEW_PASSWORD = "Nouveau-Sentier-2027"
LINK = re.compile(r"http://[^\s\"<]+/password/reset/[A-Za-z0-9._-]+")


@pytest.fixture()
def lea(app, client):
    with app.app_context():
        _, user = make_org("startup", email="lea@quantix.fr")
        return user.id


def reset_emails(app) -> list[OutgoingEmail]:
    with app.app_context():
        emails = list(db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)))
        db.session.expunge_all()
        return emails


def request_link(client, app, email: str = "lea@quantix.fr") -> str:
    response = client.post("/password/forgot", data={"email": email})
    assert response.status_code == 302
    (sent,) = reset_emails(app)
    return LINK.search(sent.text_body).group(0).split("/password/reset/")[1]


def change(client, token: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(f"/password/reset/{token}", data={"password": password, "password_confirm": confirm or password})


def test_the_login_page_offers_the_forgotten_password_link(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page
    assert client.get("/password/forgot").status_code == 200


def test_a_known_email_gets_a_reset_link_through_the_outbox(client, app, lea):
    response = client.post("/password/forgot", data={"email": " LEA@quantix.fr "})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    (sent,) = reset_emails(app)
    assert sent.to_address == "lea@quantix.fr" and sent.user_id == lea
    assert sent.status == EmailStatus.SENT  # handed to the mail backend after commit (inline jobs)
    assert LINK.search(sent.text_body) and LINK.search(sent.html_body)
    assert "60" in sent.text_body  # how long the link works, in minutes


def test_an_unknown_email_gets_the_same_answer_and_no_email(client, app, lea):
    known = client.post("/password/forgot", data={"email": "lea@quantix.fr"}, follow_redirects=True)
    unknown = client.post("/password/forgot", data={"email": "ghost@quantix.fr"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert len(reset_emails(app)) == 1


def test_the_link_sets_a_new_password_signs_in_afresh_and_is_audited(client, app, lea):
    token = request_link(client, app)
    assert client.get(f"/password/reset/{token}").headers["Referrer-Policy"] == "no-referrer"
    with client.session_transaction() as session:
        session["stale"] = "from before"
    response = change(client, token)
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "stale" not in session and session.get("_user_id", "").split(":")[0] == str(lea)
    with app.app_context():
        assert authenticate("lea@quantix.fr", NEW_PASSWORD) is not None
        assert authenticate("lea@quantix.fr", PASSWORD) is None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.password_reset"))
        assert entry is not None and entry.actor_id == lea


def test_the_reset_clears_a_lockout(client, app, lea):
    with app.app_context():
        user = db.session.get(User, lea)
        user.locked_until = utcnow() + timedelta(minutes=15)
        user.failed_logins = 3
        db.session.commit()
    token = request_link(client, app)
    assert change(client, token).status_code == 302
    client.post("/logout")
    assert login(client, "lea@quantix.fr", NEW_PASSWORD).status_code == 302


def test_a_link_works_only_once(client, app, lea):
    token = request_link(client, app)
    assert change(client, token).status_code == 302
    client.post("/logout")
    again = change(client, token, "Encore-Autre-Chemin-9")
    assert again.status_code == 400 and "/password/forgot" in again.get_data(as_text=True)
    with app.app_context():
        assert authenticate("lea@quantix.fr", NEW_PASSWORD) is not None


def test_an_expired_link_is_refused_and_changes_nothing(client, app, lea):
    class Yesterday(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 3601

    with app.app_context():
        user = db.session.get(User, lea)
        old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=reset.RESET_SALT, signer=Yesterday)
        token = old.dumps({"u": user.id, "f": reset._fingerprint(user)})
    assert client.get(f"/password/reset/{token}").status_code == 400
    response = change(client, token)
    assert response.status_code == 400 and "expir" in response.get_data(as_text=True).lower()
    with app.app_context():
        assert authenticate("lea@quantix.fr", PASSWORD) is not None


def test_a_tampered_link_is_refused(client, app, lea):
    token = request_link(client, app)
    payload, rest = token.split(".", 1)
    forged = ("A" if payload[0] != "A" else "B") + payload[1:] + "." + rest
    assert change(client, forged).status_code == 400
    with app.app_context():
        other = URLSafeTimedSerializer("another-secret-key-of-some-other-site", salt=reset.RESET_SALT)
        user = db.session.get(User, lea)
        foreign = other.dumps({"u": user.id, "f": reset._fingerprint(user)})
    assert change(client, foreign).status_code == 400
    assert change(client, "garbage").status_code == 400
    with app.app_context():
        assert authenticate("lea@quantix.fr", PASSWORD) is not None


def test_the_new_password_follows_the_rules_with_the_message_by_the_field(client, app, lea):
    token = request_link(client, app)
    response = change(client, token, "court")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'aria-describedby="password-hint password-error"' in page
    assert 'id="password-error"' in page
    with app.app_context():
        assert authenticate("lea@quantix.fr", PASSWORD) is not None
    assert change(client, token, "Quantix-Lea-Password!", "Quantix-Lea-Password!").status_code == 400
    assert change(client, token).status_code == 302  # the link still works after refusals


# --- the rules -------------------------------------------------------------------------


@pytest.mark.parametrize(("password", "code"), [
    ("Court-1", "password_too_short"),
    ("abcdefghijklmnop", "password_too_simple"),
    ("1234567890123456", "password_too_simple"),
    ("Motdepasse2026!", "password_too_common"),
    ("Azertyuiop-123", "password_too_common"),
    ("P4ssw0rd-1234", "password_too_common"),
    ("LeaMartin-2026!", "password_personal"),
    ("Chemin-Martin#12", "password_personal"),
    ("Quantix.fr-2026!", "password_personal"),
    (PASSWORD, None),
    ("Nouveau-Sentier-2027", None),
])
def test_password_rules(password, code):
    assert password_problem(password, email="lea.martin@quantix.fr", full_name="Léa Martin") == code


def test_registration_shows_the_rule_broken_next_to_the_password(client):
    response = client.post("/register", data={
        "organisation_name": "Nuage Souverain", "kind": "startup", "country": "FR", "siren": "732 829 320",
        "full_name": "Camille Martin", "email": "camille@nuage-souverain.fr",
        "password": "Camille-Martin-1", "password_confirm": "Camille-Martin-1",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    error = re.search(r'<p class="field-error" id="password-error">([^<]*)</p>', page)
    assert error is not None
    assert any(word in error.group(1).lower() for word in ("name", "nom"))
