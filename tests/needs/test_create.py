"""Posting a need: existing solutions first, then a draft; bad input changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.extensions import db
from app.needs.models import Need, NeedStatus, Route, Visibility
from app.suppliers.models import Solution, SolutionAdoption
from tests.factories import login, make_member, make_org
from tests.needs.builders import (
    audits,
    count_needs,
    english,
    events,
    in_days,
    local,
    need_post,
)


@pytest.fixture()
def ministry(client, app):
    with app.app_context():
        org, _user = make_org("administration", name="Ministère des Essais", email="buyer@min.gouv.fr",
                              verified=True)
        org_id = org.id
    login(client, "buyer@min.gouv.fr")
    english(client)
    return org_id


def invalid_field(html: str, field_id: str) -> bool:
    """Whether the input of this id is marked invalid (its error tied to it)."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{re.escape(field_id)}"[^>]*>', html)
    return tag is not None and 'aria-invalid="true"' in tag.group(0)


def test_a_buyer_first_chooses_categories_then_sees_what_already_exists(client, app, ministry):
    with app.app_context():
        supplier, _ = make_org("startup", name="Nuage Libre", verified=True)
        other_buyer, _ = make_org("administration", name="Agence Voisine")
        shared = Solution(organisation_id=supplier.id, name="Albert Partagé", summary="Assistant mutualisé",
                          category_code="ai.llm", shared=True)
        adopted = Solution(organisation_id=supplier.id, name="Scribe", summary="Synthèse de documents",
                           category_code="ai.nlp")
        shelf = Solution(organisation_id=supplier.id, name="ChatSouverain", summary="LLM hébergé en France",
                         category_code="ai.agents", secnumcloud=True)
        unrelated = Solution(organisation_id=supplier.id, name="Pare-feu", summary="Sécurité",
                             category_code="cyber.soc")
        db.session.add_all([shared, adopted, shelf, unrelated])
        db.session.flush()
        db.session.add(SolutionAdoption(solution_id=adopted.id, organisation_id=other_buyer.id))
        db.session.commit()

    step1 = client.get("/needs/new")
    assert step1.status_code == 200
    assert 'name="categories" value="ai.llm"' in step1.get_data(as_text=True)

    html = client.get("/needs/new?categories=ai").get_data(as_text=True)
    shared_at, adopted_at, shelf_at = (html.index(name) for name in ("Albert Partagé", "Scribe", "ChatSouverain"))
    assert shared_at < adopted_at < shelf_at  # reuse first, off-the-shelf second
    assert "Agence Voisine" in html  # who already uses it
    assert "Pare-feu" not in html
    assert 'value="ai" checked' in html  # the chosen categories carry into the form


def test_a_valid_need_is_saved_as_a_draft_with_its_event_and_audit_line(client, app, ministry):
    deadline = in_days(20)
    response = client.post("/needs/new", data=need_post(deadline=local(deadline), budget_max="400 000 €"))
    assert response.status_code == 302
    with app.app_context():
        need = db.session.scalar(select(Need))
        assert response.headers["Location"].endswith(f"/needs/{need.reference}")
        assert need.status == NeedStatus.DRAFT and need.published_at is None
        assert need.buyer_id == ministry and need.route == Route.PUBLIC
        assert (need.budget_min_cents, need.budget_max_cents) == (150_000_00, 400_000_00)
        assert need.deadline_at == deadline  # typed in Paris time, stored in UTC
        assert sorted(c.code for c in need.categories) == ["ai.agents", "ai.llm"]
        assert need.cpv_code == "72000000-5" and need.region == "11"
        assert need.sealed_bids  # public route: always sealed
        assert re.fullmatch(r"TRP-\d{4}-0001", need.reference)
        assert [e.payload["need_id"] for e in events("need.created")] == [need.id]
        assert audits("need.created")[0].subject_id == need.id


@pytest.mark.parametrize("typed", ["150000", "150 000", "150 000 €", "150\u202f000\u00a0€", "150.000", "150 000,00"])
def test_budgets_are_read_as_people_type_them(client, app, ministry, typed):
    assert client.post("/needs/new", data=need_post(budget_min=typed)).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Need.budget_min_cents)) == 150_000_00


