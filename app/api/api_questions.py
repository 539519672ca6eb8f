"""A need's suppliers through the API: questions and answers, the change log, invitations.

The access rules are the web interface's (app.needs.policy) and the operations its
services (app.needs.participation): a need the token may not see is a 404, alike a
missing one; a visible need on which this organisation may not act is a 403; a refusal
by the need's state (questions closed, already answered, invitations closed) is a 409;
input refused field by field is a 422 with ``errors``.

Questions. Everyone who sees the need reads the answered questions; the buyer also reads
the unanswered ones, a supplier also its own (``participation.visible_questions``, as on
the page). The asker is never named: a question only says whether the token's own
organisation asked it. ``POST /needs/<reference>/questions`` takes an optional
``Idempotency-Key`` (app.api.idempotency; kept in the ``api.question_asked`` audit entry
written with the question): a retry with the same key and body answers ``200`` with the
same question and ``Idempotent-Replayed: true``; the same key with another body is a 409.
Answering an answered question is a 409, so a retried answer never publishes twice.

Invitations go to a startup or SME by its organisation id or slug, while the need is a
draft or open for bids; inviting the same supplier twice is a 409.
"""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Organisation
from app.api.auth import api_token, api_viewer, require_token
from app.api.idempotency import MAX_KEY_LENGTH, REPLAYED, Creation, commit_or_412, key_parameter
from app.api.questions_schemas import (
    AmendmentSchema,
    AnswerWriteSchema,
    InvitationSchema,
    InvitationWriteSchema,
    QuestionSchema,
    QuestionWriteSchema,
)
from app.db import MAX_ROW_ID
from app.events import commit
from app.extensions import db
from app.needs import participation, policy
from app.needs.messages import message_for
from app.needs.models import Invitation, Need, Question
from app.needs.validation import NeedError

IDEMPOTENCY_ACTION = "api.question_asked"
# Field-level refusals that are conflicts with the current state rather than bad input.
CONFLICT_CODES = {"already_answered", "already_invited"}

questions_blp = Blueprint("api_need_questions", __name__, url_prefix="/needs",
                          description="Questions and answers, the change log and invitations of a need")

IDEMPOTENCY_HEADER = {
    "in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
    "description": "Retrying with the same key and body creates nothing more (200, same question); "
                   "the same key with another body is a 409.",
}


def blueprints() -> list[Blueprint]:
    return [questions_blp]


# --- loading and refusing ---------------------------------------------------------------


def _visible_need(reference: str, *, lock: bool = False) -> Need:
    """The need if the token's viewer may know it exists (locked when asked); else 404."""
    stmt = select(Need).where(Need.reference == reference)
    if lock:
        stmt = stmt.with_for_update()
    need = db.session.scalar(stmt)
    if need is None or not policy.can_view_need(api_viewer(), need):
        abort(404)
    return need


def _insider(need: Need) -> bool:
    viewer = api_viewer()
    return viewer.is_operator or policy.is_buyer_member(viewer, need)


def _questions(need: Need) -> list[Question]:
    viewer = api_viewer()
    return participation.visible_questions(need, organisation_id=viewer.organisation_id, sees_all=_insider(need))


def _refuse(exc: NeedError):
    """A service refusal: a field's bad input is a 422, a refusal by the state a 409."""
    db.session.rollback()
    message = message_for(exc.code, **exc.params)
    if exc.field is None or exc.code in CONFLICT_CODES:
        abort(409, message=message)
    abort(422, errors={exc.field: [message]})


def _question_location(question: Question) -> str:
    return url_for("api_need_questions.QuestionById", reference=question.need.reference, question_id=question.id)


# --- questions and answers --------------------------------------------------------------


@questions_blp.route("/<string:reference>/questions")
class Questions(MethodView):
    @require_token("read")
    @questions_blp.response(200, QuestionSchema(many=True))
    @questions_blp.alt_response(404, description="No such need, or not visible to this token")
    def get(self, reference: str):
        """The questions this token may read, oldest first: answered ones for all, unanswered ones
        for the buyer and their asker. Askers are never named."""
        return _questions(_visible_need(reference))

    @require_token("write")
    @questions_blp.arguments(QuestionWriteSchema)
    @questions_blp.doc(parameters=[IDEMPOTENCY_HEADER])
    @questions_blp.response(201, QuestionSchema, headers={
        "Location": {"description": "The question's URL", "schema": {"type": "string"}}})
    @questions_blp.alt_response(200, schema=QuestionSchema, description="A retry with the same Idempotency-Key")
    @questions_blp.alt_response(400, description="The Idempotency-Key is not 1 to 255 printable characters")
    @questions_blp.alt_response(403, description="Only suppliers ask questions")
    @questions_blp.alt_response(404, description="No such need, or not visible to this token")
    @questions_blp.alt_response(409, description="Questions are closed (bids no longer open), or the key was reused")
    def post(self, data, reference: str):
        """Ask the buyer a question while bids are open; the answer will be shown to every supplier"""
        viewer, token = api_viewer(), api_token()
        need = _visible_need(reference)
        if not viewer.is_supplier:
            abort(403, message=_("Only startups and SMEs ask questions on a need."))
        creation = Creation.begin(IDEMPOTENCY_ACTION)
        if creation.earlier is not None:
            question = creation.earlier_subject(Question)
            return question, 200, {"Location": _question_location(question), **REPLAYED}
        if not policy.can_ask_question(viewer, need):
            abort(409, message=message_for("questions_closed"))
        try:
            question = participation.ask_question(need, by=token.user, organisation=token.organisation,
                                                  body=data["body"])
        except NeedError as exc:
            _refuse(exc)
        creation.remember(subject=question, need=need.reference)
        commit()
        return question, 201, {"Location": _question_location(question)}


