"""The POST actions on a need, and its documents: each asks the policy, calls a service,
commits once, and goes back to the need (or re-renders it with the refused input, 400).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts.auth import current_organisation
from app.accounts.forms import EmptyForm
from app.accounts.models import Organisation
from app.events import commit
from app.extensions import db
from app.files.storage import send_stored
from app.main.paging import requested_page
from app.matching.matching_pages import supplier_suggestions
from app.needs import attachments, participation, policy, queries, services
from app.needs.forms import AnswerForm, AttachmentForm, InviteForm, QuestionForm, ReasonForm
from app.needs.messages import message_for
from app.needs.models import Attachment, Need, Question
from app.needs.policy import current_viewer
from app.needs.validation import NeedError
from app.needs.views import (
    bp,
    commit_or_conflict,
    invitations_page,
    load_need,
    refuse,
    render_detail,
)


def _back(need: Need):
    return redirect(url_for("needs.detail", reference=need.reference))


def _refuse_to_buyer(need: Need, viewer, code: str):
    """Refuse an action of the need's buyer: explained to its agents, the usual refusal to others."""
    return refuse(need, allowed_actor=policy.is_buyer_agent(viewer, need), code=code)


def _not_closable_code(need: Need) -> str:
    """Why the need cannot be declared unsuccessful yet: bids still open, or not closed."""
    return "deadline_not_passed" if policy.is_open_for_bids(need) else "not_closed"


def _check_csrf(form=None) -> None:
    if not (form or EmptyForm()).validate_on_submit():
        abort(400)


def _field_error(form, field: str, exc: NeedError) -> None:
    target = getattr(form, field)
    target.errors = [*target.errors, message_for(exc.code, **exc.params)]


# --- lifecycle ------------------------------------------------------------------------------


@bp.post("/<reference>/publish")
@login_required
def publish(reference: str):
    need = load_need(reference)
    viewer = current_viewer()
    if not policy.can_publish(viewer, need):
        return _refuse_to_buyer(need, viewer, "not_draft")
    _check_csrf()
    try:
        services.publish_need(need, by=current_user)
    except NeedError as exc:
        db.session.rollback()
        for error in getattr(exc, "errors", [exc]):
            flash(message_for(error.code, **error.params), "error")
        return _back(need)
    if commit_or_conflict(need):
        flash(_("The need is published."), "success")
    return _back(need)


@bp.get("/<reference>/cancel")
@login_required
def confirm_cancel(reference: str):
    """What cancelling does, the reason to give, and the button that cancels."""
    need = load_need(reference)
    viewer = current_viewer()
    if not policy.can_cancel(viewer, need):
        return _refuse_to_buyer(need, viewer, "not_cancellable")
    return _closing_page(need, "cancel", ReasonForm(prefix="cancel"))


@bp.post("/<reference>/cancel")
@login_required
def cancel(reference: str):
    need = load_need(reference)
    viewer = current_viewer()
    if not policy.can_cancel(viewer, need):
        return _refuse_to_buyer(need, viewer, "not_cancellable")
    return _close_with_reason(need, "cancel", services.cancel_need, _("The need is cancelled."))


@bp.get("/<reference>/discard")
@login_required
def confirm_discard(reference: str):
    need = load_need(reference)
    if not policy.can_discard(current_viewer(), need):
        return _refuse_to_buyer(need, current_viewer(), "not_discardable")
    return render_template("needs/discard.html", need=need, action_form=EmptyForm())


@bp.post("/<reference>/discard")
@login_required
def discard(reference: str):
    need = load_need(reference)
    viewer = current_viewer()
    if not policy.can_discard(viewer, need):
        return _refuse_to_buyer(need, viewer, "not_discardable")
    _check_csrf()
    title = need.title
    services.discard_draft(need, by=current_user)
    commit()
    flash(_("Draft « %(title)s » deleted.", title=title), "success")
    return redirect(url_for("needs.mine"))


@bp.get("/<reference>/unsuccessful")
@login_required
def confirm_unsuccessful(reference: str):
    """What declaring the need unsuccessful does, the reason to give, and the button."""
    need = load_need(reference)
    viewer = current_viewer()
    if not policy.can_declare_unsuccessful(viewer, need):
        return _refuse_to_buyer(need, viewer, _not_closable_code(need))
    return _closing_page(need, "unsuccessful", ReasonForm(prefix="unsuccessful"))


