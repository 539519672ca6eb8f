"""The supplier's pages: the bid form, withdrawal, the list of bids, a bid and its files."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from app.accounts.forms import EmptyForm
from app.accounts.models import Organisation
from app.bids import attachments, services
from app.bids.awards import awards_of
from app.bids.forms import (
    REFUSAL_MESSAGES,
    AttachmentForm,
    BidForm,
    form_data,
    message_for,
    plan_limit_message,
)
from app.bids.models import Bid, BidStatus
from app.bids.pages import LABELS, render_detail
from app.bids.services import BidError, BidInput
from app.bids.web import bid_or_404, bp, need_or_404, show_problems, status_for
from app.db import utcnow
from app.events import commit
from app.extensions import db
from app.files.storage import send_stored
from app.needs import policy
from app.needs.models import Attachment, Need
from app.needs.policy import current_viewer
from app.suppliers.models import Certification, Solution


def _solutions(organisation_id: int) -> list[Solution]:
    stmt = select(Solution).where(Solution.organisation_id == organisation_id).order_by(Solution.name)
    return list(db.session.scalars(stmt))


def _held_certifications(organisation_id: int) -> list[str]:
    today = utcnow().date()
    rows = db.session.scalars(select(Certification).where(Certification.organisation_id == organisation_id))
    return sorted({c.kind.value for c in rows if c.valid_on(today)})


def _plan_allowance(need: Need, bid: Bid | None, organisation_id: int | None) -> dict | None:
    """The plan's allowance of first bids on private needs, when it limits this bid (else None)."""
    from app.billing import entitlements
    from app.needs.models import Route

    if need.route != Route.PRIVATE or not services.is_first_submission(bid) or organisation_id is None:
        return None
    organisation = db.session.get(Organisation, organisation_id)
    allowance = entitlements.private_bid_allowance(organisation)
    if allowance.limit is None:
        return None
    return {"allowance": allowance, "plan": entitlements.plan_name(organisation),
            "upgrade": entitlements.upgrade_plan_name("private_bids_per_month"),
            "upgrade_url": entitlements.upgrade_url(),
            "refusal": plan_limit_message(organisation) if allowance.exhausted else None}


def _render_form(need: Need, bid: Bid | None, form: BidForm, status: int = 200, *, refused: bool = False):
    plan = _plan_allowance(need, bid, current_viewer().organisation_id)
    return render_template("bids/form.html", need=need, bid=bid, form=form, plan=plan, plan_refused=refused,
                           attachments=attachments.bid_attachments(bid) if bid else [],
                           upload_form=AttachmentForm(), empty_form=EmptyForm(), **LABELS), status


def _refused(need: Need, code: str):
    return render_template("bids/refused.html", need=need, message=REFUSAL_MESSAGES.get(code, message_for(code))), 403


def _seen_version(bid: Bid | None) -> int:
    """The bid's version the form was filled in on (0: no bid yet), or else what this request read."""
    raw = request.form.get("bid_version", "").strip()
    if raw.isdigit():
        return int(raw)
    return bid.version if bid is not None else 0


@bp.route("/needs/<reference>/bid", methods=["GET", "POST"])
@login_required
def edit(reference: str):
    viewer = current_viewer()
    need = need_or_404(reference, viewer)
    if not viewer.is_supplier:
        return _refused(need, "not_supplier")
    now = utcnow()
    bid = services.bid_of(need, viewer.organisation_id)
    if bid is not None and bid.status != BidStatus.WITHDRAWN and not policy.can_change_bid(viewer, bid, now):
        code = "deadline_passed" if policy.deadline_passed(need, now) else "bid_decided"
        flash(message_for(code), "warning")
        return redirect(url_for("bids.detail", bid_id=bid.id))
    refusal = policy.bid_refusal(viewer, need, now)
    if refusal is not None:
        return _refused(need, refusal.value)
    solutions = _solutions(viewer.organisation_id)
    if request.method == "GET":
        initial = BidInput.from_bid(bid) if bid else BidInput(certifications=_held_certifications(viewer.organisation_id))
        return _render_form(need, bid, BidForm(data=form_data(initial), solutions=solutions))
    form = BidForm(solutions=solutions)
    if not form.validate_on_submit():
        return _render_form(need, bid, form, 400)
    draft = request.form.get("action") == "draft"
    try:
        bid = services.submit_bid(need, form.to_input(), viewer=viewer, draft=draft, now=now,
                                  seen_version=_seen_version(bid))
    except BidError as exc:
        db.session.rollback()
        if exc.code == "plan_limit":  # told next to the form, with the way to upgrade
            return _render_form(need, services.bid_of(need, viewer.organisation_id), form, status_for(exc),
                                refused=True)
        show_problems(exc, form)
        return _render_form(need, services.bid_of(need, viewer.organisation_id), form, status_for(exc))
    commit()
    if draft:
        flash(_("Your draft is saved. It stays private until you submit it."), "success")
        return redirect(url_for("bids.edit", reference=need.reference))
    flash(_("Your bid is submitted. You can change or withdraw it until the deadline."), "success")
    return redirect(url_for("bids.detail", bid_id=bid.id))


