"""Operations on a real Redis with a real RQ worker (burst mode): the request only queues the
operation; the worker runs it, committing progress the page can read, and ends it done.

Runs when TEST_REDIS_URL points at a Redis server (CI sets it)."""

from __future__ import annotations

import os
import secrets

import pytest

from app import create_app
from app.events import EventStatus, OutboxEvent, commit
from app.extensions import db
from app.operations.files import store_bytes
from app.operations.models import Operation, OperationKind, OperationStatus
from app.operations.services import start_operation
from notifications.queue import get_queue, namespace
from tests.conftest import _wipe, make_config
from tests.factories import login, make_org
from tests.notifications.realparts import forget_namespace, run_worker
from tests.operations.helpers import import_csv, needs_count, upload_import, watching_progress

REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs a real Redis: set TEST_REDIS_URL (CI does)")


@pytest.fixture()
def redis_app(app, test_database, tmp_path):  # `app` builds the migrated test database
    namespace = f"tremplin-test-{secrets.token_hex(4)}"
    application = create_app(make_config(test_database, tmp_path, REDIS_URL=REDIS_URL, JOBS_NAMESPACE=namespace))
    _wipe(application)
    yield application
    forget_namespace(REDIS_URL, namespace)
    with application.app_context():
        db.engine.dispose()


def test_an_import_operation_waits_for_the_worker_which_runs_it_with_progress(redis_app):
    with redis_app.test_request_context("/?lang=en"):
        organisation, user = make_org("corporate")
        operation = start_operation(OperationKind.NEEDS_IMPORT, owner=user, organisation=organisation,
                                    params={"storage_key": store_bytes(import_csv(60)), "format": "csv",
                                            "mode": "all_or_nothing", "publish": False})
        commit()
        operation_id = operation.id
        assert db.session.get(Operation, operation_id).status == OperationStatus.QUEUED  # only enqueued
        assert needs_count() == 0
        # RQ would stop a job after its default 180 s; an operation may run for up to an hour
        queued = db.session.query(OutboxEvent).filter_by(kind="operation.queued").one()
        timeouts = {job.id: job.timeout for job in get_queue("default").get_jobs()}
        assert timeouts[f"{namespace()}-outbox-{queued.id}"] == 3600

    with watching_progress() as seen:
        run_worker(redis_app)

    with redis_app.app_context():
        operation = db.session.get(Operation, operation_id)
        assert operation.status == OperationStatus.DONE and operation.done == 60
        assert operation.result["report"]["counts"]["imported"] == 60 and needs_count() == 60
        queued = db.session.query(OutboxEvent).filter_by(kind="operation.queued").one()
        assert queued.status == EventStatus.DISPATCHED
    checking = [done for _status, done, _total, message in seen if message == "Checking the rows"]
    assert checking == [0, 25, 50, 60]


def test_the_import_page_sends_a_large_file_to_the_worker_and_the_page_follows_it(redis_app):
    with redis_app.app_context():
        _, user = make_org("corporate")
        email = user.email
    client = redis_app.test_client()
    login(client, email)
    response = upload_import(client, import_csv(60))
    assert response.status_code == 303
    location = response.headers["Location"]
    waiting = client.get(location + "?lang=en").get_data(as_text=True)
    assert "Waiting to start" in waiting and "/static/js/operations.js" in waiting
    assert client.get(location + "/status.json").get_json()["status"] == "queued"
    run_worker(redis_app)
    status = client.get(location + "/status.json?lang=en").get_json()
    assert status["status"] == "done" and status["finished"] and status["words"] == "Finished: 60 rows read, 60 needs imported."
