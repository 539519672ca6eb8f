"""The supplier's own certifications: the list, add, change, and delete after confirmation.

Same rules as the solutions pages (app.suppliers.views_solutions): a supplier's owners and
members only (app.suppliers.policy.can_edit_supplier); anyone else 403; another
organisation's certification (or none) 404. Services flush, the view commits once; refused
input re-renders the form with each message next to its field and saves nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField

from app.accounts.forms import EmptyForm
from app.events import commit
from app.extensions import db
from app.main.filters import PARIS
from app.main.paging import paginate, requested_page
from app.suppliers import services
from app.suppliers.forms import _Errors
from app.suppliers.models import Certification, CertificationKind, Solution
from app.suppliers.views import bp
from app.suppliers.views_profile import editable_organisation

KIND_LABELS = {
    CertificationKind.SECNUMCLOUD: _l("SecNumCloud (ANSSI cloud hosting qualification)"),
    CertificationKind.HDS: _l("HDS (health data hosting)"),
    CertificationKind.ISO27001: "ISO/IEC 27001",
    CertificationKind.ISO9001: "ISO 9001",
    CertificationKind.PASSI: _l("PASSI (ANSSI-qualified security audit)"),
    CertificationKind.PDIS: _l("PDIS (ANSSI-qualified incident detection)"),
    CertificationKind.CSPN: _l("CSPN (ANSSI product security certification)"),
    CertificationKind.EUCS: _l("EUCS (European cloud certification)"),
    CertificationKind.SOC2: "SOC 2",
    CertificationKind.RGS: _l("RGS (French general security framework)"),
}


class CertificationForm(_Errors, FlaskForm):
    kind = SelectField(_l("Certification"), validate_choice=False)
    reference = StringField(_l("Reference"), description=_l("The certificate's number or name (120 characters at most)."))
    issuer = StringField(_l("Issued by"), description=_l("e.g. ANSSI, AFNOR Certification, Bureau Veritas."))
    issued_on = StringField(_l("Issued on"), render_kw={"type": "date"}, description=_l("Date as YYYY-MM-DD."))
    expires_on = StringField(_l("Expires on"), render_kw={"type": "date"},
                             description=_l("Leave empty if it does not expire."))
    solution_id = SelectField(_l("Solution concerned"), validate_choice=False,
                              description=_l("Leave empty when the certification covers the whole company."))

    def __init__(self, *args, solutions: list[Solution], certification: Certification | None = None, **kwargs):
        if certification is not None and "data" not in kwargs:
            kwargs["data"] = {
                "kind": certification.kind.value, "reference": certification.reference,
                "issuer": certification.issuer or "",
                "issued_on": certification.issued_on.isoformat() if certification.issued_on else "",
                "expires_on": certification.expires_on.isoformat() if certification.expires_on else "",
                "solution_id": str(certification.solution_id) if certification.solution_id else "",
            }
        super().__init__(*args, **kwargs)
        self.other_errors = []
        self.kind.choices = [("", _l("Choose a certification"))] + [(k.value, text) for k, text in KIND_LABELS.items()]
        self.solution_id.choices = [("", _l("The whole company"))] + [(str(s.id), s.name) for s in solutions]

    def values(self) -> dict:
        solution = (self.solution_id.data or "").strip()
        return {
            "kind": self.kind.data or None, "reference": self.reference.data, "issuer": self.issuer.data,
            "issued_on": (self.issued_on.data or "").strip() or None,
            "expires_on": (self.expires_on.data or "").strip() or None,
            # a number that is not one of ours is refused by the service, next to the field
            "solution_id": int(solution) if solution.isdigit() and solution.isascii() else (solution or None),
        }

    def visible_fields(self):
        yield from (self[name] for name in ("kind", "reference", "issuer", "issued_on", "expires_on", "solution_id"))


def kind_label(kind: CertificationKind) -> str:
    return str(KIND_LABELS.get(kind, kind.value))


def _own_solutions(organisation) -> list[Solution]:
    return list(db.session.scalars(select(Solution).where(Solution.organisation_id == organisation.id)
                                   .order_by(Solution.name)))


def own_certification(organisation, certification_id: int) -> Certification:
    certification = db.session.get(Certification, certification_id)
    if certification is None or certification.organisation_id != organisation.id:
        abort(404)
    return certification


@bp.get("/supplier/certifications")
@login_required
def certifications():
    organisation = editable_organisation()
    page = paginate(select(Certification).where(Certification.organisation_id == organisation.id)
                    .order_by(Certification.kind, Certification.reference, Certification.id), page=requested_page())
    solution_names = {s.id: s.name for s in _own_solutions(organisation)}
    return render_template("suppliers/certifications.html", org=organisation, certifications=page.items, page=page,
                           kind_label=kind_label, solution_names=solution_names, today=datetime.now(UTC).astimezone(PARIS).date())


def _render_form(form: CertificationForm, *, certification: Certification | None):
    for message in form.other_errors:
        flash(message, "error")
    status = 400 if form.is_submitted() else 200
    return render_template("suppliers/certification_form.html", form=form, certification=certification,
                           kind_label=kind_label), status


@bp.route("/supplier/certifications/new", methods=["GET", "POST"])
@login_required
def new_certification():
    organisation = editable_organisation()
    form = CertificationForm(solutions=_own_solutions(organisation))
    if form.validate_on_submit():
        try:
            certification = services.add_certification(organisation, by=current_user, values=form.values())
        except services.SupplierError as exc:
            db.session.rollback()
            form.attach(exc)
        else:
            label = kind_label(certification.kind)
            commit()
            flash(_("Certification « %(name)s » added.", name=label), "success")
            return redirect(url_for("suppliers.certifications"))
    return _render_form(form, certification=None)


@bp.route("/supplier/certifications/<int:certification_id>/edit", methods=["GET", "POST"])
@login_required
def edit_certification(certification_id: int):
    organisation = editable_organisation()
    certification = own_certification(organisation, certification_id)
    form = CertificationForm(solutions=_own_solutions(organisation), certification=certification)
    if form.validate_on_submit():
        try:
            services.update_certification(certification, by=current_user, values=form.values())
        except services.SupplierError as exc:
            db.session.rollback()
            form.attach(exc)
            certification = own_certification(organisation, certification_id)
        else:
            label = kind_label(certification.kind)
            commit()
            flash(_("Certification « %(name)s » saved.", name=label), "success")
            return redirect(url_for("suppliers.certifications"))
    return _render_form(form, certification=certification)


@bp.route("/supplier/certifications/<int:certification_id>/delete", methods=["GET", "POST"])
@login_required
def delete_certification(certification_id: int):
    organisation = editable_organisation()
    certification = own_certification(organisation, certification_id)
    form = EmptyForm()
    if form.is_submitted():
        if not form.validate():
            abort(400)
        label = kind_label(certification.kind)
        services.delete_certification(certification, by=current_user)
        commit()
        flash(_("Certification « %(name)s » deleted.", name=label), "success")
        return redirect(url_for("suppliers.certifications"))
    return render_template("suppliers/certification_delete.html", certification=certification,
                           kind_label=kind_label, action_form=form)
