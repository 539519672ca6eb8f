"""The supplier's own solutions: the list, add, change, and delete after confirmation.

A supplier's owners and members only (app.suppliers.policy.can_edit_supplier); anyone else
403; another organisation's solution (or none) 404. Services flush, the view commits once;
refused input re-renders the form with each message next to its field and saves nothing.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts.forms import EmptyForm
from app.events import commit
from app.extensions import db
from app.main.paging import paginate, requested_page
from app.needs.forms import category_label
from app.suppliers import services
from app.suppliers.forms import DEPLOYMENT_LABELS, SolutionForm
from app.suppliers.models import Solution
from app.suppliers.views import bp
from app.suppliers.views_profile import editable_organisation


def own_solution(organisation, solution_id: int) -> Solution:
    solution = db.session.get(Solution, solution_id)
    if solution is None or solution.organisation_id != organisation.id:
        abort(404)
    return solution


@bp.get("/supplier/solutions")
@login_required
def solutions():
    organisation = editable_organisation()
    page = paginate(select(Solution).where(Solution.organisation_id == organisation.id)
                    .order_by(Solution.name, Solution.id), page=requested_page())
    return render_template("suppliers/solutions.html", org=organisation, page=page,
                           category_label=category_label, deployment_labels=DEPLOYMENT_LABELS)


def _render_form(form: SolutionForm, *, solution: Solution | None):
    for message in form.other_errors:
        flash(message, "error")
    status = 400 if form.is_submitted() else 200
    return render_template("suppliers/solution_form.html", form=form, solution=solution), status


@bp.route("/supplier/solutions/new", methods=["GET", "POST"])
@login_required
def new_solution():
    organisation = editable_organisation()
    form = SolutionForm()
    if form.validate_on_submit():
        try:
            solution = services.create_solution(organisation, by=current_user, values=form.values())
        except services.SupplierError as exc:
            db.session.rollback()
            form.attach(exc)
        else:
            name = solution.name
            commit()
            flash(_("Solution « %(name)s » added.", name=name), "success")
            return redirect(url_for("suppliers.solutions"))
    return _render_form(form, solution=None)


@bp.route("/supplier/solutions/<int:solution_id>/edit", methods=["GET", "POST"])
@login_required
def edit_solution(solution_id: int):
    organisation = editable_organisation()
    solution = own_solution(organisation, solution_id)
    form = SolutionForm(solution=solution)
    if form.validate_on_submit():
        try:
            services.update_solution(solution, by=current_user, values=form.values())
        except services.SupplierError as exc:
            db.session.rollback()
            form.attach(exc)
            solution = own_solution(organisation, solution_id)
        else:
            name = solution.name
            commit()
            flash(_("Solution « %(name)s » saved.", name=name), "success")
            return redirect(url_for("suppliers.solutions"))
    return _render_form(form, solution=solution)


@bp.route("/supplier/solutions/<int:solution_id>/delete", methods=["GET", "POST"])
@login_required
def delete_solution(solution_id: int):
    organisation = editable_organisation()
    solution = own_solution(organisation, solution_id)
    form = EmptyForm()
    if form.is_submitted():
        if not form.validate():
            abort(400)
        name = solution.name
        services.delete_solution(solution, by=current_user)
        commit()
        flash(_("Solution « %(name)s » deleted.", name=name), "success")
        return redirect(url_for("suppliers.solutions"))
    return render_template("suppliers/solution_delete.html", solution=solution, action_form=form)
