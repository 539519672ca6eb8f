"""Breakdowns of verified purchases, Small Business Act indicators and the latest awarded deals.

Same conventions as ``app.commitments.stats``: one SQL aggregate per figure, a programme
(period, rule) and a scope (the alliance members, or one buyer), integer cents.

- **Breakdowns** of verified purchases in the period by axis of the taxonomy, supplier
  class, supplier geography, region, procurement route and hosting (SecNumCloud or
  not): for each value, the amount and number of purchases that count under the rule,
  and of all verified purchases.
- **Small Business Act indicators**: the share of verified value going to EU SMEs and
  startups (supplier in France or elsewhere in the EU, class startup or SME, whatever
  the commitment rule), and the suppliers reached for the first time in the period: for
  one buyer, suppliers whose first verified purchase *by that buyer* falls in the period;
  overall, those whose first verified purchase by *any* buyer in scope does.
- **Latest awarded deals** of public needs, whose amount is read from the database only
  when the buyer agreed to disclose it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, and_, case, cast, func, literal, select
from sqlalchemy.orm import aliased

from app.accounts.models import Organisation
from app.bids.models import Award
from app.commitments.eligibility import CLASS_LABELS, GEOGRAPHY_LABELS, Geography, SupplierClass
from app.commitments.models import PurchaseSource
from app.commitments.stats import VERIFIED, P, Programme, Scope, cents, share, sum_if
from app.extensions import db
from app.i18n import current_locale
from app.needs.models import CategoryRow, Need, NeedStatus, Route, Visibility
from app.needs.regions import REGIONS
from app.needs.taxonomy import AXES, BY_CODE

NOT_STATED = "none"  # the key of purchases without a value for the dimension
SMALL_GROUPS = "_small"  # the key of the public figures' row folding groups of too few purchases

SOVEREIGNTY_LABELS = {
    "secnumcloud": _l("Hosted on SecNumCloud"),
    "other": _l("Not on SecNumCloud"),
    NOT_STATED: _l("Hosting not known"),
}
ROUTE_LABELS = {Route.PUBLIC.value: _l("Public procurement"), Route.PRIVATE.value: _l("Private purchase")}


# --- breakdowns ------------------------------------------------------------------------------

def _axis_key():
    return func.coalesce(CategoryRow.parent_code, CategoryRow.code)


def _sovereignty_key():
    return case((P.secnumcloud.is_(True), literal("secnumcloud")), (P.secnumcloud.is_(False), literal("other")),
                else_=literal(NOT_STATED))


@dataclass(frozen=True)
class Dimension:
    code: str
    title: object  # lazy string
    key: object  # a function giving the SQL expression to group by
    order: tuple[str, ...] | None  # a fixed order of keys, else by amount
    joins_categories: bool = False

    def label(self, key: str | None, min_cell: int | None = None) -> str:
        key = key or NOT_STATED
        if key == SMALL_GROUPS:
            return _("Other (groups of fewer than %(k)d purchases)", k=min_cell or 0)
        if self.code == "axis":
            category = BY_CODE.get(key)
            return category.label(current_locale()) if category else str(_l("Category not stated"))
        if self.code == "class":
            return str(CLASS_LABELS.get(key, key))
        if self.code == "geography":
            return str(GEOGRAPHY_LABELS.get(key, key))
        if self.code == "region":
            return REGIONS.get(key) or str(_l("Region not stated"))
        if self.code == "route":
            return str(ROUTE_LABELS.get(key, _l("Route not stated")))
        return str(SOVEREIGNTY_LABELS.get(key, key))


DIMENSIONS: dict[str, Dimension] = {d.code: d for d in (
    Dimension("axis", _l("By axis"), _axis_key, tuple(a.code for a in AXES) + (NOT_STATED,), True),
    Dimension("class", _l("By supplier size"), lambda: P.supplier_class, tuple(c.value for c in SupplierClass)),
    Dimension("geography", _l("By supplier location"), lambda: P.supplier_geo, tuple(g.value for g in Geography)),
    Dimension("region", _l("By region"), lambda: P.region, None),
    Dimension("route", _l("By procurement route"), lambda: P.route, (Route.PUBLIC.value, Route.PRIVATE.value,
                                                                      NOT_STATED)),
    Dimension("sovereignty", _l("By hosting"), _sovereignty_key, ("secnumcloud", "other", NOT_STATED)),
)}


@dataclass(frozen=True)
class BreakdownRow:
    dimension: Dimension
    key: str
    eligible_cents: int  # verified, counting under the rule
    eligible_count: int
    all_cents: int  # verified, every supplier
    all_count: int
    min_cell: int | None = None  # the public figures' minimum cell size (None: exact figures)
    hidden: bool = False  # amounts not shown (a folded row of fewer than min_cell purchases)

    @property
    def label(self) -> str:
        """The value's name in the reader's language."""
        return self.dimension.label(self.key, self.min_cell)


@dataclass(frozen=True)
class Breakdown:
    dimension: Dimension
    rows: list[BreakdownRow]
    min_cell: int | None = None
    folded: frozenset[str] = frozenset()  # keys folded into the SMALL_GROUPS row

    @property
    def eligible_cents(self) -> int:
        return sum(r.eligible_cents for r in self.rows if not r.hidden)

    @property
    def all_cents(self) -> int:
        return sum(r.all_cents for r in self.rows if not r.hidden)

    @property
    def hidden(self) -> bool:
        return any(r.hidden for r in self.rows)

    def share(self, row: BreakdownRow) -> Decimal | None:
        if row.hidden or self.hidden:
            return None
        return share(row.all_cents, self.all_cents)

    @property
    def secnumcloud_share(self) -> Decimal | None:
        """For hosting: the share of value whose hosting is known that is on SecNumCloud."""
        if self.hidden or self.folded & {"secnumcloud", "other"}:
            return None
        by_key = {r.key: r.all_cents for r in self.rows}
        return share(by_key.get("secnumcloud", 0), by_key.get("secnumcloud", 0) + by_key.get("other", 0))


def safe_count(n: int, k: int) -> bool:
    """Whether an amount made of ``n`` purchases may be shown under a minimum cell size ``k``
    (none at all reveals no deal)."""
    return n == 0 or n >= k


def protect(b: Breakdown, k: int) -> Breakdown:
    """The breakdown as the public figures show it: no amount made of 1 to ``k - 1`` purchases.

    Each row has two amounts that count purchases: the part that counts under the rule and,
    by subtraction from the row's total, the part that does not. A row is shown when each is
    made of no purchase or at least ``k``; the others are folded into one row « Other ».

    The breakdown's total is public whatever we do here (it is the sum of another
    breakdown's rows, and the verified figure), so a hidden « Other » would be its total
    minus the rows shown. The rule is therefore: while « Other » is itself too small, the
    smallest row shown is folded into it too. « Other »'s amounts are not shown only when
    every row has been folded into it, that is when the whole breakdown is too small; its
    totals are then hidden elsewhere too (``collective`` and ``protect_sba`` apply the same
    counts). Every amount shown, and every difference of amounts shown within a breakdown,
    is thus made of no purchase or at least ``k``.

    Not covered: differences between rows of *different* breakdowns (a region minus a
    supplier class sharing all but one purchase) and between days (the figures before and
    after one new purchase); both need more than a minimum cell size.
    """
    def row_safe(eligible_n: int, all_n: int) -> bool:
        return safe_count(eligible_n, k) and safe_count(all_n - eligible_n, k)

    shown = [r for r in b.rows if row_safe(r.eligible_count, r.all_count)]
    folded = [r for r in b.rows if not row_safe(r.eligible_count, r.all_count)]
    if folded:
        while shown and not row_safe(sum(r.eligible_count for r in folded), sum(r.all_count for r in folded)):
            smallest = min(shown, key=lambda r: (r.all_count, r.all_cents, r.key))
            shown.remove(smallest)
            folded.append(smallest)
    rows = [replace(r, min_cell=k) for r in shown]
    if folded:
        eligible_n, all_n = sum(r.eligible_count for r in folded), sum(r.all_count for r in folded)
        hidden = not row_safe(eligible_n, all_n)
        rows.append(BreakdownRow(
            b.dimension, SMALL_GROUPS,
            eligible_cents=0 if hidden else sum(r.eligible_cents for r in folded), eligible_count=eligible_n,
            all_cents=0 if hidden else sum(r.all_cents for r in folded), all_count=all_n,
            min_cell=k, hidden=hidden))
    return Breakdown(b.dimension, rows, min_cell=k, folded=frozenset(r.key for r in folded))


def breakdown_statement(dimension: Dimension, programme: Programme, scope: Scope):
    """Verified purchases by value of the dimension and by whether the rule counts them (each
    tested once per purchase), then both spread into columns."""
    counts = case((programme.eligible(), 1), else_=0)
    key = dimension.key()
    inner = select(key.label("key"), counts.label("counts"), func.sum(P.amount_cents).label("amount"),
                   func.count().label("n")).select_from(P)
    if dimension.joins_categories:
        inner = inner.outerjoin(CategoryRow, CategoryRow.code == P.category_code)
    g = (inner.where(scope.condition(), programme.in_period(), P.status == VERIFIED)
         .group_by(key, counts).subquery("groups")).c
    return select(
        g.key,
        func.coalesce(func.sum(case((g.counts == 1, g.amount), else_=0)), 0).label("eligible_cents"),
        func.coalesce(func.sum(case((g.counts == 1, g.n), else_=0)), 0).label("eligible_count"),
        func.coalesce(func.sum(g.amount), 0).label("all_cents"),
        func.coalesce(func.sum(g.n), 0).label("all_count"),
    ).group_by(g.key)


def breakdown(code: str, programme: Programme, scope: Scope = Scope.MEMBERS) -> Breakdown:
    dimension = DIMENSIONS[code]
    rows = [
        BreakdownRow(dimension, key=r.key or NOT_STATED, eligible_cents=cents(r.eligible_cents),
                     eligible_count=int(r.eligible_count), all_cents=cents(r.all_cents), all_count=int(r.all_count))
        for r in db.session.execute(breakdown_statement(dimension, programme, scope))
    ]
    if dimension.order:
        rank = {k: i for i, k in enumerate(dimension.order)}
        rows.sort(key=lambda r: (rank.get(r.key, len(rank)), r.key))
    else:
        rows.sort(key=lambda r: (-r.all_cents, r.key == NOT_STATED, r.key))
    return Breakdown(dimension, rows)


# --- Small Business Act indicators ---------------------------------------------------------------

def eu_sme_condition():
    """An SME or startup of France or the EU (the Small Business Act's reach, not the pledge's rule)."""
    return and_(P.supplier_geo.in_((Geography.FRANCE.value, Geography.EU.value)),
                P.supplier_class.in_((SupplierClass.STARTUP.value, SupplierClass.SME.value)))


@dataclass(frozen=True)
class SbaRow:
    organisation_id: int | None  # None: every buyer in scope together
    name: str | None
    awarded_cents: int  # verified value in the period
    eu_sme_cents: int  # of which to EU SMEs and startups
    suppliers: int  # distinct suppliers paid in the period
    first_time_suppliers: int  # reached for the first time in the period
    awarded_count: int = 0  # verified purchases in the period
    eu_sme_count: int = 0  # of which to EU SMEs and startups
    min_cell: int | None = None  # the public figures' minimum cell size (None: exact figures)
    hidden: bool = False  # amounts and share not shown (see ``protect_sba``)

    @property
    def eu_sme_share(self) -> Decimal | None:
        return None if self.hidden else share(self.eu_sme_cents, self.awarded_cents)


def protect_sba(row: SbaRow, k: int, *, eligible_count: int) -> SbaRow:
    """The overall indicators as the public figures show them: the amounts (to EU SMEs and
    startups, to other suppliers, and their total) are hidden unless the total holds at least
    ``k`` purchases and each part, and the part not counting under the rule (the total minus
    the verified figure, ``eligible_count`` purchases), none or at least ``k``. The numbers of
    suppliers are counts, not amounts: always shown."""
    n = row.awarded_count
    shown = all(safe_count(part, k) for part in (n, row.eu_sme_count, n - row.eu_sme_count,
                                                             n - eligible_count))
    if shown:
        return replace(row, min_cell=k)
    return replace(row, awarded_cents=0, eu_sme_cents=0, min_cell=k, hidden=True)


def per_supplier_statement(programme: Programme, scope: Scope, *, by_buyer: bool):
    """One row per supplier (and buyer): its verified value in the period, of which to EU SMEs
    and startups, whether it was paid in the period, and the date of its first verified purchase.

    One pass over verified purchases, grouped by supplier key: the amounts, the suppliers paid
    and those reached for the first time all come from it (no COUNT(DISTINCT), no second scan).
    Purchases without a supplier key form a group of their own: counted in amounts, not as a
    supplier. By buyer, the partial index of migration 0005 gives the rows in that order.
    """
    in_period = programme.in_period()
    group = [P.buyer_id, P.supplier_key] if by_buyer else [P.supplier_key]
    return (
        select(*group,
               cast(sum_if(in_period), BigInteger).label("awarded"),
               cast(sum_if(and_(in_period, eu_sme_condition())), BigInteger).label("eu_sme"),
               cast(sum_if(in_period, literal(1)), BigInteger).label("awarded_count"),
               cast(sum_if(and_(in_period, eu_sme_condition()), literal(1)), BigInteger).label("eu_sme_count"),
               func.max(case((in_period, 1), else_=0)).label("paid"),
               func.min(P.purchased_on).label("first_on"))
        .where(scope.condition(), P.status == VERIFIED)
        .group_by(*group)
        .subquery("per_supplier")
    )


def _sba_columns(s, programme: Programme) -> list:
    known = s.c.supplier_key.is_not(None)
    first_in_period = and_(known, s.c.first_on.between(programme.start, programme.end))
    return [
        func.coalesce(func.sum(s.c.awarded), 0).label("awarded"),
        func.coalesce(func.sum(s.c.eu_sme), 0).label("eu_sme"),
        func.coalesce(func.sum(s.c.awarded_count), 0).label("awarded_count"),
        func.coalesce(func.sum(s.c.eu_sme_count), 0).label("eu_sme_count"),
        func.coalesce(func.sum(case((and_(known, s.c.paid == 1), 1), else_=0)), 0).label("suppliers"),
        func.coalesce(func.sum(case((first_in_period, 1), else_=0)), 0).label("first_time"),
    ]


def sba_overall(programme: Programme, scope: Scope = Scope.MEMBERS) -> SbaRow:
    s = per_supplier_statement(programme, scope, by_buyer=False)
    r = db.session.execute(select(*_sba_columns(s, programme))).one()
    return SbaRow(None, None, cents(r.awarded), cents(r.eu_sme), int(r.suppliers), int(r.first_time),
                  int(r.awarded_count), int(r.eu_sme_count))


def sba_overall_statement(programme: Programme, scope: Scope):
    s = per_supplier_statement(programme, scope, by_buyer=False)
    return select(*_sba_columns(s, programme))


def sba_by_buyer_statement(programme: Programme, scope: Scope):
    s = per_supplier_statement(programme, scope, by_buyer=True)
    per_buyer = (select(s.c.buyer_id, *_sba_columns(s, programme)).group_by(s.c.buyer_id)
                 .subquery("per_buyer"))
    return (
        select(Organisation.id, Organisation.name, per_buyer.c.awarded, per_buyer.c.eu_sme,
               per_buyer.c.suppliers, per_buyer.c.first_time)
        .join(per_buyer, per_buyer.c.buyer_id == Organisation.id)
        .where(per_buyer.c.awarded > 0)  # verified purchases in the period
        .order_by(per_buyer.c.awarded.desc(), Organisation.name, Organisation.id)
    )


def sba_by_buyer(programme: Programme, scope: Scope = Scope.MEMBERS) -> list[SbaRow]:
    """One row per buyer in scope with verified purchases in the period."""
    return [
        SbaRow(r.id, r.name, cents(r.awarded), cents(r.eu_sme), int(r.suppliers), int(r.first_time))
        for r in db.session.execute(sba_by_buyer_statement(programme, scope))
    ]


# --- the latest awarded deals ----------------------------------------------------------------------

@dataclass(frozen=True)
class Deal:
    purchased_on: date
    buyer: str
    supplier: str
    title: str
    reference: str
    axis: str | None
    amount_cents: int | None  # None: the buyer did not disclose it

    @property
    def axis_label(self) -> str:
        return DIMENSIONS["axis"].label(self.axis)


def latest_deals_statement(programme: Programme, scope: Scope, *, limit: int):
    buyer = aliased(Organisation)
    return (
        select(
            P.purchased_on,
            buyer.name.label("buyer"),  # a public need is never anonymised (ck_needs_public_not_anonymised)
            P.supplier_name, Need.title, Need.reference, _axis_key().label("axis"),
            # The amount leaves the database only when the buyer agreed to disclose it.
            case((P.disclose_amount.is_(True), P.amount_cents), else_=None).label("amount_cents"),
        )
        .select_from(P)
        .join(Award, Award.id == P.award_id)
        .join(Need, Need.id == Award.need_id)
        .join(buyer, buyer.id == P.buyer_id)
        .outerjoin(CategoryRow, CategoryRow.code == P.category_code)
        .where(scope.condition(), programme.in_period(), P.status == VERIFIED,
               P.source == PurchaseSource.AWARD.value, Need.visibility == Visibility.PUBLIC.value,
               Need.status != NeedStatus.DRAFT.value)
        .order_by(P.purchased_on.desc(), P.id.desc())
        .limit(limit)
    )


def latest_deals(programme: Programme, scope: Scope = Scope.MEMBERS, *, limit: int = 10) -> list[Deal]:
    """The latest deals awarded on Tremplin for needs anyone may see."""
    return [
        Deal(r.purchased_on, r.buyer or "", r.supplier_name or "", r.title, r.reference, r.axis,
             None if r.amount_cents is None else int(r.amount_cents))
        for r in db.session.execute(latest_deals_statement(programme, scope, limit=limit))
    ]
