"""Notifications: channels (email, in-app), alert matching, digests and the job queue glue.

The app loads this package by name (setting ``EVENT_SUBSCRIBERS``) and calls
``init_app``; the app itself never imports it.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.events import set_dispatcher
    from notifications import delivery, fanout, handlers, outgoing
    from notifications.cli import jobs
    from notifications.dead_letters import bp as jobs_bp
    from notifications.queue import rq_dispatcher

    app.cli.add_command(jobs)
    app.register_blueprint(jobs_bp)
    for module in (outgoing, delivery, fanout, handlers):
        module.init_app(app)
    if not app.config.get("JOBS_INLINE", True):
        set_dispatcher(app, rq_dispatcher(app))
