"""The lifecycle of a need: publish, amend, cancel, close by the clock, declare unsuccessful."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.needs.doctrine import Approach
from app.needs.models import Amendment, Need, NeedStatus
from tests.factories import login, make_need, make_org
from tests.needs.builders import (
    audits,
    english,
    events,
    form_fields,
    in_days,
    local,
    need_by_ref,
    need_post,
    past,
)


@pytest.fixture()
def buyer(client, app):
    with app.app_context():
        org, user = make_org("administration", name="Ministère des Essais", email="buyer@min.gouv.fr",
                             verified=True)
        ids = {"org": org.id, "user": user.id}
    login(client, "buyer@min.gouv.fr")
    english(client)
    return ids


def draft(app, buyer_id: int, **changes) -> str:
    with app.app_context():
        from app.accounts.models import Organisation

        need = make_need(db.session.get(Organisation, buyer_id), status="draft")
        changes = {"reuse_note": "Rien de mutualisé ne convient.", **changes}
        for name, value in changes.items():
            setattr(need, name, value)
        db.session.commit()
        return need.reference


# --- publishing ---------------------------------------------------------------------------------


def test_a_complete_draft_is_published_with_its_event_and_audit_line(client, app, buyer):
    ref = draft(app, buyer["org"])
    page = client.get(f"/needs/{ref}").get_data(as_text=True)
    assert "This draft is complete" in page and f"/needs/{ref}/publish" in page
    response = client.post(f"/needs/{ref}/publish")
    assert response.status_code == 302
    with app.app_context():
        need = need_by_ref(ref)
        assert need.status == NeedStatus.PUBLISHED and need.published_at is not None
        assert need.sealed_bids
        assert [e.payload["need_id"] for e in events("need.published")] == [need.id]
        assert audits("need.published")[0].actor_id == buyer["user"]


PUBLICATION_PROBLEMS = {
    "reuse not checked": ({"reuse_checked": False}, "Check the shared solutions that already exist first"),
    "reuse without a note": ({"reuse_note": None}, "Note what you found among the existing shared solutions"),
    "off-the-shelf not sought": ({"off_the_shelf_sought": False}, "Look for off-the-shelf solutions"),
    "no category": ({"categories": []}, "Choose at least one category."),
}


@pytest.mark.parametrize("case", list(PUBLICATION_PROBLEMS), ids=list(PUBLICATION_PROBLEMS))
def test_an_incomplete_draft_is_not_published_and_the_buyer_is_told_why(client, app, buyer, case):
    changes, message = PUBLICATION_PROBLEMS[case]
    ref = draft(app, buyer["org"], **changes)
    response = client.post(f"/needs/{ref}/publish", follow_redirects=True)
    assert message in response.get_data(as_text=True)
    with app.app_context():
        need = need_by_ref(ref)
        assert need.status == NeedStatus.DRAFT and need.published_at is None
        assert events("need.published") == [] and audits("need.published") == []


def test_a_draft_whose_deadline_has_passed_is_not_published(client, app, buyer):
    ref = draft(app, buyer["org"])
    with app.app_context():
        past(need_by_ref(ref).id)
    page = client.post(f"/needs/{ref}/publish", follow_redirects=True).get_data(as_text=True)
    assert "The deadline must be in the future." in page
    with app.app_context():
        assert need_by_ref(ref).status == NeedStatus.DRAFT


def test_a_custom_development_must_be_justified_before_publication(app_ctx):
    from app.needs.services import NeedError, publish_need

    org, user = make_org("administration")
    need = make_need(org, status="draft")
    need.reuse_note = "Rien"
    need.approach = Approach.CUSTOM
    need.custom_justification = "   "  # blank: the database accepts it, publication does not
    db.session.commit()
    with pytest.raises(NeedError) as refused:
        publish_need(need, by=user)
    assert refused.value.code == "custom_unjustified"
    db.session.rollback()
    assert db.session.get(Need, need.id).status == NeedStatus.DRAFT


def test_only_a_draft_is_published(client, app, buyer):
    with app.app_context():
        from app.accounts.models import Organisation

        ref = make_need(db.session.get(Organisation, buyer["org"]), status="closed").reference
    client.post(f"/needs/{ref}/publish")
    with app.app_context():
        assert need_by_ref(ref).status == NeedStatus.CLOSED
        assert events("need.published") == []


# --- editing and amending --------------------------------------------------------------------------


def _published(app, buyer_id, **kwargs) -> str:
    with app.app_context():
        from app.accounts.models import Organisation

        return make_need(db.session.get(Organisation, buyer_id), **kwargs).reference


def test_a_draft_is_edited_freely_without_amendment(client, app, buyer):
    ref = draft(app, buyer["org"])
    assert client.get(f"/needs/{ref}/edit").status_code == 200
    response = client.post(f"/needs/{ref}/edit", data=need_post(title="Nouveau titre", budget_max="900 000"))
    assert response.status_code == 302
    with app.app_context():
        need = need_by_ref(ref)
        assert need.title == "Nouveau titre" and need.budget_max_cents == 900_000_00
        assert need.amendments == [] and events("need.amended") == []
        assert audits("need.updated")[0].details["fields"]


def test_a_change_to_a_published_need_is_an_amendment_shown_in_the_change_log(client, app, buyer):
    ref = _published(app, buyer["org"])
    form = client.get(f"/needs/{ref}/edit").get_data(as_text=True)
    assert "your changes become an amendment" in form
    with app.app_context():
        need = need_by_ref(ref)
        old_deadline, version = need.deadline_at, need.version
    new_deadline = old_deadline + timedelta(days=7)
    data = need_post(title=need.title, summary=need.summary, description=need.description,
                     categories=["ai.llm"], budget_min="150 000", budget_max="500 000", cpv_code="",
                     deadline=local(new_deadline), region="11", eu_data_residency=None,
                     off_the_shelf_note="", reuse_note="",
                     amendment_summary="Budget relevé et délai prolongé d'une semaine.",
                     version=str(version), visibility=None, route=None)
    response = client.post(f"/needs/{ref}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        need = need_by_ref(ref)
        assert need.budget_max_cents == 500_000_00
        assert need.deadline_at.replace(second=0, microsecond=0) == new_deadline.replace(second=0, microsecond=0)
        [amendment] = need.amendments
        assert amendment.summary == "Budget relevé et délai prolongé d'une semaine."
        assert amendment.changes["budget_max_cents"] == {"old": 400_000_00, "new": 500_000_00}
        assert set(amendment.changes) == {"budget_max_cents", "deadline_at"}
        assert events("need.amended")[0].payload["amendment_id"] == amendment.id
        assert audits("need.amended")[0].subject_id == need.id
    page = client.get(f"/needs/{ref}").get_data(as_text=True)
    assert "Change log" in page and "Budget relevé et délai prolongé" in page
    assert "Maximum budget" in page and "€400,000" in page and "€500,000" in page


def _amend(client, app, ref, **overrides):
    with app.app_context():
        need = need_by_ref(ref)
        data = need_post(title=need.title, summary=need.summary, description=need.description,
                         categories=["ai.llm"], cpv_code="", deadline=local(need.deadline_at),
                         eu_data_residency=None, reuse_note="", off_the_shelf_note="",
                         amendment_summary="Précision", visibility=None, route=None)
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return client.post(f"/needs/{ref}/edit", data=data)


@pytest.mark.parametrize("overrides, message", [
    ({"deadline": "shorter"}, "may be extended but not brought forward"),
    ({"deadline": "past"}, "The deadline must be in the future."),
    ({"title": "Autre titre", "amendment_summary": ""}, "Say what changes and why"),
    ({"budget_min": "500 000", "budget_max": "400 000"}, "The minimum budget is above the maximum"),
], ids=["deadline brought forward", "deadline in the past", "no summary", "min above max"])
def test_a_refused_amendment_changes_nothing(client, app, buyer, overrides, message):
    ref = _published(app, buyer["org"])
    with app.app_context():
        before = need_by_ref(ref)
        deadline, title, version = before.deadline_at, before.title, before.version
    if overrides.get("deadline") == "shorter":
        overrides["deadline"] = local(deadline - timedelta(days=3))
    elif overrides.get("deadline") == "past":
        overrides["deadline"] = local(in_days(-1))
    response = _amend(client, app, ref, **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        need = need_by_ref(ref)
        assert (need.deadline_at, need.title, need.version) == (deadline, title, version)
        assert need.amendments == [] and events("need.amended") == []


def test_who_sees_a_published_need_and_how_its_bids_are_read_never_change(app_ctx):
    from app.needs.services import NeedError, need_values, update_need

    org, user = make_org("corporate")
    need = make_need(org, visibility="restricted", sealed_bids=True)
    for name, value in (("visibility", "public"), ("sealed_bids", False), ("anonymised", True),
                        ("sme_set_aside", True)):
        values = {**need_values(need), name: value}
        with pytest.raises(NeedError) as refused:
            update_need(need, by=user, values=values, amendment_summary="Changement")
        assert (refused.value.field, refused.value.code) == (name, "locked_after_publication")
        db.session.rollback()
    need = db.session.get(Need, need.id)
    assert need.visibility.value == "restricted" and need.sealed_bids and need.amendments == []


def test_resending_a_published_need_unchanged_records_no_amendment(client, app, buyer):
    ref = _published(app, buyer["org"])
    response = _amend(client, app, ref, budget_min="150 000", budget_max="400 000", region="11")
    assert response.status_code == 302
    with app.app_context():
        assert need_by_ref(ref).amendments == []


def test_an_edit_made_on_a_stale_page_is_refused(client, app, buyer):
    ref = _published(app, buyer["org"])
    response = _amend(client, app, ref, title="Nouveau", version="999")
    assert response.status_code == 400
    assert "Someone changed this need meanwhile" in response.get_data(as_text=True)
    with app.app_context():
        assert need_by_ref(ref).title != "Nouveau"


def test_closed_needs_cannot_be_edited(client, app, buyer):
    ref = _published(app, buyer["org"], status="closed")
    response = client.post(f"/needs/{ref}/edit", data=need_post(title="Trop tard"))
    assert response.status_code == 302
    assert "can no longer be changed" in client.get(f"/needs/{ref}").get_data(as_text=True)
    with app.app_context():
        assert need_by_ref(ref).title != "Trop tard"


# --- cancelling and unsuccessful ---------------------------------------------------------------------


def test_cancelling_requires_a_reason(client, app, buyer):
    ref = _published(app, buyer["org"])
    response = client.post(f"/needs/{ref}/cancel", data={"cancel-reason": "  "})
    assert response.status_code == 400
    assert "Give the reason" in response.get_data(as_text=True)
    with app.app_context():
        assert need_by_ref(ref).status == NeedStatus.PUBLISHED
    response = client.post(f"/needs/{ref}/cancel", data={"cancel-reason": "Besoin couvert par un marché national."})
    assert response.status_code == 302
    with app.app_context():
        need = need_by_ref(ref)
        assert need.status == NeedStatus.CANCELLED and need.cancelled_at is not None
        assert need.status_reason == "Besoin couvert par un marché national."
        assert events("need.cancelled")[0].payload["need_id"] == need.id
        assert audits("need.cancelled")[0].details["reason"].startswith("Besoin")
    assert "Besoin couvert par un marché national." in client.get(f"/needs/{ref}").get_data(as_text=True)


def test_an_awarded_need_cannot_be_cancelled(client, app, buyer):
    ref = _published(app, buyer["org"], status="awarded")
    client.post(f"/needs/{ref}/cancel", data={"cancel-reason": "Erreur"})
    with app.app_context():
        assert need_by_ref(ref).status == NeedStatus.AWARDED


def test_a_need_is_declared_unsuccessful_only_after_its_deadline(client, app, buyer):
    ref = _published(app, buyer["org"])
    page = client.post(f"/needs/{ref}/unsuccessful", data={"unsuccessful-reason": "Aucune offre"},
                       follow_redirects=True).get_data(as_text=True)
    assert "The deadline has not passed yet" in page
    with app.app_context():
        assert need_by_ref(ref).status == NeedStatus.PUBLISHED
        past(need_by_ref(ref).id)
    assert client.post(f"/needs/{ref}/unsuccessful", data={"unsuccessful-reason": ""}).status_code == 400
    with app.app_context():
        assert need_by_ref(ref).status == NeedStatus.PUBLISHED
    assert client.post(f"/needs/{ref}/unsuccessful", data={"unsuccessful-reason": "Aucune offre recevable."}
                       ).status_code == 302
    with app.app_context():
        need = need_by_ref(ref)
        assert need.status == NeedStatus.UNSUCCESSFUL and need.status_reason == "Aucune offre recevable."
        assert [e.kind for e in events("need.closed") + events("need.unsuccessful")] == [
            "need.closed", "need.unsuccessful"]
        assert audits("need.unsuccessful")[0].actor_id == buyer["user"]


def test_others_cannot_act_on_a_need(client, app, buyer):
    ref = _published(app, buyer["org"])
    with app.app_context():
        make_org("administration", email="other@agence.gouv.fr")
        make_org("startup", email="startup@example.fr")
    for email in ("other@agence.gouv.fr", "startup@example.fr"):
        client.post("/logout")
        login(client, email)
        for action, data in (("publish", {}), ("cancel", {"cancel-reason": "x"}), ("edit", need_post()),
                             ("unsuccessful", {"unsuccessful-reason": "x"})):
            assert client.post(f"/needs/{ref}/{action}", data=data).status_code == 403, (email, action)
        assert client.get(f"/needs/{ref}/edit").status_code == 403
    with app.app_context():
        need = need_by_ref(ref)
        assert need.status == NeedStatus.PUBLISHED and need.amendments == []


# --- closing by the clock -------------------------------------------------------------------------------


def test_close_expired_needs_closes_published_needs_past_their_deadline(app_ctx):
    from app.events import commit
    from app.needs.services import close_expired_needs

    org, _ = make_org("corporate")
    due = make_need(org, deadline_in_days=1)
    later = make_need(org, deadline_in_days=30)
    untouched_draft = make_need(org, status="draft")
    now = due.deadline_at + timedelta(minutes=1)
    closed = close_expired_needs(now=now)
    commit()
    assert [n.id for n in closed] == [due.id]
    assert db.session.get(Need, due.id).status == NeedStatus.CLOSED
    assert db.session.get(Need, due.id).closed_at == due.deadline_at
    assert db.session.get(Need, later.id).status == NeedStatus.PUBLISHED
    assert db.session.get(Need, untouched_draft.id).status == NeedStatus.DRAFT
    assert [e.payload["need_id"] for e in events("need.closed")] == [due.id]
    assert [a.subject_id for a in audits("need.closed")] == [due.id]
    assert close_expired_needs(now=now) == []  # nothing twice


def test_the_cli_closes_expired_needs(app):
    from tests.conftest import _wipe

    _wipe(app)
    with app.app_context():
        org, _ = make_org("administration")
        need = make_need(org)
        past(need.id)
        ref = need.reference
    result = app.test_cli_runner().invoke(args=["needs", "close-expired"])
    assert result.exit_code == 0, result.output
    assert ref in result.output
    with app.app_context():
        assert need_by_ref(ref).status == NeedStatus.CLOSED
        assert len(events("need.closed")) == 1
    again = app.test_cli_runner().invoke(args=["needs", "close-expired"])
    assert "No published need past its deadline" in again.output


def test_reading_a_need_after_its_deadline_closes_it(client, app):
    with app.app_context():
        org, _ = make_org("administration")
        need = make_need(org)
        past(need.id)
        ref = need.reference
    english(client)
    page = client.get(f"/needs/{ref}").get_data(as_text=True)
    assert "Bids closed at the deadline" in page
    with app.app_context():
        assert need_by_ref(ref).status == NeedStatus.CLOSED
        assert len(events("need.closed")) == 1
    client.get(f"/needs/{ref}")
    with app.app_context():
        assert len(events("need.closed")) == 1


def test_amendments_are_listed_newest_first(app_ctx):
    org, user = make_org("administration")
    need = make_need(org)
    for n in range(2):
        db.session.add(Amendment(need=need, author_id=user.id, summary=f"Modification {n}", changes={}))
    db.session.commit()
    assert [a.summary for a in db.session.get(Need, need.id).amendments] == ["Modification 0", "Modification 1"]


@pytest.mark.parametrize("status", ["draft", "published"])
def test_sending_the_edit_form_back_as_a_browser_would_changes_nothing(client, app, buyer, status):
    """Multi-line texts come back with CRLF line endings, times to the minute: not a change."""
    with app.app_context():
        from app.accounts.models import Organisation

        need = make_need(db.session.get(Organisation, buyer["org"]), status=status)
        need.description = "Contexte\nObjet\n\nAttendus"
        need.deadline_at = need.deadline_at.replace(second=37)
        db.session.commit()
        ref, version = need.reference, need.version
    action = f"/needs/{ref}/edit"
    data = form_fields(client.get(action).get_data(as_text=True), action)
    assert "\r\n" in data["description"] and data["version"] == str(version)
    data["amendment_summary"] = "Rien"
    assert client.post(action, data=data).status_code == 302
    with app.app_context():
        need = need_by_ref(ref)
        assert need.version == version and need.amendments == [] and events("need.amended") == []
        assert need.description == "Contexte\nObjet\n\nAttendus"


def test_actions_carry_the_form_token_of_the_page(app, csrf_app):
    """With CSRF protection on (as in production) the page's own forms work, forged ones do not."""
    with csrf_app.app_context():
        org, _ = make_org("administration", email="csrf@min.gouv.fr")
        need = make_need(org, status="draft")
        need.reuse_note = "Rien de mutualisé."
        db.session.commit()
        ref = need.reference
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={**form_fields(login_page, "/login"), "email": "csrf@min.gouv.fr",
                                "password": "Correct-Horse-42"})
    action = f"/needs/{ref}/publish"
    assert client.post(action).status_code == 400  # no token: refused
    with csrf_app.app_context():
        assert need_by_ref(ref).status == NeedStatus.DRAFT
    fields = form_fields(client.get(f"/needs/{ref}").get_data(as_text=True), action)
    assert client.post(action, data=fields).status_code == 302
    with csrf_app.app_context():
        assert need_by_ref(ref).status == NeedStatus.PUBLISHED
