"""Pages both sides render: a bid's page, fitted to who reads it."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from app.accounts.forms import EmptyForm
from app.accounts.models import User
from app.bids import attachments, services
from app.bids.awards import awards_of
from app.bids.evaluation import evaluation_by, ranking
from app.bids.forms import (
    APPROACH_LABELS,
    CERTIFICATION_LABELS,
    CRITERION_LABELS,
    SOVEREIGNTY_QUESTIONS,
    AttachmentForm,
    EvaluationForm,
    RejectForm,
    evaluation_form_data,
)
from app.bids.models import Bid
from app.db import utcnow
from app.extensions import db
from app.needs import policy
from app.needs.policy import Viewer

LABELS = {"approach_labels": APPROACH_LABELS, "certification_labels": CERTIFICATION_LABELS,
          "criterion_labels": CRITERION_LABELS, "questions": SOVEREIGNTY_QUESTIONS}


def render_detail(bid: Bid, viewer: Viewer, status: int = 200, *, evaluation_form: EvaluationForm | None = None,
                  reject_form: RejectForm | None = None, upload_form: AttachmentForm | None = None):
    """The page of one bid, fitted to who reads it (the supplier, the buyer, the operator)."""
    need = bid.need
    now = utcnow()
    buyer_side = policy.is_buyer_member(viewer, need) or (viewer.is_operator and not policy.owns_bid(viewer, bid))
    context = {
        "bid": bid, "need": need, "viewer": viewer, "buyer_side": buyer_side,
        "is_owner": policy.owns_bid(viewer, bid),
        "can_change": policy.can_change_bid(viewer, bid, now),
        "attachments": attachments.bid_attachments(bid),
        "award": next((a for a in awards_of(need) if a.bid_id == bid.id), None),
        "empty_form": EmptyForm(),
        "upload_form": upload_form or AttachmentForm(),
        **LABELS,
    }
    if buyer_side:
        my_evaluation = evaluation_by(bid, viewer.user_id)
        standing = next((s for s in ranking(need) if s.bid.id == bid.id), None)
        if evaluation_form is None:
            evaluation_form = EvaluationForm(data=evaluation_form_data(my_evaluation))
        ids = [ev.evaluator_id for ev in bid.evaluations]
        evaluators = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
        context.update(
            evaluators=evaluators, standing=standing, my_evaluation=my_evaluation, evaluation_form=evaluation_form,
            reject_form=reject_form or RejectForm(),
            can_evaluate=policy.can_evaluate(viewer, need, now) and bid.status in services.IN_PLAY_STATUSES,
            can_reject=policy.can_award(viewer, need, now) and bid.status in services.IN_PLAY_STATUSES,
        )
    return render_template("bids/detail.html", **context), status