@bp.post("/<reference>/unsuccessful")
@login_required
def unsuccessful(reference: str):
    need = load_need(reference)
    viewer = current_viewer()
    if not policy.can_declare_unsuccessful(viewer, need):
        return _refuse_to_buyer(need, viewer, _not_closable_code(need))
    return _close_with_reason(need, "unsuccessful", services.declare_unsuccessful,
                              _("The need is declared unsuccessful."))


def _closing_page(need: Need, prefix: str, form: ReasonForm, status: int = 200):
    """The confirmation page of cancelling (prefix "cancel") or declaring unsuccessful."""
    return render_template("needs/close_confirm.html", need=need, action=prefix, form=form), status


def _close_with_reason(need: Need, prefix: str, operation, done: str):
    """Cancel or declare unsuccessful: a reason is required, shown next to its field if missing."""
    form = ReasonForm(prefix=prefix)
    _check_csrf(form)
    try:
        operation(need, by=current_user, reason=form.reason.data)
    except NeedError as exc:
        db.session.rollback()
        if exc.field != "reason":
            return refuse(need, allowed_actor=True, code=exc.code)
        _field_error(form, "reason", exc)
        return _closing_page(need, prefix, form, status=400)
    if commit_or_conflict(need):
        flash(done, "success")
    return _back(need)


# --- invitations ------------------------------------------------------------------------------


def _invite_page(need: Need, form: InviteForm, status: int = 200):
    query = (request.values.get("q") or "").strip()
    suggestions, unavailable = supplier_suggestions(need)
    return render_template(
        "needs/invite.html", need=need, form=form, query=query,
        candidates=queries.supplier_candidates(need, query),
        invitations=invitations_page(need, page=requested_page()),
        suggestions=suggestions, suggestions_unavailable=unavailable,
        # without the engine, the suppliers of the need's categories, as before
        category_suppliers=queries.suggested_suppliers(need) if unavailable else [],
    ), status


def _from_need_page() -> bool:
    """The one-click invitation of a suggested supplier, sent from the need's page."""
    return request.form.get("back") == "need"


@bp.route("/<reference>/invite", methods=["GET", "POST"])
@login_required
def invite(reference: str):
    need = load_need(reference)
    viewer = current_viewer()
    if not policy.can_invite(viewer, need):
        return _refuse_to_buyer(need, viewer, "invitations_closed")
    form = InviteForm()
    if request.method == "GET":
        return _invite_page(need, form)
    _check_csrf(form)
    supplier_id = form.supplier_id.data or ""
    supplier = db.session.get(Organisation, int(supplier_id)) if supplier_id.isdigit() else None
    try:
        if supplier is None:
            raise NeedError("supplier_id", "supplier_unknown")
        participation.invite_supplier(need, supplier, by=current_user, message=form.message.data)
    except NeedError as exc:
        db.session.rollback()
        flash(message_for(exc.code, **exc.params), "error")
        if _from_need_page():
            return redirect(url_for("needs.detail", reference=need.reference, _anchor="suggestions"))
        return _invite_page(need, form, 400)
    commit()
    flash(_("%(name)s is invited.", name=supplier.name), "success")
    if _from_need_page():
        return redirect(url_for("needs.detail", reference=need.reference, _anchor="suggestions"))
    return redirect(url_for("needs.invite", reference=need.reference))


# --- questions and answers ---------------------------------------------------------------------


@bp.post("/<reference>/questions")
@login_required
def ask(reference: str):
    need = load_need(reference)
    viewer = current_viewer()
    if not policy.can_ask_question(viewer, need):
        return refuse(need, allowed_actor=viewer.is_supplier, code="questions_closed")
    form = QuestionForm(prefix="question")
    _check_csrf(form)
    try:
        participation.ask_question(need, by=current_user, organisation=current_organisation(),
                                   body=form.body.data)
    except NeedError as exc:
        db.session.rollback()
        if exc.field != "body":
            return refuse(need, allowed_actor=True, code=exc.code)
        _field_error(form, "body", exc)
        return render_detail(need, status=400, question_form=form)
    commit()
    flash(_("Question sent. The answer will be shown here to every supplier; your name will not."), "success")
    return _back(need)


