"""Searching needs never reveals a need the viewer may not see, on the real engine.

The embedded engine runs here (always); the same code path serves Meilisearch.
"""

from __future__ import annotations

import itertools

from sqlalchemy import select

from app.accounts.models import Role
from app.extensions import db
from app.matching.indexing import reindex
from app.matching.search import NeedSearch, search_needs
from app.needs.models import Need, NeedStatus, Visibility
from app.needs.policy import Viewer, can_view_need
from tests.factories import login, make_member, make_need, make_operator, make_org


def viewer_of(user):
    return Viewer.of(user, user.memberships[0] if user.memberships else None)


def test_every_role_finds_exactly_the_needs_it_may_see(app_ctx):
    buyer, buyer_owner = make_org("administration", verified=True)
    ambassador = make_member(buyer, role=Role.AMBASSADOR)
    _other, other_buyer = make_org("corporate", verified=True)
    _v, verified = make_org("startup", verified=True)
    _u, unverified = make_org("startup", verified=False)
    invited_org, invited = make_org("sme", verified=False)
    operator = make_operator()
    db.session.commit()
    for status, visibility in itertools.product(NeedStatus, Visibility):
        make_need(buyer, status=status.value, visibility=visibility.value, invited=[invited_org],
                  title=f"Plateforme cybersécurité {status.value} {visibility.value}")
    assert reindex("needs") == {"needs": len(NeedStatus) * len(Visibility)}

    viewers = {
        "anonymous": Viewer.anonymous(), "buyer_owner": viewer_of(buyer_owner), "ambassador": viewer_of(ambassador),
        "other_buyer": viewer_of(other_buyer), "verified_supplier": viewer_of(verified),
        "unverified_supplier": viewer_of(unverified), "invited_supplier": viewer_of(invited),
        "operator": Viewer.of(operator),
    }
    needs = db.session.scalars(select(Need)).all()
    for name, viewer in viewers.items():
        for text in ("", "cybersecurite", "plateforme"):
            params = NeedSearch(q=text, status="all")
            found = {h.need.id for h in search_needs(viewer, params, per_page=100).hits}
            # drafts are never in search results (a buyer finds them under "our needs")
            allowed = {n.id for n in needs if can_view_need(viewer, n) and n.status != NeedStatus.DRAFT}
            assert found == allowed, (name, text)


def test_anonymous_search_page_never_shows_a_restricted_title(client, app):
    with app.app_context():
        buyer, _ = make_org("corporate", verified=True)
        make_need(buyer, visibility="restricted", title="Confidentiel quantique", route="private")
        make_need(buyer, visibility="public", title="Ouvert quantique", route="private")
        reindex("needs")
    page = client.get("/needs?q=quantique").get_data(as_text=True)
    assert "Ouvert" in page and "Confidentiel" not in page
    partial = client.get("/needs?q=quanti&partial=1").get_data(as_text=True)
    assert "Ouvert" in partial and "Confidentiel" not in partial


def test_a_verified_supplier_finds_restricted_needs_with_typos(client, app):
    with app.app_context():
        buyer, _ = make_org("corporate", verified=True)
        make_need(buyer, visibility="restricted", title="Détection d'intrusion souveraine", route="private")
        make_org("startup", verified=True, email="s@example.fr")
        reindex("needs")
    login(client, "s@example.fr")
    page = client.get("/needs?q=intrusoin").get_data(as_text=True)  # one typo
    assert "intrusion" in page.lower()
