"""Suggested suppliers for a need: engine candidates, scored by app.matching.scoring.

Entry point (also for bench/): ``match_suppliers(need, limit=20)`` with a Need loaded
in the current app context. It costs a bounded amount of work whatever the size of the
market:

1. three engine queries on the suppliers index, each carrying the hard requirements as
   a filter (verified, SecNumCloud, hosting in the EU, SME set-aside): the need's key
   words (matching_words.QUERY_WORDS of them; the engine ranks suppliers matching more of
   them first, so it acts as a ranked OR; CANDIDATES_BY_TEXT hits), then without text,
   by name, the suppliers of the need's categories (CANDIDATES_BY_CATEGORY) and of
   their axes (CANDIDATES_BY_AXIS), so that a supplier in the right field is not
   missed for want of shared words. One text query, not one
   per axis: on the embedded engine each query word costs a typo expansion over the
   whole vocabulary, and a second text query doubled the time for no better top 20
   (measured on 100k suppliers);
2. one SQL query for the sovereignty answers the index does not hold (exit plan,
   technology), for the candidates only;
3. the candidates scored in memory, best bound first, until no bound can beat the
   (limit + MARGIN)-th score (branch and bound: most candidates never have their words
   read); the best ones reloaded from the database in one go and scored again on fresh
   facts, so that a stale index can never
   suggest a supplier that no longer meets a hard requirement.

May raise search.base.SearchUnavailable when the engine is down; pages catch it.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import Organisation
from app.extensions import db
from app.matching import documents
from app.matching.engine import backend
from app.matching.scoring import (
    NeedFacts,
    Reason,
    SupplierFacts,
    requirement_filter,
    score,
    score_bound,
)
from app.needs import taxonomy
from app.needs.models import Need
from app.suppliers.models import SupplierProfile
from search.base import And, In, Not, Query, SearchBackend

CANDIDATES_BY_TEXT = 250
CANDIDATES_BY_CATEGORY = 80
CANDIDATES_BY_AXIS = 40
MARGIN = 5


@dataclass
class Suggestion:
    """A supplier suggested for a need: its score out of 100 and why."""

    organisation: Organisation
    score: int
    components: dict[str, int]
    reasons: list[Reason]
    invited: bool = False

    @property
    def cautions(self) -> list[Reason]:
        return [r for r in self.reasons if r.tone != "good"]


@dataclass
class Candidate:
    document: dict
    rank: float = 0.0  # place in the engine's text ranking, 1.0 first; 0.0 found without text
    extras: dict = field(default_factory=dict)


def expand_codes(codes) -> list[str]:
    """Categories with the sub-categories of chosen axes (a need for "cyber" is met by "cyber.soc")."""
    out: list[str] = []
    for code in codes:
        if code in taxonomy.BY_CODE:
            out.append(code)
            if taxonomy.BY_CODE[code].parent is None:
                out += [c.code for c in taxonomy.children(code)]
    return list(dict.fromkeys(out))


def axes_of(codes) -> list[str]:
    return sorted({taxonomy.BY_CODE[c].axis for c in codes if c in taxonomy.BY_CODE})


def _collect(found: dict[str, Candidate], engine: SearchBackend, query: Query) -> None:
    result = engine.search(documents.SUPPLIERS, query)
    for position, hit in enumerate(result.hits):
        rank = 1.0 - position / query.per_page if query.text else 0.0
        known = found.get(hit.id)
        if known is None:
            found[hit.id] = Candidate(hit.document, rank)
        elif rank > known.rank:
            known.rank = rank


def supplier_candidates(facts: NeedFacts, *, engine: SearchBackend | None = None) -> dict[str, Candidate]:
    """Supplier documents meeting the hard requirements that may fit the need (bounded)."""
    engine = engine or backend()
    hard = requirement_filter(facts)
    text = facts.query_text()
    found: dict[str, Candidate] = {}
    if text:
        _collect(found, engine, Query(text=text, filter=hard, per_page=CANDIDATES_BY_TEXT))
    codes = expand_codes(facts.categories)
    if codes:
        by_name = (("name_sort", "asc"),)
        _collect(found, engine, Query(filter=And(hard, In("categories", codes)), sort=by_name,
                                      per_page=CANDIDATES_BY_CATEGORY))
        # the same field, other sub-categories: half the category points
        _collect(found, engine, Query(filter=And(hard, In("axes", axes_of(codes)), Not(In("categories", codes))),
                                      sort=by_name, per_page=CANDIDATES_BY_AXIS))
    return found


def _sovereignty_extras(candidates: dict[str, Candidate]) -> None:
    """Exit plan and technology mastery of the candidates whose documents lack them (one query)."""
    missing = [int(i) for i, c in candidates.items()
               if "exit_plan" not in c.document or "owns_technology" not in c.document]
    if not missing:
        return
    rows = db.session.execute(
        select(SupplierProfile.organisation_id, SupplierProfile.exit_plan, SupplierProfile.owns_technology)
        .where(SupplierProfile.organisation_id.in_(missing))
    )
    for organisation_id, exit_plan, owns_technology in rows:
        candidates[str(organisation_id)].extras = {"exit_plan": exit_plan, "owns_technology": owns_technology}


def _facts(document: dict, extras: dict) -> SupplierFacts:
    return SupplierFacts.of_document(document, exit_plan=extras.get("exit_plan", False),
                                     owns_technology=extras.get("owns_technology", False))


def _order(item) -> tuple:
    total, name, identifier = item
    return (-total, name.casefold(), identifier)


def match_suppliers(need: Need, *, limit: int = 20, engine: SearchBackend | None = None) -> list[Suggestion]:
    """Verified suppliers meeting the need's hard requirements, best first (score, then name)."""
    facts = NeedFacts.of(need)
    candidates = supplier_candidates(facts, engine=engine)
    _sovereignty_extras(candidates)
    best = _best(facts, candidates, limit + MARGIN)
    return _fresh(need, facts, best, {int(k): c.rank for k, c in candidates.items()}, limit)