@bp.post("/<reference>/questions/<int:question_id>/answer")
@login_required
def answer(reference: str, question_id: int):
    need = load_need(reference)
    question = db.session.get(Question, question_id)
    if question is None or question.need_id != need.id:
        abort(404)
    viewer = current_viewer()
    if not policy.can_answer_question(viewer, need):
        abort(403)
    form = AnswerForm()
    _check_csrf(form)
    try:
        participation.answer_question(question, by=current_user, body=form.body.data)
    except NeedError as exc:
        db.session.rollback()
        if exc.field != "body" or exc.code == "already_answered":
            return refuse(need, allowed_actor=True, code=exc.code)
        _field_error(form, "body", exc)
        return render_detail(need, status=400, answer_form=form, answer_for=question.id)
    commit()
    flash(_("Answer published to every supplier who can see the need."), "success")
    return _back(need)


# --- marks of interest ---------------------------------------------------------------------------


@bp.post("/<reference>/follow")
@login_required
def follow(reference: str):
    need = load_need(reference)
    if not policy.can_follow(current_viewer(), need):
        abort(403)
    _check_csrf()
    participation.follow_need(need, user=current_user, organisation=current_organisation())
    commit()
    flash(_("Interest noted: you will be told of answers and amendments."), "success")
    return _back(need)


@bp.post("/<reference>/unfollow")
@login_required
def unfollow(reference: str):
    need = load_need(reference)
    _check_csrf()
    if participation.unfollow_need(need, user=current_user, organisation=current_organisation()):
        commit()
        flash(_("You no longer follow this need."), "info")
    return _back(need)


# --- documents -------------------------------------------------------------------------------------


@bp.post("/<reference>/attachments")
@login_required
def upload(reference: str):
    need = load_need(reference)
    viewer = current_viewer()
    if not policy.can_edit_need(viewer, need):
        return _refuse_to_buyer(need, viewer, "not_editable")
    form = AttachmentForm()
    _check_csrf(form)
    try:
        attachment = attachments.add_attachment(need, request.files.get(form.file.name), by=current_user,
                                                note=form.note.data)
    except NeedError as exc:
        db.session.rollback()
        if exc.field not in ("file", "note"):
            return refuse(need, allowed_actor=True, code=exc.code)
        _field_error(form, exc.field, exc)
        return render_detail(need, status=400, attachment_form=form)
    commit()
    flash(_("Document %(name)s added.", name=attachment.filename), "success")
    return _back(need)


def _attachment_of(need: Need, attachment_id: int) -> Attachment:
    attachment = db.session.scalar(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.need_id == need.id)
    )
    if attachment is None:
        abort(404)
    return attachment


@bp.get("/<reference>/attachments/<int:attachment_id>")
def download(reference: str, attachment_id: int):
    need = load_need(reference)  # 404 for whoever may not see the need
    attachment = _attachment_of(need, attachment_id)
    return send_stored(attachment.storage_key, filename=attachment.filename, content_type=attachment.content_type)


@bp.get("/<reference>/attachments/<int:attachment_id>/delete")
@login_required
def confirm_delete_attachment(reference: str, attachment_id: int):
    """Which document goes, and the button that removes it."""
    need = load_need(reference)
    attachment = _attachment_of(need, attachment_id)
    viewer = current_viewer()
    if not policy.can_edit_need(viewer, need):
        return _refuse_to_buyer(need, viewer, "not_editable")
    return render_template("needs/attachment_delete.html", need=need, attachment=attachment, action_form=EmptyForm())


@bp.post("/<reference>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(reference: str, attachment_id: int):
    need = load_need(reference)
    attachment = _attachment_of(need, attachment_id)
    viewer = current_viewer()
    if not policy.can_edit_need(viewer, need):
        return _refuse_to_buyer(need, viewer, "not_editable")
    _check_csrf()
    try:
        attachments.remove_attachment(attachment, need, by=current_user)
    except NeedError as exc:
        db.session.rollback()
        return refuse(need, allowed_actor=True, code=exc.code)
    commit()
    flash(_("Document removed."), "info")
    return _back(need)
