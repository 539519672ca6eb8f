"""The operation job: thin, it takes an id.

An ``operation.queued`` event (recorded with the operation, see ``services.start_operation``)
reaches ``on_operation_queued`` through the outbox relay: inline right after the commit when
there is no Redis, else in the RQ worker that delivers the event. ``run`` is the same job for
enqueueing by hand.
"""

from __future__ import annotations

from flask import Flask

from app.events import OutboxEvent
from app.operations.services import QUEUED_EVENT, run_operation


def on_operation_queued(event: OutboxEvent) -> None:
    run_operation(int(event.payload["operation_id"]))


def run(operation_id: int) -> bool:
    from app.events import flush_dispatch
    from app.extensions import db

    try:
        ran = run_operation(operation_id)
        flush_dispatch()
        return ran
    finally:
        db.session.remove()


def subscribe(app: Flask) -> None:
    app.extensions["tremplin.subscribers"].subscribe(QUEUED_EVENT, on_operation_queued)