@questions_blp.route("/<string:reference>/questions/<int:question_id>")
class QuestionById(MethodView):
    @require_token("read")
    @questions_blp.response(200, QuestionSchema)
    @questions_blp.alt_response(404, description="No such question, or not readable by this token")
    def get(self, reference: str, question_id: int):
        """One question, if this token may read it (404 alike otherwise)"""
        question = next((q for q in _questions(_visible_need(reference)) if q.id == question_id), None)
        if question is None:
            abort(404)
        return question


@questions_blp.route("/<string:reference>/questions/<int:question_id>/answer")
class QuestionAnswer(MethodView):
    @require_token("write")
    @questions_blp.arguments(AnswerWriteSchema)
    @questions_blp.response(200, QuestionSchema)
    @questions_blp.alt_response(403, description="Only the buyer's owners and members answer")
    @questions_blp.alt_response(404, description="No such need or question, or not visible to this token")
    @questions_blp.alt_response(409, description="Already answered, or the need is not published")
    def post(self, data, reference: str, question_id: int):
        """Answer a question: the answer is published to every supplier who can see the need"""
        viewer = api_viewer()
        need = _visible_need(reference)
        if not any(q.id == question_id for q in _questions(need)):
            abort(404)  # another supplier's unanswered question does not exist for this token
        question = db.session.scalar(select(Question).where(Question.id == question_id).with_for_update()
                                     .execution_options(populate_existing=True))
        if not policy.can_answer_question(viewer, need):
            if policy.is_buyer_agent(viewer, need):
                abort(409, message=message_for("not_published"))
            abort(403)
        try:
            participation.answer_question(question, by=api_token().user, body=data["body"])
            db.session.flush()
        except NeedError as exc:
            _refuse(exc)
        except IntegrityError:  # answered at the same moment by a colleague
            db.session.rollback()
            abort(409, message=message_for("already_answered"))
        commit_or_412()
        db.session.refresh(question)
        return question


# --- the change log ---------------------------------------------------------------------


@questions_blp.route("/<string:reference>/amendments")
class Amendments(MethodView):
    @require_token("read")
    @questions_blp.response(200, AmendmentSchema(many=True))
    @questions_blp.alt_response(404, description="No such need, or not visible to this token")
    def get(self, reference: str):
        """The need's change log since publication, oldest first: what changed, why, old and new values"""
        need = _visible_need(reference)
        return sorted(need.amendments, key=lambda a: (a.created_at, a.id))


# --- invitations ------------------------------------------------------------------------


@questions_blp.route("/<string:reference>/invitations")
class Invitations(MethodView):
    @require_token("read")
    @questions_blp.response(200, InvitationSchema(many=True))
    @questions_blp.alt_response(403, description="Only the need's buyer sees its invitations")
    @questions_blp.alt_response(404, description="No such need, or not visible to this token")
    def get(self, reference: str):
        """The suppliers invited to the need (its buyer and the operator), oldest first"""
        need = _visible_need(reference)
        if not _insider(need):
            abort(403)
        return sorted(need.invitations, key=lambda inv: (inv.created_at, inv.id))

    @require_token("write")
    @questions_blp.arguments(InvitationWriteSchema)
    @questions_blp.doc(parameters=[key_parameter("invites nobody more (200, the same invitation)")])
    @questions_blp.response(201, InvitationSchema)
    @questions_blp.alt_response(200, schema=InvitationSchema, description="A retry with the same Idempotency-Key")
    @questions_blp.alt_response(400, description="The Idempotency-Key is not 1 to 255 printable characters")
    @questions_blp.alt_response(403, description="Only the buyer's owners and members invite")
    @questions_blp.alt_response(404, description="No such need, or not visible to this token")
    @questions_blp.alt_response(409, description="Invitations are closed, or this supplier is already invited")
    def post(self, data, reference: str):
        """Invite a startup or SME by its organisation id or slug: it sees the need (once published)
        whatever its visibility, and is told of it"""
        viewer = api_viewer()
        need = _visible_need(reference, lock=True)
        if not policy.can_invite(viewer, need):
            if policy.is_buyer_agent(viewer, need):
                abort(409, message=message_for("invitations_closed"))
            abort(403)
        creation = Creation.begin("api.supplier_invited")
        if creation.earlier is not None:
            return creation.earlier_subject(Invitation), 200, REPLAYED
        if "supplier_id" in data:
            known = 0 < data["supplier_id"] <= MAX_ROW_ID  # beyond the database's integers: no such row
            field, supplier = "supplier_id", db.session.get(Organisation, data["supplier_id"]) if known else None
        else:
            field = "supplier_slug"
            supplier = db.session.scalar(select(Organisation).where(Organisation.slug == data["supplier_slug"]))
        if supplier is None:
            abort(422, errors={field: [_("No organisation has this identifier.")]})
        try:
            invitation = participation.invite_supplier(need, supplier, by=api_token().user,
                                                       message=data.get("message"))
        except NeedError as exc:
            if exc.field == "supplier_id":
                exc.field = field
            _refuse(exc)
        creation.remember(subject=invitation, need=need.reference, supplier=supplier.id)
        commit_or_412()
        return invitation, 201
