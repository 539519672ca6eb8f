"""The outbox relay on a real Redis with a real RQ worker (burst mode).

Runs when TEST_REDIS_URL points at a Redis server (CI sets it). Each test uses its own
queue namespace and deletes only the keys of that namespace.
"""

from __future__ import annotations

import os
import secrets

import pytest
from redis import Redis
from sqlalchemy import select

from app import create_app
from app.events import EventStatus, OutboxEvent, commit, record_event
from app.extensions import db
from tests.conftest import _wipe, make_config

REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs a real Redis: set TEST_REDIS_URL (CI does)")


def make_redis_app(test_database, tmp_path, namespace, redis_url=REDIS_URL):
    application = create_app(
        make_config(test_database, tmp_path, REDIS_URL=redis_url, JOBS_NAMESPACE=namespace)
    )
    received: list[dict] = []
    application.extensions["tremplin.subscribers"].subscribe("test.ping", lambda evt: received.append(evt.payload))
    return application, received


@pytest.fixture()
def namespace(app):  # `app` builds the migrated test database
    ns = f"tremplin-test-{secrets.token_hex(4)}"
    yield ns
    conn = Redis.from_url(REDIS_URL)
    for key in conn.scan_iter(match=f"*{ns}*"):
        conn.delete(key)
    for set_key in ("rq:queues", "rq:workers"):
        for member in conn.smembers(set_key):
            if ns in member.decode():
                conn.srem(set_key, member)


def run_worker(application) -> None:
    result = application.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output


def event_status(application, event_id):
    with application.app_context():
        return db.session.get(OutboxEvent, event_id).status


def test_events_are_enqueued_after_commit_and_run_by_the_worker(test_database, tmp_path, namespace):
    application, received = make_redis_app(test_database, tmp_path, namespace)
    _wipe(application)
    with application.app_context():
        evt = record_event("test.ping", n=1)
        commit()
        event_id = evt.id
        from notifications.queue import get_queue

        assert get_queue("default").count == 1  # handed to Redis, not run inline
    assert received == []
    assert event_status(application, event_id) == EventStatus.PENDING
    run_worker(application)
    assert received == [{"n": 1}]
    assert event_status(application, event_id) == EventStatus.DISPATCHED


def test_nothing_is_enqueued_for_a_rolled_back_change(test_database, tmp_path, namespace):
    application, received = make_redis_app(test_database, tmp_path, namespace)
    _wipe(application)
    with application.app_context():
        record_event("test.ping", n=2)
        db.session.rollback()
        from notifications.queue import get_queue

        assert get_queue("default").count == 0
        assert db.session.scalars(select(OutboxEvent)).all() == []


def test_events_wait_while_redis_is_down_and_go_out_when_it_returns(test_database, tmp_path, namespace):
    # Port 1 on loopback: nothing listens there, as when Redis is stopped.
    down, _ = make_redis_app(test_database, tmp_path, namespace, redis_url="redis://127.0.0.1:1/0")
    _wipe(down)
    with down.app_context():
        evt = record_event("test.ping", n=3)
        commit()  # the change is saved although Redis is down
        event_id = evt.id
    assert event_status(down, event_id) == EventStatus.PENDING

    up, received = make_redis_app(test_database, tmp_path, namespace)
    result = up.test_cli_runner().invoke(args=["jobs", "sweep"])
    assert "1 pending event(s) handed over." in result.output
    run_worker(up)
    assert received == [{"n": 3}]
    assert event_status(up, event_id) == EventStatus.DISPATCHED
