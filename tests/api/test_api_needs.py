"""/api/v1/needs lists exactly what the interface's access policy allows, page by page."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.needs.models import Need
from app.needs.policy import Viewer, can_view_need
from tests.api.helpers import bearer
from tests.factories import make_need, make_org


@pytest.fixture()
def market(app):
    """A buyer's needs of every visibility, and suppliers of every standing."""
    with app.app_context():
        buyer, buyer_user = make_org("administration")
        verified, verified_user = make_org("startup", verified=True)
        unverified, unverified_user = make_org("startup")
        invited, invited_user = make_org("sme")
        other_buyer, other_buyer_user = make_org("corporate")
        needs = {
            "public": make_need(buyer, visibility="public"),
            "restricted": make_need(buyer, visibility="restricted"),
            "anonymised": make_need(buyer, visibility="restricted", anonymised=True),
            "invitation": make_need(buyer, visibility="invitation", invited=[invited]),
            "draft": make_need(buyer, status="draft"),
            "closed": make_need(buyer, status="closed"),
        }
        tokens = {
            "buyer": bearer(buyer_user, buyer),
            "verified": bearer(verified_user, verified),
            "unverified": bearer(unverified_user, unverified),
            "invited": bearer(invited_user, invited),
            "other_buyer": bearer(other_buyer_user, other_buyer),
        }
        members = {"buyer": (buyer_user, buyer), "verified": (verified_user, verified),
                   "unverified": (unverified_user, unverified), "invited": (invited_user, invited),
                   "other_buyer": (other_buyer_user, other_buyer)}
        allowed = {}
        for who, (user, org) in members.items():
            viewer = Viewer.of(user, next(m for m in user.memberships if m.organisation_id == org.id))
            allowed[who] = {n.reference for n in db.session.query(Need) if can_view_need(viewer, n)}
        refs = {k: n.reference for k, n in needs.items()}
    return refs, tokens, allowed


@pytest.mark.parametrize("who", ["buyer", "verified", "unverified", "invited", "other_buyer"])
def test_the_list_is_exactly_what_the_policy_allows(client, market, who):
    refs, tokens, allowed = market

    response = client.get("/api/v1/needs?per_page=100", headers=tokens[who])

    assert response.status_code == 200
    listed = {n["reference"] for n in response.get_json()}
    assert listed == allowed[who]
    assert response.headers["X-Total-Count"] == str(len(allowed[who]))


def test_restricted_needs_are_not_listed_for_unverified_suppliers_and_invitations_only_for_the_invited(
        client, market):
    refs, tokens, _ = market

    def listed(who):
        return {n["reference"] for n in client.get("/api/v1/needs", headers=tokens[who]).get_json()}

    assert refs["restricted"] not in listed("unverified") and refs["public"] in listed("unverified")
    assert refs["restricted"] in listed("verified")
    assert refs["invitation"] in listed("invited") and refs["invitation"] not in listed("verified")
    assert refs["draft"] not in listed("verified") and refs["draft"] in listed("buyer")


def test_a_need_the_token_may_not_see_is_a_404_problem_like_a_missing_one(client, market):
    refs, tokens, _ = market

    hidden = client.get(f"/api/v1/needs/{refs['restricted']}", headers=tokens["unverified"])
    missing = client.get("/api/v1/needs/TRP-NOPE", headers=tokens["unverified"])

    assert hidden.status_code == missing.status_code == 404
    assert hidden.mimetype == "application/problem+json"
    assert hidden.get_json() == missing.get_json()
    assert client.get(f"/api/v1/needs/{refs['restricted']}", headers=tokens["verified"]).status_code == 200


