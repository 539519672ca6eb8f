"""Searching needs and suppliers through the engine, always within the viewer's rights.

Every need query carries the filter built from the access policy (visible_needs_filter),
and hits are reloaded from the database in rank order and checked once more, so a stale
index can never show a need the viewer may not see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload, selectinload

from app.accounts.models import Organisation
from app.db import utcnow
from app.extensions import db
from app.matching import documents
from app.matching.engine import backend
from app.needs import taxonomy
from app.needs.models import Need
from app.needs.policy import Viewer, can_view_need, visible_needs_filter
from app.needs.regions import REGIONS
from search.base import And, Eq, In, Not, Query, Range, SearchResult, mark_html

PER_PAGE = 20

NEED_SORTS = {
    "relevance": (),
    "deadline": (("deadline_ts", "asc"),),
    "budget": (("budget_max", "desc"),),
    "newest": (("published_ts", "desc"),),
}
DEADLINE_WINDOWS = {"week": 7, "month": 31, "quarter": 92}
NEED_FACETS = ("axes", "budget_band", "route", "buyer_kind", "region", "sensitive_data", "eu_data_residency",
               "open_source_preferred", "sme_set_aside", "core_band")
FLAGS = ("sensitive_data", "eu_data_residency", "open_source_preferred", "sme_set_aside", "core")


def _multi(args: Mapping, name: str, allowed) -> tuple[str, ...]:
    getlist = getattr(args, "getlist", None)
    values = getlist(name) if getlist else ([args[name]] if name in args else [])
    return tuple(dict.fromkeys(v for v in values if v in allowed))


@dataclass(frozen=True)
class NeedSearch:
    """A needs search as typed in the page (query string), cleaned: unknown values dropped."""

    q: str = ""
    axes: tuple[str, ...] = ()
    bands: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    buyer_kinds: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    deadline: str = ""
    flags: tuple[str, ...] = ()
    status: str = "open"  # open for bids, closed, or all (never drafts)
    category: str = ""  # one axis or sub-category (links from need pages and the home)
    visibility: str = ""
    sort: str = "relevance"
    page: int = 1

    @property
    def include_closed(self) -> bool:
        return self.status != "open"

    @property
    def narrowed(self) -> bool:
        """Whether anything beyond the default (open needs) narrows the search."""
        return any([self.q, self.axes, self.bands, self.routes, self.buyer_kinds, self.regions, self.deadline,
                    self.flags, self.category, self.visibility, self.status != "open"])

    @classmethod
    def from_args(cls, args: Mapping) -> NeedSearch:
        page = str(args.get("page", "1"))
        sort = args.get("sort", "")
        text = (args.get("q") or "").strip()[:200]
        return cls(
            q=text,
            axes=_multi(args, "axis", {c.code for c in taxonomy.AXES}),
            bands=_multi(args, "band", {b[0] for b in documents.BUDGET_BANDS}),
            routes=_multi(args, "route", {"public", "private"}),
            buyer_kinds=_multi(args, "buyer_kind", {"administration", "corporate"}),
            regions=_multi(args, "region", REGIONS),
            deadline=args.get("deadline") if args.get("deadline") in DEADLINE_WINDOWS else "",
            flags=tuple(dict.fromkeys(_multi(args, "flag", FLAGS)
                                      + (("core",) if args.get("core") in ("1", "on", "true") else ()))),
            status=("all" if args.get("closed") in ("1", "on", "true") else
                    args.get("status") if args.get("status") in ("open", "closed", "all") else "open"),
            category=args.get("category") if args.get("category") in taxonomy.BY_CODE else "",
            visibility=args.get("visibility") if args.get("visibility") in ("public", "restricted",
                                                                             "invitation") else "",
            sort=sort if sort in NEED_SORTS else ("relevance" if text else "deadline"),
            page=int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1,
        )

    def user_filter(self, now: datetime):
        parts = []
        if self.axes:
            parts.append(In("axes", self.axes))
        if self.bands:
            parts.append(In("budget_band", self.bands))
        if self.routes:
            parts.append(In("route", self.routes))
        if self.buyer_kinds:
            parts.append(In("buyer_kind", self.buyer_kinds))
        if self.regions:
            parts.append(In("region", self.regions))
        if self.deadline:
            limit = now + timedelta(days=DEADLINE_WINDOWS[self.deadline])
            parts.append(Range("deadline_ts", lte=int(limit.timestamp())))
        for flag in self.flags:
            parts.append(Eq("core_band", True) if flag == "core" else Eq(flag, True))
        if self.category:
            parts.append(Eq("axes" if taxonomy.BY_CODE[self.category].parent is None else "categories",
                            self.category))
        if self.visibility:
            parts.append(Eq("visibility", self.visibility))
        open_now = And(Eq("status", "published"), Range("deadline_ts", gt=int(now.timestamp())))
        if self.status == "open":
            parts.append(open_now)
        elif self.status == "closed":
            parts.append(And(Not(Eq("status", "draft")), Not(open_now)))
        else:
            parts.append(Not(Eq("status", "draft")))
        return And(*parts) if parts else None


@dataclass
class NeedHit:
    need: Need
    highlights: dict[str, str] = field(default_factory=dict)


def _hits_query(viewer: Viewer, ids: list[int]):
    """The needs of a page of hits, with what the results list and the access check read, in
    as few round trips as possible: the buyer joined in the same query, the long description
    left out, invitations loaded only for suppliers (the only viewers they may let in);
    anything else a caller touches is still loaded lazily."""
    options = [joinedload(Need.buyer), defer(Need.description)]
    if viewer.is_supplier:
        options.append(selectinload(Need.invitations))
    return select(Need).where(Need.id.in_(ids)).options(*options)


@dataclass
class NeedResults:
    hits: list[NeedHit]
    total: int
    page: int
    pages: int
    facets: dict[str, dict[str, int]]


def search_needs(viewer: Viewer, params: NeedSearch, *, now: datetime | None = None,
                 per_page: int = PER_PAGE) -> NeedResults:
    """Needs matching the search, within the viewer's rights. May raise SearchUnavailable."""
    now = now or utcnow()
    access = visible_needs_filter(viewer)
    query = Query(
        text=params.q,
        filter=And(access, params.user_filter(now)),
        facets=NEED_FACETS,
        sort=NEED_SORTS[params.sort],
        page=params.page,
        per_page=per_page,
        highlight=("title", "summary"),
    )
    result: SearchResult = backend().search(documents.NEEDS, query)
    ids = [int(h.id) for h in result.hits]
    loaded = {n.id: n for n in db.session.scalars(_hits_query(viewer, ids))} if ids else {}
    hits = []
    for hit in result.hits:
        need = loaded.get(int(hit.id))
        if need is None or not can_view_need(viewer, need):  # a stale index never leaks
            continue
        hits.append(NeedHit(need, {k: mark_html(v) for k, v in hit.highlights.items()}))
    return NeedResults(hits, result.total, result.page, result.pages, result.facets)