def _best(facts: NeedFacts, candidates: dict[str, Candidate], count: int) -> list[int]:
    """Ids of the ``count`` best candidates. Branch and bound: candidates are scored in
    decreasing order of their upper bound (scoring.score_bound, which does not read their
    words), and scoring stops when no remaining bound can beat the count-th score found."""
    bounded = []
    for candidate in candidates.values():
        supplier = _facts(candidate.document, candidate.extras)
        bounded.append((score_bound(facts, supplier, rank=candidate.rank), supplier, candidate.rank))
    bounded.sort(key=lambda item: -item[0])
    scored: list[tuple[int, str, int]] = []
    for bound, supplier, rank in bounded:
        if len(scored) >= count and bound < scored[count - 1][0]:
            break
        result = score(facts, supplier, rank=rank)
        if result.eligible:
            insort(scored, (result.total, supplier.name, supplier.id), key=_order)
    return [identifier for _t, _n, identifier in scored[:count]]


def _fresh(need: Need, facts: NeedFacts, ids: list[int], ranks: dict[int, float], limit: int) -> list[Suggestion]:
    """The finalists reloaded from the database, scored again on what is true now."""
    if not ids:
        return []
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.id.in_(ids))
        .options(selectinload(Organisation.solutions), selectinload(Organisation.certifications),
                 selectinload(Organisation.supplier_profile))
    ).all()
    invited = {inv.supplier_id for inv in need.invitations}
    suggestions = []
    for org in organisations:
        if not (org.is_supplier and org.is_verified):
            continue
        profile = org.supplier_profile[0] if org.supplier_profile else None
        supplier = SupplierFacts.of_document(
            documents.supplier_document(org),
            exit_plan=bool(profile and profile.exit_plan), owns_technology=bool(profile and profile.owns_technology),
        )
        result = score(facts, supplier, rank=ranks.get(org.id, 0.0))
        if result.eligible:
            suggestions.append(Suggestion(org, result.total, result.components, result.reasons, org.id in invited))
    suggestions.sort(key=lambda s: _order((s.score, s.organisation.name, s.organisation.id)))
    return suggestions[:limit]


def explain_supplier(need: Need, organisation: Organisation) -> tuple[int, list[Reason], list[Reason]]:
    """Score, reasons and refusals of one supplier for a need (why it is, or is not, suggested)."""
    profile = organisation.supplier_profile[0] if organisation.supplier_profile else None
    supplier = SupplierFacts.of_document(
        documents.supplier_document(organisation),
        exit_plan=bool(profile and profile.exit_plan), owns_technology=bool(profile and profile.owns_technology),
    )
    result = score(NeedFacts.of(need), supplier)
    return result.total, result.reasons, result.refusals
