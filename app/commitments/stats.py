"""The commitment tracker's figures, summed in the database.

Every figure is one SQL aggregate over ``purchases`` (SQLAlchemy Core statements, no
loop over purchases in Python), on PostgreSQL and SQLite alike. Each takes:

- the **programme** (target, period, eligibility rule: ``Programme.from_config()``);
- a **scope**: the alliance members together (``Scope.MEMBERS``) or one buyer
  organisation (``Scope.of_buyer(id)``).

What counts:

- only purchases dated within the programme period (``COMMITMENT_START`` to
  ``COMMITMENT_END``, both included);
- *verified* amounts are purchases with status verified (awarded on Tremplin, or
  declared and verified by the operator); *declared* amounts are purchases awaiting
  verification, always shown apart; rejected purchases never count;
- amounts "that count" are those the eligibility rule in force accepts (``rule.sql``).

Money is integer cents throughout; shares are ``Decimal`` percentages with one decimal,
rounded half up. Breakdowns and Small Business Act indicators: ``stats_breakdowns``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from flask import current_app
from sqlalchemy import and_, case, extract, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from app.accounts.models import Organisation
from app.commitments.eligibility import RULES, Rule
from app.commitments.models import Commitment, Purchase, PurchaseSource, PurchaseStatus
from app.extensions import db

P = Purchase
VERIFIED = PurchaseStatus.VERIFIED.value
DECLARED = PurchaseStatus.DECLARED.value
# The average month used for paces: 365.25 / 12 days.
MONTH_DAYS = Fraction(1461, 48)
TREND_DAYS = 90


# --- programme and scope -------------------------------------------------------------------

@dataclass(frozen=True)
class Programme:
    target_cents: int
    start: date
    end: date
    rule: Rule
    name: str = ""

    @classmethod
    def from_config(cls, config=None) -> Programme:
        config = config if config is not None else current_app.config
        return cls(target_cents=config["COMMITMENT_TARGET_CENTS"], start=config["COMMITMENT_START"],
                   end=config["COMMITMENT_END"], rule=RULES[config["COMMITMENT_ELIGIBILITY"]],
                   name=config.get("COMMITMENT_PROGRAMME", ""))

    def in_period(self) -> ColumnElement:
        return P.purchased_on.between(self.start, self.end)

    def eligible(self) -> ColumnElement:
        return self.rule.sql(P)


@dataclass(frozen=True)
class Scope:
    """Whose purchases: the alliance members together, one buyer organisation, or a few members
    (the page of a table)."""

    buyer_id: int | None = None
    buyer_ids: tuple[int, ...] | None = None

    @classmethod
    def of_buyer(cls, organisation_id: int) -> Scope:
        return cls(buyer_id=organisation_id)

    @classmethod
    def of_buyers(cls, organisation_ids) -> Scope:
        return cls(buyer_ids=tuple(organisation_ids))

    @property
    def is_members(self) -> bool:
        return self.buyer_id is None and self.buyer_ids is None

    def condition(self) -> ColumnElement:
        if self.buyer_id is not None:
            return P.buyer_id == self.buyer_id
        if self.buyer_ids is not None:
            return P.buyer_id.in_(self.buyer_ids)
        return P.buyer_id.in_(select(Organisation.id).where(Organisation.alliance_member.is_(True)))

    def organisations(self) -> ColumnElement:
        """The same scope as a condition on organisations (the rows of per-member tables)."""
        if self.buyer_id is not None:
            return and_(Organisation.id == self.buyer_id, Organisation.alliance_member.is_(True))
        if self.buyer_ids is not None:
            return and_(Organisation.id.in_(self.buyer_ids), Organisation.alliance_member.is_(True))
        return Organisation.alliance_member.is_(True)


Scope.MEMBERS = Scope()


# --- arithmetic ------------------------------------------------------------------------------

def cents(value) -> int:
    """A database sum (int, Decimal or None) as integer cents."""
    return int(value or 0)


def round_half_up(value: Fraction) -> int:
    """The nearest integer, halves away from zero."""
    sign = -1 if value < 0 else 1
    value = abs(value)
    return sign * ((value.numerator * 2 + value.denominator) // (value.denominator * 2))


def share(part: int, whole: int) -> Decimal | None:
    """``part`` as a percentage of ``whole``, one decimal, rounded half up (None if whole is 0)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def sum_if(condition, column=None):
    return func.coalesce(func.sum(case((condition, column if column is not None else P.amount_cents), else_=0)), 0)


