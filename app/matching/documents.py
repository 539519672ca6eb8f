"""What the search engine holds: index settings and documents for needs and suppliers.

A need document carries the fields its access rule depends on (status, visibility,
buyer, invited suppliers), so that every query can be filtered by the viewer's rights
(app.matching.access) and no hit can reveal a need the viewer may not see. Those fields
are filterable but never displayed. Money is in whole euros, times in epoch seconds.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.identifiers import EU_COUNTRIES
from app.accounts.models import Organisation, OrganisationKind
from app.extensions import db
from app.needs import taxonomy
from app.needs.models import Need
from app.suppliers.models import CertificationKind, SupplierProfile
from search.base import IndexSettings
from search.synonyms import synonym_map

SYNONYMS = synonym_map()

# Budget bands, in euros: the €100k–€10M band is the one the alliance cares about.
BUDGET_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("lt100k", 0, 100_000),
    ("100k-1m", 100_000, 1_000_000),
    ("1m-10m", 1_000_000, 10_000_000),
    ("gte10m", 10_000_000, None),
)

NEEDS = IndexSettings(
    name="needs",
    searchable=("title", "reference", "summary", "category_labels", "buyer_name", "description"),
    filterable=(
        "status", "visibility", "buyer_id", "invited_ids", "route", "buyer_kind", "region", "categories",
        "axes", "budget_band", "core_band", "budget_min", "budget_max", "deadline_ts", "published_ts",
        "sensitive_data", "eu_data_residency", "open_source_preferred", "sme_set_aside",
    ),
    sortable=("deadline_ts", "published_ts", "budget_max", "budget_min"),
    displayed=(
        "id", "reference", "title", "summary", "buyer_name", "route", "region", "categories",
        "budget_min", "budget_max", "deadline_ts", "status", "core_band",
    ),
    synonyms=SYNONYMS,
)

SUPPLIERS = IndexSettings(
    name="suppliers",
    searchable=("name", "headline", "solution_names", "category_labels", "solution_text", "description",
                "labels"),
    filterable=("categories", "axes", "certifications", "secnumcloud", "country", "eu", "size", "kind",
                "labels", "open_source", "hosting_eu", "regions", "verified", "eu_controlled",
                "extraterritorial_exposure"),
    sortable=("name_sort", "employees"),
    synonyms=SYNONYMS,
)


def _labels(codes) -> list[str]:
    out = []
    for code in codes:
        category = taxonomy.BY_CODE.get(code)
        if category:
            out.extend([category.label_fr, category.label_en])
    return out


def _axes(codes) -> list[str]:
    return sorted({taxonomy.BY_CODE[c].axis for c in codes if c in taxonomy.BY_CODE})


def budget_band(budget_max_eur: int) -> str:
    for name, low, high in BUDGET_BANDS:
        if budget_max_eur >= low and (high is None or budget_max_eur < high):
            return name
    return BUDGET_BANDS[-1][0]


def need_document(need: Need) -> dict:
    codes = [c.code for c in need.categories]
    buyer: Organisation = need.buyer
    return {
        "id": str(need.id),
        "reference": need.reference,
        "title": need.title,
        "summary": need.summary,
        "description": need.description,
        # The buyer's name is searchable only when the need does not hide it.
        "buyer_name": need.anonymous_label if need.anonymised else buyer.name,
        "buyer_id": need.buyer_id,
        "buyer_kind": buyer.kind.value,
        "invited_ids": sorted(inv.supplier_id for inv in need.invitations),
        "status": need.status.value,
        "visibility": need.visibility.value,
        "route": need.route.value,
        "region": need.region or "",
        "categories": codes,
        "axes": _axes(codes),
        "category_labels": _labels(codes),
        "budget_min": need.budget_min_cents // 100,
        "budget_max": need.budget_max_cents // 100,
        "budget_band": budget_band(need.budget_max_cents // 100),
        "core_band": need.in_core_band,
        "deadline_ts": int(need.deadline_at.timestamp()),
        "published_ts": int(need.published_at.timestamp()) if need.published_at else 0,
        "sensitive_data": need.sensitive_data,
        "eu_data_residency": need.eu_data_residency,
        "open_source_preferred": need.open_source_preferred,
        "sme_set_aside": need.sme_set_aside,
    }


def supplier_document(org: Organisation) -> dict:
    profile: SupplierProfile | None = org.supplier_profile[0] if org.supplier_profile else None
    solutions = list(org.solutions)
    codes = sorted(set(profile.categories if profile else []) | {s.category_code for s in solutions})
    certifications = sorted({c.kind.value for c in org.certifications})
    secnumcloud = CertificationKind.SECNUMCLOUD.value in certifications or any(s.secnumcloud for s in solutions)
    return {
        "id": str(org.id),
        "name": org.name,
        "name_sort": org.name.casefold(),
        "headline": (profile.headline if profile else "") or "",
        "description": " ".join(filter(None, [profile.description if profile else "", org.description or ""])),
        "solution_names": [s.name for s in solutions],
        "solution_text": " ".join(f"{s.summary} {s.description or ''}" for s in solutions),
        "categories": codes,
        "axes": _axes(codes),
        "category_labels": _labels(codes),
        "certifications": certifications,
        "secnumcloud": secnumcloud,
        "country": org.country,
        "eu": org.country in EU_COUNTRIES,
        "size": org.size.value if org.size else "",
        "kind": org.kind.value,
        "employees": org.employees or 0,
        "labels": list(org.labels or []),
        "open_source": any(s.open_source for s in solutions),
        "hosting_eu": any(s.hosting_country in EU_COUNTRIES for s in solutions if s.hosting_country),
        "regions": list(profile.regions_served if profile else []),
        "verified": org.verified_at is not None,
        "eu_controlled": bool(profile.eu_controlled) if profile else False,
        "extraterritorial_exposure": bool(profile.extraterritorial_exposure) if profile else False,
    }


def all_need_documents(batch: int = 500):
    stmt = select(Need).options(selectinload(Need.categories), selectinload(Need.invitations),
                                selectinload(Need.buyer)).order_by(Need.id)
    for need in db.session.scalars(stmt.execution_options(yield_per=batch)):
        yield need_document(need)


def supplier_organisations_query():
    return (
        select(Organisation)
        .where(Organisation.kind.in_((OrganisationKind.STARTUP, OrganisationKind.SME)))
        .options(selectinload(Organisation.solutions), selectinload(Organisation.certifications),
                 selectinload(Organisation.supplier_profile))
        .order_by(Organisation.id)
    )


def all_supplier_documents(batch: int = 500):
    for org in db.session.scalars(supplier_organisations_query().execution_options(yield_per=batch)):
        yield supplier_document(org)
