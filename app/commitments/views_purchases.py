"""The organisation's purchases: the list (awarded here and declared, with why each counts
or not), declaring one with its evidence, its page and evidence, changing or withdrawing
a declaration while it awaits verification.

A purchase is reached only by its buyer's people and the operator: any other id answers
404, evidence included. Refused input re-renders the form with the messages on their
fields, status 400, and stores nothing (not even the file).
"""

from __future__ import annotations

from babel import Locale
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.auth import current_organisation
from app.accounts.forms import EmptyForm
from app.accounts.models import User
from app.accounts.policy import buyer_required
from app.commitments import policy, services
from app.commitments.eligibility import CLASS_LABELS, GEOGRAPHY_LABELS, SupplierClass, assess
from app.commitments.forms import DeclarationForm
from app.commitments.messages import CommitmentError, message_for
from app.commitments.models import Purchase
from app.commitments.queries import evidence_type, purchases_of, supplier_vat
from app.commitments.views import bp
from app.commitments.views_pledges import show_errors
from app.events import commit
from app.extensions import db
from app.files.storage import send_stored
from app.i18n import current_locale
from app.needs import taxonomy


def category_label(code: str | None) -> str:
    category = taxonomy.BY_CODE.get(code or "")
    return category.label(current_locale()) if category else (code or "—")


def country_name(code: str | None) -> str:
    if not code:
        return "—"
    return (get_locale() or Locale("fr")).territories.get(code, code)


def class_label(purchase: Purchase) -> str:
    cls = SupplierClass(purchase.supplier_class or "unknown")
    if cls == SupplierClass.SME and purchase.supplier_innovative:
        return _("Innovative SME")
    return str(CLASS_LABELS[cls])


def page_helpers() -> dict:
    return {"category_label": category_label, "country_name": country_name, "class_label": class_label,
            "explain": lambda p: assess(p).explanation(), "counts": lambda p: assess(p).counts,
            "supplier_vat": supplier_vat,
            "geography_labels": GEOGRAPHY_LABELS}


def visible_purchase(purchase_id: int) -> Purchase:
    """The purchase if the signed-in user may see it; 404 otherwise (others' look absent)."""
    purchase = db.session.get(Purchase, purchase_id)
    if purchase is None or not policy.can_view_purchase(current_user, purchase):
        abort(404)
    return purchase


# --- the list ----------------------------------------------------------------------------------


@bp.get("/purchases")
@buyer_required
def purchases():
    org = current_organisation()
    page = purchases_of(org.id, page=request.args.get("page", 1, type=int))
    return render_template("commitments/purchases.html", organisation=org, page=page,
                           may_declare=policy.can_declare(current_user, org), **page_helpers())


# --- declaring --------------------------------------------------------------------------------


def _render_form(form: DeclarationForm, *, purchase: Purchase | None = None, status: int = 200):
    org = purchase.buyer if purchase is not None else current_organisation()
    return render_template("commitments/declare.html", form=form, purchase=purchase, organisation=org,
                           **page_helpers()), status


@bp.route("/purchases/new", methods=["GET", "POST"])
@buyer_required
def declare_purchase():
    org = current_organisation()
    if not policy.can_declare(current_user, org):
        abort(403)
    form = DeclarationForm()
    if request.method == "GET":
        return _render_form(form)
    if not form.validate_on_submit():
        abort(400)
    try:
        purchase = services.declare_purchase(org, by=current_user, evidence=request.files.get("evidence"),
                                             **form.values())
    except CommitmentError as exc:
        db.session.rollback()
        show_errors(form, exc)
        return _render_form(form, status=400)
    purchase_id = purchase.id
    commit()
    flash(_("Purchase declared. The Tremplin team will check the evidence; it counts once verified."), "success")
    return redirect(url_for("commitments.purchase", purchase_id=purchase_id))


# --- one purchase -----------------------------------------------------------------------------


@bp.get("/purchases/<int:purchase_id>")
@login_required
def purchase(purchase_id: int):
    item = visible_purchase(purchase_id)
    people = {u.id: u for u in db.session.query(User).filter(
        User.id.in_([i for i in (item.declared_by_id, item.verified_by_id) if i is not None]))}
    return render_template(
        "commitments/purchase.html", purchase=item, people=people,
        may_change=policy.can_change_declaration(current_user, item), may_decide=policy.can_decide(current_user),
        action_form=EmptyForm(), **page_helpers(),
    )


@bp.get("/purchases/<int:purchase_id>/evidence")
@login_required
def purchase_evidence(purchase_id: int):
    item = visible_purchase(purchase_id)
    if not item.evidence_key:
        abort(404)
    try:
        return send_stored(item.evidence_key, filename=item.evidence_filename or "evidence",
                           content_type=evidence_type(item))
    except (ValueError, FileNotFoundError):  # a key from elsewhere (e.g. demo data), or a file gone
        abort(404)


def _changeable(purchase_id: int) -> Purchase:
    item = visible_purchase(purchase_id)
    if policy.can_change_declaration(current_user, item):
        return item
    if item.status.value != "declared" or item.source.value != "declared":
        flash(message_for("decided"), "error")
        abort(redirect(url_for("commitments.purchase", purchase_id=item.id)))
    abort(403)


@bp.route("/purchases/<int:purchase_id>/edit", methods=["GET", "POST"])
@login_required
def edit_purchase(purchase_id: int):
    item = _changeable(purchase_id)
    form = DeclarationForm()
    if request.method == "GET":
        form.fill_from(item)
        return _render_form(form, purchase=item)
    if not form.validate_on_submit():
        abort(400)
    try:
        services.update_declaration(item, by=current_user, evidence=request.files.get("evidence"), **form.values())
    except CommitmentError as exc:
        db.session.rollback()
        show_errors(form, exc)
        return _render_form(form, purchase=visible_purchase(purchase_id), status=400)
    commit()
    flash(_("Declaration changed. It still awaits verification."), "success")
    return redirect(url_for("commitments.purchase", purchase_id=purchase_id))


@bp.route("/purchases/<int:purchase_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_purchase(purchase_id: int):
    item = _changeable(purchase_id)
    form = EmptyForm()
    if request.method == "GET":
        return render_template("commitments/purchase_withdraw.html", purchase=item, action_form=form,
                               **page_helpers())
    if not form.validate_on_submit():
        abort(400)
    supplier = item.supplier_name
    services.withdraw_declaration(item, by=current_user)
    commit()
    flash(_("The declaration of the purchase from %(supplier)s is withdrawn.", supplier=supplier), "success")
    return redirect(url_for("commitments.purchases"))


from app.commitments import views_queue  # noqa: E402,F401 - the operator's routes, on bp too
