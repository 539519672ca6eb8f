"""The home page: what each kind of visitor sees first."""

from __future__ import annotations

import re

from app.accounts.models import Role
from app.accounts.services import create_user
from app.bids.models import BidStatus
from app.commitments.models import PurchaseStatus
from app.extensions import db
from app.needs.models import NeedStatus, Visibility
from tests.factories import PASSWORD, login, make_member, make_operator, make_org
from tests.main.builders import declare_purchase, invite, make_bid, make_need

NNBSP = "\u202f"  # the thousands separator of French amounts
NBSP = "\u00a0"


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _stat_match(html: str, label: str):
    pattern = r'<p class="stat-value">(\d+)</p>\s*<p class="stat-label">(?:<a [^>]*>)?' + re.escape(label) + "(?:</a>)?</p>"
    return re.search(pattern, html)


def stat(html: str, label: str) -> int:
    """The figure shown above a label in a stat box."""
    match = _stat_match(html, label)
    assert match, f"no figure labelled {label!r}"
    return int(match.group(1))


def has_stat(html: str, label: str) -> bool:
    return _stat_match(html, label) is not None


# --- Visitors ----------------------------------------------------------------------------


def test_visitors_see_what_tremplin_is_and_how_to_join(client):
    html = page(client.get("/"))
    assert '<html lang="fr">' in html
    assert "Les besoins technologiques de l’État et des grands groupes" in html
    assert 'href="/register"' in html and 'href="/login"' in html
    assert "Aucun besoin public n’est ouvert aux offres pour le moment" in html


def test_visitors_see_the_latest_open_public_needs_and_the_figures(client, app):
    with app.app_context():
        ministry, _ = make_org("administration", name="Ministère des Essais", verified=True)
        make_need(ministry, title="Plateforme de données ouvertes", budget=(150_000_00, 1_200_000_00))
        make_need(ministry, title="Assistant juridique souverain")
        make_need(ministry, title="Besoin clos", deadline_in_days=-2)
        make_need(ministry, title="Besoin en brouillon", status=NeedStatus.DRAFT)
        make_org("startup", verified=True)
        make_org("sme", verified=True)
        make_org("startup", verified=False)
    html = page(client.get("/"))
    assert "Plateforme de données ouvertes" in html and "Assistant juridique souverain" in html
    assert "Ministère des Essais" in html
    assert f"de 150{NNBSP}000{NBSP}€ à 1{NNBSP}200{NNBSP}000{NBSP}€" in html
    assert "Besoin clos" not in html and "Besoin en brouillon" not in html
    assert stat(html, "besoins publics ouverts aux offres") == 2
    assert stat(html, "startups et PME vérifiées") == 2


def test_restricted_and_invitation_only_needs_never_reach_the_public_home(client, app):
    with app.app_context():
        ministry, _ = make_org("administration", name="Ministère Discret", verified=True)
        make_need(ministry, title="Besoin ouvert à tous")
        make_need(ministry, title="Audit réservé", summary="Secret audit scope", visibility=Visibility.RESTRICTED,
                  anonymised=True)
        make_need(ministry, title="Mission sur invitation", summary="Invite-only scope",
                  visibility=Visibility.INVITATION)
    html = page(client.get("/"))
    assert "Besoin ouvert à tous" in html
    for leaked in ("Audit réservé", "Secret audit scope", "Mission sur invitation", "Invite-only scope", "A ministry"):
        assert leaked not in html
    assert stat(html, "besoin public ouvert aux offres") == 1


# --- Suppliers ---------------------------------------------------------------------------


def test_an_unverified_supplier_sees_its_state_its_profile_and_its_bids(client, app):
    with app.app_context():
        ministry, _ = make_org("administration", verified=True)
        startup, _ = make_org("startup", name="Quantix", email="lea@quantix.fr")
        open_need = make_need(ministry, title="Cartographie des risques")
        closed_need = make_need(ministry, title="Refonte du portail", status=NeedStatus.CLOSED)
        make_need(ministry, title="Réservé", visibility=Visibility.RESTRICTED)
        make_bid(open_need, startup, status=BidStatus.SUBMITTED, price_cents=12_500_000_00)
        make_bid(closed_need, startup, status=BidStatus.REJECTED)
    login(client, "lea@quantix.fr")
    html = page(client.get("/"))
    assert "Tableau de bord fournisseur" in html and "Quantix" in html
    assert "En attente de vérification" in html
    assert "les besoins réservés aux fournisseurs vérifiés vous restent masqués" in html
    assert not has_stat(html, "besoin réservé aux fournisseurs vérifiés")
    assert not has_stat(html, "besoins réservés aux fournisseurs vérifiés")
    assert f"Profil complété{NBSP}: 0 sur 6 étapes" in html
    assert "Au moins une solution" in html
    assert "Cartographie des risques" in html and "Déposée" in html
    assert f"12{NNBSP}500{NNBSP}000{NBSP}€" in html
    assert "Refonte du portail" in html and "Non retenue" in html
    assert stat(html, "besoin public ouvert aux offres") == 1
    assert stat(html, "offres") == 2


