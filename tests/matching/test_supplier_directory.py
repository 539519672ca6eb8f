"""Buyers search the supplier directory with facets; suppliers and visitors cannot."""

from __future__ import annotations

from app.extensions import db
from app.matching.indexing import reindex
from app.suppliers.models import Certification, CertificationKind, Solution, SupplierProfile
from tests.factories import login, make_org


def supplier(name, *, verified=True, secnumcloud=False, country="FR", text="Détection d'intrusion"):
    org, _ = make_org("startup", name=name, verified=verified)
    org.country = country
    db.session.add(SupplierProfile(organisation_id=org.id, headline=text, categories=["cyber.soc"]))
    db.session.add(Solution(organisation_id=org.id, name=f"{name} Sentinelle", summary=text,
                            category_code="cyber.soc"))
    if secnumcloud:
        db.session.add(Certification(organisation_id=org.id, kind=CertificationKind.SECNUMCLOUD, reference="SNC-1"))
    db.session.commit()
    return org


def test_a_buyer_finds_verified_suppliers_and_filters_on_secnumcloud(client, app):
    with app.app_context():
        supplier("Vigie Ponant", secnumcloud=True)
        supplier("Bastion Nord")
        supplier("Cachée", verified=False)
        make_org("administration", verified=True, email="buyer@ministere.gouv.fr")
        reindex("suppliers")
    login(client, "buyer@ministere.gouv.fr")
    page = client.get("/suppliers?q=intrusion").get_data(as_text=True)
    assert "Vigie Ponant" in page and "Bastion Nord" in page
    assert "Cachée" not in page  # unverified suppliers are not listed
    filtered = client.get("/suppliers?q=intrusion&flag=secnumcloud").get_data(as_text=True)
    assert "Vigie Ponant" in filtered and "Bastion Nord" not in filtered


def test_suppliers_and_visitors_cannot_browse_the_directory(client, app):
    with app.app_context():
        make_org("startup", verified=True, email="s@example.fr")
    assert client.get("/suppliers").status_code == 302  # sign in first
    login(client, "s@example.fr")
    assert client.get("/suppliers").status_code == 403
