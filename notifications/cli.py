"""``flask --app wsgi jobs ...``: the RQ worker and the outbox sweep."""

from __future__ import annotations

import uuid

import click
from flask import current_app
from flask.cli import AppGroup

jobs = AppGroup("jobs", help="Background jobs: worker and outbox sweep.")


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


@jobs.command("sweep")
def jobs_sweep() -> None:
    """Hand pending outbox events over again (after an outage)."""
    from notifications.jobs import sweep_outbox

    click.echo(f"{sweep_outbox()} pending event(s) handed over.")
