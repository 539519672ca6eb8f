"""Notifications and saved searches through the API, for the token's user.

Notifications read in the request's language (?lang=, Accept-Language, else the user's),
newest first; marking them read takes the write scope. Saved searches belong to
suppliers' members: another user's search is a 404 like a missing one; the service's
refusals are 422 problems with field errors, except choosing instant alerts on a plan
without them: a 402 plan-required problem (app.api.plan_problems).
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import func, select

from app.alerts import saved_searches as searches
from app.alerts.models import Notification, SavedSearch
from app.alerts.services import mark_read, shown_to, unread_count
from app.api.alerts_schemas import (
    MarkedSchema,
    MarkReadSchema,
    NotificationArgs,
    NotificationSchema,
    SavedSearchCreateSchema,
    SavedSearchPatchSchema,
    SavedSearchSchema,
)
from app.api.api_search import PAGE_HEADERS, page_headers
from app.api.auth import api_token, api_viewer, require_token
from app.api.idempotency import REPLAYED, Creation, key_parameter
from app.api.plan_problems import PLAN_REQUIRED_DESCRIPTION, abort_plan_required
from app.db import utcnow
from app.events import commit
from app.extensions import db

notifications_blp = Blueprint("api_notifications", __name__, url_prefix="/notifications",
                              description="The token user's notifications")
saved_blp = Blueprint("api_saved_searches", __name__, url_prefix="/saved-searches",
                      description="The token user's saved needs searches (suppliers)")


def blueprints() -> list[Blueprint]:
    return [notifications_blp, saved_blp]


# --- notifications ----------------------------------------------------------------------------

@notifications_blp.route("")
class Notifications(MethodView):
    @require_token("read")
    @notifications_blp.arguments(NotificationArgs, location="query")
    @notifications_blp.response(200, NotificationSchema(many=True), headers={
        **PAGE_HEADERS, "X-Unread-Count": {"description": "Unread notifications in all", "schema": {"type": "integer"}},
    })
    def get(self, args):
        """The token user's notifications, newest first"""
        user_id = api_token().user_id
        where = [shown_to(user_id)]
        if args.get("unread") is True:
            where.append(Notification.read_at.is_(None))
        elif args.get("unread") is False:
            where.append(Notification.read_at.is_not(None))
        total = db.session.scalar(select(func.count()).select_from(Notification).where(*where)) or 0
        page, per_page = args["page"], args["per_page"]
        items = db.session.scalars(select(Notification).where(*where)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc())
                                   .limit(per_page).offset((page - 1) * per_page)).all()
        headers = page_headers(page=page, per_page=per_page, total=total)
        headers["X-Unread-Count"] = str(unread_count(user_id))
        return items, 200, headers


