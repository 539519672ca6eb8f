"""Needs pages: browse, our needs, post a need (existing solutions first), read, edit.

Thin views: parse, ask ``app.needs.policy``, call a service, render. A need the viewer
may not know about answers 404; a visible need whose action is refused answers 403 or a
flashed message. The POST actions live in app.needs.actions, the CLI in app.needs.cli.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import case, or_, select
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.auth import current_organisation
from app.accounts.forms import EmptyForm
from app.db import utcnow
from app.events import commit
from app.extensions import db
from app.i18n import current_locale
from app.main.paging import paginate, requested_page
from app.main.services import NEED_STATUS_ORDER, group_by_status, need_counts, received_bid_counts
from app.matching.matching_pages import draft_existing_solutions, supplier_suggestions
from app.matching.matching_solutions import existing_solutions_for
from app.needs import display, policy, services, taxonomy
from app.needs.attachments import need_attachments
from app.needs.forms import (
    AnswerForm,
    AttachmentForm,
    NeedForm,
    QuestionForm,
    category_groups,
    category_label,
    weight_fields,
)
from app.needs.messages import APPROACH_LABELS, CRITERION_LABELS, message_for
from app.needs.models import Amendment, Answer, Invitation, Need, NeedStatus, Question
from app.needs.participation import find_follow
from app.needs.policy import current_viewer
from app.needs.regions import REGIONS
from app.needs.validation import in_core_band, publication_problems

bp = Blueprint("needs", __name__, url_prefix="/needs")


@bp.context_processor
def _needs_helpers():
    viewer = current_viewer()

    def buyer_label(need: Need) -> str:
        if policy.shows_buyer_identity(viewer, need):
            return need.buyer.name
        return need.anonymous_label or _("Anonymised buyer")

    return {
        "viewer": viewer,
        "buyer_label": buyer_label,
        "category_label": category_label,
        "category_groups": category_groups,
        "region_label": lambda code: REGIONS.get(code or "", "—"),
        "effective_status": policy.effective_status,
        "in_core_band": lambda need: in_core_band(need.budget_min_cents, need.budget_max_cents),
        "criterion_labels": CRITERION_LABELS,
        "approach_labels": APPROACH_LABELS,
        "locale": current_locale(),
        "field_label": display.field_label,
        "change_text": display.change_text,
        "long_text_fields": display.LONG_TEXT_FIELDS,
    }


def load_need(reference: str) -> Need:
    """The need of this reference if the viewer may see it; 404 otherwise (no leak)."""
    need = db.session.scalar(select(Need).where(Need.reference == reference))
    if need is None or not policy.can_view_need(current_viewer(), need):
        abort(404)
    return need


def refuse(need: Need, *, allowed_actor: bool, code: str):
    """A visible need, an action refused: a message when the state is why, else 403."""
    if not allowed_actor:
        abort(403)
    flash(message_for(code), "error")
    return redirect(url_for("needs.detail", reference=need.reference))


def commit_or_conflict(need: Need) -> bool:
    """Commit; when someone changed the need meanwhile, roll back and say so."""
    try:
        commit()
    except StaleDataError:
        db.session.rollback()
        flash(message_for("edited_meanwhile"), "error")
        return False
    return True


# --- lists ---------------------------------------------------------------------------------


@bp.get("")
def search():
    """Full-text search with facets (the engine), within the viewer's rights."""
    from app.matching.pages import render_needs_search

    return render_needs_search()


@bp.get("/mine")
@login_required
def mine():
    organisation = current_organisation()
    viewer = current_viewer()
    if organisation is None or not viewer.is_buyer:
        abort(403)
    # Paged in SQL in the order the page groups them: by status (work in progress first), then
    # most recently changed, so each page shows whole runs of its status groups.
    by_status = case({status: rank for rank, status in enumerate(NEED_STATUS_ORDER)}, value=Need.status,
                     else_=len(NEED_STATUS_ORDER))
    page = paginate(select(Need).where(Need.buyer_id == organisation.id)
                    .order_by(by_status, Need.updated_at.desc(), Need.id.desc()), page=requested_page())
    return render_template(
        "needs/mine.html", organisation=organisation, page=page, needs_by_status=group_by_status(page.items),
        counts=need_counts(organisation), bid_counts=received_bid_counts([n.id for n in page.items]),
        may_post=policy.can_post_need(viewer),
    )


# --- posting and editing ----------------------------------------------------------------------


def _chosen_categories(codes) -> list[str]:
    return [code for code in dict.fromkeys(codes) if taxonomy.is_known(code)]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    viewer = current_viewer()
    if not policy.can_post_need(viewer):
        abort(403)
    organisation = current_organisation()
    if request.method == "GET":
        codes = _chosen_categories(request.args.getlist("categories"))
        text = (request.args.get("q") or "").strip()[:200]
        if not codes and not text and not request.args.get("skip"):
            return render_template("needs/choose_categories.html")
        form = NeedForm(buyer=organisation, data={"categories": codes, **({"title": text} if text else {})})
    else:
        form = NeedForm(buyer=organisation)
        if form.validate_on_submit():
            try:
                need = services.create_need(buyer=organisation, by=current_user, values=form.values())
            except services.NeedError as exc:
                db.session.rollback()
                form.attach(exc)
            else:
                commit()
                flash(_("Draft saved. Check it, add documents if needed, then publish it."), "success")
                return redirect(url_for("needs.detail", reference=need.reference))
        codes = _chosen_categories(form.categories.data or [])
        text = " ".join(filter(None, [form.title.data, form.summary.data]))
    # Reuse first, off-the-shelf second: ranked by the need's words and categories.
    solutions = existing_solutions_for(text, codes, buyer=organisation)
    for message in form.other_errors:
        flash(message, "error")
    status = 400 if form.is_submitted() else 200
    return render_template("needs/new.html", form=form, solutions=solutions, codes=codes, text=text,
                           weights=weight_fields(form)), status


