"""Read-only queries for the needs pages: browsing, existing solutions, suppliers to invite.

Lists only ever select what ``visible_needs_clause`` allows, so a restricted or
invitation-only need never appears to someone who may not know it exists.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, func, not_, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import Organisation, OrganisationKind
from app.db import utcnow
from app.extensions import db
from app.needs import taxonomy
from app.needs.models import Need, NeedStatus, Route, Visibility, need_categories
from app.needs.policy import Viewer, visible_needs_clause
from app.needs.regions import REGIONS
from app.needs.validation import CORE_BAND_MAX_CENTS, CORE_BAND_MIN_CENTS
from app.suppliers.models import Solution, SolutionAdoption

PER_PAGE = 20
STATUS_FILTERS = ("open", "closed", "all")
SORTS = ("deadline", "newest")
SUPPLIER_KINDS = (OrganisationKind.STARTUP, OrganisationKind.SME)


@dataclass(frozen=True)
class BrowseFilters:
    q: str = ""
    category: str = ""
    core: bool = False
    route: str = ""
    region: str = ""
    visibility: str = ""
    status: str = "open"
    sort: str = "deadline"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> BrowseFilters:
        """Filters from a query string; unknown values are dropped, never an error."""

        def pick(name: str, allowed, default: str = "") -> str:
            value = (args.get(name) or "").strip()
            return value if value in allowed else default

        page = args.get("page", "1")
        return cls(
            q=(args.get("q") or "").strip()[:200],
            category=pick("category", taxonomy.BY_CODE),
            core=args.get("core") in ("1", "on", "true", "y"),
            route=pick("route", {r.value for r in Route}),
            region=pick("region", REGIONS),
            visibility=pick("visibility", {v.value for v in Visibility}),
            status=pick("status", STATUS_FILTERS, "open"),
            sort=pick("sort", SORTS, "deadline"),
            page=int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1,
        )

    def args(self, **changes) -> dict[str, object]:
        """Query-string arguments of these filters (defaults left out), with changes."""
        values = {**self.__dict__, **changes}
        defaults = BrowseFilters().__dict__
        return {k: (1 if v is True else v) for k, v in values.items() if v != defaults[k]}

    @property
    def narrowed(self) -> bool:
        """Whether anything beyond the default (open needs) narrows the list."""
        return any([self.q, self.category, self.core, self.route, self.region, self.visibility, self.status != "open"])


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int = PER_PAGE
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, math.ceil(self.total / self.per_page))


def _like(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def category_clause(code: str):
    """Needs in a category; an axis also matches all of its sub-categories."""
    match = need_categories.c.category_code == code
    if taxonomy.BY_CODE[code].parent is None:
        match = or_(match, need_categories.c.category_code.like(f"{code}.%"))
    return exists(select(need_categories.c.need_id).where(need_categories.c.need_id == Need.id, match))


def open_clause(now: datetime):
    return and_(Need.status == NeedStatus.PUBLISHED, Need.deadline_at > now)


def browse_needs(viewer: Viewer, filters: BrowseFilters, *, now: datetime | None = None,
                 per_page: int = PER_PAGE) -> Page:
    now = now or utcnow()
    where = [visible_needs_clause(viewer), Need.status != NeedStatus.DRAFT]
    if filters.q:
        where.append(Need.title.ilike(_like(filters.q), escape="\\"))
    if filters.category:
        where.append(category_clause(filters.category))
    if filters.core:
        where += [Need.budget_max_cents >= CORE_BAND_MIN_CENTS, Need.budget_min_cents <= CORE_BAND_MAX_CENTS]
    if filters.route:
        where.append(Need.route == Route(filters.route))
    if filters.region:
        where.append(Need.region == filters.region)
    if filters.visibility:
        where.append(Need.visibility == Visibility(filters.visibility))
    if filters.status == "open":
        where.append(open_clause(now))
    elif filters.status == "closed":
        where.append(not_(open_clause(now)))
    if filters.sort == "newest":
        order = (Need.published_at.desc(), Need.id.desc())
    elif filters.status == "open":
        order = (Need.deadline_at.asc(), Need.id)
    else:
        order = (Need.deadline_at.desc(), Need.id.desc())
    total = db.session.scalar(select(func.count()).select_from(Need).where(*where)) or 0
    page = Page([], total, filters.page, per_page)
    number = min(filters.page, page.pages)
    page.page = number
    stmt = (
        select(Need).where(*where).order_by(*order)
        .options(selectinload(Need.buyer), selectinload(Need.categories))
        .limit(per_page).offset((number - 1) * per_page)
    )
    page.items = list(db.session.scalars(stmt))
    return page


# --- existing solutions first ---------------------------------------------------------------


def expand_codes(codes) -> list[str]:
    """Chosen categories with the sub-categories of chosen axes."""
    expanded: list[str] = []
    for code in codes:
        if not taxonomy.is_known(code):
            continue
        expanded.append(code)
        if taxonomy.BY_CODE[code].parent is None:
            expanded += [c.code for c in taxonomy.children(code)]
    return list(dict.fromkeys(expanded))


@dataclass
class ExistingSolutions:
    """Reuse first (shared solutions, then those other members use), off-the-shelf second.

    ``shared`` and ``adopted`` pair each solution with the other members that use it.
    """

    shared: list[tuple[Solution, list[Organisation]]]
    adopted: list[tuple[Solution, list[Organisation]]]
    off_the_shelf: list[Solution]

    @property
    def empty(self) -> bool:
        return not (self.shared or self.adopted or self.off_the_shelf)


def existing_solutions(codes, *, buyer: Organisation | None, limit: int = 8) -> ExistingSolutions:
    """What already exists in these categories: reuse first, then off-the-shelf offers."""
    expanded = expand_codes(codes)
    if not expanded:
        return ExistingSolutions([], [], [])
    in_codes = Solution.category_code.in_(expanded)
    load = selectinload(Solution.organisation)
    adoptions = select(SolutionAdoption).join(Solution).where(in_codes)
    if buyer is not None:
        adoptions = adoptions.where(SolutionAdoption.organisation_id != buyer.id)
    adopters: dict[int, list[Organisation]] = {}
    solutions: dict[int, Solution] = {}
    for adoption in db.session.scalars(adoptions.options(selectinload(SolutionAdoption.organisation))
                                       .order_by(SolutionAdoption.created_at.desc())):
        adopters.setdefault(adoption.solution_id, []).append(adoption.organisation)
        solutions[adoption.solution_id] = adoption.solution
    shared = [(s, adopters.get(s.id, [])) for s in db.session.scalars(
        select(Solution).where(in_codes, Solution.shared).options(load).order_by(Solution.name).limit(limit)
    )]
    shared_ids = {s.id for s, _ in shared}
    adopted = sorted(((solutions[i], orgs) for i, orgs in adopters.items() if i not in shared_ids),
                     key=lambda pair: (-len(pair[1]), pair[0].name))[:limit]
    seen = [*shared_ids, *(s.id for s, _ in adopted)]
    off_the_shelf = list(db.session.scalars(
        select(Solution).join(Organisation, Organisation.id == Solution.organisation_id)
        .where(in_codes, not_(Solution.shared), Organisation.kind.in_(SUPPLIER_KINDS), Solution.id.not_in(seen))
        .options(load)
        .order_by(Organisation.verified_at.is_(None), Solution.secnumcloud.desc(), Solution.name)
        .limit(limit)
    ))
    return ExistingSolutions(shared, adopted, off_the_shelf)


# --- suppliers to invite ----------------------------------------------------------------------


def supplier_candidates(need: Need, query: str, *, limit: int = 20) -> list[Organisation]:
    """Startups and SMEs by name or SIREN/SIRET, not yet invited."""
    text = (query or "").strip()
    if len(text) < 2:
        return []
    digits = re.sub(r"\s+", "", text)
    match = Organisation.name.ilike(_like(text), escape="\\")
    if digits.isdigit():
        match = or_(match, Organisation.siren.startswith(digits[:9]), Organisation.siret.startswith(digits))
    invited = [inv.supplier_id for inv in need.invitations]
    stmt = (
        select(Organisation)
        .where(Organisation.kind.in_(SUPPLIER_KINDS), match, Organisation.id.not_in(invited))
        .order_by(Organisation.verified_at.is_(None), Organisation.name)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def suggested_suppliers(need: Need, *, limit: int = 10) -> list[Organisation]:
    """Startups and SMEs offering a solution in the need's categories, not yet invited."""
    codes = expand_codes(c.code for c in need.categories)
    if not codes:
        return []
    invited = [inv.supplier_id for inv in need.invitations]
    offers = select(Solution.id).where(Solution.organisation_id == Organisation.id, Solution.category_code.in_(codes))
    stmt = (
        select(Organisation)
        .where(Organisation.kind.in_(SUPPLIER_KINDS), exists(offers), Organisation.id.not_in(invited))
        .order_by(Organisation.verified_at.is_(None), Organisation.name)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
