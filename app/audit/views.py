"""The audit log pages: the operator's whole log, an organisation's own log for its owners."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from app.accounts.auth import current_organisation
from app.accounts.policy import operator_required
from app.audit.labels import action_choices
from app.audit.policy import can_read_organisation_log
from app.audit.queries import AuditFilters, audit_rows, audit_statements
from app.main.paging import paginate, requested_page

bp = Blueprint("audit", __name__)
PER_PAGE = 50


@bp.get("/operator/audit")
@operator_required
def operator_log():
    filters = AuditFilters.from_args(request.args, with_organisation=True)
    rows, count = audit_statements(filters)
    page = paginate(rows, page=requested_page(), per_page=PER_PAGE, count_stmt=count, scalars=False)
    return render_template(
        "audit/log.html", endpoint="audit.operator_log", operator=True, organisation=None,
        filters=filters, actions=action_choices(), page=page, rows=audit_rows(page.items, show_ip=True),
    )


@bp.get("/organisation/audit")
@login_required
def organisation_log():
    organisation = current_organisation()
    if organisation is None:
        abort(404)
    if not can_read_organisation_log(current_user, organisation):
        abort(403)
    filters = AuditFilters.from_args(request.args, with_organisation=False)
    rows, count = audit_statements(filters, organisation_id=organisation.id)
    page = paginate(rows, page=requested_page(), per_page=PER_PAGE, count_stmt=count, scalars=False)
    return render_template(
        "audit/log.html", endpoint="audit.organisation_log", operator=False, organisation=organisation,
        filters=filters, actions=action_choices(), page=page,
        rows=audit_rows(page.items, show_ip=False, organisation_id=organisation.id),
    )
