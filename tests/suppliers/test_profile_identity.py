"""The profile page asks for the organisation's website and size: the completeness checklist
counts them (« Website and company size »), so a supplier must be able to give them there."""

from __future__ import annotations

from html import unescape

from sqlalchemy import select

from app.accounts.models import Organisation, SizeCategory
from app.extensions import db
from app.suppliers.models import SupplierProfile
from tests.factories import login, make_org
from tests.suppliers.test_profile_pages import COMPLETE


def _supplier(app, client) -> dict:
    with app.app_context():
        org, owner = make_org("startup", verified=True, name="Hydrolab SAS")
        people = {"org": org.id, "owner": owner.email}
    client.get("/lang/en")
    login(client, people["owner"])
    return people


def _still_to_fill(html: str) -> str:
    return html.split("Still to fill in:", 1)[1].split("</ul>", 1)[0] if "Still to fill in:" in html else ""


def test_the_website_and_size_step_can_be_completed_on_the_profile_page(client, app):
    people = _supplier(app, client)
    page = unescape(client.get("/supplier/profile").get_data(as_text=True))
    assert 'name="website"' in page and 'name="size"' in page
    assert "Website and company size" in _still_to_fill(page)

    saved = client.post("/supplier/profile", data={**COMPLETE, "website": "https://hydrolab.example",
                                                   "size": "small"})
    assert saved.status_code == 302
    with app.app_context():
        org = db.session.get(Organisation, people["org"])
        assert org.website == "https://hydrolab.example" and org.size == SizeCategory.SMALL

    again = unescape(client.get("/supplier/profile").get_data(as_text=True))
    assert "Website and company size" not in _still_to_fill(again)
    assert "Profile completeness: 5 of 6 steps done" in again  # a solution is still missing
    assert 'value="https://hydrolab.example"' in again and '<option selected value="small">' in again


def test_a_bad_website_or_size_is_refused_next_to_its_field_and_nothing_is_saved(client, app):
    people = _supplier(app, client)
    refused = client.post("/supplier/profile", data={**COMPLETE, "website": "hydrolab dot example",
                                                     "size": "gigantic"})
    assert refused.status_code == 400
    html = unescape(refused.get_data(as_text=True))
    assert 'id="website-error"' in html and "Give a web address starting with https:// or http://." in html
    assert 'id="size-error"' in html and "Choose the size of the company from the list." in html
    with app.app_context():
        org = db.session.get(Organisation, people["org"])
        assert org.website is None and org.size is None
        profile = db.session.scalar(select(SupplierProfile).where(SupplierProfile.organisation_id == org.id))
        assert profile is None  # the valid profile fields sent with them are not saved either
