"""The buyer's pages: bids received (only their number while sealed), comparison and ranking,
scores, shortlist, rejection with feedback, award."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from app.accounts.forms import EmptyForm
from app.bids import services
from app.bids.awards import award_bids, awards_of
from app.bids.evaluation import (
    evaluate_bid,
    ranking,
    received_bids,
    reject_bid,
    reject_remaining,
    shortlist_bid,
)
from app.bids.forms import AwardForm, EvaluationForm, RejectForm, message_for
from app.bids.models import Bid, BidStatus
from app.bids.money import format_euros_input
from app.bids.pages import LABELS, render_detail
from app.bids.services import BidError
from app.bids.web import bid_or_404, bp, need_or_404, show_problems, status_for
from app.db import utcnow
from app.events import commit
from app.extensions import db
from app.needs import policy
from app.needs.doctrine import CRITERIA
from app.needs.models import Need
from app.needs.policy import Viewer, current_viewer


def _received_page(need: Need, viewer: Viewer, status: int = 200, *, award_form: AwardForm | None = None,
                   reject_form: RejectForm | None = None, award_errors: dict | None = None):
    now = utcnow()
    unsealed = policy.bids_unsealed(need, now)
    context = {"need": need, "unsealed": unsealed, "count": services.count_received_bids(need),
               "now": now, **LABELS}
    if unsealed:
        bids = received_bids(need)
        standings = ranking(need, bids)
        context.update(
            standings=standings,
            can_evaluate=policy.can_evaluate(viewer, need, now),
            can_award=policy.can_award(viewer, need, now),
            awards={a.bid_id: a for a in awards_of(need)},
            award_form=award_form or AwardForm(),
            award_errors=award_errors or {},
            reject_form=reject_form or RejectForm(),
            in_play=[s.bid for s in standings if s.bid.status in services.IN_PLAY_STATUSES],
            awarded_any=any(b.status == BidStatus.AWARDED for b in bids),
            amount_input=format_euros_input,
        )
    return render_template("bids/received.html", **context), status


def _buyer_side_need(reference: str) -> tuple[Need, Viewer]:
    viewer = current_viewer()
    need = need_or_404(reference, viewer)
    if not (policy.is_buyer_member(viewer, need) or viewer.is_operator):
        abort(403)  # a supplier who sees the need never sees the bids on it
    return need, viewer


def _seen_version(name: str) -> int | None:
    """The version a form was filled in on (a hidden field of the page), if it carries one."""
    raw = request.form.get(name, "").strip()
    return int(raw) if raw.isdigit() else None


@bp.get("/needs/<reference>/bids")
@login_required
def received(reference: str):
    need, viewer = _buyer_side_need(reference)
    return _received_page(need, viewer)


@bp.post("/bids/<int:bid_id>/evaluation")
@login_required
def evaluate(bid_id: int):
    viewer = current_viewer()
    bid = bid_or_404(bid_id, viewer)
    form = EvaluationForm()
    if not form.validate_on_submit():
        abort(400)
    scores = {criterion: request.form.get(criterion) for criterion in CRITERIA}
    try:
        evaluate_bid(bid, scores, viewer=viewer, comment=form.comment.data,
                     seen_version=_seen_version("evaluation_version"))
    except BidError as exc:
        db.session.rollback()
        show_problems(exc, form)
        return render_detail(db.session.get(Bid, bid_id), viewer, status_for(exc), evaluation_form=form)
    commit()
    flash(_("Your scores are saved."), "success")
    return redirect(url_for("bids.detail", bid_id=bid_id))


@bp.post("/bids/<int:bid_id>/shortlist")
@login_required
def shortlist(bid_id: int):
    viewer = current_viewer()
    bid = bid_or_404(bid_id, viewer)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        shortlist_bid(bid, viewer=viewer)
    except BidError as exc:
        db.session.rollback()
        flash(message_for(exc.code), "error")
        return render_detail(db.session.get(Bid, bid_id), viewer, status_for(exc))
    commit()
    flash(_("%(supplier)s is shortlisted.", supplier=bid.supplier.name), "success")
    return redirect(url_for("bids.received", reference=bid.need.reference))


def _reject_page(bid: Bid, form: RejectForm, status: int = 200):
    return render_template("bids/reject.html", bid=bid, need=bid.need, form=form), status


@bp.get("/bids/<int:bid_id>/reject")
@login_required
def confirm_reject(bid_id: int):
    """What turning the bid down does, the feedback to write, and the button."""
    viewer = current_viewer()
    bid = bid_or_404(bid_id, viewer)
    if not policy.is_buyer_member(viewer, bid.need) and not viewer.is_operator:
        abort(403)
    if not (policy.can_award(viewer, bid.need) and bid.status in services.IN_PLAY_STATUSES):
        flash(message_for("not_in_play" if policy.can_award(viewer, bid.need) else "cannot_award"), "error")
        return redirect(url_for("bids.detail", bid_id=bid.id))
    return _reject_page(bid, RejectForm())


@bp.post("/bids/<int:bid_id>/reject")
@login_required
def reject(bid_id: int):
    viewer = current_viewer()
    bid = bid_or_404(bid_id, viewer)
    form = RejectForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        reject_bid(bid, form.feedback.data, viewer=viewer)
    except BidError as exc:
        db.session.rollback()
        show_problems(exc, form)
        bid = db.session.get(Bid, bid_id)
        if any(name == "feedback" for name, _code in exc.problems):
            return _reject_page(bid, form, status_for(exc))
        return render_detail(bid, viewer, status_for(exc), reject_form=form)
    commit()
    flash(_("The bid of %(supplier)s is not retained; the supplier can read your feedback.",
            supplier=bid.supplier.name), "success")
    return redirect(url_for("bids.received", reference=bid.need.reference))


@bp.post("/needs/<reference>/award")
@login_required
def award(reference: str):
    need, viewer = _buyer_side_need(reference)
    form = AwardForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = [value for value in request.form.getlist("bids") if value]
    amounts = {value: request.form.get(f"amount-{value}", "") for value in chosen}
    try:
        results = award_bids(need, amounts, viewer=viewer, note=form.note.data,
                             seen_version=_seen_version("need_version"))
    except BidError as exc:
        db.session.rollback()
        errors, flashed = {}, set()
        for field_name, code in exc.problems:
            # A bid no longer in play (awarded a moment ago by a colleague...) has no amount
            # field on the page any more: told above the form instead.
            if field_name.startswith("amount-") and code != "not_in_play":
                errors[field_name] = message_for(code)
            elif message_for(code) not in flashed:
                flashed.add(message_for(code))
                flash(message_for(code), "error")
        need = db.session.get(Need, need.id)
        return _received_page(need, viewer, status_for(exc), award_form=form, award_errors=errors)
    commit()
    flash(ngettext("%(num)d bid awarded. The purchase counts towards your commitment.",
                   "%(num)d bids awarded. The purchases count towards your commitment.", len(results)), "success")
    return redirect(url_for("bids.received", reference=need.reference))


def _in_play(need: Need) -> list[Bid]:
    return [b for b in received_bids(need) if b.status in services.IN_PLAY_STATUSES]


def _reject_others_page(need: Need, form: RejectForm, status: int = 200):
    return render_template("bids/reject_others.html", need=need, bids=_in_play(need), form=form), status


@bp.get("/needs/<reference>/reject-others")
@login_required
def confirm_reject_others(reference: str):
    """Which bids will be turned down, the feedback to write, and the button."""
    need, viewer = _buyer_side_need(reference)
    awarded_any = any(b.status == BidStatus.AWARDED for b in need.bids)
    if not (policy.can_award(viewer, need) and awarded_any and _in_play(need)):
        flash(message_for("cannot_award" if not policy.can_award(viewer, need)
                          else "not_awarded_yet" if not awarded_any else "nothing_to_reject"), "error")
        return redirect(url_for("bids.received", reference=need.reference))
    return _reject_others_page(need, RejectForm())


@bp.post("/needs/<reference>/reject-others")
@login_required
def reject_others(reference: str):
    need, viewer = _buyer_side_need(reference)
    form = RejectForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        rejected = reject_remaining(need, form.feedback.data, viewer=viewer)
    except BidError as exc:
        db.session.rollback()
        show_problems(exc, form)
        need = db.session.get(Need, need.id)
        if any(name == "feedback" for name, _code in exc.problems):
            return _reject_others_page(need, form, status_for(exc))
        return _received_page(need, viewer, status_for(exc), reject_form=form)
    commit()
    flash(ngettext("%(num)d other bid is not retained; its supplier can read your feedback.",
                   "%(num)d other bids are not retained; their suppliers can read your feedback.",
                   len(rejected)), "success")
    return redirect(url_for("bids.received", reference=need.reference))
