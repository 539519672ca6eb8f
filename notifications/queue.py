"""RQ glue: named queues on Redis, and the outbox relay that enqueues one job per event.

Events go to a queue by kind: emails to ``email``, new needs (alert fan-out) to
``alerts``, everything else to ``default``, so a burst of alerts never delays a bid
receipt. If Redis cannot be reached the events simply stay pending in the outbox; the
sweep (periodic, or ``flask jobs sweep``) hands them over when Redis is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import select

from app.events import OutboxEvent
from app.extensions import db

log = logging.getLogger(__name__)

QUEUES = ("default", "alerts", "email")
DELIVER_JOB = "notifications.jobs.deliver_event"
PERIODIC_JOB = "notifications.jobs.periodic_job"


# RQ stops a job after 180 s by default. Operations (imports, prepared exports, the search
# reindex) are long by nature: they get an hour. Everything else keeps RQ's default.
JOB_TIMEOUTS = {"operation.queued": 3600}
DEFAULT_JOB_TIMEOUT = 180


def job_timeout(kind: str) -> int:
    """Seconds RQ lets the job of an event of this kind run before stopping it."""
    return JOB_TIMEOUTS.get(kind, DEFAULT_JOB_TIMEOUT)


def queue_for(kind: str) -> str:
    if kind.startswith("email."):
        return "email"
    if kind == "need.published":
        return "alerts"
    return "default"


def redis_connection(app: Flask | None = None) -> Redis:
    app = app or current_app
    conn = app.extensions.get("tremplin.redis")
    if conn is None:
        conn = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
        app.extensions["tremplin.redis"] = conn
    return conn


def namespace(app: Flask | None = None) -> str:
    """Prefix of queue names and job ids, so that several deployments (or test runs)
    can share one Redis without touching each other's keys."""
    return (app or current_app).config.get("JOBS_NAMESPACE", "tremplin")


def get_queue(name: str = "default", app: Flask | None = None) -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(f"{namespace(app)}:{name}", connection=redis_connection(app))


def enqueue_events(ids: list[int], app: Flask | None = None) -> int:
    """Enqueue a delivery job per event; return how many went out. Never raises on Redis errors."""
    kinds = dict(db.session.execute(select(OutboxEvent.id, OutboxEvent.kind).where(OutboxEvent.id.in_(ids))).all())
    sent = 0
    for event_id in ids:
        try:
            get_queue(queue_for(kinds.get(event_id, "")), app).enqueue_call(
                DELIVER_JOB,
                args=(event_id,),
                job_id=f"{namespace(app)}-outbox-{event_id}",  # one job per event, even if enqueued twice
                timeout=job_timeout(kinds.get(event_id, "")),
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
            )
        except RedisError as exc:
            log.warning("Redis unavailable, outbox event %s stays pending: %s", event_id, exc)
            break
        sent += 1
    return sent


def enqueue_periodic(job, now: datetime, app: Flask | None = None) -> bool:
    try:
        get_queue(job.queue, app).enqueue_call(
            PERIODIC_JOB, args=(job.name,), job_id=f"{namespace(app)}-periodic-{job.name}-{int(now.timestamp())}",
            result_ttl=3600, failure_ttl=7 * 24 * 3600,
        )
    except RedisError as exc:
        log.warning("Redis unavailable, periodic job %s not enqueued: %s", job.name, exc)
        return False
    return True


def rq_dispatcher(app: Flask) -> Callable[[list[int]], None]:
    def dispatch(ids: list[int]) -> None:
        enqueue_events(ids, app)

    return dispatch


def queue_sizes(app: Flask | None = None) -> dict[str, int] | None:
    """Jobs waiting per queue, or None when Redis cannot be reached."""
    try:
        return {name: get_queue(name, app).count for name in QUEUES}
    except RedisError:
        return None


def failed_jobs(app: Flask | None = None, limit: int = 50) -> list:
    """Jobs RQ gave up on (e.g. a periodic job that raised), newest first, per queue."""
    from rq.job import Job

    found = []
    for name in QUEUES:
        queue = get_queue(name, app)
        ids = queue.failed_job_registry.get_job_ids(0, limit - 1)
        for job in Job.fetch_many(ids, connection=queue.connection):
            if job is not None:
                found.append((name, job))
    return found
