"""Eighty needs across the seven axes, every status and visibility, with what hangs on them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

from sqlalchemy import select

from app.accounts.models import Organisation, OrganisationKind
from app.demo.buyers import spec_of
from app.demo.context import DemoContext
from app.demo.need_extras import add_amendments, add_questions, matching_suppliers
from app.demo.need_phrases import (
    CANCEL_REASONS,
    CUSTOM_JUSTIFICATIONS,
    INVITATION_MESSAGES,
    OFF_THE_SHELF_NOTES,
    REUSE_NOTES,
    UNSUCCESSFUL_REASONS,
    need_description,
)
from app.demo.need_texts import QUALIFIERS, TEMPLATES, NeedTemplate, capitalise, fill
from app.extensions import db
from app.needs.doctrine import CRITERIA, DEFAULT_WEIGHTS, Approach
from app.needs.models import CategoryRow, Invitation, Need, NeedStatus, Route, Visibility

NEED_COUNT = 80
S, V = NeedStatus, Visibility
STATUS_COUNTS = {S.DRAFT: 8, S.PUBLISHED: 32, S.CLOSED: 10, S.AWARDED: 18, S.CANCELLED: 5, S.UNSUCCESSFUL: 7}
VISIBILITY_COUNTS = {V.PUBLIC: 46, V.RESTRICTED: 22, V.INVITATION: 12}
assert sum(STATUS_COUNTS.values()) == sum(VISIBILITY_COUNTS.values()) == NEED_COUNT
CPV_BY_AXIS = {
    "ai": "72000000-5", "data": "72300000-8", "cloud": "72400000-4", "it": "48000000-8",
    "lowcode": "48000000-8", "cyber": "48730000-4", "quantum": "73000000-2",
}  # fmt: skip


@dataclass
class NeedPlan:
    """A need before it exists: who posts it, in which state, what it is about."""

    buyer: Organisation
    status: NeedStatus
    visibility: Visibility | None = None
    template: str | None = None  # a template title to use
    winner: str | None = None  # key of a special supplier that wins it
    anonymised: bool | None = None
    sealed: bool | None = None  # private route only: the buyer's choice (None: drawn)


def _fixed_plans(ctx: DemoContext) -> list[NeedPlan]:
    """The demo accounts' organisations get needs in every state worth showing."""
    ministry, alliance, corporate = (ctx.special_orgs[k] for k in ("ministry", "alliance", "corporate"))
    return [
        NeedPlan(ministry, S.DRAFT, V.PUBLIC),
        NeedPlan(ministry, S.PUBLISHED, V.INVITATION, "Assistant conversationnel souverain pour {staff}"),
        NeedPlan(ministry, S.PUBLISHED, V.PUBLIC, "Tests d’intrusion et audits de sécurité (accord-cadre)"),
        NeedPlan(ministry, S.PUBLISHED, V.RESTRICTED, "Synthèse automatique des comptes rendus de réunion"),
        NeedPlan(ministry, S.CLOSED, V.PUBLIC),
        NeedPlan(ministry, S.AWARDED, V.PUBLIC, "Plateforme de données mutualisée hébergée en France", "startup"),
        NeedPlan(ministry, S.CANCELLED, V.RESTRICTED),
        NeedPlan(ministry, S.UNSUCCESSFUL, V.PUBLIC),
        NeedPlan(alliance, S.PUBLISHED, V.RESTRICTED, "SOC managé et réponse à incident 24/7", anonymised=True),
        NeedPlan(alliance, S.AWARDED, V.RESTRICTED, "Hébergement SecNumCloud d’applications métiers sensibles",
                 "sme", anonymised=True),
        NeedPlan(alliance, S.CLOSED, V.INVITATION),
        NeedPlan(alliance, S.DRAFT, V.RESTRICTED),
        NeedPlan(corporate, S.PUBLISHED, V.PUBLIC, sealed=False),
        NeedPlan(corporate, S.AWARDED, V.PUBLIC),
    ]


def _plans(ctx: DemoContext) -> list[NeedPlan]:
    rng = ctx.rng
    plans = _fixed_plans(ctx)
    statuses = [s for s, n in STATUS_COUNTS.items() for _ in range(n)]
    visibilities = [v for v, n in VISIBILITY_COUNTS.items() for _ in range(n)]
    for plan in plans:
        statuses.remove(plan.status)
        visibilities.remove(plan.visibility)
    rng.shuffle(statuses)
    rng.shuffle(visibilities)
    weights = [3 if spec_of(ctx, b).family in ("ministry", "group") else 2 for b in ctx.buyers]
    for status, visibility in zip(statuses, visibilities, strict=True):
        plans.append(NeedPlan(rng.choices(ctx.buyers, weights=weights)[0], status, visibility))
    return plans


