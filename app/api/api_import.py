"""Importing needs in bulk from a procurement system's export: ``POST /needs/import``.

The body is the file itself (``text/csv`` or ``application/json``) or a form upload
(``multipart/form-data``, field ``file``; its format is told by the file's name or type).
Formats, columns, modes and limits are those of app.needs.importer.

Answers:

- ``201`` with the report when needs were imported; ``200`` with the report for a dry run,
  for ``valid_only`` when no row was valid, and for an idempotent replay.
- ``422`` problem when ``all_or_nothing`` (the default) meets an invalid row: nothing is
  imported; the problem carries ``rows`` (per-row errors), ``counts`` and flat
  ``errors`` (``rows.<row>.<field>``). A refused file (no rows, too many rows, unknown
  columns) is a ``422`` problem too, with ``errors.file``.
- ``400`` for an unreadable file (not UTF-8, not JSON, no header), ``413`` for a file
  over the size limit, ``415`` for another content type.

``Idempotency-Key``: the key, the token and a fingerprint of the file and options are kept
in an audit entry (``api.needs_imported``) with the report, in the import's transaction.
The same key and file answer the same report (``200``, ``Idempotent-Replayed: true``) and
import nothing more; the same key with another file or options is a ``409``. A dry run or
a refused import keeps nothing, so its key stays free.
"""

from __future__ import annotations

from flask import jsonify, request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_smorest import Blueprint, abort

from app.api.auth import api_token, api_viewer, require_token
from app.api.errors import problem
from app.api.idempotency import (
    MAX_KEY_LENGTH,
    REPLAYED,
    Creation,
)
from app.api.import_schemas import ImportArgs, ImportProblemSchema, ImportReportSchema
from app.events import commit
from app.extensions import db
from app.needs import import_files, importer, policy
from app.needs.importer import FileFormat, ImportFileError, NeedImportRowSchema

IDEMPOTENCY_ACTION = "api.needs_imported"
CSV_TYPES = ("text/csv", "application/csv", "application/vnd.ms-excel")
JSON_TYPES = ("application/json",)
FILE_STATUS = {"file_too_large": 413, "no_rows": 422, "too_many_rows": 422, "columns_unknown": 422,
               "columns_repeated": 422, "title_column_missing": 422}
MULTIPART_SLACK = 64 * 1024  # a form upload's envelope around the file

import_blp = Blueprint("api_needs_import", __name__, url_prefix="/needs",
                       description="Importing needs in bulk from a procurement system's export")

REQUEST_BODY = {
    "required": True,
    "description": (
        f"At most {importer.MAX_ROWS} needs and {importer.MAX_BYTES // (1024 * 1024)} MB. CSV: UTF-8 (a BOM is "
        "allowed), ';' or ',' separated, a header row naming the columns: external_id, title, summary, "
        "description, categories ('|' separated codes), budget_min_eur, budget_max_eur (euros, '150000' or "
        "'150000,50'), currency (EUR), region, route, visibility, approach, deadline (ISO 8601; without an "
        "offset, Paris time), cpv_code, anonymous_label, reuse_note, off_the_shelf_note, custom_justification, "
        "yes/no columns (eu_data_residency, requires_secnumcloud, sensitive_data, open_source_preferred, "
        "sme_set_aside, anonymised, sealed_bids, reuse_checked, off_the_shelf_sought) and weight_<criterion>. "
        "JSON: a list of needs as POST /needs takes them, each with an optional external_id."
    ),
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": "array", "items": NeedImportRowSchema,
                                        "maxItems": importer.MAX_ROWS}},
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary",
                                    "description": "A .csv or .json file"}},
        }},
    },
}
IDEMPOTENCY_HEADER = {
    "in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
    "description": "Retrying with the same key and file imports nothing more (200, same report); "
                   "the same key with another file or other options is a 409.",
}


def blueprints() -> list[Blueprint]:
    return [import_blp]


