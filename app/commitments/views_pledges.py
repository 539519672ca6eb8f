"""The organisation's pledge: its amount and period, and the history of its revisions.

Every person of a buyer organisation reads it; owners record and revise it (a first
pledge makes the organisation an alliance member). Refused input re-renders the form
with the messages on their fields, status 400, and changes nothing.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accounts.auth import current_organisation
from app.accounts.models import User
from app.accounts.policy import buyer_required
from app.commitments import policy, services
from app.commitments.forms import PledgeForm
from app.commitments.messages import CommitmentError
from app.commitments.models import Commitment, CommitmentRevision
from app.commitments.queries import RevisionRow
from app.commitments.views import bp
from app.events import commit
from app.extensions import db
from app.main.paging import Page, paginate, requested_page


def show_errors(form, exc: CommitmentError) -> None:
    """Each message on the form field of the same name; the others as a flash message."""
    for name, message in exc.messages().items():
        target = form._fields.get(name)
        if target is not None and name != "csrf_token":
            target.errors = [message]
        else:
            flash(message, "error")


def history_page(commitment: Commitment | None, *, page: int) -> Page | None:
    """A page of the pledge's revisions, newest first, each beside the one it replaced
    (the same rows as app.commitments.queries.pledge_history, paged in SQL)."""
    if commitment is None:
        return None
    newest_first = (select(CommitmentRevision).where(CommitmentRevision.commitment_id == commitment.id)
                    .order_by(CommitmentRevision.revised_at.desc(), CommitmentRevision.id.desc()))
    found = paginate(newest_first, page=page)
    # The revision just older than the page's last one is what that last one replaced.
    older = db.session.scalar(newest_first.offset(found.page * found.per_page).limit(1))
    previous = [*found.items[1:], older]
    ids = {r.revised_by_id for r in found.items if r.revised_by_id is not None}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    found.items = [RevisionRow(r, p, users.get(r.revised_by_id)) for r, p in zip(found.items, previous, strict=True)]
    return found


def last_revision(commitment: Commitment | None) -> RevisionRow | None:
    """The newest revision and its author, whichever page of the history is shown."""
    if commitment is None:
        return None
    revision = db.session.scalar(select(CommitmentRevision).where(CommitmentRevision.commitment_id == commitment.id)
                                 .order_by(CommitmentRevision.revised_at.desc(), CommitmentRevision.id.desc()).limit(1))
    if revision is None:
        return None
    by = db.session.get(User, revision.revised_by_id) if revision.revised_by_id is not None else None
    return RevisionRow(revision, None, by)


def _render(org, form: PledgeForm, status: int = 200):
    commitment = services.pledge_of(org)
    config = current_app.config
    return render_template(
        "commitments/pledge.html", organisation=org, commitment=commitment, form=form,
        history=history_page(commitment, page=requested_page()), last=last_revision(commitment), may_edit=policy.can_pledge(current_user, org),
        may_join=policy.may_join_alliance(org), programme=config["COMMITMENT_PROGRAMME"],
        target_cents=config["COMMITMENT_TARGET_CENTS"], programme_start=config["COMMITMENT_START"],
        programme_end=config["COMMITMENT_END"],
    ), status


@bp.route("/pledge", methods=["GET", "POST"])
@buyer_required
def pledge():
    org = current_organisation()
    form = PledgeForm()
    if request.method == "GET":
        form.fill_from(services.pledge_of(org), programme_start=current_app.config["COMMITMENT_START"],
                       programme_end=current_app.config["COMMITMENT_END"])
        return _render(org, form)
    if not policy.can_pledge(current_user, org):
        abort(403)
    if not form.validate_on_submit():
        abort(400)  # only the CSRF token is checked by the form; the service checks the rest
    first = services.pledge_of(org) is None
    try:
        services.record_pledge(org, amount_euros=form.amount.data, period_start=form.period_start.data,
                               period_end=form.period_end.data, note=form.note.data, by=current_user)
    except CommitmentError as exc:
        db.session.rollback()
        show_errors(form, exc)
        return _render(org, form, status=400)
    commit()
    if first:
        flash(_("Pledge recorded: your organisation is now a member of the alliance."), "success")
    else:
        flash(_("Pledge revised. The previous amount and period stay in the history below."), "success")
    return redirect(url_for("commitments.pledge"))