# --- the collective figure -------------------------------------------------------------------

@dataclass(frozen=True)
class MonthPoint:
    month: date  # first day of the month
    verified_cents: int | None  # cumulative, verified (None: not shown, see ``collective``)
    declared_cents: int | None  # cumulative, verified plus awaiting verification (None: not shown)


@dataclass(frozen=True)
class Pace:
    """Where the programme stands against time, in cents per average month (365.25/12 days).

    - ``so_far``: verified amount / days elapsed since the start, per month;
    - ``needed``: what remains to reach the target / days left until the end, per month;
    - ``projection``: the verified amount at the end if the pace so far holds (linear).
    """

    days_total: int
    days_elapsed: int
    days_left: int
    so_far_cents: int | None
    needed_cents: int | None
    projection_cents: int | None
    reached_on: date | None  # when the target is reached at the pace so far (None: reached, or not in time)

    @property
    def on_track(self) -> bool | None:
        if self.needed_cents is None or self.so_far_cents is None:
            return None
        return self.so_far_cents >= self.needed_cents


def pace(*, verified_cents: int, target_cents: int, start: date, end: date, today: date) -> Pace:
    days_total = (end - start).days + 1
    days_elapsed = min(max((today - start).days + 1, 0), days_total)
    days_left = days_total - days_elapsed
    remaining = max(target_cents - verified_cents, 0)
    so_far = projection = reached_on = None
    if days_elapsed:
        so_far = round_half_up(Fraction(verified_cents) * MONTH_DAYS / days_elapsed)
        projection = round_half_up(Fraction(verified_cents * days_total, days_elapsed))
        if 0 < verified_cents < target_cents:
            day = -(-target_cents * days_elapsed // verified_cents)  # the first day the line reaches the target
            if day <= days_total:
                reached_on = start + timedelta(days=day - 1)
    if remaining == 0:
        needed = 0
    elif days_left:
        needed = round_half_up(Fraction(remaining) * MONTH_DAYS / days_left)
    else:
        needed = None  # the period is over
    return Pace(days_total, days_elapsed, days_left, so_far, needed, projection, reached_on)


@dataclass(frozen=True)
class Collective:
    verified_cents: int
    declared_cents: int  # awaiting verification, apart from verified
    target_cents: int
    series: list[MonthPoint]
    pace: Pace
    today: date
    start: date
    end: date
    rule: Rule
    # The public figures' minimum cell size (None: exact figures, for members and the operator).
    min_cell: int | None = None
    verified_hidden: bool = False  # fewer than min_cell verified purchases: no verified amount shown
    declared_hidden: bool = False  # fewer than min_cell purchases awaiting verification: not shown

    @property
    def progress(self) -> Decimal | None:
        return None if self.verified_hidden else share(self.verified_cents, self.target_cents)

    @property
    def progress_with_declared(self) -> Decimal | None:
        if self.verified_hidden or self.declared_hidden:
            return None
        return share(self.verified_cents + self.declared_cents, self.target_cents)

    @property
    def projection_share(self) -> Decimal | None:
        return None if self.pace.projection_cents is None else share(self.pace.projection_cents, self.target_cents)

    @property
    def remaining_cents(self) -> int:
        return max(self.target_cents - self.verified_cents, 0)


def months_between(first: date, last: date) -> list[date]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def monthly_statement(programme: Programme, scope: Scope):
    """Eligible verified and declared amounts by calendar month of purchase, and how many
    purchases make each (for the public figures' minimum cell size)."""
    year, month = extract("year", P.purchased_on), extract("month", P.purchased_on)
    return (
        select(year.label("year"), month.label("month"),
               sum_if(P.status == VERIFIED).label("verified"),
               sum_if(P.status == DECLARED).label("declared"),
               sum_if(P.status == VERIFIED, literal(1)).label("verified_count"),
               sum_if(P.status == DECLARED, literal(1)).label("declared_count"))
        .where(scope.condition(), programme.in_period(), programme.eligible(),
               P.status.in_((VERIFIED, DECLARED)))
        .group_by(year, month)
    )


def stepped(groups: list[tuple[int, int]], k: int) -> list[int] | None:
    """The cumulative amounts of ``groups`` (amount, number of purchases) protected by a
    minimum cell size ``k``: a group of fewer than ``k`` purchases is carried into the next
    one, so the cumulative value steps up only once at least ``k`` purchases accumulated
    since the last step; what remains at the end (fewer than ``k`` purchases) joins the last
    step, so the last value is the exact total (shown elsewhere anyway) and no step, nor the
    last value minus the total, is made of fewer than ``k`` purchases.

    None when all groups together hold fewer than ``k`` purchases (nothing may be shown).
    """
    values, shown, pending_cents, pending_n, last_step = [], 0, 0, 0, None
    for amount, n in groups:
        pending_cents, pending_n = pending_cents + amount, pending_n + n
        if pending_n >= k:
            shown, pending_cents, pending_n, last_step = shown + pending_cents, 0, 0, len(values)
        values.append(shown)
    if last_step is None:
        return None if pending_n else values
    for i in range(last_step, len(values)):
        values[i] += pending_cents
    return values


def collective(programme: Programme, scope: Scope = Scope.MEMBERS, *, today: date,
               min_cell: int | None = None) -> Collective:
    """Verified and declared eligible amounts, the monthly cumulative series and the pace.

    With ``min_cell`` (the public figures), no figure reveals fewer than ``min_cell``
    purchases: each cumulative line moves by ``stepped`` groups of at least ``min_cell``
    purchases (purchases dated after today join the last month shown, so the line ends
    at the total); the line "verified + awaiting verification" is the protected verified
    line plus the protected line of purchases awaiting verification, so the gap between
    the two lines never isolates a purchase either; a total of fewer than ``min_cell``
    purchases is not shown (``verified_hidden`` / ``declared_hidden``, its line and, for
    the verified total, the pace, all derived from it, are None).
    """
    rows = db.session.execute(monthly_statement(programme, scope))
    by_month = {(int(r.year), int(r.month)): (cents(r.verified), cents(r.declared),
                                              int(r.verified_count or 0), int(r.declared_count or 0))
                for r in rows}
    verified = sum(m[0] for m in by_month.values())
    declared = sum(m[1] for m in by_month.values())
    last = min(max(today, programme.start), programme.end)
    months = months_between(programme.start, last)
    the_pace = pace(verified_cents=verified, target_cents=programme.target_cents, start=programme.start,
                    end=programme.end, today=today)
    verified_hidden = declared_hidden = False
    if min_cell is None:
        series, running_v, running_d = [], 0, 0
        for first_day in months:
            v, d, _, _ = by_month.get((first_day.year, first_day.month), (0, 0, 0, 0))
            running_v, running_d = running_v + v, running_d + d
            series.append(MonthPoint(first_day, running_v, running_v + running_d))
        # Purchases dated after today (within the period) still count in the totals.
    else:
        groups = [[0, 0, 0, 0] for _ in months]
        index = {(m.year, m.month): i for i, m in enumerate(months)}
        for key, values in by_month.items():
            i = index.get(key, len(months) - 1)  # dated after today: the last month shown
            groups[i] = [a + b for a, b in zip(groups[i], values, strict=True)]
        verified_line = stepped([(g[0], g[2]) for g in groups], min_cell)
        declared_line = stepped([(g[1], g[3]) for g in groups], min_cell)
        verified_hidden, declared_hidden = verified_line is None, declared_line is None
        series = [MonthPoint(m, None if verified_hidden else verified_line[i],
                             None if verified_hidden or declared_hidden else verified_line[i] + declared_line[i])
                  for i, m in enumerate(months)]
        if verified_hidden:
            verified = 0
            the_pace = Pace(the_pace.days_total, the_pace.days_elapsed, the_pace.days_left, None, None, None, None)
        if declared_hidden:
            declared = 0
    return Collective(
        verified_cents=verified, declared_cents=declared, target_cents=programme.target_cents, series=series,
        pace=the_pace, today=today, start=programme.start, end=programme.end, rule=programme.rule,
        min_cell=min_cell, verified_hidden=verified_hidden, declared_hidden=declared_hidden,
    )


# --- per member ------------------------------------------------------------------------------

class Trend(enum.StrEnum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"
    NONE = "none"  # nothing in either window


@dataclass(frozen=True)
class MemberRow:
    organisation_id: int
    name: str
    pledged_cents: int | None
    awarded_cents: int  # awarded on Tremplin, counting under the rule
    declared_cents: int  # declared elsewhere, awaiting verification, counting under the rule
    verified_cents: int  # verified (awarded or declared), counting under the rule
    verified_all_cents: int  # verified, every supplier
    last_window_cents: int  # verified and counting, the last TREND_DAYS days
    previous_window_cents: int  # the TREND_DAYS before
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def progress(self) -> Decimal | None:
        return share(self.verified_cents, self.pledged_cents or 0)

    @property
    def trend(self) -> Trend:
        last, previous = self.last_window_cents, self.previous_window_cents
        if not last and not previous:
            return Trend.NONE
        if last == previous:
            return Trend.FLAT
        return Trend.UP if last > previous else Trend.DOWN

    @property
    def trend_change(self) -> Decimal | None:
        """The change of the last window against the one before, in percent."""
        if not self.previous_window_cents:
            return None
        return share(self.last_window_cents - self.previous_window_cents, self.previous_window_cents)


# The order of the per-member tables: largest pledges first.
MEMBER_ORDER = (Commitment.amount_cents.desc().nulls_last(), Organisation.name, Organisation.id)


def members_statement(programme: Programme, scope: Scope, *, today: date):
    """Per member: pledge, awarded, declared, verified, verified for every supplier, trend windows
    (one hash aggregate by buyer over the period's purchases, joined to the members)."""
    eligible = programme.eligible()
    verified = and_(P.status == VERIFIED, eligible)
    last_from = today - timedelta(days=TREND_DAYS - 1)
    previous_from = last_from - timedelta(days=TREND_DAYS)
    sums = (
        select(
            P.buyer_id.label("buyer_id"),
            sum_if(and_(P.source == PurchaseSource.AWARD.value, verified)).label("awarded"),
            sum_if(and_(P.source == PurchaseSource.DECLARED.value, P.status == DECLARED, eligible)).label("declared"),
            sum_if(verified).label("verified"),
            sum_if(P.status == VERIFIED).label("verified_all"),
            sum_if(and_(verified, P.purchased_on.between(last_from, today))).label("last_window"),
            sum_if(and_(verified, P.purchased_on.between(previous_from, last_from - timedelta(days=1))))
            .label("previous_window"),
        )
        .where(scope.condition(), programme.in_period(), P.status.in_((VERIFIED, DECLARED)))
        .group_by(P.buyer_id)
        .subquery("sums")
    )
    return (
        select(Organisation.id, Organisation.name, Commitment.amount_cents.label("pledged"),
               *(func.coalesce(c, 0).label(c.name) for c in sums.c if c.name != "buyer_id"))
        .select_from(Organisation)
        .outerjoin(Commitment, Commitment.organisation_id == Organisation.id)
        .outerjoin(sums, sums.c.buyer_id == Organisation.id)
        .where(scope.organisations())
        .order_by(*MEMBER_ORDER)
    )


def members(programme: Programme, scope: Scope = Scope.MEMBERS, *, today: date) -> list[MemberRow]:
    """One row per alliance member in scope: pledge, awarded, declared, verified, trend."""
    return [
        MemberRow(organisation_id=r.id, name=r.name, pledged_cents=None if r.pledged is None else int(r.pledged),
                  awarded_cents=cents(r.awarded), declared_cents=cents(r.declared),
                  verified_cents=cents(r.verified), verified_all_cents=cents(r.verified_all),
                  last_window_cents=cents(r.last_window), previous_window_cents=cents(r.previous_window))
        for r in db.session.execute(members_statement(programme, scope, today=today))
    ]


def member_page(page: int, per_page: int) -> tuple[list[int], int]:
    """The members of one page of the per-member tables (largest pledges first), and how many
    members there are: the tables then sum the purchases of that page's members only."""
    total = db.session.scalar(select(func.count()).select_from(Organisation)
                              .where(Organisation.alliance_member.is_(True))) or 0
    ids = db.session.scalars(
        select(Organisation.id).outerjoin(Commitment, Commitment.organisation_id == Organisation.id)
        .where(Organisation.alliance_member.is_(True)).order_by(*MEMBER_ORDER)
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(ids), total


def pledged_total(scope: Scope = Scope.MEMBERS) -> tuple[int, int]:
    """The members' pledges added up, and how many members have pledged."""
    row = db.session.execute(
        select(func.coalesce(func.sum(Commitment.amount_cents), 0), func.count(Commitment.id))
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .where(scope.organisations())
    ).one()
    return cents(row[0]), int(row[1])
