"""Registering an organisation with its first user, through the web form."""

from sqlalchemy import func, select

from app.accounts.models import Membership, Organisation, Role, User
from app.extensions import db
from tests.factories import PASSWORD


def form(**overrides):
    data = {
        "organisation_name": "Nuage Souverain",
        "kind": "startup",
        "country": "FR",
        "siren": "732 829 320",
        "siret": "",
        "vat_number": "",
        "full_name": "Camille Martin",
        "email": "  Camille.Martin@Nuage-Souverain.FR ",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    data.update(overrides)
    return data


def counts():
    return (
        db.session.scalar(select(func.count()).select_from(Organisation)),
        db.session.scalar(select(func.count()).select_from(User)),
    )


def test_a_french_startup_registers_and_lands_signed_in(client, app):
    response = client.post("/register", data=form())
    assert response.status_code == 302
    home = client.get("/")
    assert "Camille Martin" in home.get_data(as_text=True)
    with app.app_context():
        org = db.session.scalar(select(Organisation))
        user = db.session.scalar(select(User))
        assert (org.name, org.siren, org.country) == ("Nuage Souverain", "732829320", "FR")
        assert org.verified_at is None  # the operator verifies it later
        assert user.email == "camille.martin@nuage-souverain.fr"  # normalised
        assert user.password_hash.startswith("$argon2id$")
        membership = db.session.scalar(select(Membership))
        assert membership.role == Role.OWNER and membership.organisation_id == org.id


def test_an_eu_company_registers_with_its_vat_number(client, app):
    response = client.post(
        "/register",
        data=form(country="DE", siren="", vat_number="DE 136 695 976", kind="sme", email="jan@beispiel.de"),
    )
    assert response.status_code == 302
    with app.app_context():
        org = db.session.scalar(select(Organisation))
        assert (org.country, org.vat_number, org.siren) == ("DE", "DE136695976", None)


def test_an_invalid_siren_is_refused_in_french_and_nothing_is_created(client, app):
    response = client.post("/register", data=form(siren="732 829 321"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Ce numéro SIREN n’est pas valide" in page
    assert 'aria-invalid="true"' in page
    with app.app_context():
        assert counts() == (0, 0)


def test_a_french_organisation_without_siren_is_told_what_is_missing(client, app):
    response = client.post("/register", data=form(siren=""))
    assert response.status_code == 400
    assert "SIREN ou SIRET est obligatoire" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == (0, 0)


def test_an_invalid_vat_number_is_refused_in_english_when_chosen(client, app):
    client.get("/lang/en")
    response = client.post("/register", data=form(country="IT", siren="", vat_number="IT00000000001"))
    assert response.status_code == 400
    assert "This VAT number is not valid for the chosen country." in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == (0, 0)


def test_a_duplicate_email_in_another_case_is_refused(client, app):
    assert client.post("/register", data=form()).status_code == 302
    client.post("/logout")
    response = client.post(
        "/register",
        data=form(organisation_name="Autre", siren="552 100 554", email="CAMILLE.MARTIN@nuage-souverain.fr"),
    )
    assert response.status_code == 400
    assert "Un compte existe déjà avec cette adresse" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == (1, 1)


def test_an_organisation_already_registered_is_refused(client, app):
    assert client.post("/register", data=form()).status_code == 302
    client.post("/logout")
    response = client.post("/register", data=form(email="other@example.fr"))
    assert response.status_code == 400
    assert "déjà inscrite" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == (1, 1)


def test_a_weak_password_gets_a_clear_rule(client, app):
    response = client.post("/register", data=form(password="short", password_confirm="short"))
    assert response.status_code == 400
    assert "au moins 12 caractères" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == (0, 0)


def test_the_operator_kind_cannot_be_chosen_at_registration(client, app):
    response = client.post("/register", data=form(kind="operator"))
    assert response.status_code == 400
    with app.app_context():
        assert counts() == (0, 0)


def test_an_organisation_named_like_a_url_word_gets_a_slug_of_its_own(app_ctx):
    """« Me » would be /suppliers/me, the API's own organisation: its slug becomes me-2."""
    from tests.factories import make_org

    first, _ = make_org("startup", name="Me")
    second, _ = make_org("startup", name="ME")
    assert first.slug == "me-2" and second.slug == "me-3"
