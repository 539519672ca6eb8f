"""Schemas of the notification and saved-search resources."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for

from app.alerts import kinds
from app.alerts.models import Frequency
from app.alerts.saved_searches import MAX_NAME_LENGTH, search_args
from app.api.schemas import MAX_PAGE, UTCDateTime, enum_of
from app.api.search_schemas import NeedSearchFields, in_request_language

FREQUENCIES = [f.value for f in Frequency]


class NotificationArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=MAX_PAGE))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))
    unread = ma.fields.Boolean(metadata={"description": "Only the unread ones (true) or the read ones (false)"})


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    sentence = ma.fields.Method("get_sentence", metadata={"type": "string", "description": "In the request's language"})
    link = ma.fields.Method("get_link", allow_none=True, metadata={
        "type": "string", "format": "uri", "description": "The page it leads to (absolute URL), or null"})
    need_reference = ma.fields.Function(lambda n: (n.params or {}).get("need_reference"), allow_none=True,
                                        metadata={"type": "string", "description": "The need's reference, if any"})
    read = ma.fields.Function(lambda n: n.read_at is not None, metadata={"type": "boolean"})
    read_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()

    def get_sentence(self, notification) -> str:
        with in_request_language():
            return kinds.sentence(notification)

    def get_link(self, notification) -> str | None:
        return kinds.link(notification, external=True)


class MarkReadSchema(ma.Schema):
    ids = ma.fields.List(ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1)), metadata={"description": "Only these (default: all)"})


class MarkedSchema(ma.Schema):
    marked = ma.fields.Integer(metadata={"description": "How many notifications became read"})
    unread = ma.fields.Integer(metadata={"description": "How many remain unread"})


class SavedSearchSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    q = ma.fields.String(attribute="query")
    filters = ma.fields.Dict(metadata={"description": "The search's other parameters, by query-string name"})
    frequency = enum_of(Frequency)
    paused = ma.fields.Boolean()
    paused_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()
    last_run_at = UTCDateTime(allow_none=True)
    results = ma.fields.Method("get_results", metadata={
        "type": "string", "format": "uri", "description": "GET /api/v1/search/needs with it"})

    def get_results(self, saved) -> str:
        return url_for("api_search.SearchNeeds", _external=True,
                       **search_args(saved.query, saved.filters).to_dict(flat=False))


class SavedSearchCreateSchema(NeedSearchFields):
    """A needs search (the parameters of GET /search/needs) kept under a name."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=MAX_NAME_LENGTH))
    frequency = ma.fields.String(load_default="daily", validate=ma.validate.OneOf(FREQUENCIES))

    class Meta:
        unknown = ma.RAISE


class SavedSearchPatchSchema(ma.Schema):
    frequency = ma.fields.String(validate=ma.validate.OneOf(FREQUENCIES))
    paused = ma.fields.Boolean()

    class Meta:
        unknown = ma.RAISE

    @ma.validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ma.ValidationError("Give frequency or paused.", "_schema")