def _budget(ctx: DemoContext) -> tuple[int, int]:
    """(min, max) in cents: mostly €100k–€10M, the whole spread €20k–€15M."""
    rng = ctx.rng

    def log_uniform(low: float, high: float) -> float:
        return math.exp(rng.uniform(math.log(low), math.log(high)))

    def nice(euros: float) -> int:
        step = 5_000 if euros < 1_000_000 else 50_000
        return int(euros // step * step)

    roll = rng.random()
    if roll < 0.08:
        high = nice(log_uniform(25_000, 100_000))
        low = max(20_000, nice(high * rng.uniform(0.5, 0.8)))
    elif roll < 0.93:
        high = nice(log_uniform(120_000, 10_000_000))
        low = max(100_000, nice(high * rng.uniform(0.5, 0.85)))
    else:
        high = nice(log_uniform(10_500_000, 15_000_000))
        low = nice(high * rng.uniform(0.6, 0.85))
    return low * 100, high * 100


def _weights(ctx: DemoContext, sensitive: bool) -> dict[str, int]:
    """The default grid, with a few 5-point shifts (sovereignty up for sensitive needs)."""
    weights = dict(DEFAULT_WEIGHTS)
    if sensitive:
        weights["sovereignty"] += 10
        weights["cost"] -= 5
        weights["performance"] -= 5
    for _ in range(ctx.rng.randint(0, 3)):
        give, take = ctx.rng.sample(list(CRITERIA), 2)
        if weights[give] >= 10:
            weights[give] -= 5
            weights[take] += 5
    assert sum(weights.values()) == 100
    return weights


def _times(ctx: DemoContext, status: NeedStatus) -> dict[str, datetime | None]:
    rng, now = ctx.rng, ctx.now
    hour = timedelta(hours=15)  # deadlines at 15:00 UTC
    t: dict[str, datetime | None] = {"published_at": None, "closed_at": None, "awarded_at": None,
                                     "cancelled_at": None}
    if status == S.DRAFT:
        t["created_at"] = ctx.days_ago(1, 20)
        t["deadline_at"] = ctx.days_ahead(30, 75)
    elif status == S.PUBLISHED:
        t["published_at"] = ctx.days_ago(2, 40)
        t["deadline_at"] = ctx.days_ahead(5, 60)
    elif status == S.CANCELLED:
        t["published_at"] = ctx.days_ago(40, 220)
        t["deadline_at"] = t["published_at"].replace(hour=15, minute=0) + timedelta(days=rng.randint(30, 50))
        t["cancelled_at"] = t["published_at"] + timedelta(days=rng.randint(5, 25), hours=3)
    else:
        back = {S.CLOSED: (2, 25), S.AWARDED: (40, 330), S.UNSUCCESSFUL: (30, 200)}[status]
        t["deadline_at"] = now - timedelta(days=rng.randint(*back)) + hour
        t["published_at"] = t["deadline_at"] - timedelta(days=rng.randint(25, 50), hours=rng.randint(2, 6))
        t["closed_at"] = t["deadline_at"]
        if status == S.AWARDED:
            t["awarded_at"] = t["deadline_at"] + timedelta(days=rng.randint(10, 30), hours=2)
        elif status == S.UNSUCCESSFUL:
            t["closed_at"] = t["deadline_at"] + timedelta(days=rng.randint(3, 20), hours=2)
    if "created_at" not in t:
        t["created_at"] = t["published_at"] - timedelta(days=rng.randint(1, 12), hours=rng.randint(1, 5))
    return t


def _pick_template(ctx: DemoContext, plan: NeedPlan, queue: list[NeedTemplate],
                   used: dict[str, int]) -> tuple[NeedTemplate, str]:
    sector = spec_of(ctx, plan.buyer).sector
    if plan.template:
        template = next(t for t in TEMPLATES if t.title == plan.template)
    else:
        template = next((t for t in queue if not t.sectors or sector in t.sectors), queue[0])
    if template in queue:
        queue.remove(template)
        queue.append(template)  # used again only after every other one
    reuses = sum(count - 1 for count in used.values())
    n = used.get(template.title, 0)
    used[template.title] = n + 1
    title = capitalise(fill(template.title, plan.buyer.kind.value))
    return template, title + (QUALIFIERS[reuses % len(QUALIFIERS)] if n else "")


def make_needs(ctx: DemoContext) -> list[Need]:
    rng = ctx.rng
    categories = {row.code: row for row in db.session.scalars(select(CategoryRow))}
    plans = _plans(ctx)
    queue = list(TEMPLATES)
    rng.shuffle(queue)
    fixed = {p.template for p in plans if p.template}
    queue = [t for t in queue if t.title not in fixed] + [t for t in queue if t.title in fixed]
    used: dict[str, int] = {}
    drafts = []
    for plan in plans:
        template, title = _pick_template(ctx, plan, queue, used)
        drafts.append((plan, template, title, _times(ctx, plan.status)))
    drafts.sort(key=lambda d: d[3]["created_at"])

    needs, per_year = [], {}
    for plan, template, title, times in drafts:
        need = _build_need(ctx, plan, template, title, times, categories)
        year = times["created_at"].year
        per_year[year] = per_year.get(year, 0) + 1
        need.reference = f"TRP-{year}-{per_year[year]:04d}"
        ctx.need_winners[id(need)] = plan.winner
        db.session.add(need)
        needs.append(need)
        if need.visibility == V.INVITATION and need.status != S.DRAFT:
            _invite(ctx, need)
    for need in needs:
        add_questions(ctx, need)
        add_amendments(ctx, need)
    return needs


def _build_need(ctx, plan: NeedPlan, template: NeedTemplate, title: str, times, categories) -> Need:
    rng = ctx.rng
    buyer, spec = plan.buyer, spec_of(ctx, plan.buyer)
    kind = buyer.kind.value
    sensitive = (template.sensitive and rng.random() < 0.8) or rng.random() < 0.04
    restricted = plan.visibility == V.RESTRICTED
    anonymised = plan.anonymised if plan.anonymised is not None else (
        restricted and rng.random() < (0.6 if spec.family == "group" else 0.3))
    low, high = _budget(ctx)
    is_draft = plan.status == S.DRAFT
    approach = rng.choices([Approach.REUSE, Approach.OFF_THE_SHELF, Approach.CUSTOM], weights=[15, 60, 25])[0]
    weights = _weights(ctx, sensitive)
    summary = capitalise(fill(template.summary, kind))
    writers = ctx.members(buyer)[:2]
    need = Need(
        buyer=buyer, created_by_id=rng.choice(writers).id, title=title, summary=summary,
        description="", cpv_code=CPV_BY_AXIS[template.codes[0].split(".")[0]] if kind == "administration" else None,
        budget_min_cents=low, budget_max_cents=high,
        route=Route.PUBLIC if buyer.kind == OrganisationKind.ADMINISTRATION else Route.PRIVATE,
        region=buyer.region if spec.family in ("local", "agency") and buyer.region != "11" else "FR",
        visibility=plan.visibility, anonymised=anonymised,
        anonymous_label=spec.anonymous_label if anonymised else None,
        status=plan.status, status_reason=None,
        sensitive_data=sensitive, requires_secnumcloud=sensitive or rng.random() < 0.1,
        eu_data_residency=sensitive or rng.random() < 0.55,
        open_source_preferred=rng.random() < (0.45 if kind == "administration" else 0.15),
        sme_set_aside=rng.random() < 0.25,
        disclose_amounts=kind == "administration" or rng.random() < 0.7,
        reuse_checked=not is_draft or rng.random() < 0.7,
        off_the_shelf_sought=not is_draft or rng.random() < 0.5,
        approach=approach,
        custom_justification=rng.choice(CUSTOM_JUSTIFICATIONS) if approach == Approach.CUSTOM else None,
        updated_at=times["closed_at"] or times["published_at"] or times["created_at"],
        **{f"weight_{c}": w for c, w in weights.items()},
        **times,
    )
    need.sealed_bids = _sealed(ctx, plan, need)
    need.reuse_note = rng.choice(REUSE_NOTES) if need.reuse_checked else None
    need.off_the_shelf_note = rng.choice(OFF_THE_SHELF_NOTES) if need.off_the_shelf_sought else None
    if plan.status == S.CANCELLED:
        need.status_reason = rng.choice(CANCEL_REASONS)
    elif plan.status == S.UNSUCCESSFUL:
        need.status_reason = rng.choice(UNSUCCESSFUL_REASONS)
    need.categories = [categories[c] for c in template.codes]
    need.description = need_description(
        buyer_label=f"{need.anonymous_label} (acheteur anonymisé)" if anonymised else buyer.name,
        central_state=spec.family in ("ministry", "agency"), sector=spec.sector, summary=summary, detail=fill(template.detail, kind),
        need=need, months=rng.choice([12, 18, 24, 36, 48]),
    )
    return need


def _sealed(ctx: DemoContext, plan: NeedPlan, need: Need) -> bool:
    """Public procurement always seals bids; groups mostly do, some read bids as they come.

    Drawn from a source of its own, so that the rest of the demo stays as it was.
    """
    if need.route == Route.PUBLIC:
        return True
    if plan.sealed is not None:
        return plan.sealed
    return Random(f"{ctx.seed}:sealed:{need.title}").random() >= 0.3


def _invite(ctx: DemoContext, need: Need) -> None:
    rng = ctx.rng
    pool = [s for s in matching_suppliers(ctx, need) if s.verified_at is not None]
    special = [s for s in pool if s in ctx.special_orgs.values()]
    invited = special + rng.sample([s for s in pool if s not in special], k=min(len(pool) - len(special),
                                                                              rng.randint(4, 8)))
    owner = ctx.owner(need.buyer)
    for supplier in invited:
        when = need.published_at + timedelta(hours=rng.randint(1, 72))
        db.session.add(Invitation(need=need, supplier=supplier, invited_by_id=owner.id,
                                  message=rng.choice(INVITATION_MESSAGES), created_at=when, updated_at=when))
