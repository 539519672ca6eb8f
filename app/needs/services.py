"""Need operations along the tender lifecycle: plain functions with keyword-only options
that never commit. Each transition records an outbox event and an audit line.

Who may act is decided by ``app.needs.policy`` (the pages ask it first); these functions
check the state a need must be in and the input, raising NeedError(field, code) for
anything refused, before anything is changed.

draft --publish--> published --deadline (server clock)--> closed --> awarded (bids)
  \\                     \\                                 \\--> unsuccessful
   \\--cancel-->          \\--cancel-->                      \\--cancel--> cancelled
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select, text

from app.accounts.models import Organisation, User
from app.audit.services import record_audit
from app.db import utcnow
from app.events import record_event
from app.extensions import db
from app.needs.models import Amendment, CategoryRow, Need, NeedStatus, Route
from app.needs.policy import deadline_passed, effective_status
from app.needs.validation import (
    FIELDS,
    LOCKED_AFTER_PUBLICATION,
    TEXT_FIELDS,
    InvalidNeed,
    NeedError,
    clean_need_values,
    normalise_text,
    publication_problems,
    raise_all,
)

__all__ = [
    "InvalidNeed", "NeedError", "cancel_need", "discard_draft", "check_need_values", "close_expired_needs", "close_if_expired",
    "create_need", "declare_unsuccessful", "need_values", "publish_need", "update_need",
]
MAX_REASON = 4000


# --- values -----------------------------------------------------------------------------


def need_values(need: Need) -> dict:
    """The editable fields of a need, in the shape clean_need_values takes and returns."""
    values = {name: getattr(need, name) for name in FIELDS if name != "categories"}
    values["categories"] = sorted(c.code for c in need.categories)
    return values


def _same_minute(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


def check_need_values(values: Mapping[str, object], *, buyer: Organisation, need: Need | None = None,
                      now: datetime | None = None) -> dict:
    """The checked values a create (need=None) or an edit of ``need`` would write.

    A published need keeps its locked fields (who sees it, whether bids are sealed) and
    its deadline may only move later. Raises InvalidNeed listing every problem.
    """
    now = now or utcnow()
    if need is None:
        return clean_need_values(values, buyer=buyer, now=now)
    current = need_values(need)
    proposed = dict(values)
    # The form shows minutes: an untouched deadline keeps its stored seconds.
    if _same_minute(proposed.get("deadline_at"), current["deadline_at"]):
        proposed["deadline_at"] = current["deadline_at"]
    errors: list[NeedError] = []
    if need.status == NeedStatus.PUBLISHED:
        for name in LOCKED_AFTER_PUBLICATION:
            if name in proposed and _plain(proposed[name]) != _plain(current[name]):
                errors.append(NeedError(name, "locked_after_publication"))
            proposed[name] = current[name]
    try:
        clean = clean_need_values({**current, **proposed}, buyer=buyer, now=now)
    except InvalidNeed as exc:
        errors.extend(exc.errors)
        clean = None
    if clean is not None and need.status == NeedStatus.PUBLISHED and clean["deadline_at"] < need.deadline_at:
        errors.append(NeedError("deadline_at", "deadline_shortened"))
    raise_all(errors)
    return clean


def _plain(value):
    """A value as stored in a change log (JSON): times in ISO 8601, enums by value."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return list(value)
    return value


def _changes(need: Need, clean: Mapping[str, object]) -> dict[str, dict]:
    current = need_values(need)

    def same(name: str) -> bool:
        if name in TEXT_FIELDS:  # stored text may predate the trimming rules
            return normalise_text(current[name]) == clean[name]
        return _plain(current[name]) == _plain(clean[name])

    return {
        name: {"old": _plain(current[name]), "new": _plain(clean[name])}
        for name in FIELDS
        if not same(name)
    }


def _apply(need: Need, clean: Mapping[str, object]) -> None:
    for name, value in clean.items():
        if name != "categories":
            setattr(need, name, value)
    need.categories = [db.session.get(CategoryRow, code) for code in sorted(clean["categories"])]  # code order


REFERENCE_LOCK = 7_310_001  # a PostgreSQL advisory lock: one reference handed out at a time


def _next_reference(now: datetime) -> str:
    """TRP-<year>-<number>, numbered within the year."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REFERENCE_LOCK})
    prefix = f"TRP-{now.year}-"
    # Numbers are zero-padded to four digits and grow longer past 9999: the greatest is the
    # greatest among the longest references (one query, not every reference of the year).
    of_year = Need.reference.like(f"{prefix}%")
    longest = select(func.max(func.length(Need.reference))).where(of_year).scalar_subquery()
    last = db.session.scalar(select(func.max(Need.reference)).where(of_year, func.length(Need.reference) == longest))
    tail = last[len(prefix):] if last else ""
    return f"{prefix}{(int(tail) if tail.isdigit() else 0) + 1:04d}"


# --- lifecycle --------------------------------------------------------------------------


def create_need(*, buyer: Organisation, by: User, values: Mapping[str, object], now: datetime | None = None) -> Need:
    """A draft need of ``buyer``: only the buyer's members see it until it is published."""
    now = now or utcnow()
    clean = check_need_values(values, buyer=buyer, now=now)
    need = Need(reference=_next_reference(now), buyer=buyer, created_by_id=by.id, status=NeedStatus.DRAFT)
    _apply(need, clean)
    db.session.add(need)
    db.session.flush()
    record_audit("need.created", actor=by, organisation=buyer, subject=need, details={"reference": need.reference})
    record_event("need.created", need_id=need.id, buyer_id=buyer.id)
    return need


