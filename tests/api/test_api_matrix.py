"""Roles × need states × visibilities × actions, repeated through the API.

The same people as the policy matrix (tests/needs/test_policy_matrix.py) exist here as
real organisations with real tokens, and every action is a real request. The expected
answers come from that matrix's rules (``expected_*``), written from the product's rules:
an action the rules allow succeeds (2xx), a need one may not see is a 404 whatever the
action, and anything else is refused with 403 (not for this organisation) or 409 (not in
this state) — never a success, never a 5xx. A request without a token is a 401, and a
read-only token never writes (403).
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from app.accounts.models import OrganisationKind, Role, SizeCategory
from app.db import utcnow
from app.extensions import db
from app.needs.models import Need, NeedStatus, Visibility
from tests.api.helpers import bearer
from tests.api.test_api_bids import body as bid_body
from tests.factories import make_bid, make_member, make_need, make_org
from tests.needs.test_policy_matrix import (
    BUYER_AGENTS,
    BUYER_SIDE,
    STATES,
    SUPPLIERS,
    expected_award,
    expected_bid,
    expected_evaluate,
    expected_view,
)

# The policy matrix's roles, as organisations: (kind, verified, country, size, employees, role).
PEOPLE = {
    "unverified_supplier": ("startup", False, "FR", SizeCategory.MICRO, None, Role.OWNER),
    "verified_supplier": ("startup", True, "FR", SizeCategory.SMALL, None, Role.OWNER),
    "invited_supplier": ("sme", False, "DE", SizeCategory.MEDIUM, None, Role.MEMBER),
    "sme_ineligible_supplier": ("sme", True, "FR", SizeCategory.MID, 1200, Role.OWNER),
    "non_eu_supplier": ("startup", True, "CH", SizeCategory.SMALL, None, Role.OWNER),
    "other_buyer": ("corporate", True, "FR", None, None, Role.OWNER),
}
ROLES = ("anonymous", *PEOPLE, "buyer_owner", "buyer_member", "ambassador")
VISIBILITIES = tuple(v.value for v in Visibility)
CASES = list(itertools.product(STATES, VISIBILITIES))


class World:
    """One buyer, the people, and a fresh need per (state, visibility) on demand."""

    def __init__(self, role: str):
        self.role = role
        self.buyer, owner = make_org("administration", verified=True)
        member = make_member(self.buyer, role=Role.MEMBER)
        ambassador = make_member(self.buyer, role=Role.AMBASSADOR)
        self.invited = None
        self.headers: dict[str, dict[str, str]] = {}
        self.read_only: dict[str, str] | None = None
        organisations = {}
        for name, (kind, verified, country, size, employees, membership_role) in PEOPLE.items():
            organisation, user = make_org(kind, verified=verified)
            if country != "FR":  # identified by a VAT number outside France
                organisation.vat_number = f"{country}{organisation.id:09d}"
                organisation.siren = organisation.siret = None
            organisation.country, organisation.size, organisation.employees = country, size, employees
            if membership_role != Role.OWNER:
                user = make_member(organisation, role=membership_role)
            organisations[name] = (organisation, user)
        db.session.commit()
        self.invited = organisations["invited_supplier"][0]
        self.supplier = organisations["verified_supplier"][0]
        users = {"buyer_owner": (self.buyer, owner), "buyer_member": (self.buyer, member),
                 "ambassador": (self.buyer, ambassador), **organisations}
        if role != "anonymous":
            organisation, user = users[role]
            self.headers = bearer(user, organisation, "read", "write")
            self.read_only = bearer(user, organisation, "read")

    def need(self, state: str, visibility: str, *, set_aside: bool = False, with_bid: bool = False) -> Need:
        status = "published" if state == "published_late" else state
        need = make_need(self.buyer, status=status, visibility=visibility, sme_set_aside=set_aside,
                         deadline_in_days=30, invited=[self.invited])
        if state == "published_late":
            need.deadline_at = utcnow() - timedelta(hours=1)
        if state == "draft":
            need.published_at = None
            need.reuse_note = "Rien de réutilisable parmi les solutions mutualisées."
        if with_bid:
            make_bid(need, self.supplier)
        db.session.commit()
        return need


@pytest.fixture()
def world_of(client, app, monkeypatch):
    # What happens after an action (notifications, emails, indexing) is tested elsewhere: here
    # the events wait in the outbox, undelivered, so that the matrix stays quick.
    monkeypatch.setitem(app.extensions, "tremplin.dispatch", lambda ids: None)
    contexts = []

    def build(role: str) -> World:
        context = app.app_context()
        context.push()
        contexts.append(context)
        return World(role)

    yield build
    for context in reversed(contexts):
        context.pop()


def check(response, *, allowed: bool, visible: bool, role: str, case, success=(200, 201)):
    status = response.status_code
    where = (role, *case, status, response.get_data(as_text=True)[:300])
    assert status < 500, where
    if role == "anonymous":
        assert status == 401, where
        return
    if allowed:
        assert status in success, where
    elif not visible:
        assert status == 404, where
    else:
        assert status in (403, 409), where
    if status >= 400:
        assert response.mimetype == "application/problem+json", where


@pytest.mark.parametrize("role", ROLES)
def test_reading_needs(client, world_of, role):
    world = world_of(role)
    for state, visibility in CASES:
        need = world.need(state, visibility)
        visible = role != "anonymous" and expected_view(role, state, Visibility(visibility))
        response = client.get(f"/api/v1/needs/{need.reference}", headers=world.headers)
        check(response, allowed=visible, visible=visible, role=role, case=(state, visibility))
        listed = client.get("/api/v1/needs?per_page=100", headers=world.headers)
        if role != "anonymous":
            references = {item["reference"] for item in listed.get_json()}
            assert (need.reference in references) is visible, (role, state, visibility)


@pytest.mark.parametrize("set_aside", [False, True], ids=["open", "set_aside"])
@pytest.mark.parametrize("role", ROLES)
def test_bidding(client, world_of, role, set_aside):
    world = world_of(role)
    for state, visibility in CASES:
        need = world.need(state, visibility, set_aside=set_aside)
        visible = role != "anonymous" and expected_view(role, state, Visibility(visibility))
        allowed = role != "anonymous" and expected_bid(role, state, Visibility(visibility), set_aside)
        if world.read_only is not None and allowed:
            refused = client.put(f"/api/v1/needs/{need.reference}/bid", json=bid_body(), headers=world.read_only)
            assert refused.status_code == 403, (role, state, visibility)
        response = client.put(f"/api/v1/needs/{need.reference}/bid", json=bid_body(), headers=world.headers)
        check(response, allowed=allowed, visible=visible, role=role, case=(state, visibility, set_aside),
              success=(201,))


def expected_edit(role: str, state: str) -> bool:
    return role in BUYER_AGENTS and state in ("draft", "published")


def expected_publish(role: str, state: str) -> bool:
    return role in BUYER_AGENTS and state == "draft"


def expected_cancel(role: str, state: str) -> bool:
    """Before any award or other ending: open needs and closed ones (a draft is discarded instead)."""
    return role in BUYER_AGENTS and state in ("published", "published_late", "closed")


@pytest.mark.parametrize("role", ROLES)
def test_the_buyer_side_writes(client, world_of, role):
    """Edit (If-Match), publish, cancel: the buyer's owners and members, in the right states."""
    from app.api.api_needs_write import need_etag

    world = world_of(role)
    for state, visibility in CASES:
        visible = role != "anonymous" and expected_view(role, state, Visibility(visibility))
        case = (state, visibility)

        need = world.need(state, visibility)
        change = {"summary": "Résumé précisé par l'acheteur."}
        if state != "draft":
            change["amendment_summary"] = "Résumé précisé."
        headers = {**world.headers, "If-Match": need_etag(need)}
        response = client.patch(f"/api/v1/needs/{need.reference}", json=change, headers=headers)
        check(response, allowed=expected_edit(role, state), visible=visible, role=role, case=("edit", *case))

        need = world.need(state, visibility)
        response = client.post(f"/api/v1/needs/{need.reference}/publish", headers=world.headers)
        check(response, allowed=expected_publish(role, state), visible=visible, role=role,
              case=("publish", *case))
        db.session.expire_all()
        if response.status_code == 200:
            assert db.session.get(Need, need.id).status == NeedStatus.PUBLISHED

        need = world.need(state, visibility)
        if world.read_only is not None and expected_cancel(role, state):
            refused = client.post(f"/api/v1/needs/{need.reference}/cancel", json={"reason": "Besoin couvert."},
                                  headers=world.read_only)
            assert refused.status_code == 403, ("cancel read-only", role, *case)
        response = client.post(f"/api/v1/needs/{need.reference}/cancel", json={"reason": "Besoin couvert."},
                               headers=world.headers)
        check(response, allowed=expected_cancel(role, state), visible=visible, role=role,
              case=("cancel", *case))
        db.session.expire_all()
        expected_status = NeedStatus.CANCELLED if response.status_code == 200 else None
        if expected_status:
            assert db.session.get(Need, need.id).status == expected_status


