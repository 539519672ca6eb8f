"""The operator's view of background work: periodic runs, queues, and the dead-letter list
(events whose retries are exhausted, e.g. an email the mail server kept refusing), with
replay. Works the same with Redis (RQ) and with inline jobs."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.accounts.forms import EmptyForm
from app.accounts.policy import operator_required
from app.alerts.models import EmailStatus, OutgoingEmail
from app.events import EventStatus, OutboxEvent, commit, replay_event
from app.extensions import db
from app.main.paging import paginate, requested_page

bp = Blueprint("jobs", __name__, url_prefix="/operator/jobs")
DEAD_PER_PAGE = 50


def dead_events_query():
    return select(OutboxEvent).where(OutboxEvent.status == EventStatus.FAILED).order_by(OutboxEvent.id.desc())


def dead_events(limit: int | None = 200) -> list[OutboxEvent]:
    stmt = dead_events_query()
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def replay(event_ids) -> int:
    """Replay dead events (they go out after the caller's commit); return how many."""
    return sum(1 for event_id in event_ids if replay_event(int(event_id)))


def backlog() -> dict[str, object]:
    pending = db.session.execute(
        select(func.count(), func.min(OutboxEvent.created_at)).where(OutboxEvent.status == EventStatus.PENDING)
    ).one()
    unsent = db.session.scalar(select(func.count()).select_from(OutgoingEmail)
                               .where(OutgoingEmail.status == EmailStatus.PENDING))
    return {"pending": pending[0], "oldest_pending": pending[1], "emails_unsent": unsent}


def _emails_for(events: list[OutboxEvent]) -> dict[int, OutgoingEmail]:
    ids = [int(e.payload["email_id"]) for e in events if e.kind == "email.queued" and "email_id" in e.payload]
    if not ids:
        return {}
    return {m.id: m for m in db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.id.in_(ids)))}


@bp.get("")
@operator_required
def index():
    from app.operations.services import recent_operations
    from notifications.periodic import runs

    queues = failed = None
    if not current_app.config["JOBS_INLINE"]:
        from redis.exceptions import RedisError

        from notifications.queue import failed_jobs, queue_sizes

        queues = queue_sizes()
        try:
            failed = failed_jobs() if queues is not None else None
        except RedisError:
            failed = None
    dead_page = paginate(dead_events_query(), page=requested_page(), per_page=DEAD_PER_PAGE)
    events = dead_page.items
    return render_template("jobs/index.html", runs=runs(), dead=events, dead_page=dead_page,
                           emails=_emails_for(events),
                           backlog=backlog(), queues=queues, failed=failed, form=EmptyForm(),
                           inline=current_app.config["JOBS_INLINE"], operations=recent_operations())


@bp.post("/replay/<int:event_id>")
@operator_required
def replay_one(event_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    if replay([event_id]):
        commit()
        flash(_("Event %(id)s replayed.", id=event_id), "success")
    else:
        flash(_("Event %(id)s is not in the dead-letter list.", id=event_id), "error")
    return redirect(url_for("jobs.index"))


@bp.post("/replay")
@operator_required
def replay_all():
    if not EmptyForm().validate_on_submit():
        abort(400)
    count = replay([e.id for e in dead_events(limit=None)])
    commit()
    flash(_("%(count)s event(s) replayed.", count=count), "success")
    return redirect(url_for("jobs.index"))


@bp.post("/failed/<queue>/<job_id>/requeue")
@operator_required
def requeue_failed(queue: str, job_id: str):
    from redis.exceptions import RedisError
    from rq.exceptions import InvalidJobOperation, NoSuchJobError

    from notifications.queue import QUEUES, get_queue

    if not EmptyForm().validate_on_submit() or current_app.config["JOBS_INLINE"] or queue not in QUEUES:
        abort(400)
    try:
        get_queue(queue).failed_job_registry.requeue(job_id)
    except (NoSuchJobError, InvalidJobOperation):
        abort(404)
    except RedisError:
        flash(_("Redis cannot be reached: try again later."), "error")
        return redirect(url_for("jobs.index"))
    flash(_("Job requeued."), "success")
    return redirect(url_for("jobs.index"))
