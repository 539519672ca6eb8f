"""Job functions run by the RQ worker. Thin: they take ids or names and call services.

The worker runs inside an application context (``flask --app wsgi jobs worker``); each
job ends by handing over the events its commit recorded and releasing its session.
"""

from __future__ import annotations


def deliver_event(event_id: int) -> bool:
    """Deliver one outbox event. A handler's failure is kept on the event (retried later
    with backoff by the sweep, dead-lettered after the last try), so the job itself ends."""
    from app.events import deliver, flush_dispatch
    from app.extensions import db

    try:
        try:
            delivered = deliver(event_id)
        except Exception:  # noqa: BLE001 - recorded on the event by deliver()
            return False
        flush_dispatch()
        return delivered
    finally:
        db.session.remove()


def periodic_job(name: str) -> object:
    from app.events import flush_dispatch
    from app.extensions import db
    from notifications.periodic import run_periodic

    try:
        result = run_periodic(name)
        flush_dispatch()
        return result
    finally:
        db.session.remove()


def sweep_outbox() -> int:
    """Hand every due pending event over again (after a Redis or worker outage)."""
    from notifications.periodic import sweep_outbox as sweep

    return sweep()
