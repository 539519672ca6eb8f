"""Roles × need states × visibilities × actions: the access policy, rule by rule.

The expected answers below are written from the product's rules, not from the code:
- a draft is seen only by the buyer's organisation and the operator;
- public needs are seen by everyone; restricted ones by verified suppliers and invited
  ones; invitation-only ones by invited suppliers; the buyer's organisation and the
  operator see all of them;
- only suppliers bid, on a need open by the server's clock, if verified (or invited),
  and on an SME set-aside only if an EU SME or startup;
- the buyer's owners and members (not ambassadors, not the operator) evaluate and award
  once the deadline has passed;
- no supplier reads another supplier's bid; the buyer reads bids only once unsealed.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from app.accounts.models import OrganisationKind, Role, SizeCategory
from app.bids.models import Bid, BidStatus
from app.db import utcnow
from app.needs import policy
from app.needs.models import Invitation, Need, NeedStatus, Visibility
from app.needs.policy import Viewer

BUYER_ORG, OTHER_BUYER_ORG = 1, 2
VERIFIED, UNVERIFIED, INVITED, LARGE, NON_EU, OTHER_SUPPLIER = 10, 11, 12, 13, 14, 15

ROLES: dict[str, Viewer] = {
    "anonymous": Viewer.anonymous(),
    "unverified_supplier": Viewer(user_id=1, organisation_id=UNVERIFIED, kind=OrganisationKind.STARTUP,
                                  role=Role.OWNER, verified=False, country="FR", size=SizeCategory.MICRO),
    "verified_supplier": Viewer(user_id=2, organisation_id=VERIFIED, kind=OrganisationKind.STARTUP,
                                role=Role.OWNER, verified=True, country="FR", size=SizeCategory.SMALL),
    "invited_supplier": Viewer(user_id=3, organisation_id=INVITED, kind=OrganisationKind.SME,
                               role=Role.MEMBER, verified=False, country="DE", size=SizeCategory.MEDIUM),
    "sme_ineligible_supplier": Viewer(user_id=4, organisation_id=LARGE, kind=OrganisationKind.SME,
                                      role=Role.OWNER, verified=True, country="FR", size=SizeCategory.MID,
                                      employees=1200),
    "non_eu_supplier": Viewer(user_id=5, organisation_id=NON_EU, kind=OrganisationKind.STARTUP,
                              role=Role.OWNER, verified=True, country="CH", size=SizeCategory.SMALL),
    "buyer_owner": Viewer(user_id=6, organisation_id=BUYER_ORG, kind=OrganisationKind.ADMINISTRATION,
                          role=Role.OWNER, verified=True, country="FR"),
    "buyer_member": Viewer(user_id=7, organisation_id=BUYER_ORG, kind=OrganisationKind.ADMINISTRATION,
                           role=Role.MEMBER, verified=True, country="FR"),
    "ambassador": Viewer(user_id=8, organisation_id=BUYER_ORG, kind=OrganisationKind.ADMINISTRATION,
                         role=Role.AMBASSADOR, verified=True, country="FR"),
    "other_buyer": Viewer(user_id=9, organisation_id=OTHER_BUYER_ORG, kind=OrganisationKind.CORPORATE,
                          role=Role.OWNER, verified=True, country="FR"),
    "operator": Viewer(user_id=10, is_operator=True),
}

# "published_late": stored as published but the deadline has passed (the clock closes it).
STATES = ("draft", "published", "published_late", "closed", "awarded", "cancelled", "unsuccessful")
VISIBILITIES = tuple(Visibility)
SUPPLIERS = {"unverified_supplier", "verified_supplier", "invited_supplier", "sme_ineligible_supplier",
             "non_eu_supplier"}
BUYER_SIDE = {"buyer_owner", "buyer_member", "ambassador"}
BUYER_AGENTS = {"buyer_owner", "buyer_member"}


def build_need(state: str, visibility: Visibility, *, set_aside: bool = False, sealed: bool = True) -> Need:
    now = utcnow()
    status = NeedStatus.PUBLISHED if state == "published_late" else NeedStatus(state)
    open_deadline = state in ("draft", "published")
    need = Need(
        id=100,
        buyer_id=BUYER_ORG,
        status=status,
        visibility=visibility,
        deadline_at=now + timedelta(days=10) if open_deadline else now - timedelta(hours=1),
        sme_set_aside=set_aside,
        sealed_bids=sealed,
        anonymised=False,
    )
    need.invitations = [Invitation(need_id=100, supplier_id=INVITED)]
    return need


def expected_view(role: str, state: str, visibility: Visibility) -> bool:
    if role == "operator" or role in BUYER_SIDE:
        return True
    if state == "draft":
        return False
    if visibility == Visibility.PUBLIC:
        return True
    if visibility == Visibility.RESTRICTED:
        return role in {"verified_supplier", "invited_supplier", "sme_ineligible_supplier", "non_eu_supplier"}
    return role == "invited_supplier"


def expected_bid(role: str, state: str, visibility: Visibility, set_aside: bool) -> bool:
    if role not in SUPPLIERS or not expected_view(role, state, visibility) or state != "published":
        return False
    if role == "unverified_supplier":
        return False
    return not (set_aside and role in {"sme_ineligible_supplier", "non_eu_supplier"})


def expected_evaluate(role: str, state: str) -> bool:
    return role in BUYER_AGENTS and state in ("closed", "published_late")


def expected_award(role: str, state: str) -> bool:
    return role in BUYER_AGENTS and state in ("closed", "published_late", "awarded")


MATRIX = list(itertools.product(ROLES, STATES, VISIBILITIES))


@pytest.mark.parametrize(("role", "state", "visibility"), MATRIX)
def test_view(role, state, visibility):
    need = build_need(state, visibility)
    assert policy.can_view_need(ROLES[role], need) is expected_view(role, state, visibility)


@pytest.mark.parametrize(("role", "state", "visibility"), MATRIX)
@pytest.mark.parametrize("set_aside", [False, True], ids=["open", "set_aside"])
def test_bid(role, state, visibility, set_aside):
    need = build_need(state, visibility, set_aside=set_aside)
    assert policy.can_bid(ROLES[role], need) is expected_bid(role, state, visibility, set_aside)


@pytest.mark.parametrize(("role", "state", "visibility"), MATRIX)
def test_evaluate_and_award(role, state, visibility):
    need = build_need(state, visibility)
    assert policy.can_evaluate(ROLES[role], need) is expected_evaluate(role, state)
    assert policy.can_award(ROLES[role], need) is expected_award(role, state)


@pytest.mark.parametrize(("role", "state", "visibility"), MATRIX)
def test_ask_answer_edit_publish(role, state, visibility):
    need = build_need(state, visibility)
    viewer = ROLES[role]
    may_view = expected_view(role, state, visibility)
    assert policy.can_ask_question(viewer, need) is (role in SUPPLIERS and may_view and state == "published")
    assert policy.can_answer_question(viewer, need) is (role in BUYER_AGENTS and state != "draft")
    assert policy.can_edit_need(viewer, need) is (role in BUYER_AGENTS and state in ("draft", "published"))
    assert policy.can_publish(viewer, need) is (role in BUYER_AGENTS and state == "draft")


@pytest.mark.parametrize(("role", "state"), list(itertools.product(ROLES, STATES)))
@pytest.mark.parametrize("sealed", [True, False], ids=["sealed", "unsealed"])
def test_reading_a_bid(role, state, sealed):
    """The bidder always reads its bid; the buyer's side once unsealed; no other supplier ever."""
    need = build_need(state, Visibility.PUBLIC, sealed=sealed)
    bid = Bid(id=7, need_id=need.id, supplier_id=VERIFIED, status=BidStatus.SUBMITTED)
    bid.need = need
    unsealed = state != "draft" and (not sealed or state != "published")
    expected = role in ("verified_supplier", "operator") or (role in BUYER_SIDE and unsealed)
    assert policy.can_view_bid(ROLES[role], bid) is expected


