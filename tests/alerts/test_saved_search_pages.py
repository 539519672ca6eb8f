"""Saved searches pages: saving the search one is looking at, the list, pause, frequency, delete."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.alerts.models import Frequency, SavedSearch
from app.alerts.saved_searches import MAX_SEARCHES_PER_USER, save_search
from app.extensions import db
from tests.factories import login, make_need, make_org


class SaveFormReader(HTMLParser):
    """What a browser sends with the « save this search » form: its own fields and the
    inputs tied to it by form="save-search" elsewhere in the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside, self.found, self.values, self._select = False, False, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "save-search":
            self.inside = self.found = True
        owned = self.inside if "form" not in a else a["form"] == "save-search"
        if tag == "input" and owned and a.get("name") and a.get("type") != "submit":
            self.values.append((a["name"], a.get("value") or ""))
        elif tag == "select" and owned:
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None


def save_form(html: str) -> MultiDict | None:
    reader = SaveFormReader()
    reader.feed(html)
    return MultiDict(reader.values) if reader.found else None


def page(response) -> str:
    return response.get_data(as_text=True)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture()
def people(client, app):
    with app.app_context():
        supplier, user = make_org("startup", verified=True, email="claire@orbinova.fr")
        other_org, other = make_org("sme", verified=True, email="marc@autre.fr")
        buyer, _ = make_org("administration", verified=True, email="buyer@min.gouv.fr")
        need = make_need(buyer, title="SOC managé pour nos hôpitaux", categories=("cyber.soc",))
        theirs = save_search(other, other_org, name="Leur recherche", args={"q": "cloud"})
        db.session.commit()
        ids = {"supplier": supplier.id, "user": user.id, "theirs": theirs.id, "need": need.reference}
    client.get("/lang/en")
    return ids


def searches(app, user_id):
    with app.app_context():
        return db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == user_id)
                                  .order_by(SavedSearch.id)).all()


def create(app, user_id, supplier_id, name, **args):
    with app.app_context():
        from app.accounts.models import Organisation, User

        saved = save_search(db.session.get(User, user_id), db.session.get(Organisation, supplier_id), name=name,
                            args=args, frequency="daily")
        db.session.commit()
        return saved.id


def test_a_supplier_saves_the_search_it_is_looking_at(client, app, people):
    login(client, "claire@orbinova.fr")
    html = page(client.get("/needs?q=SOC+manag%C3%A9&axis=cyber&flag=core&flag=bogus&sort=budget&page=2"))
    data = save_form(html)
    assert data is not None
    data["name"], data["frequency"] = "SOC à l'hôpital", "instant"

    response = client.post("/alerts/searches", data=data)

    assert response.status_code == 302 and response.headers["Location"].endswith("/alerts/searches")
    [saved] = searches(app, people["user"])
    assert (saved.name, saved.query, saved.frequency) == ("SOC à l'hôpital", "SOC managé", Frequency.INSTANT)
    assert saved.filters == {"axis": ["cyber"], "flag": ["core"], "sort": "budget"}  # cleaned, no page
    listing = unescape(page(client.get("/alerts/searches")))
    assert "saved: you will be alerted" in listing
    assert "SOC à l'hôpital" in listing and "« SOC managé »" in listing
    assert "Cybersecurity" in listing and "Deals of €100k to €10M" in listing and "At once, by email" in listing
    link = re.search(r'href="(/needs\?[^"]+)"[^>]*>See results', listing).group(1)
    assert parse_qs(urlsplit(link).query) == {"q": ["SOC managé"], "axis": ["cyber"], "flag": ["core"],
                                              "sort": ["budget"]}
    assert people["need"] in page(client.get(link))  # the results page finds the need


def test_only_suppliers_are_offered_saved_searches(client, app, people):
    assert save_form(page(client.get("/needs?q=soc"))) is None  # a visitor
    assert client.get("/alerts/searches").status_code == 302  # asked to sign in
    login(client, "buyer@min.gouv.fr")
    assert save_form(page(client.get("/needs?q=soc"))) is None
    assert client.get("/alerts/searches").status_code == 403
    assert client.post("/alerts/searches", data={"name": "x", "q": "soc"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SavedSearch)) == 1  # theirs only


