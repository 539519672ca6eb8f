"""Job functions run by the RQ worker. Thin: they take ids and call the app's services.

The worker runs inside an application context (``flask --app wsgi jobs worker``).
"""

from __future__ import annotations


def deliver_event(event_id: int) -> bool:
    from app.events import deliver

    return deliver(event_id)


def sweep_outbox() -> int:
    """Hand every pending event over again (after a Redis or worker outage)."""
    from flask import current_app

    from app.events import pending_event_ids

    ids = pending_event_ids()
    if ids:
        current_app.extensions["tremplin.dispatch"](ids)
    return len(ids)
