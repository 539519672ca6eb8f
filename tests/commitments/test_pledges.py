"""Pledges: joining the alliance by pledging, revisions kept in order with who and when,
owners only, and clear refusals that change nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from app.accounts.models import Role
from app.commitments import services
from app.commitments.messages import CommitmentError
from app.commitments.queries import pledge_history
from app.events import commit
from app.extensions import db
from tests.commitments.helpers import NOW, audits, counts, events, operator
from tests.factories import login, make_member, make_org

EURO = 100
pytestmark = pytest.mark.usefixtures("upload_root")


def pledge(org, by, amount="50 000 000", start="2025-01-01", end="2027-12-31", note=None, now=NOW):
    commitment = services.record_pledge(org, amount_euros=amount, period_start=start, period_end=end, by=by,
                                        note=note, now=now)
    commit()
    return commitment


def test_a_first_pledge_makes_the_organisation_an_alliance_member(app_ctx):
    org, owner = make_org("corporate", name="Banque Fontenoy", verified=True)
    assert not org.alliance_member
    commitment = pledge(org, owner, note="Décidé en comité exécutif")
    assert org.alliance_member
    assert commitment.amount_cents == 50_000_000 * EURO
    assert (commitment.period_start, commitment.period_end) == (date(2025, 1, 1), date(2027, 12, 31))
    [revision] = commitment.revisions
    assert revision.revised_by_id == owner.id and revision.note == "Décidé en comité exécutif"
    [event] = events("commitment.revised")
    assert event.payload["organisation_id"] == org.id and event.payload["joined_alliance"] is True
    assert audits("commitment.revised")[0].actor_id == owner.id


def test_revisions_are_kept_in_order_with_who_and_when(app_ctx):
    org, owner = make_org("corporate", verified=True)
    co_owner = make_member(org, role=Role.OWNER)
    pledge(org, owner, amount="50 000 000", now=NOW - timedelta(days=200))
    pledge(org, co_owner, amount="80 000 000", end="2028-06-30", note="Extension aux filiales",
           now=NOW - timedelta(days=20))
    commitment = pledge(org, owner, amount="120 000 000", now=NOW)
    assert commitment.amount_cents == 120_000_000 * EURO and commitment.period_end == date(2027, 12, 31)
    history = pledge_history(commitment)  # newest first, each beside the one it replaced
    assert [row.revision.amount_cents // EURO for row in history] == [120_000_000, 80_000_000, 50_000_000]
    assert [row.by.id for row in history] == [owner.id, co_owner.id, owner.id]
    assert [row.revision.revised_at for row in history] == sorted((r.revision.revised_at for r in history),
                                                                   reverse=True)
    assert history[0].previous.amount_cents == 80_000_000 * EURO and history[-1].previous is None
    assert history[1].revision.period_end == date(2028, 6, 30) and history[1].revision.note == "Extension aux filiales"
    assert [e.payload["previous_amount_cents"] for e in events("commitment.revised")] == [
        None, 50_000_000 * EURO, 80_000_000 * EURO]


def test_a_pledge_above_100_million_euros_is_accepted(app_ctx):
    org, owner = make_org("corporate", verified=True)
    assert pledge(org, owner, amount="200 000 000 €").amount_cents == 200_000_000 * EURO


def test_only_owners_or_the_operator_record_a_pledge(app_ctx):
    org, owner = make_org("corporate", verified=True)
    member = make_member(org)
    ambassador = make_member(org, role=Role.AMBASSADOR)
    for user in (member, ambassador):
        with pytest.raises(CommitmentError) as refused:
            pledge(org, user)
        assert refused.value.code == "pledge_owners_only"
    assert counts()["Commitment"] == 0 and not org.alliance_member
    assert pledge(org, operator()).amount_cents == 50_000_000 * EURO


@pytest.mark.parametrize(("kind", "verified", "code"), [
    ("startup", True, "pledge_buyers_only"),
    ("sme", True, "pledge_buyers_only"),
    ("administration", False, "pledge_unverified"),
])
def test_suppliers_and_unverified_buyers_do_not_pledge(app_ctx, kind, verified, code):
    org, owner = make_org(kind, verified=verified)
    with pytest.raises(CommitmentError) as refused:
        pledge(org, owner)
    assert refused.value.code == code
    db.session.rollback()
    assert counts()["Commitment"] == 0


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"amount": "0"}, "amount", "The amount must be above 0 €."),
    ({"amount": "-5 000 000"}, "amount", "The amount must be above 0 €."),
    ({"amount": "beaucoup"}, "amount", "Enter the amount in euros with digits only"),
    ({"amount": ""}, "amount", "Enter an amount in euros"),
    ({"amount": "20 000 000 000"}, "amount", "A pledge above 10 billion euros is not plausible"),
    ({"start": "2027-01-01", "end": "2026-01-01"}, "period_end", "The end of the period comes before its start."),
    ({"start": "2020-01-01", "end": "2024-06-30"}, "period_end", "The period ends before the programme starts"),
    ({"start": "2025-01-01", "end": "2040-01-01"}, "period_end", "A pledge covers at most 10 years"),
    ({"end": "31/02/2027"}, "period_end", "Enter a real date"),
    ({"start": ""}, "period_start", "Enter a date"),
    ({"note": "x" * 1001}, "note", "The note is too long"),
])
def test_a_refused_pledge_says_why_and_changes_nothing(app_ctx, values, field, message):
    org, owner = make_org("corporate", verified=True)
    before = counts()
    with pytest.raises(CommitmentError) as refused, force_locale("en"):
        pledge(org, owner, **values)
    with force_locale("en"):
        assert message in refused.value.messages()[field]
    db.session.rollback()
    assert counts() == before and not org.alliance_member


def test_a_revision_that_changes_nothing_is_refused(app_ctx):
    org, owner = make_org("corporate", verified=True)
    pledge(org, owner)
    with pytest.raises(CommitmentError) as refused:
        pledge(org, owner, amount="50 000 000,00")
    assert refused.value.code == "pledge_unchanged"
    db.session.rollback()
    assert counts()["CommitmentRevision"] == 1


# --- the page -----------------------------------------------------------------------------------


def test_owners_pledge_and_revise_on_the_page_and_read_the_history(client, app):
    with app.app_context():
        org, owner = make_org("corporate", name="Banque Fontenoy", verified=True, email="owner@fontenoy.fr")
        owner_name = owner.full_name
    client.get("/lang/en")
    login(client, "owner@fontenoy.fr")
    page = client.get("/commitment/pledge").get_data(as_text=True)
    assert "has not pledged yet" in page and "Pledge and join the alliance" in page
    first = client.post("/commitment/pledge", data={"amount": "50 000 000", "period_start": "2025-01-01",
                                                    "period_end": "2027-12-31", "note": "Adhésion"})
    assert first.status_code == 302
    follow = client.get("/commitment/pledge").get_data(as_text=True)
    assert "your organisation is now a member of the alliance" in follow
    client.post("/commitment/pledge", data={"amount": "75 000 000", "period_start": "2025-01-01",
                                            "period_end": "2027-12-31", "note": "Relevé"})
    page = client.get("/commitment/pledge").get_data(as_text=True)
    assert "€50,000,000 → €75,000,000" in page and "first pledge" in page
    assert page.count(owner_name) >= 2 and "Relevé" in page and "Adhésion" in page


def test_a_refused_pledge_shows_the_message_on_its_field(client, app):
    with app.app_context():
        make_org("corporate", verified=True, email="owner@fontenoy.fr")
    client.get("/lang/en")
    login(client, "owner@fontenoy.fr")
    response = client.post("/commitment/pledge", data={"amount": "0", "period_start": "2027-01-01",
                                                       "period_end": "2026-01-01"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="amount-error"' in page and "The amount must be above 0 €." in page
    assert 'aria-describedby="period_end-error"' in page and "comes before its start" in page
    with app.app_context():
        assert counts()["Commitment"] == 0


def test_members_read_the_pledge_but_do_not_revise_it(client, app):
    with app.app_context():
        org, owner = make_org("corporate", verified=True)
        pledge(org, owner)
        make_member(org, email="member@fontenoy.fr")
    client.get("/lang/en")
    login(client, "member@fontenoy.fr")
    page = client.get("/commitment/pledge").get_data(as_text=True)
    assert "€50,000,000" in page and 'data-marker="pledge-form"' not in page
    refused = client.post("/commitment/pledge", data={"amount": "1", "period_start": "2025-01-01",
                                                      "period_end": "2027-12-31"})
    assert refused.status_code == 403
    with app.app_context():
        assert counts()["CommitmentRevision"] == 1


def test_suppliers_have_no_pledge_page(client, app):
    with app.app_context():
        make_org("startup", verified=True, email="claire@orbinova.fr")
    login(client, "claire@orbinova.fr")
    assert client.get("/commitment/pledge").status_code == 403