def test_a_need_reads_in_cents_with_utc_times_and_hides_an_anonymised_buyer(client, market):
    refs, tokens, _ = market

    need = client.get(f"/api/v1/needs/{refs['anonymised']}", headers=tokens["verified"]).get_json()
    own = client.get(f"/api/v1/needs/{refs['anonymised']}", headers=tokens["buyer"]).get_json()

    assert need["budget"] == {"min_cents": 15_000_000, "max_cents": 40_000_000, "currency": "EUR"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", need["deadline_at"])
    assert need["buyer"] == {"id": None, "name": "une banque du CAC 40", "anonymised": True}
    assert own["buyer"]["anonymised"] is False and own["buyer"]["name"]
    assert "description" in need


def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


def test_pages_come_with_a_total_and_first_prev_next_last_links(client, market):
    _, tokens, allowed = market
    total = len(allowed["buyer"])  # 6 needs

    first = client.get("/api/v1/needs?per_page=2", headers=tokens["buyer"])
    middle = client.get("/api/v1/needs?per_page=2&page=2", headers=tokens["buyer"])
    last = client.get("/api/v1/needs?per_page=2&page=3", headers=tokens["buyer"])

    assert first.headers["X-Total-Count"] == str(total) == "6"
    assert len(first.get_json()) == 2
    assert set(_links(first.headers["Link"])) == {"first", "next", "last"}
    links = _links(middle.headers["Link"])
    assert set(links) == {"first", "prev", "next", "last"}
    assert "page=1" in links["prev"] and "page=3" in links["next"] and "page=3" in links["last"]
    assert "per_page=2" in links["next"]
    assert set(_links(last.headers["Link"])) == {"first", "prev", "last"}
    seen = [n["reference"] for r in (first, middle, last) for n in r.get_json()]
    assert len(seen) == len(set(seen)) == 6


def refs_of(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["reference"] for item in response.get_json()]


def test_filters_narrow_what_the_token_sees_and_never_widen_it(client, app, market):
    refs, tokens, allowed = market
    with app.app_context():
        from datetime import timedelta

        from app.db import utcnow

        buyer = db.session.scalar(db.select(Need).where(Need.reference == refs["public"])).buyer
        late = make_need(buyer, visibility="public", categories=("cloud.iaas",), sme_set_aside=True)
        late.deadline_at = utcnow() - timedelta(hours=2)  # published, but the clock closed it
        db.session.commit()
        late_ref = late.reference
    get = lambda query, who="buyer": refs_of(client.get(f"/api/v1/needs?{query}", headers=tokens[who]))  # noqa: E731

    assert set(get("status=closed")) == {refs["closed"], late_ref}
    assert late_ref not in get("status=published") and refs["public"] in get("status=published")
    assert set(get("status=draft&status=closed")) == {refs["draft"], refs["closed"], late_ref}
    assert set(get("visibility=invitation")) == {refs["invitation"]}
    assert get("category=cloud") == [late_ref] and get("category=cloud.iaas") == [late_ref]
    assert late_ref not in get("category=ai")
    assert get("sme_set_aside=true") == [late_ref]
    assert set(get("mine=true")) == set(allowed["buyer"]) | {late_ref}
    assert get("mine=false") == []
    # A filter never shows what the policy hides.
    assert get("visibility=restricted", who="unverified") == []
    assert set(get("status=draft", who="other_buyer")) == set()


def test_the_list_sorts_on_request(client, app, market):
    refs, tokens, _allowed = market
    with app.app_context():
        for n, key in enumerate(("public", "restricted", "anonymised", "invitation", "closed")):
            need = db.session.scalar(db.select(Need).where(Need.reference == refs[key]))
            need.budget_max_cents = (n + 1) * 100_000_000
        db.session.commit()
    by_budget = refs_of(client.get("/api/v1/needs?sort=budget_max&status=published&status=closed",
                                   headers=tokens["buyer"]))
    assert by_budget == [refs[k] for k in ("public", "restricted", "anonymised", "invitation", "closed")]
    descending = refs_of(client.get("/api/v1/needs?sort=-budget_max&status=published&status=closed",
                                    headers=tokens["buyer"]))
    assert descending == list(reversed(by_budget))
    wrong = client.get("/api/v1/needs?sort=price&status=bogus", headers=tokens["buyer"])
    assert wrong.status_code == 422 and wrong.mimetype == "application/problem+json"
    assert set(wrong.get_json()["errors"]) == {"sort", "status.0"}
