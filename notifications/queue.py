"""RQ glue: named queues on Redis, and the outbox relay that enqueues one job per event.

If Redis cannot be reached the events simply stay pending in the outbox; the sweep
(``flask jobs sweep``, also run periodically) hands them over when Redis is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

log = logging.getLogger(__name__)

QUEUES = ("default", "alerts", "email")
DELIVER_JOB = "notifications.jobs.deliver_event"


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
    queue = get_queue("default", app)
    sent = 0
    for event_id in ids:
        try:
            queue.enqueue_call(
                DELIVER_JOB,
                args=(event_id,),
                job_id=f"{namespace(app)}-outbox-{event_id}",  # one job per event, even if enqueued twice
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
            )
        except RedisError as exc:
            log.warning("Redis unavailable, outbox event %s stays pending: %s", event_id, exc)
            break
        sent += 1
    return sent


def rq_dispatcher(app: Flask) -> Callable[[list[int]], None]:
    def dispatch(ids: list[int]) -> None:
        enqueue_events(ids, app)

    return dispatch
