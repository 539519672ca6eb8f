"""Schemas of the search and matching resources: the interface's query parameters, validated."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import marshmallow as ma
from flask import current_app, g, request
from flask_babel import force_locale
from marshmallow.validate import OneOf, Range

from app.accounts.models import SizeCategory
from app.api.schemas import MAX_PER_PAGE, NeedSchema, OrganisationSchema, enum_of
from app.matching import documents
from app.matching.search import DEADLINE_WINDOWS, FLAGS, NEED_SORTS, SUPPLIER_FLAGS
from app.needs import taxonomy
from app.needs.regions import REGIONS

MAX_PAGE = 9_999  # as the interface (NeedSearch.from_args)
LABELS = ("french_tech_120", "next40", "jei", "greentech", "french_tech_2030")


def request_locale() -> str:
    """The language of the response: ?lang=, else Accept-Language, else the token user's."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    if request.accept_languages:
        best = request.accept_languages.best_match(languages)
        if best:
            return best
    token = g.get("api_token")
    if token is not None and token.user.locale in languages:
        return token.user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@contextmanager
def in_request_language() -> Iterator[None]:
    with force_locale(request_locale()):
        yield


def translated(text: object) -> str:
    """A lazy string (or a Reason, a sentence maker...) written in the request's language."""
    with in_request_language():
        return str(text() if callable(text) else text)


def _many(choices, description: str) -> ma.fields.List:
    return ma.fields.List(ma.fields.String(validate=OneOf(sorted(choices))), load_default=list,
                          metadata={"description": description + " (repeat the parameter for several)"})


class SearchPageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=Range(min=1, max=MAX_PAGE))
    per_page = ma.fields.Integer(load_default=20, validate=Range(min=1, max=MAX_PER_PAGE))


class NeedSearchFields(ma.Schema):
    """The needs search's parameters, as on the search page (also what a saved search keeps)."""

    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=200), metadata={"description": "Words"})
    axis = _many([c.code for c in taxonomy.AXES], "Axis of the taxonomy")
    band = _many([b[0] for b in documents.BUDGET_BANDS], "Budget band")
    route = _many(("public", "private"), "Public procurement or private purchase")
    buyer_kind = _many(("administration", "corporate"), "Kind of buyer")
    region = _many(REGIONS, "Region code")
    flag = _many(FLAGS, "Requirement flag")
    deadline = ma.fields.String(validate=OneOf(sorted(DEADLINE_WINDOWS)), metadata={"description": "Closing within"})
    status = ma.fields.String(validate=OneOf(("open", "closed", "all")), metadata={"description": "Default open"})
    sort = ma.fields.String(validate=OneOf(sorted(NEED_SORTS)),
                            metadata={"description": "Default relevance with words, else deadline"})
    category = ma.fields.String(validate=OneOf(sorted(taxonomy.BY_CODE)),
                                metadata={"description": "One axis or sub-category"})
    visibility = ma.fields.String(validate=OneOf(("public", "restricted", "invitation")))


class NeedSearchArgs(NeedSearchFields, SearchPageArgs):
    pass


class SupplierSearchArgs(SearchPageArgs):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    axis = _many([c.code for c in taxonomy.AXES], "Axis of the taxonomy")
    certification = ma.fields.List(ma.fields.String(), load_default=list,
                                   metadata={"description": "Certification kind (repeat for several)"})
    country = ma.fields.List(ma.fields.String(validate=ma.validate.Length(equal=2)), load_default=list)
    size = ma.fields.List(ma.fields.String(), load_default=list)
    label = _many(LABELS, "Label")
    flag = _many(SUPPLIER_FLAGS, "Flag")

    @ma.validates_schema
    def _known(self, data, **kwargs):
        from app.accounts.identifiers import EU_COUNTRIES
        from app.suppliers.models import CertificationKind

        errors = {}
        for name, allowed in (("certification", {k.value for k in CertificationKind}),
                              ("country", set(EU_COUNTRIES)), ("size", {s.value for s in SizeCategory})):
            unknown = [v for v in data.get(name, []) if v not in allowed]
            if unknown:
                errors[name] = [f"Must be one of: {', '.join(sorted(allowed))}."]
        if errors:
            raise ma.ValidationError(errors)


class LimitArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=20, validate=Range(min=1, max=MAX_PER_PAGE))


class ReasonSchema(ma.Schema):
    kind = ma.fields.String()
    tone = ma.fields.String(metadata={"description": "good, caution or refusal"})
    text = ma.fields.Function(lambda reason: translated(reason),
                              metadata={"type": "string", "description": "In the request's language"})


def _highlights() -> ma.fields.Dict:
    return ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), dump_only=True,
                          metadata={"description": "Matched words in <mark> (HTML-escaped text)"})


class NeedHitSchema(NeedSchema):
    """A need found (a NeedHit): the need as listed, with its highlights. The fields read the
    need (pre_dump), where ``highlights`` is missing, then it is added from the hit itself."""

    highlights = _highlights()

    @ma.pre_dump
    def _need(self, hit, **kwargs):
        return hit.need

    @ma.post_dump(pass_original=True)
    def _with_highlights(self, data, hit, **kwargs):
        data["highlights"] = self.fields["highlights"].serialize("highlights", hit)
        return data


class NeedSearchResultSchema(ma.Schema):
    hits = ma.fields.List(ma.fields.Nested(NeedHitSchema), dump_only=True)
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    pages = ma.fields.Integer()
    facets = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict(keys=ma.fields.String(),
                                                                           values=ma.fields.Integer()))


class SupplierBriefSchema(OrganisationSchema):
    slug = ma.fields.String()
    size = enum_of(SizeCategory, allow_none=True)
    labels = ma.fields.List(ma.fields.String())


class SupplierHitSchema(SupplierBriefSchema):
    """A supplier found, an (organisation, highlights) pair: as NeedHitSchema, the fields read
    the organisation, then ``highlights`` is added from the pair."""

    highlights = _highlights()

    @ma.pre_dump
    def _organisation(self, hit, **kwargs):
        return hit[0]

    @ma.post_dump(pass_original=True)
    def _with_highlights(self, data, hit, **kwargs):
        data["highlights"] = self.fields["highlights"].serialize("highlights", {"highlights": hit[1]})
        return data


class SupplierSearchResultSchema(ma.Schema):
    hits = ma.fields.List(ma.fields.Nested(SupplierHitSchema), dump_only=True)
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    pages = ma.fields.Integer()
    facets = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict(keys=ma.fields.String(),
                                                                           values=ma.fields.Integer()))


class SupplierMatchSchema(ma.Schema):
    supplier = ma.fields.Nested(SupplierBriefSchema, attribute="organisation", dump_only=True)
    score = ma.fields.Integer(metadata={"description": "Out of 100"})
    components = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema))
    invited = ma.fields.Boolean()


class NeedMatchSchema(ma.Schema):
    need = ma.fields.Nested(NeedSchema, dump_only=True)
    score = ma.fields.Integer(metadata={"description": "Out of 100"})
    components = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema))
