"""Bodies of the API's supplier resources: the directory, profiles, solutions and
certifications as read, and what a supplier writes about itself."""

from __future__ import annotations

import marshmallow as ma

from app.api.schemas import UTCDateTime
from app.api.search_schemas import SupplierBriefSchema
from app.db import utcnow
from app.suppliers.models import CertificationKind, Deployment
from app.suppliers.services import profile_is_complete

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
    deployment = ma.fields.Function(lambda s: s.deployment.value,
                                    metadata={"enum": [d.value for d in Deployment]})
    shared = ma.fields.Boolean(metadata={"description": "Already run by the public sector, offered for reuse"})
    website = ma.fields.String(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class CertificationSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.Function(lambda c: c.kind.value, metadata={"enum": [k.value for k in CertificationKind]})
    reference = ma.fields.String()
    issuer = ma.fields.String(allow_none=True)
    issued_on = ma.fields.Date(allow_none=True)
    expires_on = ma.fields.Date(allow_none=True)
    solution_id = ma.fields.Integer(allow_none=True)
    valid = ma.fields.Function(lambda c: c.valid_on(utcnow().date()), metadata={"description": "Valid today"})


class SupplierListItemSchema(SupplierBriefSchema):
    headline = ma.fields.Function(lambda org: org.supplier_profile[0].headline if org.supplier_profile else None,
                                  allow_none=True)
    categories = ma.fields.Function(
        lambda org: sorted(org.supplier_profile[0].categories or []) if org.supplier_profile else [],
        metadata={"description": "The profile's category codes"})


class SupplierDetailSchema(SupplierListItemSchema):
    city = ma.fields.String(allow_none=True)
    website = ma.fields.String(allow_none=True)
    description = ma.fields.String(allow_none=True, metadata={"description": "The organisation's own description"})
    profile = ma.fields.Function(
        lambda org: ProfileSchema().dump(profile_data(org.supplier_profile[0] if org.supplier_profile else None)),
        metadata={"description": "See the Profile schema"})
    solutions = ma.fields.Function(lambda org: SolutionSchema(many=True).dump(sorted(org.solutions,
                                                                                   key=lambda s: s.id)),
                                   metadata={"description": "See the Solution schema"})
    certifications = ma.fields.Function(
        lambda org: CertificationSchema(many=True).dump(sorted(org.certifications, key=lambda c: c.id)),
        metadata={"description": "See the Certification schema"})


# --- what a supplier writes -----------------------------------------------------------------


class ReferenceInSchema(ma.Schema):
    client = ma.fields.String(allow_none=True, metadata={"description": "Required; at most 200 characters"})
    summary = ma.fields.String(allow_none=True, metadata={"description": "Required; at most 500 characters"})
    year = ma.fields.Integer(allow_none=True, strict=True)


class ProfilePatchSchema(ma.Schema):
    """The profile fields to change; those not sent stay as they are."""

    headline = ma.fields.String(allow_none=True, metadata={"description": "At most 200 characters"})
    description = ma.fields.String(allow_none=True)
    categories = ma.fields.List(ma.fields.String(), metadata={"description": "Category codes of the taxonomy"})
    regions_served = ma.fields.List(ma.fields.String(),
                                    metadata={"description": "INSEE region codes, \"FR\" (all France), \"EU\""})
    references = ma.fields.List(ma.fields.Nested(ReferenceInSchema), metadata={"description": "At most 20"})
    eu_controlled = ma.fields.Boolean()
    extraterritorial_exposure = ma.fields.Boolean()
    exit_plan = ma.fields.Boolean()
    owns_technology = ma.fields.Boolean()


class SolutionWriteSchema(ma.Schema):
    """A solution's fields. Creating one requires name, summary and category_code; a
    change sends only the fields to change."""

    name = ma.fields.String(allow_none=True, metadata={"description": "Unique in the organisation; at most 160"})
    summary = ma.fields.String(allow_none=True, metadata={"description": "At most 500 characters"})
    description = ma.fields.String(allow_none=True)
    category_code = ma.fields.String(allow_none=True, metadata={"description": "A category code, e.g. \"ai.llm\""})
    open_source = ma.fields.Boolean()
    license = ma.fields.String(allow_none=True, metadata={"description": "Required for open source, e.g. EUPL-1.2"})
    hosting_country = ma.fields.String(allow_none=True, metadata={"description": "ISO 3166 alpha-2 code"})
    hosting_provider = ma.fields.String(allow_none=True)
    secnumcloud = ma.fields.Boolean(metadata={"description": "Requires hosting_country and hosting_provider"})
    deployment = ma.fields.String(validate=ma.validate.OneOf([d.value for d in Deployment]))
    shared = ma.fields.Boolean()
    website = ma.fields.String(allow_none=True, metadata={"description": "http(s) address"})


class CertificationWriteSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in CertificationKind]))
    reference = ma.fields.String(required=True, metadata={"description": "Unique per kind; at most 120 characters"})
    issuer = ma.fields.String(allow_none=True)
    issued_on = ma.fields.Date(allow_none=True)
    expires_on = ma.fields.Date(allow_none=True)
    solution_id = ma.fields.Integer(allow_none=True, strict=True,
                                    metadata={"description": "One of the organisation's solutions"})