@pytest.mark.parametrize("status", list(BidStatus))
def test_the_buyer_never_reads_drafts_or_withdrawn_bids(status):
    need = build_need("closed", Visibility.PUBLIC)
    bid = Bid(id=8, need_id=need.id, supplier_id=VERIFIED, status=status)
    bid.need = need
    expected = status not in (BidStatus.DRAFT, BidStatus.WITHDRAWN)
    assert policy.can_view_bid(ROLES["buyer_owner"], bid) is expected


@pytest.mark.parametrize("state", STATES)
def test_the_bidder_changes_its_bid_only_until_the_deadline(state):
    need = build_need(state, Visibility.PUBLIC)
    bid = Bid(id=9, need_id=need.id, supplier_id=VERIFIED, status=BidStatus.SUBMITTED)
    bid.need = need
    assert policy.can_change_bid(ROLES["verified_supplier"], bid) is (state == "published")
    assert policy.can_change_bid(ROLES["buyer_owner"], bid) is False
    other = Viewer(user_id=99, organisation_id=OTHER_SUPPLIER, kind=OrganisationKind.STARTUP, verified=True,
                   country="FR")
    assert policy.can_change_bid(other, bid) is False


def test_refusals_say_why():
    need = build_need("published", Visibility.PUBLIC, set_aside=True)
    assert policy.bid_refusal(ROLES["sme_ineligible_supplier"], need) == policy.BidRefusal.SET_ASIDE_TOO_LARGE
    assert policy.bid_refusal(ROLES["non_eu_supplier"], need) == policy.BidRefusal.SET_ASIDE_NOT_EU
    assert policy.bid_refusal(ROLES["unverified_supplier"], need) == policy.BidRefusal.NOT_VERIFIED
    assert policy.bid_refusal(ROLES["buyer_owner"], need) == policy.BidRefusal.NOT_SUPPLIER
    late = build_need("published_late", Visibility.PUBLIC)
    assert policy.bid_refusal(ROLES["verified_supplier"], late) == policy.BidRefusal.DEADLINE_PASSED


@pytest.mark.parametrize("role", list(ROLES))
def test_only_buyer_agents_post_needs(role):
    """Owners and members of a buyer organisation (any buyer), not ambassadors or suppliers."""
    assert policy.can_post_need(ROLES[role]) is (role in BUYER_AGENTS or role == "other_buyer")
