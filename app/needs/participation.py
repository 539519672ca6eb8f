"""Suppliers around a need: invitations, questions and answers, marks of interest.

Plain functions with keyword-only options that never commit; who may act is decided by
``app.needs.policy`` before they are called. The asker of a question is kept for
moderation and notification only: pages never show it to other suppliers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.accounts.models import Organisation, User
from app.audit.services import record_audit
from app.events import record_event
from app.extensions import db
from app.needs.models import Answer, Invitation, Need, NeedFollow, NeedStatus, Question
from app.needs.policy import effective_status, is_open_for_bids
from app.needs.validation import NeedError

MAX_TEXT = 4000


def _body(text: str | None, field: str = "body") -> str:
    body = (text or "").strip()
    if not body:
        raise NeedError(field, "text_required")
    if len(body) > MAX_TEXT:
        raise NeedError(field, "too_long", max=MAX_TEXT)
    return body


# --- invitations -------------------------------------------------------------------------


def invite_supplier(need: Need, supplier: Organisation, *, by: User, message: str | None = None,
                    now: datetime | None = None) -> Invitation:
    """Invite a startup or SME: it sees the need (once published) whatever its visibility."""
    if effective_status(need, now) not in (NeedStatus.DRAFT, NeedStatus.PUBLISHED):
        raise NeedError(None, "invitations_closed")
    if not supplier.is_supplier:
        raise NeedError("supplier_id", "not_a_supplier")
    if any(inv.supplier_id == supplier.id for inv in need.invitations):
        raise NeedError("supplier_id", "already_invited")
    note = (message or "").strip() or None
    if note is not None and len(note) > MAX_TEXT:
        raise NeedError("message", "too_long", max=MAX_TEXT)
    invitation = Invitation(need=need, supplier=supplier, invited_by_id=by.id, message=note)
    db.session.add(invitation)
    db.session.flush()
    record_audit("need.invitation", actor=by, organisation=need.buyer, subject=need,
                 details={"invitation_id": invitation.id, "supplier_id": supplier.id})
    if need.status == NeedStatus.PUBLISHED:  # a draft's invitations are announced at publication
        record_event("need.invitation", need_id=need.id, invitation_id=invitation.id, supplier_id=supplier.id)
    return invitation


# --- questions and answers ----------------------------------------------------------------


def ask_question(need: Need, *, by: User, organisation: Organisation, body: str | None,
                 now: datetime | None = None) -> Question:
    """A supplier's question while bids are open; the answer goes to every supplier."""
    text = _body(body)
    if not is_open_for_bids(need, now):
        raise NeedError(None, "questions_closed")
    question = Question(need=need, asked_by_org_id=organisation.id, asked_by_user_id=by.id, body=text)
    db.session.add(question)
    db.session.flush()
    record_audit("need.question_asked", actor=by, organisation=organisation, subject=question,
                 details={"need_id": need.id})
    record_event("need.question_asked", need_id=need.id, question_id=question.id)
    return question


def answer_question(question: Question, *, by: User, body: str | None) -> Answer:
    text = _body(body)
    if question.need.status == NeedStatus.DRAFT:
        raise NeedError(None, "not_published")
    if question.answer is not None:
        raise NeedError("body", "already_answered")
    answer = Answer(question=question, answered_by_id=by.id, body=text)
    db.session.add(answer)
    db.session.flush()
    record_audit("need.answered", actor=by, organisation=question.need.buyer, subject=question,
                 details={"need_id": question.need_id, "answer_id": answer.id})
    record_event("need.answered", need_id=question.need_id, question_id=question.id, answer_id=answer.id)
    return answer


def visible_questions(need: Need, *, organisation_id: int | None, sees_all: bool) -> list[Question]:
    """Answered questions for everyone; unanswered ones for the buyer and their asker."""
    questions = sorted(need.questions, key=lambda q: (q.created_at, q.id))
    if sees_all:
        return questions
    return [q for q in questions if q.answer is not None or q.asked_by_org_id == organisation_id]


# --- marks of interest --------------------------------------------------------------------


def find_follow(need: Need, user: User) -> NeedFollow | None:
    return db.session.scalar(select(NeedFollow).where(NeedFollow.need_id == need.id, NeedFollow.user_id == user.id))


def follow_need(need: Need, *, user: User, organisation: Organisation | None = None) -> NeedFollow:
    """Mark interest: told of answers and amendments, reminded of the deadline. Idempotent."""
    follow = find_follow(need, user)
    if follow is not None:
        return follow
    follow = NeedFollow(need_id=need.id, user_id=user.id)
    db.session.add(follow)
    db.session.flush()
    record_audit("need.followed", actor=user, organisation=organisation, subject=need)
    record_event("need.followed", need_id=need.id, user_id=user.id)
    return follow


def unfollow_need(need: Need, *, user: User, organisation: Organisation | None = None) -> bool:
    follow = find_follow(need, user)
    if follow is None:
        return False
    db.session.delete(follow)
    db.session.flush()
    record_audit("need.unfollowed", actor=user, organisation=organisation, subject=need)
    record_event("need.unfollowed", need_id=need.id, user_id=user.id)
    return True
