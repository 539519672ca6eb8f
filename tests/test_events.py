"""The outbox: an event goes out once, only after the change it describes is committed,
and an event whose handler failed stays pending, with the error, until it succeeds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import create_app
from app.db import utcnow
from app.events import (
    MAX_ATTEMPTS,
    EventStatus,
    OutboxEvent,
    commit,
    deliver,
    pending_event_ids,
    record_event,
    replay_event,
)
from app.extensions import db
from tests.conftest import _wipe, make_config


@pytest.fixture()
def events_app(app, test_database, tmp_path):
    """An app of its own (so test subscribers do not outlive the test) on the migrated
    test database, emptied first."""
    application = create_app(make_config(test_database, tmp_path))
    _wipe(application)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


class Recorder:
    """A subscriber that remembers what it received, and fails while told to."""

    def __init__(self) -> None:
        self.received: list[tuple[int, str, dict]] = []
        self.failing = False

    def __call__(self, event: OutboxEvent) -> None:
        if self.failing:
            raise RuntimeError("search engine unreachable")
        self.received.append((event.id, event.kind, dict(event.payload)))


@pytest.fixture()
def recorder(events_app) -> Recorder:
    handler = Recorder()
    events_app.extensions["tremplin.subscribers"].subscribe("need.published", handler)
    return handler


def stored(event_id: int) -> OutboxEvent:
    db.session.expire_all()
    return db.session.get(OutboxEvent, event_id)


def event_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxEvent))


def test_a_committed_event_reaches_its_subscriber_and_is_marked_dispatched(recorder):
    event = record_event("need.published", need_id=42, title="Plateforme de données")
    db.session.flush()
    assert recorder.received == []  # nothing goes out before the commit

    commit()

    assert recorder.received == [(event.id, "need.published", {"need_id": 42, "title": "Plateforme de données"})]
    saved = stored(event.id)
    assert saved.status == EventStatus.DISPATCHED
    assert saved.dispatched_at is not None
    assert saved.attempts == 1
    assert saved.last_error is None
    assert pending_event_ids() == []


def test_a_subscriber_of_every_kind_receives_events_of_any_kind(events_app, recorder):
    everything = Recorder()
    events_app.extensions["tremplin.subscribers"].subscribe("*", everything)

    record_event("need.published", need_id=1)
    record_event("bid.submitted", bid_id=2)
    commit()

    assert [kind for _, kind, _ in recorder.received] == ["need.published"]
    assert sorted(kind for _, kind, _ in everything.received) == ["bid.submitted", "need.published"]


def test_a_rolled_back_transaction_sends_nothing_and_leaves_no_event(recorder):
    record_event("need.published", need_id=7)
    db.session.flush()
    db.session.rollback()

    commit()  # a later, empty unit of work must not send the forgotten event

    assert recorder.received == []
    assert event_count() == 0


def test_a_failing_handler_leaves_the_event_pending_with_the_error_until_it_works(recorder):
    recorder.failing = True
    event = record_event("need.published", need_id=9)
    commit()  # the relay keeps the failure on the event; the request itself goes on
    event_id = event.id

    saved = stored(event_id)
    assert saved.status == EventStatus.PENDING
    assert saved.attempts == 1
    assert "search engine unreachable" in saved.last_error
    # Retried after a backoff delay, not by the very next sweep
    assert pending_event_ids() == []
    assert saved.next_attempt_at is not None
    assert pending_event_ids(now=saved.next_attempt_at) == [event_id]

    with pytest.raises(RuntimeError):
        deliver(event_id)  # retried by hand while still failing: counted again
    assert stored(event_id).attempts == 2
    assert stored(event_id).status == EventStatus.PENDING

    recorder.failing = False
    assert deliver(event_id) is True

    saved = stored(event_id)
    assert saved.status == EventStatus.DISPATCHED
    assert saved.attempts == 3
    assert saved.last_error is None
    assert [received_id for received_id, _, _ in recorder.received] == [event_id]
    assert pending_event_ids() == []


def test_delivering_an_event_twice_calls_the_handler_once(recorder):
    event = record_event("need.published", need_id=3)
    db.session.commit()  # committed, not yet relayed
    event_id = event.id

    assert deliver(event_id) is True
    assert deliver(event_id) is False

    assert len(recorder.received) == 1
    assert stored(event_id).attempts == 1


def test_delivering_an_unknown_event_does_nothing(recorder):
    assert deliver(999_999) is False
    assert recorder.received == []


def test_events_recorded_by_a_handler_go_out_after_its_commit(events_app, recorder):
    follow_ups = Recorder()
    events_app.extensions["tremplin.subscribers"].subscribe("alert.sent", follow_ups)
    events_app.extensions["tremplin.subscribers"].subscribe(
        "need.published", lambda event: record_event("alert.sent", need_id=event.payload["need_id"])
    )

    record_event("need.published", need_id=5)
    commit()

    assert [payload for _, _, payload in follow_ups.received] == [{"need_id": 5}]
    assert pending_event_ids() == []


def test_retries_wait_longer_each_time_then_the_event_is_dead_lettered_until_replayed(recorder):
    recorder.failing = True
    event = record_event("need.published", need_id=11)
    commit()
    event_id = event.id
    delays = []
    for _ in range(MAX_ATTEMPTS - 1):
        saved = stored(event_id)
        assert saved.status == EventStatus.PENDING
        delays.append(saved.next_attempt_at - utcnow())
        with pytest.raises(RuntimeError):
            deliver(event_id)
    assert delays == sorted(delays) and delays[-1] > delays[0] * 10  # exponential backoff
    dead = stored(event_id)
    assert dead.status == EventStatus.FAILED and dead.attempts == MAX_ATTEMPTS
    assert pending_event_ids(now=utcnow() + timedelta(days=30)) == []  # the sweep leaves it alone
    assert deliver(event_id) is False

    recorder.failing = False
    assert replay_event(event_id) is True
    commit()  # the replayed event goes out after commit
    assert stored(event_id).status == EventStatus.DISPATCHED
    assert [received_id for received_id, _, _ in recorder.received] == [event_id]
    assert replay_event(event_id) is False  # only dead events are replayed
