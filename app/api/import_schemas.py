"""Schemas of the needs import resource (``POST /needs/import``): its options and its report."""

from __future__ import annotations

import marshmallow as ma

from app.api.errors import ProblemSchema
from app.needs.importer import Mode

ROW_ERRORS = {"description": "Messages by field, fields named as in the file (\"_row\" for the row as a whole)"}


class ImportArgs(ma.Schema):
    mode = ma.fields.String(load_default=Mode.ALL_OR_NOTHING.value, validate=ma.validate.OneOf([m.value for m in Mode]),
                            metadata={"description": "all_or_nothing: one invalid row and nothing is imported; "
                                                     "valid_only: import the valid rows, report the others"})
    dry_run = ma.fields.Boolean(load_default=False, metadata={"description": "Check and report, write nothing"})
    publish = ma.fields.Boolean(load_default=False, metadata={
        "description": "Publish the imported needs at once; a row that could not be published is then invalid"})


class ImportedNeedSchema(ma.Schema):
    row = ma.fields.Integer(metadata={"description": "1-based data row of the file"})
    line = ma.fields.Integer(allow_none=True, metadata={"description": "CSV line where the row starts (null for JSON)"})
    external_id = ma.fields.String(allow_none=True)
    reference = ma.fields.String()
    status = ma.fields.String(metadata={"description": "draft, or published with publish=true"})


class RowErrorSchema(ma.Schema):
    row = ma.fields.Integer(metadata={"description": "1-based data row of the file"})
    line = ma.fields.Integer(allow_none=True, metadata={"description": "CSV line where the row starts (null for JSON)"})
    external_id = ma.fields.String(allow_none=True)
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()), metadata=ROW_ERRORS)


class ImportCountsSchema(ma.Schema):
    rows = ma.fields.Integer()
    valid = ma.fields.Integer()
    invalid = ma.fields.Integer()
    imported = ma.fields.Integer()


class ImportReportSchema(ma.Schema):
    mode = ma.fields.String()
    format = ma.fields.String(metadata={"description": "csv or json"})
    dry_run = ma.fields.Boolean()
    publish = ma.fields.Boolean()
    imported = ma.fields.List(ma.fields.Nested(ImportedNeedSchema))
    errors = ma.fields.List(ma.fields.Nested(RowErrorSchema))
    counts = ma.fields.Nested(ImportCountsSchema)


class ImportProblemSchema(ProblemSchema):
    """A refused import: the problem, and for invalid rows the report's rows and counts."""

    rows = ma.fields.List(ma.fields.Nested(RowErrorSchema), metadata={"description": "The invalid rows"})
    counts = ma.fields.Nested(ImportCountsSchema)
