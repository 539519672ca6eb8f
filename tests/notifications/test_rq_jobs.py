"""Jobs on a real Redis with a real RQ worker (burst mode): queues by kind, periodic jobs
through the queues, retries with backoff, and a mail server refusing then accepting.

Runs when TEST_REDIS_URL points at a Redis server (CI sets it). Each test uses its own
queue namespace and deletes only that namespace's keys.
"""

from __future__ import annotations

import os
import secrets

import pytest
from sqlalchemy import func, select

from app import create_app
from app.alerts.models import EmailStatus, OutgoingEmail, PeriodicRun
from app.db import utcnow
from app.events import EventStatus, OutboxEvent, commit, record_event
from app.extensions import db
from notifications.delivery import notify_users
from notifications.periodic import sweep_outbox, tick
from tests.conftest import _wipe, make_config
from tests.factories import make_need, make_org
from tests.notifications.realparts import FlakySmtp, forget_namespace, run_worker

REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs a real Redis: set TEST_REDIS_URL (CI does)")


@pytest.fixture()
def namespace(app):  # `app` builds the migrated test database
    ns = f"tremplin-test-{secrets.token_hex(4)}"
    yield ns
    forget_namespace(REDIS_URL, ns)


def redis_app(test_database, tmp_path, namespace, **extra):
    application = create_app(make_config(test_database, tmp_path, REDIS_URL=REDIS_URL, JOBS_NAMESPACE=namespace,
                                         **extra))
    _wipe(application)
    return application


def test_events_wait_on_the_queue_of_their_kind(test_database, tmp_path, namespace):
    application = redis_app(test_database, tmp_path, namespace)
    with application.app_context():
        from notifications.queue import get_queue

        record_event("email.queued", email_id=0)
        record_event("need.published", need_id=0)
        record_event("bid.submitted", bid_id=0, need_id=0)
        commit()
        assert {name: get_queue(name).count for name in ("email", "alerts", "default")} == {
            "email": 1, "alerts": 1, "default": 1}


def test_periodic_jobs_go_through_the_queues_and_the_worker_runs_them(test_database, tmp_path, namespace):
    application = redis_app(test_database, tmp_path, namespace)
    with application.app_context():
        started = tick()
        assert "outbox-sweep" in started
        assert db.session.get(PeriodicRun, "outbox-sweep").last_finished_at is None  # only enqueued
    run_worker(application)
    with application.app_context():
        run = db.session.get(PeriodicRun, "outbox-sweep")
        assert run.last_finished_at is not None and run.last_error is None


def test_a_failing_handler_is_retried_later_by_the_sweep_not_lost(test_database, tmp_path, namespace):
    application = redis_app(test_database, tmp_path, namespace)
    failing = {"on": True}

    def flaky(evt):
        if failing["on"]:
            raise ConnectionError("search engine unreachable")

    application.extensions["tremplin.subscribers"].subscribe("test.flaky", flaky)
    with application.app_context():
        evt = record_event("test.flaky")
        commit()
        event_id = evt.id
    run_worker(application)
    with application.app_context():
        evt = db.session.get(OutboxEvent, event_id)
        assert evt.status == EventStatus.PENDING and evt.attempts == 1 and evt.next_attempt_at > utcnow()
        assert sweep_outbox() == 0  # waiting out its backoff
        failing["on"] = False
        assert sweep_outbox(now=evt.next_attempt_at) == 1
    run_worker(application)
    with application.app_context():
        assert db.session.get(OutboxEvent, event_id).status == EventStatus.DISPATCHED


def test_a_mail_server_refusing_then_accepting_gets_each_mail_once(test_database, tmp_path, namespace):
    with FlakySmtp() as smtp:
        application = redis_app(test_database, tmp_path, namespace, SMTP_URL=smtp.url)
        with application.app_context():
            buyer, buyer_user = make_org("administration", verified=True)
            need = make_need(buyer, title="Détection de fraude")
            smtp.refusing = True
            notify_users([buyer_user.id], "bid_received", need_id=need.id, reason="bid:1",
                         params={"need_title": need.title, "need_reference": need.reference})
            commit()
        run_worker(application)  # the email job meets a 451

        assert smtp.refused == 1 and smtp.messages == []
        with application.app_context():
            email = db.session.scalars(select(OutgoingEmail)).one()
            assert email.status == EmailStatus.PENDING and email.attempts == 0  # kept, not lost
            evt = db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "email.queued")).one()
            assert evt.status == EventStatus.PENDING and "451" in evt.last_error
            retry_at = evt.next_attempt_at

        smtp.refusing = False
        with application.app_context():
            assert sweep_outbox(now=retry_at) == 1
        run_worker(application)
        assert len(smtp.messages) == 1
        assert b"Fraude" in smtp.messages[0] or b"fraude" in smtp.messages[0]

        with application.app_context():  # a second sweep and worker send nothing more
            assert sweep_outbox(include_waiting=True) == 0
            assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)
                                     .where(OutgoingEmail.status == EmailStatus.SENT)) == 1
        run_worker(application)
        assert len(smtp.messages) == 1
