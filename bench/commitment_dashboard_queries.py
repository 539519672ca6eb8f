"""The queries of the commitment dashboard bench, their plans, and the naive baseline."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.commitments.eligibility import assess
from app.commitments.models import Purchase
from app.commitments.stats import (
    DECLARED,
    VERIFIED,
    Scope,
    collective,
    member_page,
    members,
    members_statement,
    monthly_statement,
    pledged_total,
)
from app.commitments.stats_breakdowns import (
    DIMENSIONS,
    breakdown,
    breakdown_statement,
    latest_deals,
    latest_deals_statement,
    sba_by_buyer,
    sba_by_buyer_statement,
    sba_overall,
    sba_overall_statement,
)
from app.extensions import db


@dataclass
class Case:
    name: str
    call: Callable[[], object]
    statements: list = field(default_factory=list)  # (label, statement) for EXPLAIN
    on_page: bool = True  # run by the operator's dashboard page


def queries(programme, today, *, big_member: int) -> list[Case]:
    everyone, one = Scope.MEMBERS, Scope.of_buyer(big_member)
    first_page = Scope.of_buyers(member_page(1, 50)[0])
    cases = [
        Case("collective figure (all members)", lambda: collective(programme, today=today),
             [("", monthly_statement(programme, everyone))]),
        Case("collective figure (one large member)", lambda: collective(programme, one, today=today),
             [("", monthly_statement(programme, one))], on_page=False),
        Case("per member table, one page of 50", lambda: _members_page(programme, today),
             [("", members_statement(programme, first_page, today=today))]),
        Case("per member table, every member (CSV)", lambda: members(programme, today=today),
             [("", members_statement(programme, everyone, today=today))], on_page=False),
        Case("per member row (one member)", lambda: members(programme, one, today=today),
             [("", members_statement(programme, one, today=today))], on_page=False),
    ]
    for code, dimension in DIMENSIONS.items():
        cases.append(Case(f"breakdown by {code}", lambda code=code: breakdown(code, programme),
                          [("", breakdown_statement(dimension, programme, everyone))]))
    cases += [
        Case("SBA overall", lambda: sba_overall(programme), [("", sba_overall_statement(programme, everyone))]),
        Case("SBA per member, one page of 50", lambda: sba_by_buyer(programme, first_page),
             [("", sba_by_buyer_statement(programme, first_page))]),
        Case("SBA per member, every member (CSV)", lambda: sba_by_buyer(programme),
             [("", sba_by_buyer_statement(programme, everyone))], on_page=False),
        Case("SBA per buyer (one member)", lambda: sba_by_buyer(programme, one),
             [("", sba_by_buyer_statement(programme, one))], on_page=False),
        Case("latest deals (public page)", lambda: latest_deals(programme, limit=10),
             [("", latest_deals_statement(programme, everyone, limit=10))], on_page=False),
        Case("pledges added up", lambda: pledged_total(), []),
        Case("a member's purchases, one page", lambda: _purchases_page(big_member), [], on_page=False),
    ]
    return cases


def _members_page(programme, today):
    """What the operator's page does: one page of members, then their figures."""
    ids, _total = member_page(1, 50)
    return members(programme, Scope.of_buyers(ids), today=today)


def _purchases_page(organisation_id: int):
    total = db.session.scalar(select(func.count()).select_from(Purchase).where(Purchase.buyer_id == organisation_id))
    items = db.session.scalars(select(Purchase).where(Purchase.buyer_id == organisation_id)
                               .order_by(Purchase.purchased_on.desc(), Purchase.id.desc()).limit(20)).all()
    return total, items


def timed(call: Callable[[], object], runs: int) -> list[float]:
    call()  # warm-up
    db.session.rollback()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return samples


def explain(statement) -> str:
    with db.engine.connect() as conn:
        compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params).all()
    return "\n".join(r[0] for r in rows)


def baseline(programme, today, *, sample: int, member_ids: list[int]) -> None:
    """The naive ways, timed on samples and extrapolated (clearly labelled as such)."""
    scope = Scope.MEMBERS
    where = (scope.condition(), programme.in_period(), Purchase.status.in_((VERIFIED, DECLARED)))
    covered = db.session.scalar(select(func.count()).select_from(Purchase).where(*where))
    started = time.perf_counter()
    loaded = db.session.scalars(select(Purchase).where(*where).order_by(Purchase.id).limit(sample)).all()
    by_month: dict = defaultdict(lambda: [0, 0])
    for p in loaded:  # the per-row Python loop the SQL aggregate avoids
        if assess(p, programme.rule).counts:
            by_month[(p.purchased_on.year, p.purchased_on.month)][p.status.value == DECLARED] += p.amount_cents
    elapsed = time.perf_counter() - started
    db.session.rollback()
    db.session.expunge_all()
    per_row = elapsed / max(len(loaded), 1)
    print("Naive baseline (EXTRAPOLATED from samples, same run, same database):")
    print(f"  collective figure by loading purchases into Python and summing: {len(loaded):,} purchases in "
          f"{elapsed * 1000:.0f} ms ({per_row * 1e6:.1f} µs each) → {covered:,} purchases in scope ≈ "
          f"{per_row * covered:.1f} s")
    started = time.perf_counter()
    chosen = member_ids[:50]
    for organisation_id in chosen:  # one query per member
        members(programme, Scope.of_buyer(organisation_id), today=today)
    elapsed = time.perf_counter() - started
    db.session.rollback()
    print(f"  per member table with one query per member: {len(chosen)} members in {elapsed * 1000:.0f} ms → "
          f"{len(member_ids):,} members ≈ {elapsed / len(chosen) * len(member_ids):.1f} s")
