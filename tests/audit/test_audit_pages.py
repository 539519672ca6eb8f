"""The audit log pages: the operator reads every entry, with IP addresses; an organisation's
owners read their own organisation's entries only, without IP addresses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.extensions import db
from tests.factories import login, make_member, make_need, make_operator, make_org

MARCH_10 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def entry(action: str, *, organisation=None, actor=None, at: datetime = MARCH_10, ip: str | None = None,
          subject_type: str | None = None, subject_id: int | None = None, details: dict | None = None) -> AuditEntry:
    row = AuditEntry(action=action, organisation_id=getattr(organisation, "id", None),
                     actor_id=getattr(actor, "id", None), occurred_at=at, ip_address=ip,
                     subject_type=subject_type, subject_id=subject_id, details=details or {})
    db.session.add(row)
    db.session.commit()
    return row


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def entry_count(html: str) -> int:
    return html.count('data-marker="audit-entry"')


@pytest.fixture()
def market(app, client):
    """A ministry (owner, member, ambassador), a startup, an operator; English pages."""
    with app.app_context():
        ministry, owner = make_org("administration", name="Ministère des Essais", email="owner@ministere.fr")
        make_member(ministry, email="paul@ministere.fr")
        make_member(ministry, role=Role.AMBASSADOR, email="amb@ministere.fr")
        startup, founder = make_org("startup", name="Quantix", email="founder@quantix.fr")
        make_operator("ops@tremplin.example")
        db.session.commit()
        ids = {"ministry": ministry.id, "startup": startup.id, "owner": owner.id, "founder": founder.id}
    client.get("/lang/en")
    return ids


# --- access -------------------------------------------------------------------------------------


def test_a_visitor_is_sent_to_the_login_page(client, market):
    for url in ("/operator/audit", "/organisation/audit"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("email", ["owner@ministere.fr", "founder@quantix.fr", "paul@ministere.fr"])
def test_only_the_operator_reads_the_whole_log(client, market, email):
    login(client, email)
    assert client.get("/operator/audit").status_code == 403


def test_the_operator_reads_the_whole_log(client, market):
    login(client, "ops@tremplin.example")
    html = page(client, "/operator/audit")
    assert "Ministère des Essais" in html and "Quantix" in html
    assert "Registered the organisation" in html


def test_a_buyer_owner_reads_the_organisation_log_and_finds_it_from_the_organisation_page(client, market):
    login(client, "owner@ministere.fr")
    assert "/organisation/audit" in page(client, "/organisation")
    html = page(client, "/organisation/audit")
    # registered, then two members added
    assert "Registered the organisation" in html and "Added a member" in html and entry_count(html) == 3


@pytest.mark.parametrize("email", ["paul@ministere.fr", "amb@ministere.fr"])
def test_a_plain_member_or_an_ambassador_gets_403_and_no_link(client, market, email):
    login(client, email)
    assert "/organisation/audit" not in page(client, "/organisation")
    assert client.get("/organisation/audit").status_code == 403


def test_a_supplier_owner_reads_its_own_log_too(client, market):
    login(client, "founder@quantix.fr")
    html = page(client, "/organisation/audit")
    assert entry_count(html) == 1 and "Registered the organisation" in html


def test_a_user_without_organisation_has_no_organisation_log(client, market):
    login(client, "ops@tremplin.example")
    assert client.get("/organisation/audit").status_code == 404


def test_the_operator_home_links_to_the_log(client, market):
    login(client, "ops@tremplin.example")
    assert 'href="/operator/audit"' in page(client, "/")


# --- isolation ----------------------------------------------------------------------------------


def test_an_organisation_never_sees_another_organisations_entries(app, client, market):
    with app.app_context():
        from app.accounts.models import Organisation

        quantix = db.session.get(Organisation, market["startup"])
        ministry = db.session.get(Organisation, market["ministry"])
        entry("supplier.solution_created", organisation=quantix, details={"name": "SecretSolution"})
        entry("need.published", organisation=ministry, details={"note": "OwnNote"})
        entry("need.published", organisation=None, details={"note": "NoOrganisation"})
    login(client, "owner@ministere.fr")

    for url in ("/organisation/audit", f"/organisation/audit?organisation={market['startup']}",
                "/organisation/audit?action=supplier.solution_created", "/organisation/audit?page=2"):
        html = page(client, url)
        assert "SecretSolution" not in html and "NoOrganisation" not in html and "Quantix" not in html
    assert "OwnNote" in page(client, "/organisation/audit")


# --- what a row says ----------------------------------------------------------------------------


def test_a_row_says_when_who_what_on_which_subject_with_details(app, client, market):
    with app.app_context():
        from app.accounts.models import Organisation, User

        ministry = db.session.get(Organisation, market["ministry"])
        owner = db.session.get(User, market["owner"])
        need = make_need(ministry)
        reference = need.reference
        entry("need.published", organisation=ministry, actor=owner, subject_type="Need", subject_id=need.id,
              details={"fields": ["title", "budget"], "reason": "late"},
              at=datetime(2026, 3, 10, 23, 30, tzinfo=UTC))
        entry("billing.invoice_paid", organisation=ministry)
    login(client, "owner@ministere.fr")
    html = page(client, "/organisation/audit")

    assert "Published a need" in html
    assert f'<a href="/needs/{reference}">Need {reference}</a>' in html
    assert "fields: title, budget" in html and "reason: late" in html
    assert "owner@ministere.fr" in html
    assert "3/11/26" in html  # 23:30 UTC on 10 March is 00:30 on 11 March in Paris
    assert "An invoice was paid" in html and "system" in html


def test_an_action_without_a_sentence_shows_its_code(app, client, market):
    with app.app_context():
        from app.accounts.models import Organisation

        entry("custom.something_new", organisation=db.session.get(Organisation, market["ministry"]))
    login(client, "owner@ministere.fr")
    assert "<code>custom.something_new</code>" in page(client, "/organisation/audit")


def test_the_ip_address_shows_to_the_operator_only(app, client, market):
    with app.app_context():
        from app.accounts.models import Organisation

        entry("need.published", organisation=db.session.get(Organisation, market["ministry"]), ip="203.0.113.9")
    login(client, "owner@ministere.fr")
    buyer_html = page(client, "/organisation/audit")
    assert "Published a need" in buyer_html and "203.0.113.9" not in buyer_html and "IP address" not in buyer_html
    client.post("/logout")
    login(client, "ops@tremplin.example")
    operator_html = page(client, "/operator/audit")
    assert "203.0.113.9" in operator_html and "IP address" in operator_html


def test_an_operator_acting_on_an_organisation_shows_as_the_operator_to_it(app, client, market):
    with app.app_context():
        from app.accounts.models import Organisation, User

        ops = db.session.scalar(db.select(User).filter_by(email="ops@tremplin.example"))
        entry("organisation.verified", organisation=db.session.get(Organisation, market["ministry"]), actor=ops)
    login(client, "owner@ministere.fr")
    html = page(client, "/organisation/audit")
    assert "Verified the organisation" in html and "ops@tremplin.example" not in html and "the operator" in html


# --- filters and paging -------------------------------------------------------------------------


def test_filters_by_action_and_actor(app, client, market):
    with app.app_context():
        from app.accounts.models import Organisation, User

        ministry = db.session.get(Organisation, market["ministry"])
        owner = db.session.get(User, market["owner"])
        paul = db.session.scalar(db.select(User).filter_by(email="paul@ministere.fr"))
        entry("need.published", organisation=ministry, actor=owner, details={"n": "by-owner"})
        entry("need.published", organisation=ministry, actor=paul, details={"n": "by-paul"})
        entry("need.cancelled", organisation=ministry, actor=paul, details={"n": "cancel-paul"})
    login(client, "owner@ministere.fr")

    published = page(client, "/organisation/audit?action=need.published")
    assert "by-owner" in published and "by-paul" in published and "cancel-paul" not in published
    assert '<option value="need.published" selected>' in published
    by_paul = page(client, "/organisation/audit?actor=PAUL@ministere")
    assert "by-paul" in by_paul and "cancel-paul" in by_paul and "by-owner" not in by_paul
    both = page(client, "/organisation/audit?action=need.published&actor=paul%40")
    assert entry_count(both) == 1 and "by-paul" in both
    assert "No entry matches these filters." in page(client, "/organisation/audit?actor=nobody")


def test_dates_are_paris_days(app, client, market):
    with app.app_context():
        from app.accounts.models import Organisation

        ministry = db.session.get(Organisation, market["ministry"])
        # 10 March 2026 in Paris (UTC+1) runs from 9 March 23:00 UTC to 10 March 23:00 UTC.
        entry("need.published", organisation=ministry, at=datetime(2026, 3, 9, 22, 59, tzinfo=UTC),
              details={"n": "paris-9th-late"})
        entry("need.published", organisation=ministry, at=datetime(2026, 3, 9, 23, 0, tzinfo=UTC),
              details={"n": "paris-10th-midnight"})
        entry("need.published", organisation=ministry, at=datetime(2026, 3, 10, 22, 59, tzinfo=UTC),
              details={"n": "paris-10th-late"})
        entry("need.published", organisation=ministry, at=datetime(2026, 3, 10, 23, 0, tzinfo=UTC),
              details={"n": "paris-11th-midnight"})
    login(client, "owner@ministere.fr")

    day = page(client, "/organisation/audit?from=2026-03-10&to=2026-03-10")
    assert "paris-10th-midnight" in day and "paris-10th-late" in day
    assert "paris-9th-late" not in day and "paris-11th-midnight" not in day
    since = page(client, "/organisation/audit?from=2026-03-11")
    assert "paris-11th-midnight" in since and "paris-10th-late" not in since
    until = page(client, "/organisation/audit?to=2026-03-09&action=need.published")
    assert entry_count(until) == 1 and "paris-9th-late" in until


def test_a_wrong_date_says_so_and_is_ignored(client, market):
    login(client, "owner@ministere.fr")
    html = page(client, "/organisation/audit?from=10/03/2026")
    assert "Enter a date as YYYY-MM-DD." in html and entry_count(html) == 3
    backwards = page(client, "/organisation/audit?from=2026-03-11&to=2026-03-10")
    assert "The end date is before the start date." in backwards


def test_the_operator_filters_by_organisation_name_or_number(client, market):
    login(client, "ops@tremplin.example")
    by_name = page(client, "/operator/audit?organisation=quant")
    assert entry_count(by_name) == 1 and "Quantix" in by_name
    by_id = page(client, f"/operator/audit?organisation={market['ministry']}")
    assert entry_count(by_id) == 3 and "Ministère des Essais" in by_id and "Quantix" not in by_id
    assert entry_count(page(client, "/operator/audit?organisation=100%25")) == 0


def test_the_log_is_paged_newest_first_and_the_pager_keeps_the_filters(app, client, market):
    with app.app_context():
        from app.accounts.models import Organisation

        ministry = db.session.get(Organisation, market["ministry"])
        start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
        for n in range(51):
            db.session.add(AuditEntry(action="need.updated", organisation_id=ministry.id,
                                      occurred_at=start + timedelta(minutes=n), details={"n": f"item-{n:02d}"}))
        db.session.commit()
    login(client, "owner@ministere.fr")

    first = page(client, "/organisation/audit?action=need.updated")
    second = page(client, "/organisation/audit?action=need.updated&page=2")
    assert entry_count(first) == 50 and entry_count(second) == 1
    assert first.index("item-50") < first.index("item-49") and "item-00" not in first
    assert "item-00" in second and "Page 2 of 2" in second
    assert "action=need.updated" in first[first.index('rel="next"') - 200:first.index('rel="next"')]