def test_a_verified_supplier_is_told_about_reserved_needs_and_invitations(client, app):
    with app.app_context():
        ministry, _ = make_org("administration", verified=True)
        startup, _ = make_org("startup", email="lea@quantix.fr", verified=True)
        make_need(ministry, visibility=Visibility.RESTRICTED)
        make_need(ministry, visibility=Visibility.RESTRICTED)
        invite(make_need(ministry, visibility=Visibility.INVITATION), startup)
    login(client, "lea@quantix.fr")
    html = page(client.get("/"))
    assert "Vérifiée" in html and "Votre organisation a été vérifiée le" in html
    assert stat(html, "besoins réservés aux fournisseurs vérifiés") == 2
    assert stat(html, "invitation à remettre une offre") == 1
    assert "Vous n’avez encore répondu à aucun besoin" in html


# --- Buyers and ambassadors --------------------------------------------------------------


def test_a_buyer_sees_its_needs_by_status_and_the_bids_it_received(client, app):
    with app.app_context():
        ministry, _ = make_org("administration", name="Ministère A", email="acheteur@ministere.gouv.fr")
        other, _ = make_org("administration", name="Ministère B")
        startup, _ = make_org("startup", name="Quantix")
        drafting, _ = make_org("sme", name="Brouillonne SARL")
        published = make_need(ministry, title="Messagerie souveraine")
        make_need(ministry, title="Étude préalable", status=NeedStatus.DRAFT)
        make_need(ministry, title="Hébergement attribué", status=NeedStatus.AWARDED)
        make_need(other, title="Besoin du ministère voisin")
        make_bid(published, startup, status=BidStatus.SUBMITTED)
        make_bid(published, drafting, status=BidStatus.DRAFT)
    login(client, "acheteur@ministere.gouv.fr")
    html = page(client.get("/"))
    assert "Tableau de bord acheteur" in html and "Ministère A" in html
    assert "Messagerie souveraine" in html and "Étude préalable" in html and "Hébergement attribué" in html
    assert "Besoin du ministère voisin" not in html
    groups = re.findall(r'<h3 id="needs-(\w+)">', html)
    assert groups == ["draft", "published", "awarded"]
    assert stat(html, "besoins") == 3
    assert stat(html, "besoin ouvert aux offres") == 1
    # A draft bid is the supplier's private work: the buyer neither counts nor sees it.
    assert stat(html, "offre reçue") == 1
    assert "Brouillonne SARL" not in html
    # The submitted bid is sealed until the deadline: listed, its supplier not named yet.
    assert "Quantix" not in html and "Sous pli scellé jusqu’à la date limite" in html


def test_the_buyer_dashboard_names_a_bid_supplier_only_once_bids_are_unsealed(client, app):
    with app.app_context():
        ministry, _ = make_org("administration", name="Ministère A", email="acheteur@ministere.gouv.fr")
        sealed = make_need(ministry, title="Messagerie souveraine")
        past = make_need(ministry, title="Hébergement des archives", deadline_in_days=-1)
        for need, name in ((sealed, "Quantix"), (past, "Archivia")):
            supplier, _ = make_org("startup", name=name)
            make_bid(need, supplier, status=BidStatus.SUBMITTED)
    login(client, "acheteur@ministere.gouv.fr")
    html = page(client.get("/"))
    # Public procurement: a sealed bid is counted, its supplier named only after the deadline.
    assert stat(html, "offres reçues") == 2
    assert "Messagerie souveraine" in html and "Quantix" not in html
    assert "Sous pli scellé jusqu’à la date limite" in html
    assert "Hébergement des archives" in html and "Archivia" in html


