"""Faults on real parts: Redis stopped while a need is published, and a worker killed in
the middle of the alert fan-out. Alerts arrive once, none is lost, none twice.

Needs a real Redis (TEST_REDIS_URL, and ``redis-server`` to run one of our own that this
test may stop).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from app import create_app
from app.accounts.models import User
from app.alerts.models import Notification, OutgoingEmail
from app.alerts.saved_searches import save_search
from app.events import EventStatus, OutboxEvent, commit
from app.extensions import db
from app.needs.models import Need, NeedStatus
from app.needs.services import publish_need
from tests.conftest import _wipe, make_config
from tests.factories import make_need, make_org
from tests.notifications.realparts import FlakySmtp, RedisProcess, forget_namespace, run_worker

REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()
pytestmark = [
    pytest.mark.skipif(not REDIS_URL, reason="needs a real Redis: set TEST_REDIS_URL (CI does)"),
    pytest.mark.skipif(not RedisProcess.available(), reason="needs redis-server to run a Redis of our own"),
]


def market(application, *, frequency="instant"):
    """A verified supplier with a saved search, and a buyer's draft need it will match."""
    with application.app_context():
        supplier, supplier_user = make_org("startup", verified=True)
        save_search(supplier_user, supplier, name="Cyber", args={"q": "cybersécurité"}, frequency=frequency)
        commit()
        buyer, buyer_user = make_org("administration", verified=True)
        need = make_need(buyer, status="draft", title="Audit de cybersécurité des hôpitaux")
        need.reuse_note = "Aucune solution existante ne couvre les hôpitaux."
        db.session.commit()
        return need.id, buyer_user.id, supplier_user.id


def publish(application, need_id, buyer_user_id):
    with application.app_context():
        publish_need(db.session.get(Need, need_id), by=db.session.get(User, buyer_user_id))
        commit()


def alert_count(application, user_id):
    with application.app_context():
        return db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == user_id, Notification.kind == "need_matched_search"))


def test_redis_stopped_during_publication_then_restarted_delivers_each_alert_once(test_database, tmp_path, app):
    redis = RedisProcess(tmp_path)
    redis.start()
    namespace = f"tremplin-test-{secrets.token_hex(4)}"
    with FlakySmtp() as smtp:
        application = create_app(make_config(test_database, tmp_path, REDIS_URL=redis.url, JOBS_NAMESPACE=namespace,
                                             SMTP_URL=smtp.url))
        _wipe(application)
        try:
            need_id, buyer_user_id, supplier_user_id = market(application)
            run_worker(application)

            redis.stop()
            publish(application, need_id, buyer_user_id)  # the buyer's change is saved all the same
            with application.app_context():
                assert db.session.get(Need, need_id).status == NeedStatus.PUBLISHED
                published = db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "need.published")).one()
                assert published.status == EventStatus.PENDING
            assert alert_count(application, supplier_user_id) == 0

            redis.start()
            sweep = application.test_cli_runner().invoke(args=["jobs", "sweep"])
            assert "handed over" in sweep.output
            run_worker(application)
            run_worker(application)  # the emails queued by the alert jobs
            assert alert_count(application, supplier_user_id) == 1
            assert len(smtp.messages) == 1

            application.test_cli_runner().invoke(args=["jobs", "sweep"])  # again: nothing new
            run_worker(application)
            assert alert_count(application, supplier_user_id) == 1
            assert len(smtp.messages) == 1
        finally:
            redis.stop()


WORKER_SCRIPT = """
import json, sys
from app import create_app
config = json.loads(sys.argv[1])
config["EVENT_SUBSCRIBERS"] = tuple(config["EVENT_SUBSCRIBERS"])
application = create_app(config)
result = application.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
print(result.output)
"""


def test_a_worker_killed_midway_through_the_fan_out_and_rerun_alerts_once(test_database, tmp_path, app):
    namespace = f"tremplin-test-{secrets.token_hex(4)}"
    config = make_config(test_database, tmp_path, REDIS_URL=REDIS_URL, JOBS_NAMESPACE=namespace)
    application = create_app(config)
    _wipe(application)
    marker = tmp_path / "stalled"
    try:
        need_id, buyer_user_id, supplier_user_id = market(application, frequency="daily")
        run_worker(application)
        publish(application, need_id, buyer_user_id)

        stalling = {**config, "EVENT_SUBSCRIBERS": [*application.config["EVENT_SUBSCRIBERS"],
                                                    "tests.notifications.stall_subscriber"]}
        worker = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT, json.dumps(stalling)],
                                  env={**os.environ, "TREMPLIN_STALL_MARKER": str(marker)},
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.1)
        assert marker.exists(), worker.communicate(timeout=5)[0].decode()[-2000:]
        worker.send_signal(signal.SIGKILL)  # killed in the middle of the alert job
        worker.wait(10)

        assert alert_count(application, supplier_user_id) == 0  # its half-done work was never committed
        with application.app_context():
            evt = db.session.get(OutboxEvent, int(marker.read_text()))
            assert evt.kind == "need.published" and evt.status == EventStatus.PENDING

        application.test_cli_runner().invoke(args=["jobs", "sweep"])  # the rerun
        run_worker(application)
        assert alert_count(application, supplier_user_id) == 1
        application.test_cli_runner().invoke(args=["jobs", "sweep"])
        run_worker(application)
        assert alert_count(application, supplier_user_id) == 1
        with application.app_context():
            assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == 0  # daily: digest later
    finally:
        forget_namespace(REDIS_URL, namespace)
