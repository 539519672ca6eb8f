"""Error pages: friendly, in the reader's language, with a way back."""

from __future__ import annotations


def test_a_missing_page_is_explained_in_french_with_a_way_home(client):
    response = client.get("/ce-lien-est-casse")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Page introuvable" in html
    assert "Cette page n’existe pas ou n’est plus disponible." in html
    assert '<a class="button" href="/">Retour à l’accueil</a>' in html
    assert "Menu principal" in html  # the normal layout, not a bare server page


def test_a_missing_page_in_english(client):
    html = client.get("/broken-link?lang=en").get_data(as_text=True)
    assert "Page not found" in html and "Back to the home page" in html


def test_a_wrong_method_gets_a_friendly_page_and_keeps_the_allow_header(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "Action non autorisée" in response.get_data(as_text=True)


def test_a_page_reserved_to_the_operator_says_access_is_denied(client, app):
    from tests.factories import login, make_org

    with app.app_context():
        make_org("startup", email="lea@quantix.fr")
    login(client, "lea@quantix.fr")
    response = client.get("/operator/organisations")
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


def test_api_clients_get_problem_details_in_json(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.get_json()["title"] == "Introuvable"
