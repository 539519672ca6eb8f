"""Needs for you: the open needs a supplier may see and bid on, scored as suggestions are.

The same components and reasons as app.matching.scoring, seen from the other side.
Candidates come from the needs index under the viewer's access filter
(visible_needs_filter), open by the clock, and without the needs the supplier may not
bid on (SME set-aside it is not eligible for, sensitive data without SecNumCloud, data
kept in the EU without hosting there; unverified suppliers: only needs they are
invited to). Each candidate is then reloaded and checked once more with the policy
(can_bid), so a stale index can never list a need the supplier may not see or bid on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import Organisation
from app.db import utcnow
from app.extensions import db
from app.matching import documents
from app.matching.engine import backend
from app.matching.matching_suppliers import axes_of
from app.matching.matching_words import QUERY_WORDS, informative
from app.matching.scoring import NeedFacts, Reason, SupplierFacts, score
from app.needs.models import Need
from app.needs.policy import Viewer, can_bid, set_aside_refusal, visible_needs_filter
from search.base import And, Eq, In, Not, Query, Range, SearchBackend
from search.text import words

CANDIDATES_BY_TEXT = 100
CANDIDATES_BY_CATEGORY = 100


@dataclass
class NeedSuggestion:
    need: Need
    score: int
    components: dict[str, int]
    reasons: list[Reason]


def supplier_viewer(organisation: Organisation) -> Viewer:
    """The access facts of a supplier organisation (what its members see, role aside)."""
    return Viewer(organisation_id=organisation.id, kind=organisation.kind, verified=organisation.is_verified,
                  country=organisation.country, size=organisation.size, employees=organisation.employees)


def supplier_facts(organisation: Organisation) -> SupplierFacts:
    profile = organisation.supplier_profile[0] if organisation.supplier_profile else None
    return SupplierFacts.of_document(
        documents.supplier_document(organisation),
        exit_plan=bool(profile and profile.exit_plan), owns_technology=bool(profile and profile.owns_technology),
    )


def supplier_query_text(organisation: Organisation) -> str:
    """What the supplier does, in a few words: its headline, then its solutions' names and summaries."""
    profile = organisation.supplier_profile[0] if organisation.supplier_profile else None
    texts = [profile.headline if profile else "", *(s.name for s in organisation.solutions),
             *(s.summary for s in organisation.solutions)]
    picked: list[str] = []
    for text in texts:
        for word in words(text or ""):
            if informative(word) and word not in picked:
                picked.append(word)
    return " ".join(picked[:QUERY_WORDS])


def eligibility_filter(viewer: Viewer, supplier: SupplierFacts):
    """Needs this supplier may bid on, as an engine filter (the policy checks again after)."""
    parts = []
    if set_aside_refusal(viewer) is not None:
        parts.append(Not(Eq("sme_set_aside", True)))
    if not supplier.secnumcloud:
        parts.append(Not(Eq("sensitive_data", True)))
    if not supplier.hosting_eu:
        parts.append(Not(Eq("eu_data_residency", True)))
    if not viewer.verified:  # an unverified supplier bids only where it is invited
        parts.append(Eq("invited_ids", viewer.organisation_id))
    return And(*parts) if parts else None


def needs_for_supplier(organisation: Organisation, viewer: Viewer | None = None, *, limit: int = 20,
                       now: datetime | None = None, engine: SearchBackend | None = None) -> list[NeedSuggestion]:
    """Open needs the supplier may see and bid on, best first (score, then deadline).

    May raise search.base.SearchUnavailable when the engine is down; pages catch it.
    """
    viewer = viewer or supplier_viewer(organisation)
    if not viewer.is_supplier or viewer.organisation_id != organisation.id:
        return []
    now = now or utcnow()
    engine = engine or backend()
    supplier = supplier_facts(organisation)
    open_now = And(Eq("status", "published"), Range("deadline_ts", gt=int(now.timestamp())))
    allowed = And(visible_needs_filter(viewer), open_now, eligibility_filter(viewer, supplier))
    ranks: dict[int, float] = {}
    text = supplier_query_text(organisation)
    if text:
        result = engine.search(documents.NEEDS, Query(text=text, filter=allowed, per_page=CANDIDATES_BY_TEXT))
        for position, hit in enumerate(result.hits):
            ranks[int(hit.id)] = 1.0 - position / CANDIDATES_BY_TEXT
    axes = axes_of(supplier.categories)
    if axes:
        result = engine.search(documents.NEEDS, Query(filter=And(allowed, In("axes", axes)),
                                                      sort=(("deadline_ts", "asc"),), per_page=CANDIDATES_BY_CATEGORY))
        for hit in result.hits:
            ranks.setdefault(int(hit.id), 0.0)
    if not ranks:
        return []
    needs = db.session.scalars(
        select(Need).where(Need.id.in_(list(ranks)))
        .options(selectinload(Need.categories), selectinload(Need.invitations), selectinload(Need.buyer))
    ).all()
    found = []
    for need in needs:
        if not can_bid(viewer, need, now):  # a stale index never lists a need one may not bid on
            continue
        result = score(NeedFacts.of(need), supplier, rank=ranks[need.id])
        if result.eligible:
            found.append(NeedSuggestion(need, result.total, result.components, result.reasons))
    found.sort(key=lambda s: (-s.score, s.need.deadline_at, s.need.reference))
    return found[:limit]