def test_the_buyer_dashboard_names_the_supplier_of_a_bid_that_is_not_sealed(client, app):
    with app.app_context():
        group, _ = make_org("corporate", name="Groupe C", email="achats@groupe-c.fr")
        need = make_need(group, title="Portail fournisseurs", sealed_bids=False)
        supplier, _ = make_org("startup", name="Portalis")
        make_bid(need, supplier, status=BidStatus.SUBMITTED)
    login(client, "achats@groupe-c.fr")
    html = page(client.get("/"))
    # A private purchase whose bids are read as they arrive.
    assert "Portalis" in html and "Sous pli scellé" not in html


def test_an_ambassador_sees_the_organisation_needs_and_where_suggestions_will_be(client, app):
    with app.app_context():
        group, _ = make_org("corporate", name="Groupe Industriel", verified=True)
        make_member(group, role=Role.AMBASSADOR, email="ambassadrice@groupe.fr")
        make_need(group, title="Jumeau numérique industriel")
        make_need(group, title="Maintenance prédictive", status=NeedStatus.CLOSED)
    login(client, "ambassadrice@groupe.fr")
    html = page(client.get("/"))
    assert "Tableau de bord ambassadeur" in html and "Groupe Industriel" in html
    assert "Jumeau numérique industriel" in html and "Maintenance prédictive" in html
    assert "Publié" in html and "Clos" in html
    assert "Fournisseurs suggérés" in html


# --- Operator and users without an organisation ------------------------------------------


def test_the_operator_sees_organisations_and_purchases_awaiting_verification(client, app):
    with app.app_context():
        make_org("startup", name="Nouvelle Pousse")
        make_org("administration", name="Agence Déjà Vérifiée", verified=True)
        group, _ = make_org("corporate", verified=True)
        declare_purchase(group, amount_cents=40_000_00)
        declare_purchase(group, amount_cents=60_000_00)
        declare_purchase(group, amount_cents=99_000_00, status=PurchaseStatus.VERIFIED)
        make_operator(email="ops@tremplin.example")
        db.session.commit()
    login(client, "ops@tremplin.example")
    html = page(client.get("/"))
    assert "Tableau de bord opérateur" in html
    assert "Nouvelle Pousse" in html and "Agence Déjà Vérifiée" not in html
    assert stat(html, "organisation en attente de vérification") == 1
    assert stat(html, "achats déclarés en attente de vérification") == 2
    assert f"100{NNBSP}000{NBSP}€" in html
    assert 'href="/operator/organisations"' in html  # the verification queue


def test_a_user_without_organisation_is_told_what_to_do(client, app):
    with app.app_context():
        create_user(email="seul@example.fr", password=PASSWORD, full_name="Camille Seule")
        db.session.commit()
    login(client, "seul@example.fr")
    html = page(client.get("/"))
    assert "Bienvenue, Camille Seule" in html
    assert "Votre compte n’est encore rattaché à aucune organisation" in html


# --- The layout --------------------------------------------------------------------------


def test_signed_in_users_see_their_organisation_a_role_menu_and_a_sign_out_button(client, app):
    with app.app_context():
        make_org("startup", name="Quantix", email="lea@quantix.fr")
    login(client, "lea@quantix.fr")
    html = page(client.get("/"))
    assert re.search(r'<nav class="main-nav" aria-label="Menu principal">', html)
    assert '<a href="/" aria-current="page">Tableau de bord</a>' in html
    assert '<a href="/organisation">Organisation</a>' in html
    assert re.search(r'<form method="post" action="/logout"[^>]*>\s*<input type="hidden" name="csrf_token"', html)
    assert "Quantix" in html


def test_every_page_has_a_skip_link_landmarks_and_no_inline_script(client):
    html = page(client.get("/"))
    assert '<a class="skip-link" href="#main">Aller au contenu</a>' in html
    for landmark in ("<header", '<main id="main"', "<footer", "<nav"):
        assert landmark in html
    # scripts are files the app serves (htmx and its companion), never inline code
    scripts = re.findall(r"<script\b[^>]*>.*?</script>", html, re.DOTALL)
    assert scripts and all(re.fullmatch(r'<script src="/static/[^"]+\.js" defer></script>', s) for s in scripts)
    assert html.count("<script") == len(scripts) and "style=" not in html and " hx-on" not in html
    assert re.search(r'<link rel="stylesheet" href="/static/css/app\.css', html)
    assert "http://" not in html and "https://" not in html  # no CDN, no external font


def test_the_stylesheet_is_served(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert ":focus-visible" in response.get_data(as_text=True)
