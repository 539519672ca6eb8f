"""Which purchases count towards the pledge, and why.

A supplier is classed by its recorded size data when the purchase is recorded (a
snapshot kept on the purchase, so a company that grows later does not rewrite history):

- **startup**: registered as a startup, and not grown past an SME (fewer than 250
  employees, or no size data saying otherwise);
- **SME**: micro, small or medium by its size category, or, without one, fewer than 250
  employees and a turnover of at most €50M (the EU definition);
- **mid-size** (ETI): 250 to 4,999 employees; **large** beyond; **unknown** without data.

An SME is *innovative* when it carries an innovation label (JEI, French Tech 120/2030,
Next40, GreenTech Innovation). Its country places it in France, elsewhere in the EU,
or outside the EU.

The rule that decides what counts is configuration (``COMMITMENT_ELIGIBILITY``); by
default, as the programme states, French startups and innovative SMEs. Each rule is a
Python predicate (to explain one purchase) and the same test as an SQL expression (to
sum a million purchases in the database).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, or_

from app.accounts.identifiers import EU_COUNTRIES
from app.accounts.models import Organisation, OrganisationKind, SizeCategory
from app.needs.regions import REGIONS

INNOVATION_LABELS = frozenset({"jei", "french_tech_120", "french_tech_2030", "next40", "greentech"})
SME_MAX_EMPLOYEES = 250
SME_MAX_TURNOVER_CENTS = 50_000_000 * 100
MID_MAX_EMPLOYEES = 5_000


class SupplierClass(enum.StrEnum):
    STARTUP = "startup"
    SME = "sme"
    MID = "mid"
    LARGE = "large"
    UNKNOWN = "unknown"


class Geography(enum.StrEnum):
    FRANCE = "fr"
    EU = "eu"  # another EU member state
    NON_EU = "non_eu"


CLASS_LABELS = {
    SupplierClass.STARTUP: _l("Startup"),
    SupplierClass.SME: _l("SME"),
    SupplierClass.MID: _l("Mid-size company"),
    SupplierClass.LARGE: _l("Large company"),
    SupplierClass.UNKNOWN: _l("Size unknown"),
}
GEOGRAPHY_LABELS = {
    Geography.FRANCE: _l("France"),
    Geography.EU: _l("Other EU country"),
    Geography.NON_EU: _l("Outside the EU"),
}


def geography(country: str | None) -> Geography:
    code = (country or "").upper()
    if code == "FR":
        return Geography.FRANCE
    return Geography.EU if code in EU_COUNTRIES else Geography.NON_EU


def size_class(*, kind: OrganisationKind | str | None, size: SizeCategory | str | None,
               employees: int | None = None, turnover_cents: int | None = None) -> SupplierClass:
    """The class of a supplier from its recorded size data."""
    size = SizeCategory(size) if size else None
    if size in (SizeCategory.MICRO, SizeCategory.SMALL, SizeCategory.MEDIUM):
        by_size = SupplierClass.SME
    elif size == SizeCategory.MID:
        by_size = SupplierClass.MID
    elif size == SizeCategory.LARGE:
        by_size = SupplierClass.LARGE
    elif employees is not None:
        if employees < SME_MAX_EMPLOYEES and (turnover_cents is None or turnover_cents <= SME_MAX_TURNOVER_CENTS):
            by_size = SupplierClass.SME
        elif employees < MID_MAX_EMPLOYEES:
            by_size = SupplierClass.MID
        else:
            by_size = SupplierClass.LARGE
    else:
        by_size = SupplierClass.UNKNOWN
    if kind is not None and OrganisationKind(kind) == OrganisationKind.STARTUP and by_size in (
            SupplierClass.SME, SupplierClass.UNKNOWN):
        return SupplierClass.STARTUP
    if by_size == SupplierClass.UNKNOWN and kind is not None and OrganisationKind(kind) == OrganisationKind.SME:
        return SupplierClass.SME  # registered as an SME, no figures saying otherwise
    return by_size


def organisation_class(org: Organisation) -> SupplierClass:
    return size_class(kind=org.kind, size=org.size, employees=org.employees, turnover_cents=org.annual_turnover_cents)


def is_innovative(labels) -> bool:
    return bool(INNOVATION_LABELS & set(labels or ()))


def supplier_key(*, supplier_id: int | None, siren: str | None, name: str | None) -> str:
    """One key per supplier, on Tremplin or not, to count suppliers reached for the first time."""
    if supplier_id is not None:
        return f"org:{supplier_id}"
    if siren:
        return f"siren:{siren}"
    folded = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    return "name:" + re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:50]


# --- rules -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    code: str
    label: object  # lazy string
    geographies: frozenset[Geography]
    classes: frozenset[SupplierClass]  # counted whatever their labels
    innovative_classes: frozenset[SupplierClass] = frozenset()  # counted only with an innovation label

    def counts(self, cls: SupplierClass, geo: Geography, innovative: bool) -> bool:
        if geo not in self.geographies:
            return False
        return cls in self.classes or (innovative and cls in self.innovative_classes)

    def sql(self, purchase_model):
        """The same test as ``counts``, as an SQL condition on purchases."""
        p = purchase_model
        if not self.geographies:
            return false()
        parts = []
        if self.classes:
            parts.append(p.supplier_class.in_([c.value for c in self.classes]))
        if self.innovative_classes:
            parts.append(and_(p.supplier_class.in_([c.value for c in self.innovative_classes]),
                              p.supplier_innovative.is_(True)))
        return and_(p.supplier_geo.in_([g.value for g in self.geographies]), or_(*parts) if parts else false())


_FR = frozenset({Geography.FRANCE})
_EU = frozenset({Geography.FRANCE, Geography.EU})
_STARTUP = frozenset({SupplierClass.STARTUP})
_SME = frozenset({SupplierClass.SME})

RULES: dict[str, Rule] = {
    r.code: r for r in (
        Rule("fr_startups_innovative_smes", _l("French startups and innovative SMEs"), _FR, _STARTUP, _SME),
        Rule("fr_startups_smes", _l("French startups and SMEs"), _FR, _STARTUP | _SME),
        Rule("eu_startups_innovative_smes", _l("European startups and innovative SMEs"), _EU, _STARTUP, _SME),
        Rule("eu_startups_smes", _l("European startups and SMEs"), _EU, _STARTUP | _SME),
    )
}
DEFAULT_RULE = "fr_startups_innovative_smes"


def current_rule() -> Rule:
    return RULES[current_app.config.get("COMMITMENT_ELIGIBILITY", DEFAULT_RULE)]


@dataclass(frozen=True)
class Assessment:
    counts: bool
    supplier_class: SupplierClass
    geography: Geography
    innovative: bool
    rule: Rule

    def explanation(self) -> str:
        """One sentence saying why this purchase counts or not, under the rule in force."""
        who = CLASS_LABELS[self.supplier_class]
        where = GEOGRAPHY_LABELS[self.geography]
        if self.supplier_class == SupplierClass.SME and self.innovative:
            who = _("Innovative SME")
        if self.counts:
            return _("Counts: %(who)s, %(where)s — rule « %(rule)s ».", who=who, where=where, rule=self.rule.label)
        return _("Does not count: %(who)s, %(where)s — rule « %(rule)s ».", who=who, where=where,
                 rule=self.rule.label)


def assess(purchase, rule: Rule | None = None) -> Assessment:
    rule = rule or current_rule()
    cls = SupplierClass(purchase.supplier_class or SupplierClass.UNKNOWN)
    geo = Geography(purchase.supplier_geo or geography(purchase.supplier_country))
    innovative = bool(purchase.supplier_innovative)
    return Assessment(rule.counts(cls, geo, innovative), cls, geo, innovative, rule)


def stamp(purchase, *, need=None, secnumcloud: bool | None = None, declared_class: str | None = None,
          declared_innovative: bool | None = None) -> None:
    """Record on the purchase who the supplier was and what the deal was, for the dashboards.

    A supplier on Tremplin is classed from its organisation; one that is not, from what
    the declaring member stated (checked by the operator before the purchase counts).
    """
    org = purchase.supplier
    if org is not None:
        cls, innovative, country = organisation_class(org), is_innovative(org.labels), org.country
    else:
        cls = SupplierClass(declared_class) if declared_class else SupplierClass.UNKNOWN
        innovative, country = bool(declared_innovative), purchase.supplier_country
    purchase.supplier_class = cls.value
    purchase.supplier_geo = geography(country).value
    purchase.supplier_innovative = innovative
    purchase.supplier_key = supplier_key(supplier_id=org.id if org is not None else purchase.supplier_id,
                                         siren=purchase.supplier_siren, name=purchase.supplier_name)
    if need is not None:
        purchase.region = need.region
        purchase.route = need.route.value if hasattr(need.route, "value") else need.route
        purchase.disclose_amount = bool(need.disclose_amounts)
    else:
        buyer = purchase.buyer
        purchase.region = buyer.region if buyer is not None and buyer.region in REGIONS else None
        if buyer is not None:
            purchase.route = "public" if buyer.kind == OrganisationKind.ADMINISTRATION else "private"
    if secnumcloud is not None:
        purchase.secnumcloud = secnumcloud
