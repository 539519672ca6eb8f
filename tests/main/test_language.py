"""French by default, English on request, and the switch that brings you back."""

from __future__ import annotations

import pytest

from app.accounts.models import User
from app.extensions import db
from tests.factories import login, make_org


def test_the_interface_speaks_french_by_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Se connecter" in html and "S’inscrire" in html


def test_lang_en_in_the_address_gives_english_and_is_remembered(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sign in" in html and "Se connecter" not in html
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_the_language_switch_goes_back_to_the_same_page(client):
    response = client.get("/lang/en?next=/nowhere%3Fpage%3D2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/nowhere?page=2"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    client.get("/lang/fr?next=/")
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_switch_links_point_back_here_without_the_previous_choice(client):
    html = client.get("/?lang=en&page=2").get_data(as_text=True)
    assert 'href="/lang/fr?next=/?page%3D2"' in html or 'href="/lang/fr?next=/%3Fpage%3D2"' in html
    assert "lang%3Den" not in html


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_the_language_switch_never_sends_visitors_to_another_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_an_unknown_language_changes_nothing(client):
    client.get("/lang/de?next=/")
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_a_signed_in_user_finds_the_chosen_language_on_another_device(client, app):
    with app.app_context():
        make_org("startup", email="lea@quantix.fr")
    login(client, "lea@quantix.fr")
    client.get("/lang/en?next=/")
    with app.app_context():
        assert db.session.scalar(db.select(User.locale).where(User.email == "lea@quantix.fr")) == "en"
    client.delete_cookie("session")  # another device: nothing remembered but the account
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)
    login(client, "lea@quantix.fr")
    assert "Sign out" in client.get("/").get_data(as_text=True)