def _own_notification(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != api_token().user_id:
        abort(404)
    return notification


@notifications_blp.route("/<int:notification_id>/read")
class NotificationRead(MethodView):
    @require_token("write")
    @notifications_blp.response(200, NotificationSchema)
    @notifications_blp.alt_response(404, description="No such notification of the token's user")
    def post(self, notification_id: int):
        """Mark one notification read (reading it twice changes nothing)"""
        notification = _own_notification(notification_id)
        user_id = api_token().user_id
        mark_read(user_id, [notification.id], now=utcnow())
        commit()
        return db.session.get(Notification, notification_id)


@notifications_blp.route("/read")
class NotificationsRead(MethodView):
    @require_token("write")
    @notifications_blp.arguments(MarkReadSchema, required=False)
    @notifications_blp.response(200, MarkedSchema)
    def post(self, args):
        """Mark all the token user's notifications read, or those of ``ids`` (others' ids are ignored)"""
        user_id = api_token().user_id
        marked = mark_read(user_id, args.get("ids") if args else None)
        commit()
        return {"marked": marked, "unread": unread_count(user_id)}


# --- saved searches ------------------------------------------------------------------------------

def _supplier_only() -> None:
    if not api_viewer().is_supplier:
        abort(403, message=str(searches.MESSAGES["not_supplier"]))


def _refused(exc: searches.SavedSearchError):
    db.session.rollback()
    if exc.code == "not_supplier":
        abort(403, message=exc.message)
    if exc.code == "too_many":
        abort(409, message=exc.message)
    if exc.code == "instant_requires_plan":
        abort_plan_required(exc.message)
    abort(422, message=exc.message, errors={exc.field or "_schema": [exc.message]})


def _own_search(search_id: int):
    try:
        return searches.search_of(api_token().user, search_id)
    except searches.SavedSearchNotFound:
        abort(404)


@saved_blp.route("")
class SavedSearches(MethodView):
    @require_token("read")
    @saved_blp.response(200, SavedSearchSchema(many=True))
    @saved_blp.alt_response(403, description="Not a supplier's member")
    def get(self):
        """The token user's saved searches, oldest first"""
        _supplier_only()
        return searches.searches_of(api_token().user)

    @require_token("write")
    @saved_blp.arguments(SavedSearchCreateSchema)
    @saved_blp.doc(parameters=[key_parameter("saves nothing more (200, the same search)")])
    @saved_blp.response(201, SavedSearchSchema)
    @saved_blp.alt_response(200, schema=SavedSearchSchema, description="A retry with the same Idempotency-Key")
    @saved_blp.alt_response(400, description="The Idempotency-Key is not 1 to 255 printable characters")
    @saved_blp.alt_response(402, description="Instant alerts chosen on a plan without them. "
                                             + PLAN_REQUIRED_DESCRIPTION)
    @saved_blp.alt_response(403, description="Not a supplier's member")
    @saved_blp.alt_response(409, description="Too many saved searches")
    @saved_blp.alt_response(422, description="Invalid parameters, or a name already used")
    def post(self, args):
        """Save a needs search (the parameters of GET /search/needs) under a name"""
        _supplier_only()
        token = api_token()
        creation = Creation.begin("api.saved_search_created")
        if creation.earlier is not None:
            return creation.earlier_subject(SavedSearch), 200, REPLAYED
        name, frequency = args.pop("name"), args.pop("frequency")
        try:
            saved = searches.save_search(token.user, token.organisation, name=name, args=args, frequency=frequency)
        except searches.SavedSearchError as exc:
            _refused(exc)
        creation.remember(subject=saved)
        commit()
        return saved, 201


@saved_blp.route("/<int:search_id>")
class SavedSearchById(MethodView):
    @require_token("read")
    @saved_blp.response(200, SavedSearchSchema)
    @saved_blp.alt_response(404, description="No such saved search of the token's user")
    def get(self, search_id: int):
        """One of the token user's saved searches"""
        _supplier_only()
        return _own_search(search_id)

    @require_token("write")
    @saved_blp.arguments(SavedSearchPatchSchema)
    @saved_blp.response(200, SavedSearchSchema)
    @saved_blp.alt_response(402, description="Instant alerts chosen on a plan without them. "
                                             + PLAN_REQUIRED_DESCRIPTION)
    @saved_blp.alt_response(404, description="No such saved search of the token's user")
    def patch(self, args, search_id: int):
        """Change how often it alerts, pause or resume it"""
        _supplier_only()
        user = api_token().user
        saved = _own_search(search_id)
        try:
            if "frequency" in args:
                searches.set_frequency(user, saved.id, args["frequency"])
            if args.get("paused") is True:
                searches.pause_search(user, saved.id)
            elif args.get("paused") is False:
                searches.resume_search(user, saved.id)
        except searches.SavedSearchError as exc:
            _refused(exc)
        commit()
        return searches.search_of(user, search_id)

    @require_token("write")
    @saved_blp.response(204)
    @saved_blp.alt_response(404, description="No such saved search of the token's user")
    def delete(self, search_id: int):
        """Delete it"""
        _supplier_only()
        user = api_token().user
        _own_search(search_id)
        searches.delete_search(user, search_id)
        commit()