@pytest.mark.parametrize("role", ROLES)
def test_the_bids_received(client, world_of, role):
    """Only the buyer's side sees the bids received; their content only once unsealed."""
    world = world_of(role)
    for state, visibility in CASES:
        need = world.need(state, visibility, with_bid=True)
        visible = role != "anonymous" and expected_view(role, state, Visibility(visibility))
        allowed = role in BUYER_SIDE
        response = client.get(f"/api/v1/needs/{need.reference}/bids", headers=world.headers)
        check(response, allowed=allowed, visible=visible, role=role, case=(state, visibility))
        if response.status_code == 200:
            answer = response.get_json()
            assert answer["count"] == 1
            unsealed = state not in ("draft", "published")
            assert answer["unsealed"] is unsealed
            assert ("bids" in answer) is unsealed


def test_roles_are_the_policy_matrix_roles():
    """The people here are exactly the policy matrix's (but the operator, who has no token)."""
    from tests.needs.test_policy_matrix import ROLES as POLICY_ROLES

    assert set(ROLES) == set(POLICY_ROLES) - {"operator"}
    for name, (kind, verified, country, size, employees, _role) in PEOPLE.items():
        viewer = POLICY_ROLES[name]
        assert (OrganisationKind(kind), verified, country, size) == (viewer.kind, viewer.verified, viewer.country,
                                                                     viewer.size)
        assert viewer.employees == employees


