"""The notification centre: a user's notifications, newest first, and the unread counter
every page's header shows.

Marking one notification or all of them read posts a form and redirects back to the centre.
An htmx request (HX-Request) instead gets the read notification (or the list) to swap in
place, with the centre's summary and the header's link sent out of band, so the unread
count changes without a reload.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import (
    abort,
    flash,
    has_request_context,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.alerts import kinds
from app.alerts.models import Notification
from app.alerts.services import mark_read, shown_to, unread_count
from app.alerts.views import bp
from app.events import commit
from app.extensions import db
from app.matching.pages import is_htmx_request

log = logging.getLogger(__name__)

PER_PAGE = 20


@dataclass
class InboxPage:
    items: list[Notification]
    page: int
    per_page: int
    total: int
    unread: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def inbox_page(user_id: int, page: int = 1, per_page: int = PER_PAGE) -> InboxPage:
    """One page of a user's notifications, newest first (a page past the end shows the last)."""
    where = shown_to(user_id)
    total = db.session.scalar(select(func.count()).select_from(Notification).where(where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    stmt = (select(Notification).where(where)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset((page - 1) * per_page).limit(per_page))
    return InboxPage(list(db.session.scalars(stmt)), page, per_page, total, unread_count(user_id))


def _own_or_404(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)  # someone else's notification does not exist for this user
    return notification


def _entry(notification: Notification) -> tuple[Notification, str, str | None]:
    return notification, kinds.sentence(notification), kinds.link(notification)


def _page_asked() -> int:
    """The page of the centre an action was taken on (a hidden field of its form)."""
    page = request.form.get("page", type=int)
    return page if page and page > 1 else 1


def _back_to_inbox(page: int):
    return redirect(url_for("alerts.inbox", page=page) if page > 1 else url_for("alerts.inbox"))


def _htmx_update(page: InboxPage, *, entry=None):
    """The answer to an htmx action: the item (or list), the summary and the header link."""
    entries = None if entry else [_entry(n) for n in page.items]
    response = make_response(render_template("alerts/_inbox_update.html", page=page, entry=entry, entries=entries))
    response.vary.add("HX-Request")
    return response


@bp.get("/")
@login_required
def inbox():
    page = inbox_page(current_user.id, request.args.get("page", 1, type=int))
    entries = [_entry(n) for n in page.items]
    return render_template("alerts/inbox.html", page=page, entries=entries)


@bp.post("/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    notification = _own_or_404(notification_id)
    target = kinds.link(notification)
    mark_read(current_user.id, [notification.id])
    commit()
    return redirect(target or url_for("alerts.inbox"))


@bp.post("/<int:notification_id>/read")
@login_required
def mark_notification_read(notification_id: int):
    notification = _own_or_404(notification_id)
    mark_read(current_user.id, [notification.id])
    commit()
    if is_htmx_request():
        return _htmx_update(inbox_page(current_user.id, _page_asked()), entry=_entry(notification))
    flash(_("The notification is marked as read."), "success")
    return _back_to_inbox(_page_asked())


@bp.post("/read")
@login_required
def read_all():
    changed = mark_read(current_user.id)
    commit()
    if is_htmx_request():
        return _htmx_update(inbox_page(current_user.id, _page_asked()))
    if changed:
        flash(_("All your notifications are marked as read."), "success")
    return _back_to_inbox(_page_asked())


@bp.app_context_processor
def _unread_notifications():
    """``unread_notifications`` for the header: a COUNT that never breaks the page."""
    if not has_request_context():
        return {"unread_notifications": 0}
    try:
        if not current_user.is_authenticated:
            return {"unread_notifications": 0}
        with db.session.no_autoflush:
            count = unread_count(current_user.id)
    except SQLAlchemyError:
        log.exception("could not count unread notifications")
        db.session.rollback()  # leave the session usable for the rest of the page
        count = 0
    return {"unread_notifications": count}
