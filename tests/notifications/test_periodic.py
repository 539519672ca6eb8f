"""Periodic jobs on the embedded defaults: when each is due, one run per slot even with
two schedulers, failures recorded for the operator, and the scheduler command."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from app.alerts.models import PeriodicRun
from app.db import utcnow
from app.extensions import db
from app.needs.models import NeedStatus
from notifications import periodic
from notifications.periodic import BY_NAME, PERIODIC, Periodic, claim, tick
from tests.factories import make_need, make_org


def at_utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_every_job_the_issue_names_is_declared_once():
    names = [p.name for p in PERIODIC]
    assert len(names) == len(set(names))
    assert {"close-expired-needs", "outbox-sweep", "deadline-reminders", "daily-digest", "weekly-digest"} <= set(names)
    for job in PERIODIC:  # every declared function exists
        assert callable(periodic.resolve(job.func)), job.func


def test_an_interval_job_is_due_when_its_interval_has_passed():
    job = Periodic("x", "builtins.print", every=timedelta(minutes=5))
    now = at_utc(2026, 11, 23, 10, 0)
    assert job.next_due(None, now) == now
    assert job.next_due(now - timedelta(minutes=4), now) > now
    assert job.next_due(now - timedelta(minutes=5), now) == now


def test_the_daily_digest_slot_is_seven_in_paris_in_winter_and_in_summer():
    job = Periodic("d", "builtins.print", at=time(7, 0))
    winter = at_utc(2026, 11, 23, 6, 30)  # 07:30 in Paris (UTC+1)
    assert job.next_due(at_utc(2026, 11, 22, 6, 0), winter) == at_utc(2026, 11, 23, 6, 0)  # due
    assert job.next_due(at_utc(2026, 11, 23, 6, 0), winter) == at_utc(2026, 11, 24, 6, 0)  # done today
    summer = at_utc(2026, 7, 1, 5, 30)  # 07:30 in Paris (UTC+2)
    assert job.next_due(at_utc(2026, 6, 30, 5, 0), summer) == at_utc(2026, 7, 1, 5, 0)
    before_slot = at_utc(2026, 11, 23, 5, 0)  # 06:00 in Paris: yesterday's slot already served
    assert job.next_due(at_utc(2026, 11, 22, 6, 0), before_slot) == at_utc(2026, 11, 23, 6, 0)


def test_the_weekly_digest_is_due_once_a_week_on_monday():
    job = BY_NAME["weekly-digest"]
    wednesday = at_utc(2026, 11, 25, 12, 0)
    monday_slot = at_utc(2026, 11, 23, 6, 30)  # Monday 07:30 in Paris
    assert job.next_due(at_utc(2026, 11, 16, 6, 30), wednesday) == monday_slot
    assert job.next_due(monday_slot, wednesday) == at_utc(2026, 11, 30, 6, 30)


def test_two_schedulers_claiming_the_same_slot_run_it_once(app_ctx):
    job = BY_NAME["outbox-sweep"]
    now = utcnow()
    assert claim(job, now) is True
    assert claim(job, now) is False  # the other scheduler sees it taken
    assert claim(job, now + timedelta(seconds=30)) is False  # not due yet
    assert claim(job, now + timedelta(minutes=1)) is True


def test_a_tick_closes_needs_past_their_deadline_and_records_the_run(app_ctx):
    buyer, _ = make_org("administration", verified=True)
    need = make_need(buyer, deadline_in_days=1)
    later = utcnow() + timedelta(days=2)

    started = tick(now=later)

    assert "close-expired-needs" in started
    db.session.expire_all()
    assert db.session.get(type(need), need.id).status == NeedStatus.CLOSED
    run = db.session.get(PeriodicRun, "close-expired-needs")
    assert run.last_run_at == later and run.last_finished_at is not None and run.last_error is None
    assert "close-expired-needs" not in tick(now=later + timedelta(seconds=10))  # not twice in a minute


def test_a_failing_periodic_job_is_recorded_and_the_others_still_run(app_ctx, monkeypatch):
    def broken(**_):
        raise RuntimeError("digest template missing")

    monkeypatch.setattr("notifications.digests.send_digests", broken)
    started = tick(now=at_utc(2026, 11, 23, 6, 15))  # Monday 07:15 Paris: the daily digest is due

    assert "daily-digest" in started and "outbox-sweep" in started
    runs = {r.name: r for r in db.session.scalars(select(PeriodicRun))}
    assert "digest template missing" in runs["daily-digest"].last_error
    assert runs["outbox-sweep"].last_error is None


def test_the_scheduler_command_runs_due_jobs_once(app):
    from tests.conftest import _wipe

    _wipe(app)
    result = app.test_cli_runner().invoke(args=["jobs", "scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert "started outbox-sweep" in result.output
    assert "started close-expired-needs" in result.output
    again = app.test_cli_runner().invoke(args=["jobs", "scheduler", "--once"])
    assert "started outbox-sweep" not in again.output