@bp.get("/needs/<reference>/bid/withdraw")
@login_required
def confirm_withdraw(reference: str):
    """What withdrawing (or discarding a draft) does, and the button that does it."""
    viewer = current_viewer()
    need = need_or_404(reference, viewer)
    bid = services.bid_of(need, viewer.organisation_id)
    if bid is None:
        abort(404)
    if not policy.can_change_bid(viewer, bid):
        flash(message_for("deadline_passed" if policy.deadline_passed(need, utcnow()) else "bid_decided"), "error")
        return redirect(url_for("bids.detail", bid_id=bid.id))
    return render_template("bids/withdraw.html", need=need, bid=bid, action_form=EmptyForm())


@bp.post("/needs/<reference>/bid/withdraw")
@login_required
def withdraw(reference: str):
    viewer = current_viewer()
    need = need_or_404(reference, viewer)
    bid = services.bid_of(need, viewer.organisation_id)
    if bid is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    was_draft = bid.status == BidStatus.DRAFT
    try:
        services.withdraw_bid(bid, viewer=viewer)
    except BidError as exc:
        db.session.rollback()
        flash(message_for(exc.code), "error")
        return render_detail(db.session.get(Bid, bid.id), viewer, status_for(exc))
    commit()
    if was_draft:
        flash(_("Your draft is discarded."), "success")
        return redirect(url_for("bids.mine"))
    flash(_("Your bid is withdrawn. You may submit a bid again until the deadline."), "success")
    return redirect(url_for("bids.detail", bid_id=bid.id))


@bp.get("/bids")
@login_required
def mine():
    viewer = current_viewer()
    if not viewer.is_supplier:
        flash(message_for("not_supplier"), "info")
        return render_template("bids/mine.html", page=None), 403
    page = services.supplier_bids(viewer.organisation_id, page=request.args.get("page", 1, type=int))
    awards = {}
    for bid in page.items:
        if bid.status == BidStatus.AWARDED:
            awards[bid.id] = next((a for a in awards_of(bid.need) if a.bid_id == bid.id), None)
    now = utcnow()
    changeable = {bid.id for bid in page.items if policy.can_change_bid(viewer, bid, now)}
    return render_template("bids/mine.html", page=page, awards=awards, changeable=changeable)


@bp.get("/bids/<int:bid_id>")
@login_required
def detail(bid_id: int):
    viewer = current_viewer()
    return render_detail(bid_or_404(bid_id, viewer), viewer)


# --- attachments ---------------------------------------------------------------------------


@bp.post("/bids/<int:bid_id>/attachments")
@login_required
def upload(bid_id: int):
    viewer = current_viewer()
    bid = bid_or_404(bid_id, viewer)
    if not policy.owns_bid(viewer, bid):
        abort(403)
    form = AttachmentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        attachment = attachments.add_attachment(bid, request.files.get("file"), viewer=viewer)
    except BidError as exc:
        db.session.rollback()
        bid = db.session.get(Bid, bid_id)
        show_problems(exc, form)
        return render_detail(bid, viewer, status_for(exc), upload_form=form)
    commit()
    flash(_("%(name)s is attached to your bid.", name=attachment.filename), "success")
    return redirect(url_for("bids.detail", bid_id=bid.id))


def _own_attachment(bid: Bid, attachment_id: int, viewer) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.bid_id != bid.id or not policy.owns_bid(viewer, bid):
        abort(404)
    return attachment


@bp.get("/bids/<int:bid_id>/attachments/<int:attachment_id>/delete")
@login_required
def confirm_remove_attachment(bid_id: int, attachment_id: int):
    """Which file goes, and the button that removes it."""
    viewer = current_viewer()
    bid = bid_or_404(bid_id, viewer)
    attachment = _own_attachment(bid, attachment_id, viewer)
    if not policy.can_change_bid(viewer, bid):
        flash(message_for("bid_locked"), "error")
        return redirect(url_for("bids.detail", bid_id=bid.id))
    return render_template("bids/attachment_remove.html", bid=bid, need=bid.need, attachment=attachment,
                           action_form=EmptyForm())


@bp.post("/bids/<int:bid_id>/attachments/<int:attachment_id>/delete")
@login_required
def remove_attachment(bid_id: int, attachment_id: int):
    viewer = current_viewer()
    bid = bid_or_404(bid_id, viewer)
    attachment = _own_attachment(bid, attachment_id, viewer)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        attachments.remove_attachment(bid, attachment, viewer=viewer)
    except BidError as exc:
        db.session.rollback()
        flash(message_for(exc.code), "error")
        return render_detail(db.session.get(Bid, bid_id), viewer, status_for(exc))
    commit()
    flash(_("The file is removed from your bid."), "success")
    return redirect(url_for("bids.detail", bid_id=bid_id))


@bp.get("/bids/<int:bid_id>/attachments/<int:attachment_id>")
@login_required
def download(bid_id: int, attachment_id: int):
    viewer = current_viewer()
    bid = bid_or_404(bid_id, viewer)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.bid_id != bid.id:
        abort(404)
    return send_stored(attachment.storage_key, filename=attachment.filename, content_type=attachment.content_type)
