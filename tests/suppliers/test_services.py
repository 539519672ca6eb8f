"""Editing a supplier: checked values, audit entries, and the search index following."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.events import commit
from app.extensions import db
from app.matching.search import SupplierSearch, search_suppliers
from app.needs.policy import Viewer
from app.suppliers import services
from app.suppliers.models import Certification, Solution
from app.suppliers.policy import can_edit_supplier
from tests.factories import make_bid, make_member, make_need, make_org

COMPLETE = {
    "headline": "Assistant juridique souverain",
    "description": "Nous analysons les contrats publics avec des modèles hébergés en France.",
    "categories": ["ai.llm", "ai.nlp"],
    "regions_served": ["11", "FR"],
}
SOLUTION = {"name": "Juriscope", "summary": "Analyse de contrats par IA", "category_code": "ai.nlp"}


def _errors(exc: services.SupplierError) -> set[tuple[str | None, str]]:
    return {(e.field, e.code) for e in exc.errors}


def _found(words: str) -> list[int]:
    return [org.id for org, _ in search_suppliers(SupplierSearch(q=words)).hits]


def test_a_profile_is_created_on_first_change_and_completed_once_complete(app_ctx):
    org, user = make_org("startup", verified=True)

    profile = services.update_profile(org, by=user, values={"headline": "  Cartographie  "})
    assert profile.headline == "Cartographie" and profile.completed_at is None

    services.update_profile(org, by=user, values=COMPLETE)
    assert profile.completed_at is not None and profile.categories == ["ai.llm", "ai.nlp"]

    services.update_profile(org, by=user, values={"regions_served": []})
    assert profile.completed_at is None  # no longer complete


def test_profile_values_are_checked_all_at_once(app_ctx):
    org, user = make_org("startup")
    with pytest.raises(services.InvalidSupplier) as caught:
        services.update_profile(org, by=user, values={
            "headline": "x" * 201, "categories": ["ai.llm", "nope"], "regions_served": ["99"],
            "eu_controlled": "yes",
            "references": [{"client": "Ministère", "summary": "", "year": 1900}, "loose text"],
        })
    assert _errors(caught.value) == {
        ("headline", "too_long"), ("categories", "category_unknown"), ("regions_served", "region_unknown"),
        ("eu_controlled", "not_a_boolean"), ("references.0.summary", "required"),
        ("references.0.year", "year_invalid"), ("references.1", "reference_invalid"),
    }
    with app_ctx.test_request_context("/?lang=en"):
        assert caught.value.errors[0].message == "This text is too long: 200 characters at most."


def test_a_buyer_has_no_supplier_profile(app_ctx):
    buyer, user = make_org("administration")
    with pytest.raises(services.SupplierError) as caught:
        services.update_profile(buyer, by=user, values={"headline": "Nous achetons"})
    assert caught.value.code == "not_a_supplier"


def test_solution_rules(app_ctx):
    org, user = make_org("startup")
    services.create_solution(org, by=user, values=SOLUTION)
    with pytest.raises(services.InvalidSupplier) as caught:
        services.create_solution(org, by=user, values={
            "name": "Juriscope", "category_code": "ai.unknown", "open_source": True, "secnumcloud": True,
            "hosting_country": "ZZ", "website": "juriscope.fr", "deployment": "cloud",
        })
    assert _errors(caught.value) == {
        ("name", "name_taken"), ("summary", "required"), ("category_code", "category_unknown"),
        ("license", "license_required"), ("hosting_country", "country_invalid"),
        ("hosting_provider", "secnumcloud_needs_hosting"), ("website", "website_invalid"),
        ("deployment", "deployment_invalid"),
    }


def test_a_solution_changes_only_what_is_sent_and_drops_a_stale_licence(app_ctx):
    org, user = make_org("startup")
    solution = services.create_solution(org, by=user, values={**SOLUTION, "open_source": True, "license": "EUPL-1.2",
                                                              "hosting_country": "fr"})
    assert solution.hosting_country == "FR" and solution.license == "EUPL-1.2"
    services.update_solution(solution, by=user, values={"open_source": False})
    assert solution.license is None and solution.name == "Juriscope"
    # another supplier may use the same name
    other, other_user = make_org("sme")
    assert services.create_solution(other, by=other_user, values=SOLUTION).name == "Juriscope"


def test_every_change_is_audited(app_ctx):
    org, user = make_org("startup")
    services.update_profile(org, by=user, values=COMPLETE)
    solution = services.create_solution(org, by=user, values=SOLUTION)
    services.update_solution(solution, by=user, values={"summary": "Lecture de contrats"})
    services.update_solution(solution, by=user, values={"summary": "Lecture de contrats"})  # no change: no entry
    certification = services.add_certification(org, by=user, values={"kind": "iso27001", "reference": "ISO-1"})
    services.delete_certification(certification, by=user)
    services.delete_solution(solution, by=user)
    commit()
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.organisation_id == org.id)
                                 .where(AuditEntry.action.like("supplier.%")).order_by(AuditEntry.id)).all()
    assert actions == ["supplier.profile_updated", "supplier.solution_created", "supplier.solution_updated",
                       "supplier.certification_added", "supplier.certification_deleted",
                       "supplier.solution_deleted"]
    assert db.session.scalar(select(func.count()).select_from(Solution)) == 0


def test_deleting_a_solution_keeps_the_certifications_and_bids_that_named_it(app_ctx):
    org, user = make_org("startup")
    solution = services.create_solution(org, by=user, values=SOLUTION)
    certification = services.add_certification(org, by=user, values={
        "kind": "cspn", "reference": "CSPN-2024-07", "solution_id": solution.id})
    buyer, _ = make_org("administration", verified=True)
    bid = make_bid(make_need(buyer), org)
    bid.solution_id = solution.id
    commit()
    services.delete_solution(solution, by=user)
    commit()
    db.session.refresh(certification)
    db.session.refresh(bid)
    assert certification.solution_id is None and bid.solution_id is None


def test_certification_rules(app_ctx):
    org, user = make_org("startup")
    other, other_user = make_org("startup")
    foreign = services.create_solution(other, by=other_user, values=SOLUTION)
    services.add_certification(org, by=user, values={"kind": "hds", "reference": "HDS-2025"})
    with pytest.raises(services.InvalidSupplier) as caught:
        services.add_certification(org, by=user, values={
            "kind": "hds", "reference": "HDS-2025", "issued_on": "2025-06-01", "expires_on": "2024-06-01",
            "solution_id": foreign.id})
    assert _errors(caught.value) == {("reference", "certification_taken"), ("expires_on", "dates_unordered"),
                                     ("solution_id", "solution_unknown")}
    # An id beyond the database's integers is unknown too (PostgreSQL refused it with an error).
    with pytest.raises(services.InvalidSupplier) as caught:
        services.add_certification(org, by=user, values={"kind": "iso27001", "reference": "ISO-1",
                                                         "solution_id": 2**31})
    assert _errors(caught.value) == {("solution_id", "solution_unknown")}
    assert db.session.scalar(select(func.count()).select_from(Certification)) == 1


def test_changes_reach_the_search_index_after_commit(app_ctx):
    org, user = make_org("startup", verified=True)
    services.update_profile(org, by=user, values=COMPLETE)
    commit()
    assert _found("contrats publics") == [org.id]

    solution = services.create_solution(org, by=user, values={**SOLUTION, "name": "Quillopédie"})
    assert _found("Quillopédie") == []  # not before the commit
    commit()
    assert _found("Quillopédie") == [org.id]

    services.delete_solution(solution, by=user)
    commit()
    assert _found("Quillopédie") == []


def test_only_owners_and_members_of_the_supplier_edit_it(app_ctx):
    org, owner = make_org("startup")
    member = make_member(org)
    buyer, buyer_user = make_org("corporate", verified=True)

    def viewer(user, organisation):
        return Viewer.of(user, next(m for m in user.memberships if m.organisation_id == organisation.id))

    assert can_edit_supplier(viewer(owner, org), org)
    assert can_edit_supplier(viewer(member, org), org)
    assert not can_edit_supplier(Viewer(user_id=owner.id, organisation_id=org.id, kind=org.kind,
                                        role=Role.AMBASSADOR), org)
    assert not can_edit_supplier(viewer(buyer_user, buyer), org)
    assert not can_edit_supplier(viewer(buyer_user, buyer), buyer)
