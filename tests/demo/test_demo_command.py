"""`flask demo`: a believable market that people can sign in to, the same for the same seed.

The command runs once for the module (on the session's test database, wiped first);
the tests then look at what a person would notice. The refusal, --if-empty and --reset
tests run the command again on the data already there.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from stdnum.eu import vat as eu_vat
from stdnum.fr import siren as fr_siren

from app.accounts.models import Membership, Organisation, OrganisationKind, Role
from app.accounts.services import authenticate
from app.audit.models import AuditEntry
from app.bids.models import Award, Bid, BidStatus, Evaluation
from app.commitments.models import Commitment, Purchase, PurchaseSource, PurchaseStatus
from app.events import OutboxEvent
from app.extensions import db
from app.needs.models import Need, NeedStatus, Visibility
from app.suppliers.models import Certification, CertificationKind, Solution, SupplierProfile
from tests.conftest import _wipe

TODAY = "2026-03-02"
ARGS = ["demo", "--seed", "7", "--today", TODAY]
PASSWORD = "Tremplin-Demo-2026!"
EURO = 100
SUPPLIER_KINDS = (OrganisationKind.STARTUP, OrganisationKind.SME)


@pytest.fixture(scope="module")
def demo(app):
    _wipe(app)
    result = app.test_cli_runner().invoke(args=ARGS)
    assert result.exit_code == 0, result.output
    yield result
    _wipe(app)


@pytest.fixture()
def session(app, demo):
    with app.app_context():
        yield db.session
        db.session.rollback()


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def snapshot(session) -> dict:
    """What someone browsing the demo sees first, in creation order."""
    needs = session.execute(select(Need.reference, Need.title, Need.budget_max_cents).order_by(Need.id)).all()
    suppliers = session.scalars(
        select(Organisation.name).where(Organisation.kind.in_(SUPPLIER_KINDS)).order_by(Organisation.id)
    ).all()
    return {"needs": [tuple(row) for row in needs], "suppliers": list(suppliers),
            "bids": count(session, Bid), "purchases": count(session, Purchase)}


def test_the_market_has_hundreds_of_suppliers_thirty_buyers_and_eighty_needs(session):
    assert count(session, Organisation, Organisation.kind.in_(SUPPLIER_KINDS)) >= 300
    assert count(session, Organisation, Organisation.kind == OrganisationKind.ADMINISTRATION) >= 10
    assert count(session, Organisation, Organisation.kind == OrganisationKind.CORPORATE) >= 5
    assert count(session, Organisation, Organisation.kind.in_(
        (OrganisationKind.ADMINISTRATION, OrganisationKind.CORPORATE))) == 30
    assert count(session, Need) == 80
    suppliers = session.scalars(select(Organisation).where(Organisation.kind.in_(SUPPLIER_KINDS))).all()
    foreign = {s.country for s in suppliers if s.country != "FR"}
    assert len(foreign) >= 5 and sum(s.country == "FR" for s in suppliers) > len(suppliers) * 0.7
    assert count(session, SupplierProfile) == len(suppliers)
    with_solutions = session.scalar(select(func.count(func.distinct(Solution.organisation_id))))
    assert with_solutions == len(suppliers)
    assert all(s.employees and s.annual_turnover_cents and s.size and s.city for s in suppliers)


def test_company_identifiers_pass_their_checksums(session):
    orgs = session.scalars(select(Organisation).where(Organisation.kind != OrganisationKind.OPERATOR)).all()
    french = [o for o in orgs if o.country == "FR"]
    others = [o for o in orgs if o.country != "FR"]
    assert french and others
    assert all(fr_siren.is_valid(o.siren) for o in french)
    assert all(eu_vat.is_valid(o.vat_number) and o.vat_number.startswith(o.country) for o in others)


def test_needs_come_in_every_status_and_visibility_with_consistent_dates(session):
    needs = session.scalars(select(Need)).all()
    assert {n.status for n in needs} == set(NeedStatus)
    assert {n.visibility for n in needs} == set(Visibility)
    today = datetime.fromisoformat(TODAY).replace(tzinfo=UTC)
    for need in needs:
        assert need.deadline_at.tzinfo is not None
        assert (need.published_at is None) == (need.status == NeedStatus.DRAFT)
        if need.status == NeedStatus.PUBLISHED:
            assert need.deadline_at > today
        if need.status in (NeedStatus.CLOSED, NeedStatus.AWARDED):
            assert need.deadline_at < today
        assert re.fullmatch(r"TRP-\d{4}-\d{4}", need.reference)
        assert sum(need.weights.values()) == 100
        assert need.reuse_checked or need.status == NeedStatus.DRAFT
        assert need.categories
    anonymised = [n for n in needs if n.anonymised]
    assert anonymised and all(n.visibility != Visibility.PUBLIC and n.anonymous_label for n in anonymised)
    assert all(n.buyer.name not in n.description for n in anonymised)
    invited = [n for n in needs if n.visibility == Visibility.INVITATION and n.status != NeedStatus.DRAFT]
    assert invited and all(n.invitations for n in invited)
    assert any(n.sme_set_aside for n in needs)
    assert any(n.questions and any(q.answer for q in n.questions) for n in needs)
    assert any(n.amendments for n in needs if n.status == NeedStatus.PUBLISHED)


def test_budgets_span_20k_to_15m_euros_mostly_in_the_100k_10m_band(session):
    budgets = session.execute(select(Need.budget_min_cents, Need.budget_max_cents)).all()
    assert all(20_000 * EURO <= low <= high <= 15_000_000 * EURO for low, high in budgets)
    core = [b for b in budgets if b[0] >= 100_000 * EURO and b[1] <= 10_000_000 * EURO]
    assert len(core) > 0.7 * len(budgets)
    assert min(low for low, _ in budgets) < 100_000 * EURO and max(high for _, high in budgets) > 10_000_000 * EURO


def test_sovereignty_facts_include_secnumcloud_suppliers(session):
    assert count(session, Certification, Certification.kind == CertificationKind.SECNUMCLOUD) > 0
    assert count(session, Solution, Solution.secnumcloud) > 0
    assert count(session, Solution, Solution.shared) > 0
    assert count(session, Solution, Solution.open_source, Solution.license.is_not(None)) > 0
    sensitive = session.scalars(select(Need).where(Need.sensitive_data)).all()
    assert sensitive and all(n.requires_secnumcloud for n in sensitive)


def test_bids_follow_the_state_of_their_need(session):
    for need in session.scalars(select(Need)).all():
        statuses = [b.status for b in need.bids]
        if need.status == NeedStatus.DRAFT:
            assert statuses == []
        elif need.status == NeedStatus.PUBLISHED:
            assert not set(statuses) & {BidStatus.AWARDED, BidStatus.REJECTED, BidStatus.SHORTLISTED}
        elif need.status == NeedStatus.AWARDED:
            assert statuses.count(BidStatus.AWARDED) == 1
            award = session.scalar(select(Award).where(Award.need_id == need.id))
            purchase = session.scalar(select(Purchase).where(Purchase.award_id == award.id))
            assert purchase.source == PurchaseSource.AWARD and purchase.status == PurchaseStatus.VERIFIED
            assert award.bid.status == BidStatus.AWARDED and purchase.amount_cents == award.amount_cents
        elif need.status in (NeedStatus.CANCELLED, NeedStatus.UNSUCCESSFUL):
            assert set(statuses) <= {BidStatus.REJECTED, BidStatus.WITHDRAWN}
    scores = session.scalars(select(Evaluation)).all()
    assert scores and all(0 <= v <= 10 for e in scores for v in e.scores.values())


def test_alliance_pledges_reach_the_billion_and_declared_purchases_tell_its_progress(app, session):
    members = session.scalars(select(Organisation).where(Organisation.alliance_member)).all()
    assert 25 <= len(members) <= 40
    assert all(m.kind in (OrganisationKind.ADMINISTRATION, OrganisationKind.CORPORATE) for m in members)
    commitments = session.scalars(select(Commitment)).all()
    assert {c.organisation_id for c in commitments} == {m.id for m in members}  # joining is pledging
    total = sum(c.amount_cents for c in commitments)
    assert 1_000_000_000 * EURO <= total <= 1_300_000_000 * EURO
    for c in commitments:
        assert c.revisions and c.revisions[-1].amount_cents == c.amount_cents
        assert [r.revised_at for r in c.revisions] == sorted(r.revised_at for r in c.revisions)
        assert all(r.revised_by_id and r.note for r in c.revisions)
    assert sum(len(c.revisions) > 1 for c in commitments) >= 5
    declared = session.scalars(select(Purchase).where(Purchase.source == PurchaseSource.DECLARED)).all()
    assert {p.status for p in declared} == set(PurchaseStatus)
    assert all(p.rejection_reason for p in declared if p.status == PurchaseStatus.REJECTED)
    amount = {s: sum(p.amount_cents for p in declared if p.status == s) for s in PurchaseStatus}
    assert amount[PurchaseStatus.VERIFIED] > amount[PurchaseStatus.DECLARED] > amount[PurchaseStatus.REJECTED]
    target = app.config["COMMITMENT_TARGET_CENTS"]
    assert 0.25 * target <= amount[PurchaseStatus.VERIFIED] + amount[PurchaseStatus.DECLARED] <= 0.6 * target
    months = {p.purchased_on.strftime("%Y-%m") for p in declared}
    assert min(months) == "2025-01" and max(months) == "2026-02" and len(months) == 14
    assert all(p.purchased_on < date.fromisoformat(TODAY) and p.created_at <= p.updated_at for p in declared)
    # mostly French startups and SMEs; some mid-size companies, and suppliers elsewhere that do not count
    share = {geo: sum(p.amount_cents for p in declared if p.supplier_geo == geo) / sum(amount.values())
             for geo in ("fr", "eu", "non_eu")}
    assert share["fr"] > 0.75 and share["eu"] > 0.03 and share["non_eu"] > 0.005
    assert {p.supplier_class for p in declared} >= {"startup", "sme", "mid", "large"}
    assert any(p.supplier_id is None for p in declared) and any(p.supplier_id for p in declared)
    alliance = session.scalar(select(Organisation).where(Organisation.name == "Banque Fontenoy"))
    assert {p.status for p in declared if p.buyer_id == alliance.id} == set(PurchaseStatus)
    # each declaration has its evidence, a real PDF that the evidence link serves
    with app.app_context():
        from app.files.storage import path_for

        assert all(path_for(p.evidence_key).read_bytes().startswith(b"%PDF-") for p in declared[:20])


def test_demo_accounts_are_printed_and_sign_in_with_the_shared_password(demo, session):
    output = demo.output
    assert PASSWORD in output
    emails = re.findall(r"[a-z]+@demo\.tremplin\.fr", output)
    assert len(emails) == 7
    for email in emails:
        assert authenticate(email, PASSWORD) is not None, email
        assert authenticate(email, "wrong-password") is None
    roles = {email.split("@")[0]: authenticate(email, PASSWORD) for email in emails}
    assert roles["operator"].is_operator
    kinds = {name: user.memberships[0].organisation.kind for name, user in roles.items()}
    assert kinds["startup"] == OrganisationKind.STARTUP and kinds["sme"] == OrganisationKind.SME
    assert kinds["buyer"] == OrganisationKind.ADMINISTRATION and kinds["corporate"] == OrganisationKind.CORPORATE
    assert roles["ambassador"].memberships[0].role == Role.AMBASSADOR
    assert roles["alliance"].memberships[0].organisation.alliance_member
    assert count(session, Membership, Membership.role == Role.AMBASSADOR) >= 10


def test_no_outbox_event_is_recorded_and_one_audit_entry_is(session):
    assert count(session, OutboxEvent) == 0
    assert session.scalars(select(AuditEntry.action)).all() == ["demo.generated"]


def test_a_second_run_refuses_and_changes_nothing(app, session):
    before = snapshot(session)
    result = app.test_cli_runner().invoke(args=ARGS)
    assert result.exit_code != 0
    assert "already holds data" in result.output and "--reset" in result.output
    session.rollback()
    assert snapshot(session) == before


def test_if_empty_skips_politely_when_data_is_there(app, session):
    before = snapshot(session)
    result = app.test_cli_runner().invoke(args=[*ARGS, "--if-empty"])
    assert result.exit_code == 0
    assert "nothing changed" in result.output
    session.rollback()
    assert snapshot(session) == before


def test_reset_and_if_empty_together_is_a_usage_error(app):
    result = app.test_cli_runner().invoke(args=[*ARGS, "--reset", "--if-empty"])
    assert result.exit_code == 2 and "contradict" in result.output


def test_the_same_seed_gives_the_same_market_and_another_seed_another(app, session):
    before = snapshot(session)
    other = app.test_cli_runner().invoke(args=["demo", "--reset", "--seed", "8", "--today", TODAY])
    assert other.exit_code == 0, other.output
    session.rollback()
    assert snapshot(session)["needs"] != before["needs"]
    again = app.test_cli_runner().invoke(args=[*ARGS, "--reset"])
    assert again.exit_code == 0, again.output
    session.rollback()
    assert snapshot(session) == before
    assert count(session, Organisation, Organisation.kind.in_(SUPPLIER_KINDS)) == len(before["suppliers"])


def test_the_demo_market_is_searchable_at_once(demo, app):
    """The demo indexes what it creates: public needs are found by words of their titles."""
    from app.matching.search import NeedSearch, search_needs
    from app.needs.policy import Viewer

    with app.app_context():
        assert "Search index built" in demo.output
        results = search_needs(Viewer.anonymous(), NeedSearch(status="all"), per_page=100)
        assert results.total > 0
        assert all(h.need.visibility.value == "public" for h in results.hits)


def test_demo_accounts_find_recent_notifications_about_needs_they_may_see(session):
    from app.accounts.models import User
    from app.alerts.models import Notification, SavedSearch
    from app.alerts.saved_searches import need_search_of
    from app.needs.policy import Viewer, can_view_need

    for email in ("startup@demo.tremplin.fr", "sme@demo.tremplin.fr", "buyer@demo.tremplin.fr"):
        user = session.scalar(select(User).where(User.email == email))
        notes = session.scalars(select(Notification).where(Notification.user_id == user.id)).all()
        assert any(n.read_at is None for n in notes), email  # something new at first sign-in
        viewer = Viewer.of(user, user.memberships[0])
        assert all(can_view_need(viewer, n.need) for n in notes if n.need is not None), email
    # Saved searches hold the search page's own parameters, so they narrow as shown
    for saved in session.scalars(select(SavedSearch)).all():
        params = need_search_of(saved.query, saved.filters)
        assert params.narrowed and (params.q or params.axes or params.category), saved.name


def test_demo_suppliers_show_the_billing_states_and_buyers_have_no_plan(app, session):
    """The startup's organisation pays for Pro, the SME's payment failed (paid plan kept in the grace
    period), a few others subscribe or cancelled, every other supplier is on the free plan."""
    from datetime import timedelta

    from app.accounts.models import User
    from app.billing import entitlements
    from app.billing.models import BillingAccount, SubscriptionStatus

    reference = datetime.fromisoformat(TODAY).replace(tzinfo=UTC)

    def account_of(email):
        user = session.scalar(select(User).where(User.email == email))
        return session.scalar(select(BillingAccount).where(
            BillingAccount.organisation_id == user.memberships[0].organisation_id))

    startup, sme = account_of("startup@demo.tremplin.fr"), account_of("sme@demo.tremplin.fr")
    assert (startup.plan, startup.status) == ("pro", SubscriptionStatus.ACTIVE)
    assert startup.current_period_end > reference
    assert sme.status == SubscriptionStatus.PAST_DUE and sme.payment_failed_at < reference < sme.grace_until
    with app.test_request_context():
        assert entitlements.plan_of_account(startup, reference).code == "pro"
        assert entitlements.plan_of_account(sme, reference).code == "pro"  # kept during the grace period
        assert entitlements.plan_of_account(sme, sme.grace_until + timedelta(seconds=1)).code == "free"
    accounts = session.scalars(select(BillingAccount)).all()
    statuses = sorted(a.status.value for a in accounts)
    assert statuses == ["active", "active", "active", "active", "canceled", "past_due"]
    assert sum(a.cancel_at_period_end for a in accounts) == 1
    assert all(a.stripe_customer_id is None and a.stripe_subscription_id is None for a in accounts)
    kinds = {session.get(Organisation, a.organisation_id).kind for a in accounts}
    assert kinds <= set(SUPPLIER_KINDS)
