"""The operator's background jobs page: dead letters with replay, periodic runs."""

from __future__ import annotations

from app.events import EventStatus, OutboxEvent, commit, record_event
from app.extensions import db
from tests.factories import PASSWORD, login, make_operator, make_org


def dead_event(app, kind="test.dead"):
    with app.app_context():
        evt = record_event(kind, n=1)
        db.session.flush()
        evt.status = EventStatus.FAILED
        evt.attempts = 6
        evt.last_error = "SMTPRecipientsRefused: mailbox unavailable"
        db.session.commit()
        return evt.id


def test_only_the_operator_sees_the_jobs_page(client, app):
    with app.app_context():
        _, supplier_user = make_org("startup", verified=True)
        email = supplier_user.email
    login(client, email, PASSWORD)
    assert client.get("/operator/jobs").status_code in (403, 404)


def test_the_operator_sees_dead_letters_and_replays_them(client, app):
    received = []
    app.extensions["tremplin.subscribers"].subscribe("test.dead", lambda evt: received.append(evt.id))
    event_id = dead_event(app)
    with app.app_context():
        operator = make_operator()
        db.session.commit()
        email = operator.email
    login(client, email, PASSWORD)

    page = client.get("/operator/jobs").get_data(as_text=True)
    assert "test.dead" in page and "mailbox unavailable" in page
    assert "outbox-sweep" in page  # periodic jobs listed

    response = client.post(f"/operator/jobs/replay/{event_id}", follow_redirects=True)
    assert response.status_code == 200
    assert received == [event_id]  # replayed and delivered after commit
    with app.app_context():
        assert db.session.get(OutboxEvent, event_id).status == EventStatus.DISPATCHED
    assert "test.dead" not in client.get("/operator/jobs").get_data(as_text=True)


def test_replay_all_from_the_command_line(app):
    from tests.conftest import _wipe

    _wipe(app)
    first, second = dead_event(app), dead_event(app)
    listing = app.test_cli_runner().invoke(args=["jobs", "dead"])
    assert "2 dead-lettered event(s)." in listing.output
    result = app.test_cli_runner().invoke(args=["jobs", "replay", "--all"])
    assert "2 event(s) replayed." in result.output
    with app.app_context():
        assert {db.session.get(OutboxEvent, i).status for i in (first, second)} == {EventStatus.DISPATCHED}


def test_replaying_nothing_is_an_error_that_says_what_to_do(app):
    result = app.test_cli_runner().invoke(args=["jobs", "replay"])
    assert result.exit_code != 0
    assert "--all" in result.output


def test_commit_helper_delivers_a_replayed_event_once(app_ctx):
    received = []
    app_ctx.extensions["tremplin.subscribers"].subscribe("test.once", lambda evt: received.append(evt.id))
    evt = record_event("test.once")
    db.session.flush()
    evt.status = EventStatus.FAILED
    db.session.commit()
    from notifications.dead_letters import replay

    assert replay([evt.id, evt.id]) == 1
    commit()
    assert received == [evt.id]


def test_dead_letters_are_paged_fifty_at_a_time_newest_first(client, app):
    ids = [dead_event(app, kind=f"test.dead{n:02d}") for n in range(53)]
    with app.app_context():
        operator = make_operator()
        db.session.commit()
        email = operator.email
    login(client, email, PASSWORD)

    first = client.get("/operator/jobs?lang=en").get_data(as_text=True)
    assert "53 events failed on every retry" in first
    assert "test.dead52" in first and "test.dead03" in first and "test.dead02" not in first
    assert "Page 1 of 2" in first and 'href="/operator/jobs?page=2"' in first
    second = client.get("/operator/jobs?page=2&lang=en").get_data(as_text=True)
    assert all(f"test.dead{n:02d}<" in second for n in range(3)) and "test.dead03<" not in second
    # « Replay all » still replays every one, not only the page shown
    client.post("/operator/jobs/replay", follow_redirects=True)
    with app.app_context():
        assert {db.session.get(OutboxEvent, i).status for i in ids} == {EventStatus.DISPATCHED}
