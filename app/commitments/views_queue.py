"""The operator's queue of declared purchases: the longest waiting first, each verified or
rejected (with a reason, on a page of its own that doubles as the confirmation) once.

Operator only (403 for anyone else). A purchase already decided is not decided again: the
operator is told who was first.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.forms import EmptyForm
from app.accounts.policy import operator_required
from app.commitments import services
from app.commitments.forms import RejectForm
from app.commitments.messages import CommitmentError
from app.commitments.models import Purchase
from app.commitments.queries import awaiting_verification
from app.commitments.views import bp
from app.commitments.views_purchases import page_helpers
from app.events import commit
from app.extensions import db


def _load_for_decision(purchase_id: int) -> Purchase:
    """The purchase, locked on PostgreSQL so that two operators cannot both decide it."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    purchase = db.session.get(Purchase, purchase_id, with_for_update=postgres)
    if purchase is None:
        abort(404)
    return purchase


@bp.get("/operator/purchases")
@operator_required
def purchases_queue():
    page = awaiting_verification(page=request.args.get("page", 1, type=int))
    return render_template("commitments/purchases_queue.html", page=page, action_form=EmptyForm(),
                           **page_helpers())


@bp.post("/operator/purchases/<int:purchase_id>/verify")
@operator_required
def verify_purchase(purchase_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    purchase = _load_for_decision(purchase_id)
    try:
        services.verify_purchase(purchase, by=current_user)
    except CommitmentError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("commitments.purchases_queue"))
    buyer, supplier = purchase.buyer.name, purchase.supplier_name
    commit()
    flash(_("Purchase of %(buyer)s from %(supplier)s verified: it counts now, and the organisation is told.",
            buyer=buyer, supplier=supplier), "success")
    return redirect(url_for("commitments.purchases_queue"))


@bp.route("/operator/purchases/<int:purchase_id>/reject", methods=["GET", "POST"])
@operator_required
def reject_purchase(purchase_id: int):
    purchase = _load_for_decision(purchase_id)
    form = RejectForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.reject_purchase(purchase, by=current_user, reason=form.reason.data)
        except CommitmentError as exc:
            db.session.rollback()
            if exc.field != "reason":
                flash(exc.message, "error")
                return redirect(url_for("commitments.purchases_queue"))
            form.reason.errors = [exc.message]
            return render_template("commitments/purchase_reject.html", purchase=db.session.get(Purchase, purchase_id),
                                   form=form, **page_helpers()), 400
        buyer, supplier = purchase.buyer.name, purchase.supplier_name
        commit()
        flash(_("Purchase of %(buyer)s from %(supplier)s rejected; the organisation reads your reason.",
                buyer=buyer, supplier=supplier), "success")
        return redirect(url_for("commitments.purchases_queue"))
    return render_template("commitments/purchase_reject.html", purchase=purchase, form=form, **page_helpers())
