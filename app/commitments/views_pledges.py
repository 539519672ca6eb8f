"""The organisation's pledge: its amount and period, and the history of its revisions.

Every person of a buyer organisation reads it; owners record and revise it (a first
pledge makes the organisation an alliance member). Refused input re-renders the form
with the messages on their fields, status 400, and changes nothing.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.auth import current_organisation
from app.accounts.policy import buyer_required
from app.commitments import policy, services
from app.commitments.forms import PledgeForm
from app.commitments.messages import CommitmentError
from app.commitments.queries import pledge_history
from app.commitments.views import bp
from app.events import commit
from app.extensions import db


def show_errors(form, exc: CommitmentError) -> None:
    """Each message on the form field of the same name; the others as a flash message."""
    for name, message in exc.messages().items():
        target = form._fields.get(name)
        if target is not None and name != "csrf_token":
            target.errors = [message]
        else:
            flash(message, "error")


def _render(org, form: PledgeForm, status: int = 200):
    commitment = services.pledge_of(org)
    config = current_app.config
    return render_template(
        "commitments/pledge.html", organisation=org, commitment=commitment, form=form,
        history=pledge_history(commitment), may_edit=policy.can_pledge(current_user, org),
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