@pytest.mark.parametrize("data, message", [
    ({"name": "   ", "frequency": "daily"}, "Give the search a name"),
    ({"name": "x" * 121, "frequency": "daily"}, "The name is too long: 120 characters at most."),
    ({"name": "Cyber", "frequency": "hourly"}, "Choose how often to be alerted"),
])
def test_bad_input_is_explained_and_nothing_is_saved(client, app, people, data, message):
    login(client, "claire@orbinova.fr")
    response = client.post("/alerts/searches", data={**data, "q": "soc", "axis": "cyber"})
    assert response.status_code == 400
    html = unescape(page(response))
    assert message in html
    assert 'name="q" value="soc"' in html and 'name="axis" value="cyber"' in html  # ready to try again
    assert searches(app, people["user"]) == []


def test_a_name_is_used_once_and_the_number_of_searches_is_bounded(client, app, people):
    login(client, "claire@orbinova.fr")
    create(app, people["user"], people["supplier"], "Cyber", q="soc")
    response = client.post("/alerts/searches", data={"name": " cyber ", "frequency": "daily", "q": "edr"})
    assert response.status_code == 400 and "already have a saved search with this name" in page(response)
    for n in range(MAX_SEARCHES_PER_USER - 1):
        create(app, people["user"], people["supplier"], f"Search {n}", q=f"word{n}")
    response = client.post("/alerts/searches", data={"name": "One more", "frequency": "daily", "q": "edr"})
    assert response.status_code == 400 and "delete one before saving another" in unescape(page(response))
    assert len(searches(app, people["user"])) == MAX_SEARCHES_PER_USER


def test_pause_resume_and_change_the_frequency(client, app, people):
    login(client, "claire@orbinova.fr")
    search_id = create(app, people["user"], people["supplier"], "Cyber", q="soc")

    assert client.post(f"/alerts/searches/{search_id}/pause").status_code == 302
    assert searches(app, people["user"])[0].paused
    assert "Paused" in page(client.get("/alerts/searches"))
    assert client.post(f"/alerts/searches/{search_id}/resume").status_code == 302
    assert not searches(app, people["user"])[0].paused

    assert client.post(f"/alerts/searches/{search_id}/frequency", data={"frequency": "weekly"}).status_code == 302
    assert searches(app, people["user"])[0].frequency == Frequency.WEEKLY
    refused = client.post(f"/alerts/searches/{search_id}/frequency", data={"frequency": "hourly"})
    assert refused.status_code == 400 and "Choose how often to be alerted" in page(refused)
    assert searches(app, people["user"])[0].frequency == Frequency.WEEKLY


def test_deleting_asks_first(client, app, people):
    login(client, "claire@orbinova.fr")
    search_id = create(app, people["user"], people["supplier"], "Cyber", q="soc")
    confirm = unescape(page(client.get(f"/alerts/searches/{search_id}/delete")))
    assert "Delete the saved search « Cyber »?" in confirm and "Delete this search" in confirm
    assert searches(app, people["user"])  # asking deletes nothing
    response = client.post(f"/alerts/searches/{search_id}/delete", follow_redirects=True)
    assert "Search « Cyber » deleted" in unescape(page(response))
    assert searches(app, people["user"]) == []


def test_another_users_search_is_not_found(client, app, people):
    login(client, "claire@orbinova.fr")
    theirs = people["theirs"]
    assert client.get(f"/alerts/searches/{theirs}/delete").status_code == 404
    for action in ("pause", "resume", "delete"):
        assert client.post(f"/alerts/searches/{theirs}/{action}").status_code == 404
    assert client.post(f"/alerts/searches/{theirs}/frequency", data={"frequency": "weekly"}).status_code == 404
    with app.app_context():
        still = db.session.get(SavedSearch, theirs)
        assert still is not None and not still.paused and still.frequency == Frequency.DAILY
    assert "Leur recherche" not in page(client.get("/alerts/searches"))


def test_forms_carry_their_csrf_token(app, csrf_app):
    with csrf_app.app_context():
        make_org("startup", verified=True, email="claire@orbinova.fr")
    client = csrf_app.test_client()
    token = csrf_token(page(client.get("/login")))
    client.post("/login", data={"email": "claire@orbinova.fr", "password": "Correct-Horse-42", "csrf_token": token})
    assert client.post("/alerts/searches", data={"name": "Cyber", "q": "soc"}).status_code == 400  # no token
    data = save_form(page(client.get("/needs?q=soc")))
    data["name"] = "Cyber"
    assert client.post("/alerts/searches", data=data).status_code == 302
    listing = page(client.get("/alerts/searches"))
    token = csrf_token(listing)
    with csrf_app.app_context():
        search_id = db.session.scalar(select(SavedSearch.id))
    assert client.post(f"/alerts/searches/{search_id}/pause").status_code == 400
    assert client.post(f"/alerts/searches/{search_id}/pause", data={"csrf_token": token}).status_code == 302
