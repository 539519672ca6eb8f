"""Bodies of the API's resources around a need's suppliers: questions and answers, the
change log (amendments) and invitations. Times in ISO 8601 UTC.

A question never names its asker: like the page, it only says whether the reader's own
organisation asked it (``asked_by_your_organisation``), for the buyer as for suppliers.
"""

from __future__ import annotations

import marshmallow as ma
from flask import g
from flask_babel import gettext as _

from app.api.schemas import OrganisationSchema, UTCDateTime


class QuestionWriteSchema(ma.Schema):
    body = ma.fields.String(required=True, metadata={"description": "The question, at most 4000 characters"})


class AnswerWriteSchema(ma.Schema):
    body = ma.fields.String(required=True, metadata={
        "description": "The answer, shown to every supplier who can see the need (at most 4000 characters)"})


class AnswerSchema(ma.Schema):
    body = ma.fields.String()
    answered_at = UTCDateTime(attribute="created_at")


class QuestionSchema(ma.Schema):
    id = ma.fields.Integer()
    need = ma.fields.String(attribute="need.reference", dump_only=True,
                            metadata={"description": "The need's reference"})
    body = ma.fields.String()
    asked_at = UTCDateTime(attribute="created_at")
    asked_by_your_organisation = ma.fields.Method(
        "get_own", metadata={"type": "boolean", "description": "Whether the token's organisation asked it; askers are never named"})
    answer = ma.fields.Nested(AnswerSchema, allow_none=True,
                              metadata={"description": "null until the buyer answers"})

    def get_own(self, question) -> bool:
        viewer = g.get("api_viewer")
        return viewer is not None and viewer.organisation_id is not None \
            and viewer.organisation_id == question.asked_by_org_id


class ChangeSchema(ma.Schema):
    old = ma.fields.Raw(allow_none=True, metadata={"description": "The value before (JSON)"})
    new = ma.fields.Raw(allow_none=True, metadata={"description": "The value after (JSON)"})


class AmendmentSchema(ma.Schema):
    id = ma.fields.Integer()
    need = ma.fields.String(attribute="need.reference", dump_only=True,
                            metadata={"description": "The need's reference"})
    summary = ma.fields.String(metadata={"description": "What changed and why, as the buyer wrote it"})
    changes = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(ChangeSchema),
                             metadata={"description": "Old and new value by field name"})
    created_at = UTCDateTime()


class InvitationWriteSchema(ma.Schema):
    """The supplier to invite, by its organisation id or its slug (exactly one)."""

    supplier_id = ma.fields.Integer(strict=True, metadata={"description": "The supplier organisation's id"})
    supplier_slug = ma.fields.String(metadata={"description": "The supplier organisation's slug"})
    message = ma.fields.String(allow_none=True, metadata={"description": "A note to the supplier (optional)"})

    @ma.validates_schema
    def one_supplier(self, data, **kwargs):
        if ("supplier_id" in data) == ("supplier_slug" in data):
            raise ma.ValidationError(_("Give either supplier_id or supplier_slug."), "supplier_id")


class InvitationSchema(ma.Schema):
    id = ma.fields.Integer()
    need = ma.fields.String(attribute="need.reference", dump_only=True,
                            metadata={"description": "The need's reference"})
    supplier = ma.fields.Nested(OrganisationSchema)
    message = ma.fields.String(allow_none=True)
    created_at = UTCDateTime()
