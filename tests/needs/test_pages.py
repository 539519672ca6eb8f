"""Browsing needs, reading one, and a buyer's own list: only what the viewer may see."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from markupsafe import Markup

from app.accounts.models import Role
from app.extensions import db
from app.needs.models import Need
from tests.factories import login, make_member, make_need, make_org
from tests.needs.builders import english


def titles(html: str, candidates) -> set[str]:
    text = re.sub(r"</?mark>", "", html)  # search results highlight the words found
    return {t for t in candidates if t in text}


@pytest.fixture()
def market(client, app):
    with app.app_context():
        ministry, _ = make_org("administration", name="Ministère des Essais", email="buyer@min.gouv.fr",
                               verified=True)
        make_member(ministry, role=Role.AMBASSADOR, email="ambassadeur@min.gouv.fr")
        bank, _ = make_org("corporate", name="Banque Secrète", email="achats@banque.fr", verified=True)
        make_org("startup", email="verified@startup.fr", verified=True)
        make_org("startup", email="unverified@startup.fr", verified=False)
        invited, _ = make_org("sme", email="invited@pme.fr", verified=False)
        make_need(ministry, title="Alpha public IA", categories=("ai.llm",), budget_eur=(150_000, 400_000))
        make_need(ministry, title="Bravo public cyber", categories=("cyber.soc",), budget_eur=(20_000, 50_000),
                  deadline_in_days=5)
        make_need(bank, title="Charlie restreint", visibility="restricted", anonymised=True,
                  categories=("cloud.hosting",))
        make_need(bank, title="Delta invitation", visibility="invitation", invited=[invited])
        make_need(ministry, title="Echo brouillon", status="draft")
        make_need(ministry, title="Foxtrot clos", status="closed")
        make_need(ministry, title="Golf 100% attribué", status="awarded")
    english(client)
    return None


ALL = ("Alpha public IA", "Bravo public cyber", "Charlie restreint", "Delta invitation", "Echo brouillon",
       "Foxtrot clos", "Golf 100% attribué")


@pytest.mark.parametrize("email, expected", [
    (None, {"Alpha public IA", "Bravo public cyber"}),
    ("unverified@startup.fr", {"Alpha public IA", "Bravo public cyber"}),
    ("verified@startup.fr", {"Alpha public IA", "Bravo public cyber", "Charlie restreint"}),
    ("invited@pme.fr", {"Alpha public IA", "Bravo public cyber", "Delta invitation"}),
    ("achats@banque.fr", {"Alpha public IA", "Bravo public cyber", "Charlie restreint", "Delta invitation"}),
], ids=["anonymous", "unverified", "verified", "invited", "the buyer"])
def test_the_list_shows_only_the_open_needs_each_viewer_may_see(client, app, market, email, expected):
    if email:
        login(client, email)
    html = client.get("/needs").get_data(as_text=True)
    assert titles(html, ALL) == expected


def test_filters_narrow_the_list(client, app, market):
    login(client, "verified@startup.fr")

    def shown(query: str) -> set[str]:
        return titles(client.get(f"/needs?{query}").get_data(as_text=True), ALL)

    assert shown("category=ai") == {"Alpha public IA"}  # an axis matches its sub-categories
    assert shown("category=cyber.soc") == {"Bravo public cyber"}
    assert shown("core=1") == {"Alpha public IA", "Charlie restreint"}
    assert shown("route=private") == {"Charlie restreint"}
    assert shown("visibility=restricted") == {"Charlie restreint"}
    assert shown("region=11&route=public") == {"Alpha public IA", "Bravo public cyber"}
    assert shown("region=93") == set()
    assert shown("status=closed") == {"Foxtrot clos", "Golf 100% attribué"}
    assert shown("status=all") == set(ALL) - {"Echo brouillon", "Delta invitation"}
    assert shown("q=bravo") == {"Bravo public cyber"}
    assert shown("q=100%25&status=all") == {"Golf 100% attribué"}  # % is a character, not a wildcard
    assert shown("category=nonsense&status=bogus") == {"Alpha public IA", "Bravo public cyber", "Charlie restreint"}


def test_the_list_sorts_by_deadline_or_newest(client, app, market):
    html = client.get("/needs").get_data(as_text=True)
    assert html.index("Bravo public cyber") < html.index("Alpha public IA")  # closing sooner first
    with app.app_context():
        from sqlalchemy import select

        alpha = db.session.scalar(select(Need).where(Need.title == "Alpha public IA"))
        alpha.published_at = datetime.now(UTC)
        db.session.commit()
    html = client.get("/needs?sort=newest").get_data(as_text=True)
    assert html.index("Alpha public IA") < html.index("Bravo public cyber")


def test_the_list_is_paginated_with_page_links(client, app):
    with app.app_context():
        org, _ = make_org("administration")
        for n in range(23):
            make_need(org, title=f"Besoin numéro {n:02d}", deadline_in_days=n + 1)
    english(client)
    first = client.get("/needs").get_data(as_text=True)
    assert "23 needs" in first
    assert "Besoin numéro 00" in first and "Besoin numéro 19" in first and "Besoin numéro 20" not in first
    assert 'href="/needs?page=2"' in first
    second = client.get("/needs?page=2").get_data(as_text=True)
    assert "Besoin numéro 20" in second and "Besoin numéro 22" in second and "Besoin numéro 00" not in second
    assert client.get("/needs?page=99").status_code == 200  # beyond the end: the last page


def test_an_empty_list_says_what_to_do(client, app):
    english(client)
    html = client.get("/needs").get_data(as_text=True)
    assert "No need is open for bids right now." in html and "Register" in html
    html = client.get("/needs?category=quantum").get_data(as_text=True)
    assert "No need matches this search." in html and "Clear the filters" in html


def test_an_anonymised_need_hides_its_buyer_except_from_the_buyer_and_the_operator(client, app, market):
    from sqlalchemy import select

    with app.app_context():
        ref = db.session.scalar(select(Need.reference).where(Need.title == "Charlie restreint"))
    login(client, "verified@startup.fr")
    for url in ("/needs", f"/needs/{ref}"):
        html = client.get(url).get_data(as_text=True)
        assert "une banque du CAC 40" in html and "Banque Secrète" not in html, url
    client.post("/logout")
    login(client, "achats@banque.fr")
    html = client.get(f"/needs/{ref}").get_data(as_text=True)
    assert "Banque Secrète" in html and "une banque du CAC 40" in html


def test_a_need_one_may_not_know_about_is_not_found(client, app, market):
    from sqlalchemy import select

    with app.app_context():
        refs = dict(db.session.execute(select(Need.title, Need.reference)).all())
    assert client.get(f"/needs/{refs['Charlie restreint']}").status_code == 404
    assert client.get(f"/needs/{refs['Echo brouillon']}").status_code == 404
    assert client.get("/needs/TRP-0000-0000").status_code == 404
    login(client, "achats@banque.fr")  # another buyer never sees the ministry's drafts
    assert client.get(f"/needs/{refs['Echo brouillon']}").status_code == 404
    assert client.get(f"/needs/{refs['Echo brouillon']}/edit").status_code == 404


def test_the_need_page_shows_the_deadline_in_paris_time_and_the_buttons_each_role_may_use(client, app, market):
    from sqlalchemy import select

    with app.app_context():
        need = db.session.scalar(select(Need).where(Need.title == "Alpha public IA"))
        need.deadline_at = datetime(datetime.now(UTC).year + 1, 7, 1, 14, 0, tzinfo=UTC)
        db.session.commit()
        ref = need.reference
    html = client.get(f"/needs/{ref}").get_data(as_text=True)
    july = datetime(datetime.now(UTC).year + 1, 7, 1)
    assert f"{july:%A} 1 July {july.year}, 4:00 PM (Paris time)" in html  # 14:00 UTC is 16:00 in Paris in July
    assert "Time left" in html and "€150,000 to €400,000" in html
    assert "Sovereignty" in html and ">20%<" in html  # the evaluation grid
    assert "Amend the need" not in html and "I am interested" not in html
    assert "Sign in as a supplier to ask a question." in html

    login(client, "verified@startup.fr")
    html = client.get(f"/needs/{ref}").get_data(as_text=True)
    assert "I am interested" in html and "Ask the question" in html
    assert "Amend the need" not in html and "Cancel the need" not in html and "Invited suppliers" not in html

    client.post("/logout")
    login(client, "buyer@min.gouv.fr")
    html = client.get(f"/needs/{ref}").get_data(as_text=True)
    assert "Amend the need" in html and "Invite suppliers" in html and "Cancel the need" in html
    assert "Ask the question" not in html and "I am interested" not in html

    client.post("/logout")
    login(client, "ambassadeur@min.gouv.fr")  # ambassadors look, they do not act
    html = client.get(f"/needs/{ref}").get_data(as_text=True)
    assert "Invited suppliers" in html and "Amend the need" not in html and "Cancel the need" not in html


def test_the_bid_box_of_the_bids_domain_has_its_place_on_the_need_page(client, app, market, monkeypatch):
    from sqlalchemy import select

    with app.app_context():
        ref = db.session.scalar(select(Need.reference).where(Need.title == "Alpha public IA"))
    monkeypatch.setitem(app.jinja_env.globals, "bid_panel",
                        lambda need: Markup('<section id="bid-box">{}</section>').format(need.reference))
    html = client.get(f"/needs/{ref}").get_data(as_text=True)
    assert f'<section id="bid-box">{ref}</section>' in html


def test_a_buyer_sees_its_needs_grouped_by_status(client, app, market):
    login(client, "buyer@min.gouv.fr")
    html = client.get("/needs/mine").get_data(as_text=True)
    assert titles(html, ALL) == {"Alpha public IA", "Bravo public cyber", "Echo brouillon", "Foxtrot clos",
                                 "Golf 100% attribué"}
    assert html.index('id="needs-draft"') < html.index('id="needs-published"') < html.index('id="needs-closed"')
    assert html.index("Echo brouillon") < html.index('id="needs-published"')


def test_only_buyers_have_a_list_of_their_needs(client, app, market):
    assert client.get("/needs/mine").status_code == 302  # sign in first
    login(client, "verified@startup.fr")
    assert client.get("/needs/mine").status_code == 403
