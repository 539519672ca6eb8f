"""Questions and answers, and amendments, on needs that have been published."""

from __future__ import annotations

from datetime import timedelta

from app.accounts.models import Organisation
from app.demo.context import DemoContext
from app.demo.need_phrases import AMENDMENT_SUMMARIES, QUESTIONS
from app.extensions import db
from app.needs.models import Amendment, Answer, Need, NeedStatus, Question, Visibility


def matching_suppliers(ctx: DemoContext, need: Need) -> list[Organisation]:
    """Suppliers working in one of the need's categories, in a stable order."""
    codes = [c.code for c in need.categories]
    return [s for s in ctx.suppliers if any(c in codes for c in ctx.codes_of[id(s)])]


def _askers(ctx: DemoContext, need: Need) -> list[Organisation]:
    if need.visibility == Visibility.INVITATION:
        return [i.supplier for i in need.invitations]
    pool = matching_suppliers(ctx, need)
    if need.visibility == Visibility.RESTRICTED:
        pool = [s for s in pool if s.verified_at is not None]
    return pool


def _open_until(ctx: DemoContext, need: Need):
    """The last moment questions could be asked: deadline, cancellation or yesterday."""
    end = min(need.deadline_at, ctx.now - timedelta(hours=2))
    if need.cancelled_at is not None:
        end = min(end, need.cancelled_at)
    return end


def add_questions(ctx: DemoContext, need: Need) -> None:
    if need.status == NeedStatus.DRAFT:
        return
    rng = ctx.rng
    weights = [15, 30, 30, 15, 10] if need.status == NeedStatus.PUBLISHED else [30, 30, 25, 15, 0]
    count = rng.choices([0, 1, 2, 3, 4], weights=weights)[0]
    pool = _askers(ctx, need)
    if not pool:
        return
    answerer = ctx.members(need.buyer)[0]
    end = _open_until(ctx, need)
    for body, answer in rng.sample(QUESTIONS, k=count):
        supplier = rng.choice(pool)
        asked_at = ctx.between(need.published_at, end)
        question = Question(need=need, asked_by_org_id=supplier.id, asked_by_user_id=ctx.owner(supplier).id,
                            body=body, created_at=asked_at, updated_at=asked_at)
        db.session.add(question)
        if need.status != NeedStatus.PUBLISHED or rng.random() < 0.75:
            answered_at = min(asked_at + timedelta(hours=rng.randint(2, 96)), ctx.now - timedelta(hours=1))
            question.answer = Answer(answered_by_id=answerer.id, body=answer,
                                     created_at=answered_at, updated_at=answered_at)


def add_amendments(ctx: DemoContext, need: Need) -> None:
    rng = ctx.rng
    chance = {NeedStatus.PUBLISHED: 0.4, NeedStatus.CLOSED: 0.15, NeedStatus.AWARDED: 0.15}.get(need.status, 0)
    if rng.random() >= chance:
        return
    kind = rng.choice(list(AMENDMENT_SUMMARIES))
    end = _open_until(ctx, need) - timedelta(hours=1)
    if kind == "deadline":
        old = need.deadline_at - timedelta(days=rng.choice([7, 10, 14]))
        end = min(end, old - timedelta(hours=1))
        changes = {"deadline_at": {"old": old.isoformat(), "new": need.deadline_at.isoformat()}}
    elif kind == "budget":
        old_max = max(need.budget_min_cents, need.budget_max_cents * 85 // 100 // 500_000 * 500_000)
        if old_max == need.budget_max_cents:
            return
        changes = {"budget_max_cents": {"old": old_max, "new": need.budget_max_cents}}
    else:
        addition = (" Le périmètre inclut désormais les services déconcentrés."
                    if need.route == "public" else " Le périmètre inclut désormais les filiales européennes.")
        if len(need.summary) + len(addition) > 500:
            return
        old_summary = need.summary
        need.summary = old_summary + addition
        changes = {"summary": {"old": old_summary, "new": need.summary}}
    when = ctx.between(need.published_at + timedelta(hours=6), end)
    db.session.add(Amendment(need=need, author_id=ctx.owner(need.buyer).id, summary=AMENDMENT_SUMMARIES[kind],
                             changes=changes, created_at=when))