def expected_ask(role: str, state: str, visibility: str) -> bool:
    return role in SUPPLIERS and expected_view(role, state, Visibility(visibility)) and state == "published"


def expected_answer(role: str, state: str) -> bool:
    return role in BUYER_AGENTS and state != "draft"


def expected_unsuccessful(role: str, state: str) -> bool:
    """Closing without award: once bids are closed (by the status or by the clock), before any ending."""
    return role in BUYER_AGENTS and state in ("closed", "published_late")


@pytest.mark.parametrize("role", ROLES)
def test_questions_and_answers(client, world_of, role):
    """Suppliers who see an open need ask; the buyer's owners and members answer."""
    from app.needs.models import Question

    world = world_of(role)
    for state, visibility in CASES:
        visible = role != "anonymous" and expected_view(role, state, Visibility(visibility))
        need = world.need(state, visibility)
        response = client.post(f"/api/v1/needs/{need.reference}/questions",
                               json={"body": "Le SSO est-il exigé ?"}, headers=world.headers)
        check(response, allowed=expected_ask(role, state, visibility), visible=visible, role=role,
              case=("ask", state, visibility))

        question = Question(need_id=need.id, asked_by_org_id=world.supplier.id, body="Quel volume ?")
        db.session.add(question)
        db.session.commit()
        response = client.post(f"/api/v1/needs/{need.reference}/questions/{question.id}/answer",
                               json={"body": "Deux mille agents."}, headers=world.headers)
        # An unanswered question is the buyer's and its asker's business: a 404 to the others.
        sees_question = visible and (role in BUYER_SIDE or role == "verified_supplier")
        check(response, allowed=expected_answer(role, state), visible=sees_question, role=role,
              case=("answer", state, visibility))


@pytest.mark.parametrize("role", ROLES)
def test_evaluating_awarding_and_closing(client, world_of, role):
    """The buyer's owners and members score, award and close without award once bids are closed."""
    from app.bids.evaluation import CRITERIA

    world = world_of(role)
    for state, visibility in CASES:
        if state == "draft":
            continue  # no bid on a draft
        visible = role != "anonymous" and expected_view(role, state, Visibility(visibility))
        # The bid is readable by its bidder, and by the buyer's side once unsealed; by no one else.
        sees_bid = visible and (role == "verified_supplier" or (role in BUYER_SIDE and state != "published"))
        need = world.need(state, visibility, with_bid=True)
        bid_id = need_bid_id(need)
        response = client.put(f"/api/v1/needs/{need.reference}/bids/{bid_id}/evaluation",
                              json={"scores": dict.fromkeys(CRITERIA, 4), "comment": "Solide."},
                              headers=world.headers)
        check(response, allowed=expected_evaluate(role, state), visible=sees_bid, role=role,
              case=("evaluate", state, visibility))

        need = world.need(state, visibility, with_bid=True)
        award = {"bids": [{"bid_id": need_bid_id(need), "amount": {"amount_cents": 19_000_000, "currency": "EUR"}}]}
        response = client.post(f"/api/v1/needs/{need.reference}/awards", json=award, headers=world.headers)
        check(response, allowed=expected_award(role, state), visible=visible, role=role,
              case=("award", state, visibility))

        need = world.need(state, visibility)
        response = client.post(f"/api/v1/needs/{need.reference}/unsuccessful",
                               json={"reason": "Aucune offre ne convient."}, headers=world.headers)
        check(response, allowed=expected_unsuccessful(role, state), visible=visible, role=role,
              case=("unsuccessful", state, visibility))


def need_bid_id(need: Need) -> int:
    from app.bids.models import Bid

    return db.session.scalar(db.select(Bid.id).where(Bid.need_id == need.id))
