"""The buyer sees suggested suppliers with their score and reasons, and invites one in one click."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.models import Role
from app.extensions import db
from app.matching.matching_needs import needs_for_supplier
from app.needs.models import Invitation
from tests.factories import login, make_member, make_org
from tests.matching.test_suggestions import need_for, soc_market, supplier
from tests.needs.builders import english


def suggestion_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-marker="suggestion" data-supplier="(\d+)"', html)]


def test_the_buyer_sees_suggestions_with_score_and_reasons_on_its_need(client, app):
    with app.app_context():
        _buyer, need, market = soc_market()
        reference, vigie_id = need.reference, market["vigie"].id
    login(client, "buyer@min.gouv.fr")
    english(client)
    html = client.get(f"/needs/{reference}").get_data(as_text=True)
    assert "Suggested suppliers" in html
    assert suggestion_ids(html)[0] == vigie_id
    assert re.search(r'data-marker="match-score"[^>]*>\d{1,3}/100<', html)
    assert "Categories: Cybersecurity / Detection and response (SOC, EDR)" in html
    assert "Words in common: Supervision, sécurité, SOC" in html
    assert f'name="supplier_id" value="{vigie_id}"' in html and "Invite Vigie Ponant" in html
    assert "Cachée SOC" not in html  # unverified


def test_one_click_invites_the_supplier_who_then_sees_the_invitation_only_need(client, app):
    with app.app_context():
        buyer, _need, market = soc_market()
        vigie_id = market["vigie"].id
        need = need_for(buyer, title="Supervision de sécurité et SOC managé", summary="Détection des incidents",
                        categories=("cyber.soc",), visibility="invitation")
        reference = need.reference
        vigie_email = market["vigie"].memberships[0].user.email
    login(client, vigie_email)
    assert client.get(f"/needs/{reference}").status_code == 404  # not invited: it does not exist for them
    client.post("/logout")

    login(client, "buyer@min.gouv.fr")
    english(client)
    response = client.post(f"/needs/{reference}/invite", data={"supplier_id": str(vigie_id), "back": "need"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/needs/{reference}#suggestions")
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.supplier_id == vigie_id))
        assert invitation is not None and invitation.need.reference == reference
    page = client.get(f"/needs/{reference}").get_data(as_text=True)
    card = page[page.index(f'data-supplier="{vigie_id}"'):]
    card = card[: card.index("</ol>")].split('data-marker="suggestion"')[0]
    assert 'data-marker="invited"' in card and "Invite Vigie Ponant" not in card  # marked, no second button
    # inviting twice from the page says so and goes back to the page
    again = client.post(f"/needs/{reference}/invite", data={"supplier_id": str(vigie_id), "back": "need"})
    assert again.status_code == 302
    client.post("/logout")

    login(client, vigie_email)
    assert client.get(f"/needs/{reference}").status_code == 200
    with app.app_context():
        from app.accounts.models import Organisation

        found = needs_for_supplier(db.session.get(Organisation, vigie_id))
        assert reference in [s.need.reference for s in found]


def test_only_the_buyers_agents_see_suggestions(client, app):
    with app.app_context():
        buyer, need, market = soc_market()
        make_member(buyer, role=Role.AMBASSADOR, email="ambassador@min.gouv.fr")
        reference = need.reference
        vigie_email = market["vigie"].memberships[0].user.email
        make_org("corporate", verified=True, email="other@groupe.fr")
    for email in ("ambassador@min.gouv.fr", vigie_email, "other@groupe.fr"):
        login(client, email)
        english(client)
        html = client.get(f"/needs/{reference}").get_data(as_text=True)
        assert "Suggested suppliers" not in html and not suggestion_ids(html), email
        client.post("/logout")


def test_a_draft_shows_suggestions_and_what_already_exists_for_its_words(client, app):
    with app.app_context():
        buyer, _need, _market = soc_market()
        draft = need_for(buyer, title="SOC managé pour nos hôpitaux", summary="Supervision de sécurité",
                         categories=("cyber.soc",), status="draft")
        reference = draft.reference
    login(client, "buyer@min.gouv.fr")
    english(client)
    html = client.get(f"/needs/{reference}").get_data(as_text=True)
    assert "Suggested suppliers" in html and suggestion_ids(html)
    assert "What already exists" in html and "Vigie SOC" in html  # an off-the-shelf solution


def test_a_closed_need_shows_no_suggestions(client, app):
    with app.app_context():
        buyer, _need, _market = soc_market()
        closed = need_for(buyer, title="SOC managé", summary="Supervision", categories=("cyber.soc",),
                          status="closed")
        reference = closed.reference
    login(client, "buyer@min.gouv.fr")
    english(client)
    assert "Suggested suppliers" not in client.get(f"/needs/{reference}").get_data(as_text=True)


def test_the_need_page_answers_when_the_engine_is_down(client, app):
    from tests.matching.test_indexing import DownEngine

    with app.app_context():
        _buyer, need, _market = soc_market()
        reference = need.reference
    login(client, "buyer@min.gouv.fr")
    english(client)
    real = app.extensions.get("tremplin.search")
    app.extensions["tremplin.search"] = DownEngine()
    try:
        response = client.get(f"/needs/{reference}")
        invite_page = client.get(f"/needs/{reference}/invite")
    finally:
        app.extensions["tremplin.search"] = real
    assert response.status_code == 200
    assert "Suggestions are unavailable for the moment" in response.get_data(as_text=True)
    assert invite_page.status_code == 200
    assert "Vigie Ponant" in invite_page.get_data(as_text=True)  # the category list, without the engine


def test_the_one_click_invitation_carries_its_csrf_token(app, csrf_app):
    from tests.bids.test_csrf import token

    with csrf_app.app_context():
        buyer, _ = make_org("administration", verified=True, email="acheteur@min.gouv.fr")
        vigie = supplier("Vigie Ponant", categories=["cyber.soc"], headline="SOC managé")
        need = need_for(buyer, title="SOC managé", summary="Supervision", categories=("cyber.soc",))
        reference, vigie_id = need.reference, vigie.id
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": "acheteur@min.gouv.fr", "password": "Correct-Horse-42",
                                "csrf_token": token(page)})
    data = {"supplier_id": str(vigie_id), "back": "need"}
    assert client.post(f"/needs/{reference}/invite", data=data).status_code == 400  # no token
    html = client.get(f"/needs/{reference}").get_data(as_text=True)
    form = html[html.index(f'data-supplier="{vigie_id}"'):]
    response = client.post(f"/needs/{reference}/invite", data={**data, "csrf_token": token(form)})
    assert response.status_code == 302
    with csrf_app.app_context():
        assert db.session.scalar(select(Invitation.supplier_id)) == vigie_id
