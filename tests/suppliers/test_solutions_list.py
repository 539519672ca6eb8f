"""The supplier's own solutions are paged in SQL by name and, when none, invite to add the first."""

from __future__ import annotations

from html import unescape

from app.extensions import db
from app.suppliers import services
from tests.factories import login, make_org


def test_solutions_beyond_a_page_are_on_the_next_page_by_name(app, client):
    with app.app_context():
        supplier, owner = make_org("startup", verified=True, email="owner@juriscope.fr")
        for n in range(21):
            services.create_solution(supplier, by=owner, values={
                "name": f"Outil {n:02d}", "summary": "Analyse de contrats", "category_code": "ai.nlp"})
        db.session.commit()
    client.get("/lang/en")
    login(client, "owner@juriscope.fr")

    first = client.get("/supplier/solutions").get_data(as_text=True)
    second = client.get("/supplier/solutions?page=2").get_data(as_text=True)

    assert "Outil 00" in first and "Outil 19" in first and "Outil 20" not in first
    assert "Outil 20" in second and "Outil 19" not in second
    assert "21 solutions" in first and "Page 1 of 2" in first and "Page 2 of 2" in second


def test_no_solution_invites_to_add_the_first(app, client):
    with app.app_context():
        make_org("startup", verified=True, email="owner@juriscope.fr")
    client.get("/lang/en")
    login(client, "owner@juriscope.fr")

    page = unescape(client.get("/supplier/solutions").get_data(as_text=True))

    assert 'data-marker="no-solutions"' in page
    assert '<a class="button" href="/supplier/solutions/new">Add your first solution</a>' in page


def test_the_public_profile_pages_the_solutions_and_invites_its_owner_to_add_one(app, client):
    with app.app_context():
        supplier, owner = make_org("startup", verified=True, email="owner@juriscope.fr", name="Juriscope")
        bare, _ = make_org("startup", verified=True, email="owner@bare.fr", name="Bare")
        make_org("administration", verified=True, email="buyer@min.gouv.fr")
        for n in range(21):
            services.create_solution(supplier, by=owner, values={
                "name": f"Outil {n:02d}", "summary": "Analyse de contrats", "category_code": "ai.nlp"})
        db.session.commit()
        slugs = (supplier.slug, bare.slug)
    client.get("/lang/en")
    login(client, "buyer@min.gouv.fr")

    second = client.get(f"/suppliers/{slugs[0]}?page=2").get_data(as_text=True)
    bare_seen_by_buyer = client.get(f"/suppliers/{slugs[1]}").get_data(as_text=True)
    client.post("/logout")
    login(client, "owner@bare.fr")
    bare_seen_by_owner = client.get(f"/suppliers/{slugs[1]}").get_data(as_text=True)

    assert "Outil 20" in second and "Outil 19" not in second and "Page 2 of 2" in second
    assert "No solution described yet." in bare_seen_by_buyer and 'data-marker="no-solutions"' not in bare_seen_by_buyer
    assert 'data-marker="no-solutions"' in bare_seen_by_owner and 'href="/supplier/solutions/new"' in bare_seen_by_owner


def test_certifications_beyond_a_page_are_on_the_next_page_and_none_invites_to_add_one(app, client):
    from app.suppliers.models import Certification, CertificationKind

    with app.app_context():
        supplier, _owner = make_org("startup", verified=True, email="owner@juriscope.fr")
        make_org("startup", verified=True, email="owner@bare.fr")
        for n in range(21):
            db.session.add(Certification(organisation_id=supplier.id, kind=CertificationKind.ISO27001,
                                         reference=f"CERT-{n:02d}"))
        db.session.commit()
    client.get("/lang/en")
    login(client, "owner@juriscope.fr")

    first = client.get("/supplier/certifications").get_data(as_text=True)
    second = client.get("/supplier/certifications?page=2").get_data(as_text=True)
    client.post("/logout")
    login(client, "owner@bare.fr")
    empty = unescape(client.get("/supplier/certifications").get_data(as_text=True))

    assert "CERT-00" in first and "CERT-19" in first and "CERT-20" not in first
    assert "CERT-20" in second and "CERT-19" not in second and "Page 2 of 2" in second
    assert 'data-marker="no-certifications"' in empty and 'href="/supplier/certifications/new"' in empty


def test_the_public_profile_pages_the_certifications(app, client):
    from app.suppliers.models import Certification, CertificationKind

    with app.app_context():
        supplier, _owner = make_org("startup", verified=True, email="owner@juriscope.fr")
        make_org("administration", verified=True, email="buyer@min.gouv.fr")
        for n in range(21):
            db.session.add(Certification(organisation_id=supplier.id, kind=CertificationKind.ISO27001,
                                         reference=f"CERT-{n:02d}"))
        db.session.commit()
        slug = supplier.slug
    client.get("/lang/en")
    login(client, "buyer@min.gouv.fr")

    first = client.get(f"/suppliers/{slug}").get_data(as_text=True)
    second = client.get(f"/suppliers/{slug}?certifications_page=2").get_data(as_text=True)

    assert "CERT-19" in first and "CERT-20" not in first
    assert "CERT-20" in second and "CERT-19" not in second
    assert f"/suppliers/{slug}?certifications_page=1#certifications-title" in second