# --- suppliers ----------------------------------------------------------------------------

SUPPLIER_FACETS = ("axes", "certifications", "country", "size", "labels", "open_source", "hosting_eu",
                   "secnumcloud")
SUPPLIER_FLAGS = ("secnumcloud", "open_source", "hosting_eu", "eu")


@dataclass(frozen=True)
class SupplierSearch:
    q: str = ""
    axes: tuple[str, ...] = ()
    certifications: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping) -> SupplierSearch:
        from app.accounts.identifiers import EU_COUNTRIES
        from app.accounts.models import SizeCategory
        from app.suppliers.models import CertificationKind

        page = str(args.get("page", "1"))
        return cls(
            q=(args.get("q") or "").strip()[:200],
            axes=_multi(args, "axis", {c.code for c in taxonomy.AXES}),
            certifications=_multi(args, "certification", {k.value for k in CertificationKind}),
            countries=_multi(args, "country", set(EU_COUNTRIES)),
            sizes=_multi(args, "size", {s.value for s in SizeCategory}),
            labels=_multi(args, "label", {"french_tech_120", "next40", "jei", "greentech", "french_tech_2030"}),
            flags=_multi(args, "flag", SUPPLIER_FLAGS),
            page=int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1,
        )

    def filter(self):
        parts = [Eq("verified", True)]
        for name, values in (("axes", self.axes), ("certifications", self.certifications),
                             ("country", self.countries), ("size", self.sizes), ("labels", self.labels)):
            if values:
                parts.append(In(name, values))
        parts.extend(Eq(flag, True) for flag in self.flags)
        return And(*parts)


@dataclass
class SupplierResults:
    hits: list[tuple[Organisation, dict[str, str]]]
    total: int
    page: int
    pages: int
    facets: dict[str, dict[str, int]]


def search_suppliers(params: SupplierSearch, *, per_page: int = PER_PAGE) -> SupplierResults:
    """Verified suppliers matching the search (buyers' and ambassadors' directory)."""
    query = Query(text=params.q, filter=params.filter(), facets=SUPPLIER_FACETS,
                  sort=() if params.q else (("name_sort", "asc"),), page=params.page, per_page=per_page,
                  highlight=("name", "headline"))
    result = backend().search(documents.SUPPLIERS, query)
    ids = [int(h.id) for h in result.hits]
    loaded = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    hits = [(loaded[int(h.id)], {k: mark_html(v) for k, v in h.highlights.items()})
            for h in result.hits if int(h.id) in loaded]
    return SupplierResults(hits, result.total, result.page, result.pages, result.facets)