def _read_body() -> tuple[bytes, FileFormat]:
    """The file sent and its format; 413 when too large, 415 for another content type."""
    limit = import_files.MAX_BYTES
    if request.content_length is not None and request.content_length > limit + MULTIPART_SLACK:
        abort(413, message=importer.import_message("file_too_large", max=limit // (1024 * 1024)))
    mimetype = request.mimetype
    if mimetype in CSV_TYPES or mimetype in JSON_TYPES:
        file_format = FileFormat.CSV if mimetype in CSV_TYPES else FileFormat.JSON
        return request.stream.read(limit + 1), file_format
    if mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            abort(400, message=_("Send the file in a form field named file."), errors={"file": [_("Choose a file to send.")]})
        name = upload.filename.lower()
        if name.endswith(".csv") or upload.mimetype in CSV_TYPES:
            file_format = FileFormat.CSV
        elif name.endswith(".json") or upload.mimetype in JSON_TYPES:
            file_format = FileFormat.JSON
        else:
            abort(415, message=_("Send a .csv or a .json file."))
        return upload.stream.read(limit + 1), file_format
    abort(415, message=_("Send text/csv, application/json, or a file in multipart/form-data."))
    raise AssertionError  # abort raises


def _refused(report: importer.ImportReport):
    """422 problem details listing the invalid rows: nothing was imported."""

    class Refusal:
        data = {"message": ngettext("%(num)s row of %(rows)s is invalid: nothing was imported.",
                                    "%(num)s rows of %(rows)s are invalid: nothing was imported.",
                                    len(report.errors), rows=report.rows),
                "errors": {"rows": {str(e["row"]): e["errors"] for e in report.errors}}}

    body, status, headers = problem(422, Refusal())
    body.update(rows=report.errors, counts=report.counts)
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers)
    return response


@import_blp.route("/import", parameters=[IDEMPOTENCY_HEADER])
class NeedsImport(MethodView):
    @require_token("write")
    @import_blp.arguments(ImportArgs, location="query")
    @import_blp.doc(requestBody=REQUEST_BODY)
    @import_blp.response(201, ImportReportSchema, description="Needs imported (see the report)")
    @import_blp.alt_response(200, schema=ImportReportSchema, headers={
        "Idempotent-Replayed": {"description": "true on a replay of an earlier import",
                                "schema": {"type": "string"}}},
        description="A dry run, a valid_only import with no valid row, or a replay with the same Idempotency-Key")
    @import_blp.alt_response(400, description="Unreadable file (not UTF-8 text, not JSON, no header row, "
                                              "no file field) or an invalid Idempotency-Key")
    @import_blp.alt_response(401, description="No valid token")
    @import_blp.alt_response(403, description="Not a buyer's owner or member, or the token lacks the write scope")
    @import_blp.alt_response(409, description="This Idempotency-Key was used with another file or other options")
    @import_blp.alt_response(413, description="The file is over the size limit")
    @import_blp.alt_response(415, description="Not text/csv, application/json or multipart/form-data")
    @import_blp.alt_response(422, schema=ImportProblemSchema, content_type="application/problem+json",
                             description="All or nothing and some rows are invalid (rows, counts); the file "
                                         "holds no need, too many, or unknown columns (errors.file); or "
                                         "invalid query parameters")
    def post(self, args):
        """Import needs from a CSV or JSON export, as drafts (or published with publish=true)"""
        viewer, token = api_viewer(), api_token()
        if not policy.can_post_need(viewer):
            abort(403)
        data, file_format = _read_body()
        mode, dry_run, publish = args["mode"], args["dry_run"], args["publish"]
        creation = None
        if not dry_run:  # a dry run writes nothing: nothing to replay
            creation = Creation.begin(
                IDEMPOTENCY_ACTION, fingerprint=importer.fingerprint(data, file_format, mode, dry_run, publish),
                conflict_message=_("This Idempotency-Key was already used with a different file or options."))
            if creation.earlier is not None:
                return creation.earlier.details["report"], 200, REPLAYED
        try:
            rows = importer.parse_file(data, file_format)
        except ImportFileError as exc:
            abort(FILE_STATUS.get(exc.code, 400), message=exc.message, errors={"file": [exc.message]})
        report = importer.import_needs(rows, buyer=token.organisation, by=token.user, file_format=file_format,
                                       mode=mode, dry_run=dry_run, publish=publish)
        if dry_run:
            db.session.rollback()
            return report.as_dict(), 200
        if report.rejected:
            db.session.rollback()
            return _refused(report)
        creation.remember(report=report.as_dict())
        commit()
        return report.as_dict(), 201 if report.imported else 200
