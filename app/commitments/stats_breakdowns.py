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

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, distinct, func, literal, select
from sqlalchemy.orm import aliased

from app.accounts.models import Organisation
from app.bids.models import Award
from app.commitments.eligibility import CLASS_LABELS, GEOGRAPHY_LABELS, Geography, SupplierClass
from app.commitments.models import PurchaseSource
from app.commitments.stats import VERIFIED, P, Programme, Scope, _sum_if, cents, share
from app.extensions import db
from app.i18n import current_locale
from app.needs.models import CategoryRow, Need, NeedStatus, Route, Visibility
from app.needs.regions import REGIONS
from app.needs.taxonomy import AXES, BY_CODE

NOT_STATED = "none"  # the key of purchases without a value for the dimension

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

    def label(self, key: str | None) -> str:
        key = key or NOT_STATED
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

    @property
    def label(self) -> str:
        """The value's name in the reader's language."""
        return self.dimension.label(self.key)


@dataclass(frozen=True)
class Breakdown:
    dimension: Dimension
    rows: list[BreakdownRow]

    @property
    def eligible_cents(self) -> int:
        return sum(r.eligible_cents for r in self.rows)

    @property
    def all_cents(self) -> int:
        return sum(r.all_cents for r in self.rows)

    def share(self, row: BreakdownRow) -> Decimal | None:
        return share(row.all_cents, self.all_cents)

    @property
    def secnumcloud_share(self) -> Decimal | None:
        """For hosting: the share of value whose hosting is known that is on SecNumCloud."""
        by_key = {r.key: r.all_cents for r in self.rows}
        return share(by_key.get("secnumcloud", 0), by_key.get("secnumcloud", 0) + by_key.get("other", 0))


def breakdown_statement(dimension: Dimension, programme: Programme, scope: Scope):
    key = dimension.key().label("key")
    eligible = programme.eligible()
    stmt = select(
        key,
        _sum_if(eligible).label("eligible_cents"),
        func.count(case((eligible, 1))).label("eligible_count"),
        func.coalesce(func.sum(P.amount_cents), 0).label("all_cents"),
        func.count().label("all_count"),
    ).select_from(P)
    if dimension.joins_categories:
        stmt = stmt.outerjoin(CategoryRow, CategoryRow.code == P.category_code)
    return stmt.where(scope.condition(), programme.in_period(), P.status == VERIFIED).group_by(key)


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

    @property
    def eu_sme_share(self) -> Decimal | None:
        return share(self.eu_sme_cents, self.awarded_cents)


def _amounts(programme: Programme, scope: Scope, *, by_buyer: bool):
    columns = [
        func.coalesce(func.sum(P.amount_cents), 0).label("awarded"),
        _sum_if(eu_sme_condition()).label("eu_sme"),
        func.count(distinct(P.supplier_key)).label("suppliers"),
    ]
    stmt = select(*([P.buyer_id.label("buyer_id")] if by_buyer else []), *columns).where(
        scope.condition(), programme.in_period(), P.status == VERIFIED)
    return stmt.group_by(P.buyer_id) if by_buyer else stmt


def _first_times(programme: Programme, scope: Scope, *, by_buyer: bool):
    """Suppliers whose first verified purchase (by the buyer, or by anyone in scope) is in the period."""
    group = [P.buyer_id, P.supplier_key] if by_buyer else [P.supplier_key]
    firsts = (
        select(*group, func.min(P.purchased_on).label("first_on"))
        .where(scope.condition(), P.status == VERIFIED, P.supplier_key.is_not(None))
        .group_by(*group)
        .subquery("firsts")
    )
    in_period = firsts.c.first_on.between(programme.start, programme.end)
    if by_buyer:
        return (select(firsts.c.buyer_id, func.count().label("first_time"))
                .where(in_period).group_by(firsts.c.buyer_id))
    return select(func.count().label("first_time")).where(in_period)


def sba_overall(programme: Programme, scope: Scope = Scope.MEMBERS) -> SbaRow:
    amounts = db.session.execute(_amounts(programme, scope, by_buyer=False)).one()
    first_time = db.session.execute(_first_times(programme, scope, by_buyer=False)).scalar_one()
    return SbaRow(None, None, cents(amounts.awarded), cents(amounts.eu_sme), int(amounts.suppliers), int(first_time))


def sba_by_buyer_statement(programme: Programme, scope: Scope):
    amounts = _amounts(programme, scope, by_buyer=True).subquery("amounts")
    firsts = _first_times(programme, scope, by_buyer=True).subquery("first_times")
    return (
        select(Organisation.id, Organisation.name, amounts.c.awarded, amounts.c.eu_sme, amounts.c.suppliers,
               func.coalesce(firsts.c.first_time, 0).label("first_time"))
        .select_from(amounts)
        .join(Organisation, Organisation.id == amounts.c.buyer_id)
        .outerjoin(firsts, firsts.c.buyer_id == amounts.c.buyer_id)
        .order_by(amounts.c.awarded.desc(), Organisation.name, Organisation.id)
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