def update_need(need: Need, *, by: User, values: Mapping[str, object], amendment_summary: str | None = None,
                expected_version: int | None = None, now: datetime | None = None) -> Amendment | None:
    """Change a need: a draft freely; a published need open for bids by an amendment.

    Returns the amendment recorded (None for a draft, or when nothing changed).
    """
    now = now or utcnow()
    if expected_version is not None and expected_version != need.version:
        raise NeedError(None, "edited_meanwhile")
    if effective_status(need, now) not in (NeedStatus.DRAFT, NeedStatus.PUBLISHED):
        raise NeedError(None, "not_editable")
    clean = check_need_values(values, buyer=need.buyer, need=need, now=now)
    changes = _changes(need, clean)
    if not changes:
        return None
    if need.status == NeedStatus.DRAFT:
        _apply(need, clean)
        record_audit("need.updated", actor=by, organisation=need.buyer, subject=need,
                     details={"fields": sorted(changes)})
        return None
    summary = (amendment_summary or "").strip()
    if not summary:
        raise NeedError("amendment_summary", "amendment_summary_required")
    if len(summary) > MAX_REASON:
        raise NeedError("amendment_summary", "too_long", max=MAX_REASON)
    _apply(need, clean)
    amendment = Amendment(need=need, author_id=by.id, summary=summary, changes=changes, created_at=now)
    db.session.add(amendment)
    db.session.flush()
    record_audit("need.amended", actor=by, organisation=need.buyer, subject=need,
                 details={"amendment_id": amendment.id, "fields": sorted(changes)})
    record_event("need.amended", need_id=need.id, amendment_id=amendment.id, fields=sorted(changes))
    return amendment


def publish_need(need: Need, *, by: User, now: datetime | None = None) -> None:
    """Publish a complete draft: suppliers allowed by its visibility see it from now on."""
    now = now or utcnow()
    if need.status != NeedStatus.DRAFT:
        raise NeedError(None, "not_draft")
    raise_all(publication_problems(need, now=now))
    if need.route == Route.PUBLIC:
        need.sealed_bids = True
    need.status = NeedStatus.PUBLISHED
    need.published_at = now
    db.session.flush()
    record_audit("need.published", actor=by, organisation=need.buyer, subject=need)
    record_event("need.published", need_id=need.id, buyer_id=need.buyer_id, visibility=need.visibility.value)
    for invitation in need.invitations:  # invited while a draft: told now that they can see it
        record_event("need.invitation", need_id=need.id, invitation_id=invitation.id,
                     supplier_id=invitation.supplier_id)


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise NeedError("reason", "reason_required")
    if len(text) > MAX_REASON:
        raise NeedError("reason", "too_long", max=MAX_REASON)
    return text


def cancel_need(need: Need, *, by: User, reason: str | None, now: datetime | None = None) -> None:
    """Stop a need before any award; the reason is shown to those who can see it."""
    now = now or utcnow()
    if need.status not in (NeedStatus.PUBLISHED, NeedStatus.CLOSED):
        raise NeedError(None, "not_cancellable")
    text = _reason(reason)
    need.status = NeedStatus.CANCELLED
    need.cancelled_at = now
    need.status_reason = text
    db.session.flush()
    record_audit("need.cancelled", actor=by, organisation=need.buyer, subject=need, details={"reason": text})
    record_event("need.cancelled", need_id=need.id)


def discard_draft(need: Need, *, by: User) -> None:
    """Delete a draft (never published: no supplier knew it); the audit log keeps a line."""
    if need.status != NeedStatus.DRAFT:
        raise NeedError(None, "not_discardable")
    record_audit("need.discarded", actor=by, organisation=need.buyer, subject=need,
                 details={"reference": need.reference, "title": need.title})
    record_event("need.discarded", need_id=need.id)
    db.session.delete(need)
    db.session.flush()


def _close(need: Need) -> None:
    need.status = NeedStatus.CLOSED
    need.closed_at = need.deadline_at  # bids stopped at the deadline, whenever this runs
    record_audit("need.closed", organisation=need.buyer, subject=need)
    record_event("need.closed", need_id=need.id)


def declare_unsuccessful(need: Need, *, by: User, reason: str | None, now: datetime | None = None) -> None:
    """After the deadline: no bid will be awarded (none received, none suitable...)."""
    now = now or utcnow()
    status = effective_status(need, now)
    if status == NeedStatus.PUBLISHED:
        raise NeedError(None, "deadline_not_passed")
    if status != NeedStatus.CLOSED:
        raise NeedError(None, "not_closed")
    text = _reason(reason)
    if need.status == NeedStatus.PUBLISHED:
        _close(need)
    need.status = NeedStatus.UNSUCCESSFUL
    need.closed_at = now
    need.status_reason = text
    db.session.flush()
    record_audit("need.unsuccessful", actor=by, organisation=need.buyer, subject=need, details={"reason": text})
    record_event("need.unsuccessful", need_id=need.id)


def close_if_expired(need: Need, *, now: datetime | None = None) -> bool:
    """Close a published need whose deadline has passed (e.g. when its page is read)."""
    if need.status == NeedStatus.PUBLISHED and deadline_passed(need, now):
        _close(need)
        db.session.flush()
        return True
    return False


def close_expired_needs(*, now: datetime | None = None) -> list[Need]:
    """Close every published need past its deadline by the server's clock."""
    now = now or utcnow()
    stmt = (
        select(Need)
        .where(Need.status == NeedStatus.PUBLISHED, Need.deadline_at <= now)
        .order_by(Need.deadline_at, Need.id)
        .with_for_update(skip_locked=True)
    )
    needs = list(db.session.scalars(stmt))
    for need in needs:
        _close(need)
    db.session.flush()
    return needs
