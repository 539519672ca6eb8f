"""``flask --app wsgi jobs ...``: the RQ worker, the scheduler, the outbox sweep, the
dead-letter list."""

from __future__ import annotations

import time as _time
import uuid

import click
from flask import current_app
from flask.cli import AppGroup

jobs = AppGroup("jobs", help="Background jobs: worker, scheduler, outbox sweep, dead letters.")


@jobs.command("worker")
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def jobs_worker(queues: tuple[str, ...], burst: bool) -> None:
    """Run an RQ worker on the named queues (all by default)."""
    from rq import SimpleWorker

    from notifications.queue import QUEUES, get_queue, namespace, redis_connection

    if current_app.config["JOBS_INLINE"]:
        raise click.ClickException("REDIS_URL is not set: jobs run inline after commit, no worker is needed.")
    unknown = [q for q in queues if q not in QUEUES]
    if unknown:
        raise click.ClickException(f"unknown queue(s): {', '.join(unknown)}; known: {', '.join(QUEUES)}")
    # SimpleWorker runs jobs in this process, inside this app context.
    worker = SimpleWorker(
        [get_queue(n) for n in (queues or QUEUES)],
        connection=redis_connection(),
        name=f"{namespace()}-{uuid.uuid4().hex[:12]}",
    )
    worker.work(burst=burst)


@jobs.command("scheduler")
@click.option("--interval", default=15, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds between two looks at the periodic jobs.")
@click.option("--once", is_flag=True, help="Start the jobs that are due, then stop.")
def jobs_scheduler(interval: int, once: bool) -> None:
    """Start the periodic jobs when due: on their RQ queues, or here without Redis."""
    from app.extensions import db
    from notifications.periodic import PERIODIC, tick

    mode = "inline" if current_app.config["JOBS_INLINE"] else "on the RQ queues"
    click.echo(f"Scheduler: {len(PERIODIC)} periodic jobs, run {mode}; looking every {interval}s.")
    while True:
        try:
            started = tick()
        except Exception as exc:  # noqa: BLE001 - e.g. the database restarting: try again next tick
            db.session.rollback()
            click.echo(f"scheduler tick failed: {type(exc).__name__}: {exc}", err=True)
            started = []
        finally:
            db.session.remove()
        for name in started:
            click.echo(f"started {name}")
        if once:
            return
        _time.sleep(interval)


@jobs.command("sweep")
def jobs_sweep() -> None:
    """Hand every pending outbox event over again now (after an outage)."""
    from notifications.periodic import sweep_outbox

    click.echo(f"{sweep_outbox(include_waiting=True)} pending event(s) handed over.")


@jobs.command("dead")
def jobs_dead() -> None:
    """List the dead-lettered events (retries exhausted)."""
    from notifications.dead_letters import dead_events

    rows = dead_events()
    for evt in rows:
        click.echo(f"{evt.id}\t{evt.kind}\t{evt.attempts} tries\t{evt.last_error or ''}")
    click.echo(f"{len(rows)} dead-lettered event(s).")


@jobs.command("replay")
@click.argument("event_ids", nargs=-1, type=int)
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead-lettered event.")
def jobs_replay(event_ids: tuple[int, ...], replay_all: bool) -> None:
    """Put dead-lettered events back in line."""
    from app.events import commit
    from notifications.dead_letters import dead_events, replay

    ids = [e.id for e in dead_events(limit=None)] if replay_all else list(event_ids)
    if not ids:
        raise click.ClickException("name the events to replay, or --all")
    count = replay(ids)
    commit()
    click.echo(f"{count} event(s) replayed.")