@bp.route("/<reference>/edit", methods=["GET", "POST"])
@login_required
def edit(reference: str):
    need = load_need(reference)
    viewer = current_viewer()
    if not policy.can_edit_need(viewer, need):
        return refuse(need, allowed_actor=policy.is_buyer_agent(viewer, need), code="not_editable")
    form = NeedForm(buyer=need.buyer, need=need)
    if form.validate_on_submit():
        try:
            amendment = services.update_need(
                need, by=current_user, values=form.values(), amendment_summary=form.amendment_summary.data,
                expected_version=form.expected_version(),
            )
        except services.NeedError as exc:
            db.session.rollback()
            form.attach(exc)
        else:
            if commit_or_conflict(need):
                if amendment is not None:
                    flash(_("Amendment published: followers and bidders are told."), "success")
                elif need.status == NeedStatus.PUBLISHED:
                    flash(_("Nothing changed: no amendment recorded."), "info")
                else:
                    flash(_("Draft saved."), "success")
                return redirect(url_for("needs.detail", reference=need.reference))
            return redirect(url_for("needs.edit", reference=need.reference))
    for message in form.other_errors:
        flash(message, "error")
    status = 400 if form.is_submitted() else 200
    return render_template("needs/edit.html", need=need, form=form, weights=weight_fields(form)), status


# --- reading ------------------------------------------------------------------------------------


def questions_page(need: Need, viewer, *, sees_all: bool, page: int):
    """A page of the questions the viewer may read (as app.needs.participation.visible_questions:
    answered ones for everyone, unanswered ones for the buyer's side and their asker), oldest first."""
    stmt = select(Question).where(Question.need_id == need.id)
    if not sees_all:
        readable = [select(Answer.id).where(Answer.question_id == Question.id).exists()]
        if viewer.organisation_id is not None:
            readable.append(Question.asked_by_org_id == viewer.organisation_id)
        stmt = stmt.where(or_(*readable))
    return paginate(stmt.order_by(Question.created_at, Question.id), page=page)


def amendments_page(need: Need, *, page: int):
    """A page of the change log, newest first."""
    return paginate(select(Amendment).where(Amendment.need_id == need.id)
                    .order_by(Amendment.created_at.desc(), Amendment.id.desc()), page=page)


def invitations_page(need: Need, *, page: int):
    """A page of the suppliers invited to the need, in the order they were invited."""
    return paginate(select(Invitation).where(Invitation.need_id == need.id)
                    .order_by(Invitation.created_at, Invitation.id), page=page)



def render_detail(need: Need, *, status: int = 200, **forms):
    viewer = current_viewer()
    now = utcnow()
    insider = viewer.is_operator or policy.is_buyer_member(viewer, need)
    can = {
        "edit": policy.can_edit_need(viewer, need, now),
        "publish": policy.can_publish(viewer, need),
        "cancel": policy.can_cancel(viewer, need),
        "discard": policy.can_discard(viewer, need),
        "unsuccessful": policy.can_declare_unsuccessful(viewer, need, now),
        "invite": policy.can_invite(viewer, need, now),
        "ask": policy.can_ask_question(viewer, need, now),
        "answer": policy.can_answer_question(viewer, need),
        "follow": policy.can_follow(viewer, need) and current_user.is_authenticated,
    }
    can["upload"] = can["edit"]
    problems = []
    existing = None
    if need.status == NeedStatus.DRAFT and insider:
        problems = [display.problem_text(p) for p in publication_problems(need, now=now)]
        existing = draft_existing_solutions(need)  # doctrine: reuse first, before publishing
    suggestions, suggestions_unavailable = None, False
    if can["invite"]:  # the buyer's agents, while the need is a draft or open
        suggestions, suggestions_unavailable = supplier_suggestions(need)
    context = {
        "need": need,
        "status": policy.effective_status(need, now),
        "can": can,
        "insider": insider,
        "shows_buyer": policy.shows_buyer_identity(viewer, need),
        "questions": questions_page(need, viewer, sees_all=insider, page=requested_page("questions_page")),
        "invitations": invitations_page(need, page=requested_page("invitations_page")) if insider else None,
        "attachments": need_attachments(need),
        "amendments": amendments_page(need, page=requested_page("changes_page")),
        "following": can["follow"] and find_follow(need, current_user) is not None,
        "problems": problems,
        "existing": existing,
        "suggestions": suggestions,
        "suggestions_unavailable": suggestions_unavailable,
        "weights": [(c, need.weights[c]) for c in CRITERION_LABELS],
        "empty_form": EmptyForm(),
        "question_form": forms.get("question_form") or QuestionForm(prefix="question"),
        "answer_form": forms.get("answer_form") or AnswerForm(),
        "answer_for": forms.get("answer_for"),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
    }
    return render_template("needs/detail.html", **context), status


@bp.get("/<reference>")
def detail(reference: str):
    need = load_need(reference)
    if need.status == NeedStatus.PUBLISHED and policy.deadline_passed(need):
        try:
            services.close_if_expired(need)  # closed by the server's clock when first read late
            commit()
        except StaleDataError:
            db.session.rollback()  # closed by someone else meanwhile
            need = load_need(reference)
    return render_detail(need)


from app.needs import actions, cli, views_import  # noqa: E402,F401  (routes and commands on this blueprint)
