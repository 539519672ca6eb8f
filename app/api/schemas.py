"""Marshmallow schemas of the API: times in ISO 8601 UTC, money in integer euro cents."""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma
from flask import g

from app.needs.doctrine import Approach
from app.needs.models import NeedStatus, Route, Visibility
from app.needs.policy import Viewer, effective_status, shows_buyer_identity

MAX_PER_PAGE = 100
MAX_PAGE = 9_999  # as the search (search_schemas.MAX_PAGE): offsets stay within the database's integers
CURRENCY = "EUR"


class UTCDateTime(ma.fields.DateTime):
    """An aware datetime as ISO 8601 in UTC with a Z suffix."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Derived(ma.fields.Nested):
    """A nested object computed from the whole object being dumped (``derive(obj)``), unlike
    Function or Method documented with its schema in the OpenAPI document: e.g.
    ``Derived(MoneySchema, derive=lambda bid: money(bid.price_cents))``. Read only."""

    def __init__(self, nested, *, derive, **kwargs):
        kwargs.setdefault("dump_only", True)
        super().__init__(nested, **kwargs)
        self.derive = derive

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return self.derive(obj)


def enum_of(enum, **kwargs) -> ma.fields.Enum:
    """A read-only enum attribute dumped as its value (a string), its values in the document."""
    return ma.fields.Enum(enum, by_value=ma.fields.String, dump_only=True, **kwargs)


def money(cents: int | None) -> dict | None:
    return None if cents is None else {"amount_cents": int(cents), "currency": CURRENCY}


class MoneySchema(ma.Schema):
    amount_cents = ma.fields.Integer(metadata={"description": "Integer euro cents"})
    currency = ma.fields.String(metadata={"enum": [CURRENCY]})


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=MAX_PAGE))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))


NEED_SORTS = ("-published_at", "published_at", "deadline_at", "-deadline_at", "-updated_at", "updated_at",
              "budget_max", "-budget_max", "reference", "-reference")


def _choices(values) -> ma.fields.List:
    return ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(list(values))))


class NeedListArgs(PageArgs):
    """Filters and order of GET /needs; each filter narrows what the token may see anyway."""

    status = _choices(["draft", "published", "closed", "awarded", "cancelled", "unsuccessful"])
    status.metadata["description"] = ("Effective status, repeatable: published means open for bids by the "
                                      "server's clock; closed includes published needs whose deadline passed")
    visibility = _choices(["public", "restricted", "invitation"])
    route = _choices(["public", "private"])
    category = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=60)), metadata={
        "description": "A category code, repeatable; a family (e.g. ai) includes its children (ai.llm)"})
    region = ma.fields.String(validate=ma.validate.Length(min=1, max=40),
                              metadata={"description": "An INSEE region code, e.g. 11 for Île-de-France"})
    sme_set_aside = ma.fields.Boolean(metadata={"description": "Only needs set aside for SMEs (or only others)"})
    mine = ma.fields.Boolean(metadata={"description": "Only the token's organisation's own needs"})
    updated_since = ma.fields.AwareDateTime(metadata={
        "description": "Only needs changed at or after this time (ISO 8601 with offset): to synchronise"})
    sort = ma.fields.String(load_default="-published_at", validate=ma.validate.OneOf(NEED_SORTS), metadata={
        "description": "The order: a field, with a leading - for descending"})


class OrganisationSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.Function(lambda org: org.kind.value, metadata={"type": "string"})
    country = ma.fields.String()
    verified = ma.fields.Function(lambda org: org.verified_at is not None, metadata={"type": "boolean"})


class MeUserSchema(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    full_name = ma.fields.String()


class MeTokenSchema(ma.Schema):
    name = ma.fields.String()
    prefix = ma.fields.String(metadata={"description": "The token's public prefix (trp_<prefix>_…)"})
    expires_at = UTCDateTime(allow_none=True)


class MeSchema(ma.Schema):
    user = ma.fields.Nested(MeUserSchema)
    organisation = ma.fields.Nested(OrganisationSchema)
    role = ma.fields.Function(lambda me: me["role"].value,
                              metadata={"type": "string", "enum": ["owner", "member", "ambassador"]})
    scopes = ma.fields.List(ma.fields.String(metadata={"enum": ["read", "write"]}))
    token = ma.fields.Nested(MeTokenSchema)


class BudgetSchema(ma.Schema):
    min_cents = ma.fields.Integer(metadata={"description": "Integer euro cents"})
    max_cents = ma.fields.Integer(metadata={"description": "Integer euro cents"})
    currency = ma.fields.String(metadata={"enum": [CURRENCY]})


class BuyerSchema(ma.Schema):
    """The buyer of a need, or only its anonymous label when it is anonymised for the reader."""

    id = ma.fields.Integer(allow_none=True, metadata={"description": "null when anonymised"})
    name = ma.fields.String(metadata={"description": "The organisation's name, or the need's anonymous label"})
    anonymised = ma.fields.Boolean()


def need_buyer(need) -> dict:
    """The buyer as the request's viewer may see it."""
    if shows_buyer_identity(g.get("api_viewer") or Viewer.anonymous(), need):
        return {"id": need.buyer.id, "name": need.buyer.name, "anonymised": False}
    return {"id": None, "name": need.anonymous_label, "anonymised": True}


def need_budget(need) -> dict:
    return {"min_cents": need.budget_min_cents, "max_cents": need.budget_max_cents, "currency": CURRENCY}


class NeedSchema(ma.Schema):
    """A need as listed; the buyer is withheld when the need is anonymised for the
    request's viewer (``g.api_viewer``, set by require_token)."""

    reference = ma.fields.String()
    title = ma.fields.String()
    summary = ma.fields.String()
    status = ma.fields.Method("get_status", metadata={
        "type": "string", "enum": [s.value for s in NeedStatus],
        "description": "By the server's clock: a published need past its deadline reads closed"})
    visibility = enum_of(Visibility)
    route = enum_of(Route)
    region = ma.fields.String(allow_none=True)
    buyer = Derived(BuyerSchema, derive=need_buyer)
    budget = Derived(BudgetSchema, derive=need_budget,
                     metadata={"description": "Integer euro cents"})
    categories = ma.fields.Function(lambda need: [c.code for c in need.categories],
                                    metadata={"type": "array", "items": {"type": "string"}})
    sme_set_aside = ma.fields.Boolean()
    requires_secnumcloud = ma.fields.Boolean()
    eu_data_residency = ma.fields.Boolean()
    open_source_preferred = ma.fields.Boolean()
    deadline_at = UTCDateTime()
    published_at = UTCDateTime(allow_none=True)

    def get_status(self, need) -> str:
        return effective_status(need).value


class NeedDetailSchema(NeedSchema):
    description = ma.fields.String()
    approach = enum_of(Approach)
    sensitive_data = ma.fields.Boolean()
    sealed_bids = ma.fields.Boolean()
    weights = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