BAD_INPUTS = {
    "past deadline": ({"deadline": local(in_days(-1))}, "deadline", "The deadline must be in the future."),
    "min above max": ({"budget_min": "500 000", "budget_max": "400 000"}, "budget_min",
                      "The minimum budget is above the maximum"),
    "budget of €100M": ({"budget_max": "100 000 000"}, "budget_max", "Budgets stay below €100M"),
    "negative budget": ({"budget_min": "-5"}, "budget_min", "greater than zero"),
    "zero budget": ({"budget_min": "0"}, "budget_min", "greater than zero"),
    "budget in cents": ({"budget_min": "150 000,50"}, "budget_min", "whole euros"),
    "budget in words": ({"budget_min": "cent mille"}, "budget_min", "Enter a whole amount in euros"),
    "weights not 100": ({"weight_cost": "15"}, "weights_total", "The weights add up to 105; they must add up to 100."),
    "weight not a number": ({"weight_cost": "dix"}, "weight_cost", "whole percentage"),
    "custom unjustified": ({"approach": "custom"}, "custom_justification", "Explain why a custom development"),
    "anonymised public need": ({"anonymised": "y", "anonymous_label": "un ministère"}, "anonymised",
                               "A public need shows its buyer"),
    "anonymised without label": ({"visibility": "restricted", "anonymised": "y"}, "anonymous_label",
                                 "Give the label shown instead of your name"),
    "route not matching buyer": ({"route": "private"}, "route", "The procurement route follows the buyer"),
    "unknown category": ({"categories": ["ai.llm", "ai.telepathy"]}, "categories", "does not exist"),
    "bad CPV code": ({"cpv_code": "7200"}, "cpv_code", "A CPV code has 8 digits"),
    "unknown region": ({"region": "99"}, "region", "Choose a region from the list."),
    "no title": ({"title": "  "}, "title", "This field is required."),
    "no description": ({"description": ""}, "description", "This field is required."),
    "no deadline": ({"deadline": ""}, "deadline", "Enter the deadline"),
    "garbled deadline": ({"deadline": "demain midi"}, "deadline", "Enter the deadline as a date and a time"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(client, app, ministry, case):
    overrides, field_id, message = BAD_INPUTS[case]
    response = client.post("/needs/new", data=need_post(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert f'id="{field_id}-error"' in html  # the message is tied to its field
    if field_id == "categories":
        assert 'aria-invalid="true"' in html
    elif field_id != "anonymised":  # a checkbox carries its error by aria-describedby
        assert invalid_field(html, field_id), field_id
    assert 'class="error-summary"' in html
    with app.app_context():
        assert count_needs() == 0
        assert events("need.created") == [] and audits("need.created") == []


def test_every_problem_is_shown_at_once(client, app, ministry):
    response = client.post("/needs/new", data=need_post(
        deadline=local(in_days(-2)), budget_min="9", budget_max="5", weight_cost="0", approach="custom"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for field_id in ("deadline", "budget_min", "weights_total", "custom_justification"):
        assert invalid_field(html, field_id), field_id
    assert "The weights add up to 90" in html


def test_sensitive_data_requires_secnumcloud_hosting(client, app, ministry):
    client.post("/needs/new", data=need_post(sensitive_data="y"))
    with app.app_context():
        need = db.session.scalar(select(Need))
        assert need.sensitive_data and need.requires_secnumcloud


def test_a_corporate_group_chooses_sealed_bids_and_may_post_anonymised_restricted_needs(client, app):
    with app.app_context():
        make_org("corporate", name="Banque Mutuelle", email="achats@banque.fr")
    login(client, "achats@banque.fr")
    data = need_post(route="private", visibility="restricted", anonymised="y",
                     anonymous_label="une banque du CAC 40", sealed_bids=None)
    assert client.post("/needs/new", data=data).status_code == 302
    with app.app_context():
        need = db.session.scalar(select(Need))
        assert need.route == Route.PRIVATE and need.visibility == Visibility.RESTRICTED
        assert need.anonymised and need.anonymous_label == "une banque du CAC 40"
        assert need.sealed_bids is False  # private route: the buyer's choice


def test_only_buyer_agents_may_post_needs(client, app):
    with app.app_context():
        org, _ = make_org("administration", email="owner@min.gouv.fr")
        make_member(org, role=Role.AMBASSADOR, email="ambassadeur@min.gouv.fr")
        make_org("startup", email="startup@example.fr")
    anonymous = client.get("/needs/new")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for email in ("ambassadeur@min.gouv.fr", "startup@example.fr"):
        login(client, email)
        assert client.get("/needs/new").status_code == 403
        assert client.post("/needs/new", data=need_post()).status_code == 403
        client.post("/logout")
    with app.app_context():
        assert count_needs() == 0
