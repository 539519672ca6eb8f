"""The buyer's page to import needs from a procurement system's export (CSV or JSON).

Thin, like the other needs pages: the form is read, app.needs.importer checks and imports,
the page shows the per-row report. Same rules as ``POST /api/v1/needs/import``.

The file as a whole (type, size, columns, number of rows) is checked in the request, so a
wrong file is refused at once on the form. A file of up to ``INLINE_ROWS`` rows is then
imported in the request and its report shown here, as before: it takes well under a
second. A larger one is kept and imported by a background operation: the buyer is sent to
its progress page, which shows the same report when it is done.
"""

from __future__ import annotations

import os

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice

from app.accounts.auth import current_organisation
from app.events import commit
from app.extensions import db
from app.needs import import_files, importer, policy
from app.needs.importer import FileFormat, ImportFileError, Mode
from app.needs.policy import current_viewer
from app.needs.views import bp
from app.operations.files import store_bytes
from app.operations.models import OperationKind
from app.operations.services import start_operation

INLINE_ROWS = 50  # more rows than this go to a background operation (setting IMPORT_INLINE_ROWS)


class ImportForm(FlaskForm):
    file = FileField(_l("Export file"), description=_l("A .csv (UTF-8, separated by ; or ,) or .json file, "
                                                       "up to %(rows)s needs.", rows=importer.MAX_ROWS))
    mode = SelectField(_l("If some rows are invalid"), choices=[
        SelectChoice(Mode.ALL_OR_NOTHING.value, _l("Import nothing, and show the errors")),
        SelectChoice(Mode.VALID_ONLY.value, _l("Import the valid rows, and show the errors")),
    ], default=Mode.ALL_OR_NOTHING.value)
    dry_run = BooleanField(_l("Only check the file, import nothing"))
    publish = BooleanField(_l("Publish the imported needs at once (every row must then be complete)"))


def _file_format(filename: str) -> FileFormat | None:
    name = filename.lower()
    if name.endswith(".csv"):
        return FileFormat.CSV
    if name.endswith(".json"):
        return FileFormat.JSON
    return None


def _import_in_background(form: ImportForm, data: bytes, file_format: FileFormat, filename: str, rows: int):
    """Keep the file and start the import operation; the buyer follows it on its page."""
    operation = start_operation(
        OperationKind.NEEDS_IMPORT, owner=current_user, organisation=current_organisation(), total=rows,
        params={"storage_key": store_bytes(data), "format": file_format.value, "mode": form.mode.data,
                "dry_run": bool(form.dry_run.data), "publish": bool(form.publish.data),
                "filename": os.path.basename(filename.replace("\\", "/"))[:120], "rows": rows})
    commit()
    return redirect(url_for("operations.show", operation_id=operation.id), 303)


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_needs():
    viewer = current_viewer()
    if not policy.can_post_need(viewer):
        abort(403)
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        file_format = _file_format(getattr(upload, "filename", None) or "")
        if upload is None or not upload.filename:
            form.file.errors.append(_("Choose a file to send."))
        elif file_format is None:
            form.file.errors.append(_("Send a .csv or a .json file."))
        else:
            data = upload.stream.read(import_files.MAX_BYTES + 1)
            try:
                rows = importer.parse_file(data, file_format)
            except ImportFileError as exc:
                form.file.errors.append(exc.message)
            else:
                if len(rows) > current_app.config.get("IMPORT_INLINE_ROWS", INLINE_ROWS):
                    return _import_in_background(form, data, file_format, upload.filename, len(rows))
                report = importer.import_needs(
                    rows, buyer=current_organisation(), by=current_user, file_format=file_format,
                    mode=form.mode.data, dry_run=form.dry_run.data, publish=form.publish.data)
                if form.dry_run.data or report.rejected:
                    db.session.rollback()
                else:
                    commit()
                    if report.imported:
                        flash(ngettext("%(num)s need imported.", "%(num)s needs imported.",
                                       len(report.imported)), "success")
    status = 200
    if form.file.errors:
        status = 400
    elif report is not None and report.rejected:
        status = 422
    return render_template("needs/import.html", form=form, report=report, columns=importer.CSV_COLUMNS,
                           max_rows=importer.MAX_ROWS,
                           inline_rows=current_app.config.get("IMPORT_INLINE_ROWS", INLINE_ROWS)), status
