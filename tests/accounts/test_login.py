"""Signing in and out."""

from app.extensions import db
from tests.factories import PASSWORD, login, make_org


def test_right_credentials_sign_in_whatever_the_email_case(client, app):
    with app.app_context():
        make_org("startup", name="Quantix", email="lea@quantix.fr")
    response = login(client, "  LEA@Quantix.fr ")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "User" in page and "Se déconnecter" in page


def test_wrong_password_is_refused_with_a_french_message(client, app):
    with app.app_context():
        make_org("startup", email="lea@quantix.fr")
    response = login(client, "lea@quantix.fr", "Wrong-Password-1")
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect" in response.get_data(as_text=True)
    assert "Se déconnecter" not in client.get("/").get_data(as_text=True)


def test_unknown_email_gets_the_same_message(client, app):
    response = login(client, "nobody@example.fr", PASSWORD)
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect" in response.get_data(as_text=True)


def test_sign_out_ends_the_session(client, app):
    with app.app_context():
        make_org("startup", email="lea@quantix.fr")
    login(client, "lea@quantix.fr")
    assert client.get("/organisation").status_code == 200
    assert client.post("/logout").status_code == 302
    response = client.get("/organisation")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_records_the_time_and_follows_next(client, app):
    with app.app_context():
        _org, user = make_org("startup", email="lea@quantix.fr")
        user_id = user.id
    response = client.post("/login?next=/organisation", data={"email": "lea@quantix.fr", "password": PASSWORD})
    assert response.headers["Location"].endswith("/organisation")
    with app.app_context():
        from app.accounts.models import User

        assert db.session.get(User, user_id).last_login_at is not None


def test_next_never_leaves_the_site(client, app):
    with app.app_context():
        make_org("startup", email="lea@quantix.fr")
    response = client.post("/login?next=//evil.example/", data={"email": "lea@quantix.fr", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_inactive_accounts_cannot_sign_in(client, app):
    with app.app_context():
        _org, user = make_org("startup", email="lea@quantix.fr")
        user.active = False
        db.session.commit()
    assert login(client, "lea@quantix.fr").status_code == 401


def test_forms_without_csrf_token_are_refused(csrf_app):
    with csrf_app.app_context():
        make_org("startup", email="lea@quantix.fr")
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "lea@quantix.fr", "password": PASSWORD})
    assert response.status_code == 400
    assert "Se déconnecter" not in client.get("/").get_data(as_text=True)
