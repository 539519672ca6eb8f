"""Bodies of the API's supplier resources: the directory, profiles, solutions and
certifications as read, and what a supplier writes about itself."""

from __future__ import annotations

import marshmallow as ma

from app.accounts.identifiers import EU_COUNTRIES
from app.accounts.models import SizeCategory
from app.api.schemas import UTCDateTime, enum_of
from app.api.search_schemas import LABELS, SearchPageArgs, SupplierBriefSchema
from app.db import utcnow
from app.matching.search import SUPPLIER_FLAGS
from app.needs import taxonomy
from app.needs.regions import REGIONS
from app.suppliers.models import CertificationKind, Deployment
from app.suppliers.services import known_countries, profile_is_complete

CATEGORY_CODES = sorted(taxonomy.BY_CODE)
COUNTRY_CODES = sorted(known_countries())

# --- the directory's parameters -----------------------------------------------------------


def _many(choices, description: str) -> ma.fields.List:
    return ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(sorted(choices))), load_default=list,
                          metadata={"description": description + " (repeat the parameter for several)"})


class SupplierDirectoryArgs(SearchPageArgs):
    """The directory page's filters, each value checked against its list."""

    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=200), metadata={"description": "Words"})
    axis = _many([c.code for c in taxonomy.AXES], "Axis of the taxonomy")
    certification = _many([k.value for k in CertificationKind], "Certification kind")
    country = _many(EU_COUNTRIES, "Country (EU, ISO 3166 alpha-2)")
    size = _many([s.value for s in SizeCategory], "Company size")
    label = _many(LABELS, "Label")
    flag = _many(SUPPLIER_FLAGS, "Flag")


# --- what is read ---------------------------------------------------------------------------


class ReferenceSchema(ma.Schema):
    client = ma.fields.String()
    summary = ma.fields.String()
    year = ma.fields.Integer(allow_none=True)


class ProfileSchema(ma.Schema):
    """A supplier's profile. An organisation that never filled it in shows the defaults."""

    headline = ma.fields.String(allow_none=True)
    description = ma.fields.String(allow_none=True)
    categories = ma.fields.List(ma.fields.String(), metadata={"description": "Category codes, e.g. \"ai.llm\""})
    regions_served = ma.fields.List(ma.fields.String(),
                                    metadata={"description": "INSEE region codes, \"FR\" (all France), \"EU\""})
    references = ma.fields.List(ma.fields.Nested(ReferenceSchema))
    eu_controlled = ma.fields.Boolean(metadata={"description": "Capital and control in the EU"})
    extraterritorial_exposure = ma.fields.Boolean(
        metadata={"description": "Within reach of extraterritorial law (e.g. the US Cloud Act)"})
    exit_plan = ma.fields.Boolean(metadata={"description": "Documented reversibility"})
    owns_technology = ma.fields.Boolean()
    complete = ma.fields.Boolean(metadata={"description": "Headline, description, categories and regions given"})
    completed_at = UTCDateTime(allow_none=True)
    updated_at = UTCDateTime(allow_none=True)


def profile_data(profile) -> dict:
    """What ProfileSchema dumps, for a profile or None (never filled in)."""
    if profile is None:
        return {"headline": None, "description": None, "categories": [], "regions_served": [], "references": [],
                "eu_controlled": True, "extraterritorial_exposure": False, "exit_plan": False,
                "owns_technology": True, "complete": False, "completed_at": None, "updated_at": None}
    data = {name: getattr(profile, name) for name in (
        "headline", "description", "eu_controlled", "extraterritorial_exposure", "exit_plan", "owns_technology",
        "completed_at", "updated_at")}
    data.update(categories=list(profile.categories or []), regions_served=list(profile.regions_served or []),
                references=[{"client": r.get("client"), "summary": r.get("summary"), "year": r.get("year")}
                            for r in profile.references or []],
                complete=profile_is_complete(profile))
    return data


class SolutionSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    summary = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    category_code = ma.fields.String()
    open_source = ma.fields.Boolean()
    license = ma.fields.String(allow_none=True)
    hosting_country = ma.fields.String(allow_none=True, metadata={"description": "ISO 3166 alpha-2 code"})
    hosting_provider = ma.fields.String(allow_none=True)
    secnumcloud = ma.fields.Boolean(metadata={"description": "Hosting qualified SecNumCloud by the ANSSI"})
    deployment = enum_of(Deployment)
    shared = ma.fields.Boolean(metadata={"description": "Already run by the public sector, offered for reuse"})
    website = ma.fields.String(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class CertificationSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = enum_of(CertificationKind)
    reference = ma.fields.String()
    issuer = ma.fields.String(allow_none=True)
    issued_on = ma.fields.Date(allow_none=True)
    expires_on = ma.fields.Date(allow_none=True)
    solution_id = ma.fields.Integer(allow_none=True)
    valid = ma.fields.Function(lambda c: c.valid_on(utcnow().date()),
                               metadata={"type": "boolean", "description": "Valid today"})


class SupplierListItemSchema(SupplierBriefSchema):
    headline = ma.fields.Function(lambda org: org.supplier_profile[0].headline if org.supplier_profile else None,
                                  allow_none=True, metadata={"type": "string"})
    categories = ma.fields.Function(
        lambda org: sorted(org.supplier_profile[0].categories or []) if org.supplier_profile else [],
        metadata={"type": "array", "items": {"type": "string"}, "description": "The profile's category codes"})


class _SupplierDetail:
    """An organisation as SupplierDetailSchema reads it: with its profile's representation
    and its solutions and certifications in order."""

    def __init__(self, organisation):
        self._organisation = organisation
        profile = organisation.supplier_profile[0] if organisation.supplier_profile else None
        self.profile = profile_data(profile)
        self.solutions = sorted(organisation.solutions, key=lambda s: s.id)
        self.certifications = sorted(organisation.certifications, key=lambda c: c.id)

    def __getattr__(self, name):
        return getattr(self._organisation, name)


class SupplierDetailSchema(SupplierListItemSchema):
    city = ma.fields.String(allow_none=True)
    website = ma.fields.String(allow_none=True)
    description = ma.fields.String(allow_none=True, metadata={"description": "The organisation's own description"})
    profile = ma.fields.Nested(ProfileSchema)
    solutions = ma.fields.List(ma.fields.Nested(SolutionSchema))
    certifications = ma.fields.List(ma.fields.Nested(CertificationSchema))

    @ma.pre_dump
    def _detail(self, organisation, **kwargs):
        return _SupplierDetail(organisation)


# --- what a supplier writes -----------------------------------------------------------------


class ReferenceInSchema(ma.Schema):
    client = ma.fields.String(allow_none=True, metadata={"description": "Required; at most 200 characters"})
    summary = ma.fields.String(allow_none=True, metadata={"description": "Required; at most 500 characters"})
    year = ma.fields.Integer(allow_none=True, strict=True,
                             metadata={"minimum": 1950, "maximum": utcnow().year, "description": "Not in the future"})


class ProfilePatchSchema(ma.Schema):
    """The profile fields to change; those not sent stay as they are."""

    headline = ma.fields.String(allow_none=True, metadata={"maxLength": 200})
    description = ma.fields.String(allow_none=True)
    categories = ma.fields.List(ma.fields.String(metadata={"enum": CATEGORY_CODES}),
                                metadata={"description": "Category codes of the taxonomy", "maxItems": 20})
    regions_served = ma.fields.List(ma.fields.String(metadata={"enum": sorted(REGIONS)}),
                                    metadata={"description": "INSEE region codes, \"FR\" (all France), \"EU\""})
    references = ma.fields.List(ma.fields.Nested(ReferenceInSchema), metadata={"maxItems": 20})
    eu_controlled = ma.fields.Boolean()
    extraterritorial_exposure = ma.fields.Boolean()
    exit_plan = ma.fields.Boolean()
    owns_technology = ma.fields.Boolean()


class SolutionWriteSchema(ma.Schema):
    """The fields of a solution to change; those not sent stay as they are."""

    name = ma.fields.String(allow_none=True, metadata={"description": "Unique in the organisation",
                                                       "maxLength": 160})
    summary = ma.fields.String(allow_none=True, metadata={"maxLength": 500})
    description = ma.fields.String(allow_none=True)
    category_code = ma.fields.String(allow_none=True, metadata={"enum": CATEGORY_CODES})
    open_source = ma.fields.Boolean()
    license = ma.fields.String(allow_none=True, metadata={"description": "Required for open source, e.g. EUPL-1.2",
                                                          "maxLength": 60})
    hosting_country = ma.fields.String(allow_none=True, metadata={"description": "ISO 3166 alpha-2 code",
                                                                  "enum": COUNTRY_CODES})
    hosting_provider = ma.fields.String(allow_none=True, metadata={"maxLength": 120})
    secnumcloud = ma.fields.Boolean(metadata={"description": "Requires hosting_country and hosting_provider"})
    deployment = ma.fields.String(validate=ma.validate.OneOf([d.value for d in Deployment]))
    shared = ma.fields.Boolean()
    website = ma.fields.String(allow_none=True, metadata={"description": "http(s) address", "maxLength": 300,
                                                          "pattern": r"^https?://\S+$"})


class SolutionCreateSchema(SolutionWriteSchema):
    """A new solution: name, summary and category_code required."""

    name = ma.fields.String(required=True, metadata={"description": "Unique in the organisation",
                                                     "minLength": 1, "maxLength": 160})
    summary = ma.fields.String(required=True, metadata={"minLength": 1, "maxLength": 500})
    category_code = ma.fields.String(required=True, metadata={"enum": CATEGORY_CODES})


class CertificationWriteSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in CertificationKind]))
    reference = ma.fields.String(required=True, metadata={"description": "Unique per kind; at most 120 characters"})
    issuer = ma.fields.String(allow_none=True)
    issued_on = ma.fields.Date(allow_none=True)
    expires_on = ma.fields.Date(allow_none=True)
    solution_id = ma.fields.Integer(allow_none=True, strict=True,
                                    metadata={"description": "One of the organisation's solutions"})
