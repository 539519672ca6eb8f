"""Emails check the access policy again when they are written, not only when the notification
was decided: an instant email is written by a later job, a digest hours or days later, and
meanwhile a member may leave, a supplier lose its verification, a need be cancelled.

(The handlers and the fan-out check at run time too: tests/notifications/test_handlers.py,
test_fanout.py; exports and imports re-check their owner: tests/operations.)
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import Membership
from app.accounts.services import remove_member
from app.alerts.models import EmailMode, Notification
from app.events import commit
from app.extensions import db
from app.needs.models import NeedStatus
from notifications.delivery import notify_users
from notifications.digests import send_digests
from tests.factories import make_member, make_need, make_org
from tests.notifications.mailbox import parts, serve_mailing_app, serve_smtp


@pytest.fixture()
def smtp():
    yield from serve_smtp()


@pytest.fixture()
def mailing_app(app, test_database, tmp_path, smtp):  # `app` builds the migrated database
    yield from serve_mailing_app(test_database, tmp_path, smtp.url)


def alert(user_ids, need, *, mode: EmailMode, kind: str = "need_matched_search") -> None:
    """A new-need alert, as the fan-out decides it (the people may see the need at that time)."""
    notify_users(user_ids, kind, need_id=need.id, reason="search",
                 params={"need_title": need.title, "need_reference": need.reference, "searches": ["Cyber"]},
                 email_modes=dict.fromkeys(user_ids, mode))


def email_mode(user_id: int, need_id: int, kind: str = "need_matched_search") -> EmailMode:
    return db.session.scalar(select(Notification.email_mode).where(
        Notification.user_id == user_id, Notification.need_id == need_id, Notification.kind == kind))


def test_an_instant_alert_is_not_emailed_to_a_member_who_left_before_the_email_was_written(mailing_app, smtp):
    with mailing_app.app_context():
        buyer, _ = make_org("administration", verified=True)
        supplier, owner = make_org("startup", verified=True, email="owner@quantix.fr")
        leaving = make_member(supplier, email="leaving@quantix.fr")
        need = make_need(buyer, visibility="restricted", title="Supervision réservée")
        alert([owner.id, leaving.id], need, mode=EmailMode.INSTANT)
        db.session.commit()  # the email job has not run yet
        membership = db.session.scalar(select(Membership).where(Membership.user_id == leaving.id))
        remove_member(membership, by=owner)
        commit()  # now it runs, after the member left
        assert email_mode(leaving.id, need.id) == EmailMode.OFF  # never emailed, no digest later
    assert [message["To"] for message in smtp.messages] == ["owner@quantix.fr"]


def test_an_instant_alert_for_a_need_cancelled_meanwhile_is_not_emailed_but_its_cancellation_is(mailing_app, smtp):
    with mailing_app.app_context():
        buyer, _ = make_org("administration", verified=True)
        _supplier, user = make_org("startup", verified=True, email="lea@quantix.fr")
        user.locale = "en"
        need = make_need(buyer, title="Plateforme de données")
        alert([user.id], need, mode=EmailMode.INSTANT, kind="need_matched_profile")
        db.session.commit()  # the email job has not run yet
        need.status = NeedStatus.CANCELLED
        notify_users([user.id], "need_cancelled", need_id=need.id, reason="cancelled",
                     params={"need_title": need.title, "need_reference": need.reference})
        commit()
        assert email_mode(user.id, need.id, "need_matched_profile") == EmailMode.OFF
    [message] = smtp.messages
    assert message["Subject"] == "Plateforme de données was cancelled by the buyer"


def test_a_digest_leaves_out_alerts_of_needs_no_longer_visible_or_no_longer_open(mailing_app, smtp):
    with mailing_app.app_context():
        buyer, _ = make_org("administration", verified=True)
        supplier, user = make_org("startup", verified=True, email="lea@quantix.fr")
        user.locale = "en"
        restricted = make_need(buyer, visibility="restricted", title="Supervision réservée")
        cancelled = make_need(buyer, title="Messagerie abandonnée")
        kept = make_need(buyer, title="Plateforme de données")
        for need in (restricted, cancelled, kept):
            alert([user.id], need, mode=EmailMode.WEEKLY)
        commit()
        # During the week: the operator withdraws the supplier's verification, the buyer cancels a need.
        supplier.verified_at = None
        cancelled.status = NeedStatus.CANCELLED
        commit()
        assert send_digests("weekly") == 1
        for need in (restricted, cancelled):
            assert email_mode(user.id, need.id) == EmailMode.OFF  # no later digest takes them
        assert email_mode(user.id, kept.id) == EmailMode.WEEKLY
        hidden_reference = restricted.reference
    [message] = smtp.messages
    assert message["Subject"] == "Your weekly Tremplin digest: 1 update"
    for body in parts(message):
        assert "Plateforme de données" in body
        assert "Supervision réservée" not in body and hidden_reference not in body
        assert "Messagerie abandonnée" not in body


def test_a_prepared_export_is_refused_when_its_owner_left_the_member_before_the_job_ran(app_ctx):
    """A CSV of a member's purchases, prepared by one of its people, is written by a job: one who
    left the member meanwhile gets no file (the owner, still there, gets theirs)."""
    from app.operations.models import Operation, OperationKind, OperationStatus
    from app.operations.services import start_operation
    from tests.commitments.helpers import alliance_member, declare

    member, owner = alliance_member()
    declare(member, owner)
    leaving = make_member(member, email="leaving@fontenoy.fr")
    params = {"export": "commitments", "table": "purchases", "organisation": None}
    kept = start_operation(OperationKind.EXPORT, owner=owner, organisation=member, params=params).id
    refused = start_operation(OperationKind.EXPORT, owner=leaving, organisation=member, params=params,
                              locale="en").id
    db.session.commit()  # the jobs have not run yet
    remove_member(db.session.scalar(select(Membership).where(Membership.user_id == leaving.id)), by=owner)
    commit()  # now they run
    db.session.expire_all()
    done, failed = db.session.get(Operation, kept), db.session.get(Operation, refused)
    assert done.status == OperationStatus.DONE and done.result["rows"] == 1 and done.result["file"]
    assert failed.status == OperationStatus.FAILED
    assert failed.message == "You may no longer export this table." and "file" not in (failed.result or {})
