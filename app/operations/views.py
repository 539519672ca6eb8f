"""Operation pages: the progress page, its status for polling, the result file, and the
operator's « rebuild the search index ».

- ``/operations/<id>``: progress (a ``<progress>`` element, counts in words, status) and,
  once finished, the result: the import report, the export's download link, the reindex
  counts. Its script (``static/js/operations.js``) polls ``/operations/<id>/status.json``
  every second while the operation runs.
- Only the user who started the operation, and the operator, see any of it; anyone else
  gets a 404, whether the operation exists or not.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.accounts.auth import current_organisation
from app.accounts.forms import EmptyForm
from app.accounts.policy import operator_required
from app.events import commit
from app.extensions import db
from app.operations import jobs
from app.operations.files import send_result_file
from app.operations.models import Operation, OperationKind, OperationStatus
from app.operations.policy import can_see_operation
from app.operations.services import start_operation

bp = Blueprint("operations", __name__, url_prefix="/operations")
bp.record_once(lambda state: jobs.subscribe(state.app))

KIND_TITLES = {
    OperationKind.NEEDS_IMPORT: _l("Import of needs"),
    OperationKind.EXPORT: _l("CSV export"),
    OperationKind.REINDEX: _l("Rebuild of the search index"),
}
STATUS_LABELS = {
    OperationStatus.QUEUED: _l("Waiting to start"),
    OperationStatus.RUNNING: _l("In progress"),
    OperationStatus.DONE: _l("Finished"),
    OperationStatus.FAILED: _l("Failed"),
}


def visible_operation(operation_id: int) -> Operation:
    operation = db.session.get(Operation, operation_id)
    if operation is None or not can_see_operation(current_user, operation):
        abort(404)
    return operation


def progress_words(operation: Operation) -> str:
    """Where the operation stands, in one sentence."""
    if operation.status == OperationStatus.QUEUED:
        return _("Waiting for a worker to start it.")
    if operation.status == OperationStatus.FAILED:
        return operation.message or _("The operation failed.")
    if operation.status == OperationStatus.DONE:
        return finished_words(operation)
    step = operation.message or _("Starting")
    if operation.total is None:
        return _("%(step)s: %(done)s so far.", step=step, done=format_decimal(operation.done))
    return _("%(step)s: %(done)s of %(total)s (%(percent)s).", step=step, done=format_decimal(operation.done),
             total=format_decimal(operation.total), percent=format_percent(operation.percent / 100))


def finished_words(operation: Operation) -> str:
    result = operation.result or {}
    if operation.kind == OperationKind.NEEDS_IMPORT and "report" in result:
        counts = result["report"]["counts"]
        if result["report"].get("dry_run"):
            return _("Finished: %(rows)s rows checked, %(valid)s valid; nothing imported.",
                     rows=format_decimal(counts["rows"]), valid=format_decimal(counts["valid"]))
        return _("Finished: %(rows)s rows read, %(imported)s needs imported.",
                 rows=format_decimal(counts["rows"]), imported=format_decimal(counts["imported"]))
    if operation.kind == OperationKind.EXPORT and "rows" in result:
        return _("Finished: %(rows)s lines written.", rows=format_decimal(result["rows"]))
    if operation.kind == OperationKind.REINDEX and "counts" in result:
        return _("Finished: %(count)s documents indexed.", count=format_decimal(sum(result["counts"].values())))
    return _("Finished.")


def status_of(operation: Operation) -> dict:
    return {
        "id": operation.id,
        "status": operation.status.value,
        "status_label": str(STATUS_LABELS[operation.status]),
        "finished": operation.finished,
        "done": operation.done,
        "total": operation.total,
        "percent": operation.percent,
        "words": progress_words(operation),
    }


@bp.get("/<int:operation_id>")
@login_required
def show(operation_id: int):
    operation = visible_operation(operation_id)
    return render_template("operations/show.html", operation=operation, status=status_of(operation),
                           title=KIND_TITLES[operation.kind], status_label=STATUS_LABELS[operation.status])


@bp.get("/<int:operation_id>/status.json")
@login_required
def status(operation_id: int):
    response = jsonify(status_of(visible_operation(operation_id)))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:operation_id>/download")
@login_required
def download(operation_id: int):
    operation = visible_operation(operation_id)
    file = (operation.result or {}).get("file") if operation.status == OperationStatus.DONE else None
    if not file:
        abort(404)
    try:
        return send_result_file(file)
    except FileNotFoundError:
        abort(404)


@bp.get("/reindex")
@operator_required
def confirm_reindex():
    return render_template("operations/confirm_reindex.html", form=EmptyForm())


@bp.post("/reindex")
@operator_required
def reindex():
    """Rebuild the search indexes in the background (operator only; the button asks first)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    operation = start_operation(OperationKind.REINDEX, owner=current_user, organisation=current_organisation(),
                                params={"which": "all"})
    commit()
    return redirect(url_for("operations.show", operation_id=operation.id), 303)
