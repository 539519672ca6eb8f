"""What already exists, before a need is published (doctrine steps 1 and 2).

Reuse first: shared solutions and solutions other members already use (SolutionAdoption),
then off-the-shelf solutions of startups and SMEs. Each list is ranked by relevance to
the need's text and categories, not by category alone:

    relevance = 0.6 × category credit (same sub-category 1, same axis 1/2)
              + 0.4 × text coverage (the need's key words found in the solution's name,
                summary and description; half of them is full marks)

A solution with no relevance at all is left out. Candidates are bounded: solutions in
the chosen categories (SQL, so the list works even when the engine is down or behind),
and solutions of the suppliers the engine finds for the text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import exists, not_, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import Organisation, OrganisationKind
from app.extensions import db
from app.matching import documents
from app.matching.engine import backend
from app.matching.matching_suppliers import expand_codes
from app.matching.matching_words import stems_of
from app.matching.scoring import FULL_COVERAGE, NeedFacts
from app.needs import taxonomy
from app.needs.queries import ExistingSolutions
from app.suppliers.models import Solution, SolutionAdoption
from search.base import Query, SearchError, SearchUnavailable

log = logging.getLogger(__name__)

SUPPLIER_KINDS = (OrganisationKind.STARTUP, OrganisationKind.SME)
CANDIDATES = 200  # per source
SUPPLIERS_BY_TEXT = 100


@dataclass
class _Ranked:
    solution: Solution
    relevance: float


def _category_credit(codes: list[str], code: str) -> float:
    if not codes or code not in taxonomy.BY_CODE:
        return 0.0
    axis = taxonomy.BY_CODE[code].axis
    best = 0.0
    for wanted in codes:
        category = taxonomy.BY_CODE[wanted]
        if wanted == code or (category.parent is None and wanted == axis):
            return 1.0
        if category.axis == axis:
            best = 0.5
    return best


def relevance(facts: NeedFacts, solution: Solution) -> float:
    credit = _category_credit(list(facts.categories), solution.category_code)
    keys = facts.key_words
    coverage = 0.0
    if keys:
        stems = stems_of([solution.name, solution.summary, solution.description or ""])
        found = sum(k.weight for k in keys if k.stem in stems or k.synonyms & stems)
        coverage = min(1.0, found / sum(k.weight for k in keys) / FULL_COVERAGE)
    return 0.6 * credit + 0.4 * coverage


def _suppliers_for_text(text: str) -> list[int]:
    if not text.strip():
        return []
    try:
        result = backend().search(documents.SUPPLIERS, Query(text=text, per_page=SUPPLIERS_BY_TEXT))
    except (SearchUnavailable, SearchError) as exc:  # categories alone, then
        log.warning("existing solutions without the engine: %s", exc)
        return []
    return [int(i) for i in result.ids]


def _candidates(stmt, codes: list[str], supplier_ids: list[int], *, verified_first: bool = False) -> list[Solution]:
    """Solutions in the categories (at most CANDIDATES, newest first), and those of the suppliers found by text."""
    found: dict[int, Solution] = {}
    if codes:
        order = (Organisation.verified_at.is_(None), Solution.id.desc()) if verified_first else (Solution.id.desc(),)
        for solution in db.session.scalars(stmt.where(Solution.category_code.in_(codes)).order_by(*order)
                                           .limit(CANDIDATES)):
            found[solution.id] = solution
    if supplier_ids:
        for solution in db.session.scalars(stmt.where(Solution.organisation_id.in_(supplier_ids))):
            found[solution.id] = solution
    return list(found.values())


def existing_solutions_for(text: str, categories, *, buyer: Organisation | None,
                           limit: int = 8) -> ExistingSolutions:
    """Reuse first (shared, then adopted by other members), off-the-shelf second; each by relevance."""
    codes = [c for c in dict.fromkeys(categories or ()) if taxonomy.is_known(c)]
    facts = NeedFacts(title=text or "", summary="", categories=tuple(codes), budget_max_eur=0)
    expanded = expand_codes(codes)
    supplier_ids = _suppliers_for_text(facts.query_text()) if facts.key_words else []
    if not expanded and not supplier_ids:
        return ExistingSolutions([], [], [])
    other_adoption = select(SolutionAdoption.id).where(SolutionAdoption.solution_id == Solution.id)
    if buyer is not None:
        other_adoption = other_adoption.where(SolutionAdoption.organisation_id != buyer.id)
    load = (selectinload(Solution.organisation),
            selectinload(Solution.adoptions).selectinload(SolutionAdoption.organisation))
    reuse = _candidates(
        select(Solution).where(or_(Solution.shared, exists(other_adoption))).options(*load),
        expanded, supplier_ids)
    shelf = _candidates(
        select(Solution).join(Organisation, Organisation.id == Solution.organisation_id)
        .where(not_(Solution.shared), not_(exists(other_adoption)), Organisation.kind.in_(SUPPLIER_KINDS))
        .options(*load),
        expanded, supplier_ids, verified_first=True)

    def adopters(solution: Solution) -> list[Organisation]:
        return [a.organisation for a in sorted(solution.adoptions, key=lambda a: a.created_at, reverse=True)
                if buyer is None or a.organisation_id != buyer.id]

    def ranked(solutions) -> list[_Ranked]:
        return [r for r in (_Ranked(s, relevance(facts, s)) for s in solutions) if r.relevance > 0]

    shared = sorted((r for r in ranked(reuse) if r.solution.shared),
                    key=lambda r: (-r.relevance, r.solution.name.casefold(), r.solution.id))[:limit]
    adopted = sorted((r for r in ranked(reuse) if not r.solution.shared),
                     key=lambda r: (-r.relevance, -len(adopters(r.solution)), r.solution.name.casefold(),
                                    r.solution.id))[:limit]
    off_the_shelf = sorted(ranked(shelf), key=lambda r: (
        -r.relevance, r.solution.organisation.verified_at is None, not r.solution.secnumcloud,
        r.solution.name.casefold(), r.solution.id))[:limit]
    return ExistingSolutions(
        shared=[(r.solution, adopters(r.solution)) for r in shared],
        adopted=[(r.solution, adopters(r.solution)) for r in adopted],
        off_the_shelf=[r.solution for r in off_the_shelf],
    )
