"""Alliance pledges with their revisions, declared purchases with their evidence, and
suppliers' saved searches.

The story the commitment dashboard tells with the demo: some 26 administrations and large
groups have joined the alliance (joining is pledging), pledging together €1.0–1.3B over
the programme (2025–2027); several raised or extended their pledge since. Purchases
declared since January 2025 gather pace month after month, to about 40 % of the €1B
target by the reference date: mostly French startups and SMEs, some mid-size companies,
and suppliers elsewhere in Europe or outside it that the default rule does not count.
Older declarations are verified (a few were rejected, with a reason); those of the last
weeks await the operator. Each declaration has a small PDF as evidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from app.accounts.models import Organisation
from app.alerts.models import Frequency, SavedSearch
from app.commitments.eligibility import SupplierClass, is_innovative, organisation_class, stamp
from app.commitments.models import (
    Commitment,
    CommitmentRevision,
    Purchase,
    PurchaseSource,
    PurchaseStatus,
)
from app.demo.buyers import spec_of
from app.demo.context import DemoContext
from app.demo.evidence import store_evidence
from app.demo.identifiers import IdentifierFactory
from app.demo.words import CompanyNamer
from app.extensions import db
from app.needs.models import Need, NeedFollow, NeedStatus
from app.needs.taxonomy import BY_CODE, SUBCATEGORIES

EURO = 100
MILLION = 1_000_000 * EURO
# Pledges by kind of buyer, in € millions, before they are scaled to the alliance's total
PLEDGE_RANGES_M = {"group": (45, 160), "ministry": (30, 95), "agency": (8, 30), "local": (4, 15)}
DEMO_PLEDGE_M = 150  # the demo alliance account's group
TOTAL_PLEDGED_M = (1_080, 1_220)
REVISION_NOTES = [
    "Engagement relevé après arbitrage du comité exécutif.",
    "Extension de l’engagement aux filiales européennes du groupe.",
    "Révision après le bilan annuel des achats innovants.",
]
FIRST_NOTE = "Engagement initial lors de l’adhésion à l’alliance."
EXTENDED_NOTE = "Engagement prolongé jusqu’au terme du programme."
REJECTION_REASONS = [
    "Le fournisseur est la filiale d’un grand groupe : il n’est ni une startup ni une PME au sens européen.",
    "Justificatif illisible ; merci de transmettre le bon de commande signé.",
    "Le justificatif est un devis, pas une commande : déclarez l’achat une fois la commande passée.",
    "Le montant du justificatif diffère du montant déclaré.",
]
PURCHASE_DESCRIPTIONS = [
    "Licences annuelles et déploiement de la solution",
    "Prestation d’accompagnement et d’intégration",
    "Expérimentation suivie d’une commande de généralisation",
    "Abonnement SaaS pluriannuel",
    "Marché subséquent de l’accord-cadre",
    "Pilote industriel puis passage à l’échelle",
]
NON_EU_SUPPLIERS = [
    ("Northwind Cloud Inc.", "US", "large"), ("Bluepeak Analytics LLC", "US", "mid"),
    ("Albion Data Systems Ltd", "GB", "mid"), ("Helvetia Secure AG", "CH", "large"),
    ("Maple Quantum Corp.", "CA", "mid"), ("Keystone Identity Inc.", "US", "large"),
]
EU_COUNTRIES_OFF_PLATFORM = ["DE", "BE", "NL", "ES", "IT", "PT"]


def _programme() -> tuple[date, date]:
    return current_app.config["COMMITMENT_START"], current_app.config["COMMITMENT_END"]


def _round_millions(value: float) -> int:
    return max(2, int(round(value / 5) * 5) if value >= 20 else int(round(value)))


# --- pledges ------------------------------------------------------------------------------------


def _members(ctx: DemoContext) -> list[Organisation]:
    """Every buyer but the demo corporate account's group and a few local bodies and agencies."""
    rng = ctx.rng
    family = {id(b): spec_of(ctx, b).family for b in ctx.buyers}
    outside = [ctx.special_orgs["corporate"]]
    outside += rng.sample([b for b in ctx.buyers if family[id(b)] == "local"], 2)
    outside += rng.sample([b for b in ctx.buyers if family[id(b)] == "agency"], 1)
    return [b for b in ctx.buyers if all(b is not o for o in outside)]


def _pledged_millions(ctx: DemoContext, members: list[Organisation]) -> list[int]:
    """Each member's pledge, scaled so that together they reach the alliance's total."""
    rng, alliance = ctx.rng, ctx.special_orgs["alliance"]
    raw = [0.0 if org is alliance else rng.uniform(*PLEDGE_RANGES_M[spec_of(ctx, org).family]) for org in members]
    factor = (rng.uniform(*TOTAL_PLEDGED_M) - DEMO_PLEDGE_M) / sum(raw)
    return [DEMO_PLEDGE_M if org is alliance else _round_millions(x * factor) for org, x in zip(members, raw,
                                                                                              strict=True)]


def make_commitments(ctx: DemoContext) -> None:
    """Pledges of the alliance members, each with the history of its revisions."""
    start, end = _programme()
    members = _members(ctx)
    for org, millions in zip(members, _pledged_millions(ctx, members), strict=True):
        org.alliance_member = True  # joining the alliance is pledging
        _pledge(ctx, org, millions, start, end)


def _pledge(ctx: DemoContext, org: Organisation, millions: int, start: date, end: date) -> None:
    rng = ctx.rng
    steps = 3 if org is ctx.special_orgs["alliance"] else rng.choices([1, 2, 3], weights=[45, 40, 15])[0]
    amounts = [millions]
    for _ in range(steps - 1):
        amounts.insert(0, _round_millions(amounts[0] * rng.uniform(0.6, 0.9)))
    ends = [end] * steps
    if steps > 1 and rng.random() < 0.35:  # first pledged to the end of the year before, extended since
        ends[0] = date(end.year - 1, 12, 31)
    opening = datetime.combine(start, time(9), UTC)
    latest = ctx.now - timedelta(days=2)
    when = min(ctx.between(opening - timedelta(days=120), max(opening, ctx.now - timedelta(days=90))), latest)
    owner = ctx.owner(org)
    commitment = Commitment(organisation=org, amount_cents=millions * MILLION, period_start=start, period_end=end,
                            created_at=when, updated_at=when)
    for i, (amount, period_end) in enumerate(zip(amounts, ends, strict=True)):
        if i == 0:
            note = FIRST_NOTE
        elif ends[i - 1] != period_end:
            note = EXTENDED_NOTE
        else:
            note = REVISION_NOTES[(i - 1 + len(org.name)) % len(REVISION_NOTES)]
        commitment.revisions.append(CommitmentRevision(
            amount_cents=amount * MILLION, period_start=start, period_end=period_end, revised_at=when,
            revised_by_id=owner.id, note=note))
        commitment.updated_at = when
        when = min(when + timedelta(days=rng.randint(45, 160), hours=rng.randint(0, 8)), latest)
    db.session.add(commitment)


# --- declared purchases -------------------------------------------------------------------------


@dataclass(frozen=True)
class Supplier:
    """A supplier as a declaration names it: on Tremplin (``org``), or described by hand."""

    name: str
    country: str
    org: Organisation | None = None
    siren: str | None = None
    vat: str | None = None
    declared_class: str | None = None
    innovative: bool = False
    axis: str | None = None


class SupplierPools:
    """Who alliance members buy from, by kind, each pool in a fixed order (some suppliers
    win much more often than others, as in real markets)."""

    WEIGHTS = {"fr_startup": 44, "fr_innovative_sme": 14, "fr_sme": 8, "off_fr": 10, "mid": 10, "eu": 5,
               "off_eu": 3, "non_eu": 7}

    def __init__(self, ctx: DemoContext, ids: IdentifierFactory, namer: CompanyNamer):
        rng = ctx.rng
        pools: dict[str, list[Supplier]] = {key: [] for key in self.WEIGHTS}
        for org in ctx.suppliers:
            cls = organisation_class(org)
            key = None
            if org.country != "FR":
                key = "eu" if cls in (SupplierClass.STARTUP, SupplierClass.SME) else None
            elif cls == SupplierClass.STARTUP:
                key = "fr_startup"
            elif cls == SupplierClass.SME:
                key = "fr_innovative_sme" if is_innovative(org.labels) else "fr_sme"
            elif cls == SupplierClass.MID:
                key = "mid"
            if key:
                pools[key].append(Supplier(org.name, org.country, org=org, siren=org.siren, vat=org.vat_number))
        axes = ["ai", "data", "cyber", "it", "cloud"]
        for n in range(20):  # French startups and SMEs not (yet) on Tremplin
            startup = n % 10 < 7
            pools["off_fr"].append(Supplier(
                namer.company(axes[n % len(axes)]), "FR", siren=ids.siren(),
                declared_class="startup" if startup else "sme", innovative=not startup, axis=axes[n % len(axes)]))
        for n in range(8):  # French mid-size companies (ETI)
            pools["mid"].append(Supplier(f"{namer.company(axes[n % len(axes)])} Groupe", "FR", siren=ids.siren(),
                                         declared_class="mid", axis=axes[n % len(axes)]))
        for n, country in enumerate(EU_COUNTRIES_OFF_PLATFORM):
            pools["off_eu"].append(Supplier(namer.company(axes[n % len(axes)]), country, vat=ids.vat(country),
                                            declared_class=rng.choice(["startup", "sme"]), axis=axes[n % len(axes)]))
        for name, country, cls in NON_EU_SUPPLIERS:
            pools["non_eu"].append(Supplier(name, country, declared_class=cls))
        self.pools = {key: pool for key, pool in pools.items() if pool}

    def pick(self, rng) -> Supplier:
        keys = list(self.pools)
        pool = self.pools[rng.choices(keys, weights=[self.WEIGHTS[k] for k in keys])[0]]
        return pool[int(len(pool) * rng.random() ** 2)]  # the first of each pool win most


def make_declared_purchases(ctx: DemoContext, ids: IdentifierFactory, namer: CompanyNamer) -> None:
    """Purchases made outside Tremplin and declared by each member, to roughly 15–50 % of its pledge."""
    rng = ctx.rng
    start, end = _programme()
    last_day = min(ctx.today - timedelta(days=2), end)
    if last_day <= start:
        return
    pools = SupplierPools(ctx, ids, namer)
    pledged = dict(db.session.execute(select(Commitment.organisation_id, Commitment.amount_cents)).all())
    alliance = ctx.special_orgs["alliance"]
    for org in [b for b in ctx.buyers if b.alliance_member]:
        budget = pledged[org.id] * (0.4 if org is alliance else rng.uniform(0.16, 0.52))
        forced = [PurchaseStatus.REJECTED, PurchaseStatus.DECLARED, PurchaseStatus.VERIFIED] if org is alliance else []
        total, n = 0, 0
        while total < budget or forced:
            n += 1
            purchase = _declared(ctx, pools.pick(rng), org, n, start, last_day, forced.pop() if forced else None)
            total += purchase.amount_cents
            db.session.add(purchase)


def _declared(ctx: DemoContext, supplier: Supplier, org: Organisation, n: int, start: date, last_day: date,
              status: PurchaseStatus | None) -> Purchase:
    rng = ctx.rng
    euros = int(math.exp(rng.uniform(math.log(60_000), math.log(6_000_000)))) // 1_000 * 1_000
    purchased_on = start + timedelta(days=int((last_day - start).days * rng.random() ** 0.7))  # gathering pace
    bought_at = datetime.combine(purchased_on, time(8), UTC)
    declared_at = bought_at + timedelta(days=rng.randint(3, 40), hours=rng.randint(1, 10))
    declared_at = max(bought_at, min(declared_at, ctx.now - timedelta(hours=rng.randint(20, 90))))
    if status is None:
        if ctx.now - declared_at < timedelta(days=21):
            status = PurchaseStatus.DECLARED
        else:
            status = rng.choices([PurchaseStatus.VERIFIED, PurchaseStatus.REJECTED, PurchaseStatus.DECLARED],
                                 weights=[93, 3, 4])[0]
    if supplier.org is not None:
        code = rng.choice(ctx.codes_of[id(supplier.org)])
    else:
        axis = supplier.axis or rng.choice(["ai", "data", "cloud", "it", "cyber"])
        code = rng.choice([c.code for c in SUBCATEGORIES if c.parent == axis])
    description = f"{rng.choice(PURCHASE_DESCRIPTIONS)} — {BY_CODE[code].label_fr}"
    declarer = rng.choice(ctx.members(org)[:2])
    purchase = Purchase(
        buyer=org, source=PurchaseSource.DECLARED, status=status, amount_cents=euros * EURO,
        purchased_on=purchased_on, category_code=code, description=description, declared_by_id=declarer.id,
        supplier=supplier.org, supplier_name=supplier.name, supplier_siren=supplier.siren,
        supplier_country=supplier.country, disclose_amount=rng.random() < 0.65,
        created_at=declared_at, updated_at=declared_at,
    )
    if code.startswith("cloud."):
        secnumcloud = rng.random() < 0.6
    elif rng.random() < 0.4:
        secnumcloud = rng.random() < 0.15
    else:
        secnumcloud = None  # no hosting involved, or not said
    stamp(purchase, secnumcloud=secnumcloud, declared_class=supplier.declared_class,
          declared_innovative=supplier.innovative)
    if supplier.org is None and supplier.vat:
        purchase.supplier_key = f"vat:{supplier.vat}"  # as app.commitments.services keys EU suppliers
    stored = store_evidence(
        f"bon-de-commande-{n:03d}.pdf", "Bon de commande (document de démonstration)",
        [f"Acheteur : {org.name}", f"Fournisseur : {supplier.name} ({supplier.country})",
         f"Montant HT : {euros:,} EUR".replace(",", " "), f"Date de commande : {purchased_on:%d/%m/%Y}",
         f"Objet : {description}", f"Référence : {org.slug[:24]}-{n:03d}"],
    )
    purchase.evidence_key, purchase.evidence_filename = stored.storage_key, stored.filename
    decided_at = min(declared_at + timedelta(days=rng.randint(2, 15), hours=rng.randint(0, 6)),
                     ctx.now - timedelta(hours=1))
    if status == PurchaseStatus.VERIFIED:
        purchase.verified_by_id, purchase.verified_at = ctx.operator.id, decided_at
        purchase.updated_at = decided_at
    elif status == PurchaseStatus.REJECTED:
        purchase.verified_by_id, purchase.rejection_reason = ctx.operator.id, rng.choice(REJECTION_REASONS)
        purchase.updated_at = decided_at
    return purchase


def make_saved_searches(ctx: DemoContext, needs: list[Need]) -> None:
    """Alerts for the demo suppliers and about one supplier in eight; follows of open needs."""
    rng = ctx.rng
    specials = [ctx.special_orgs["startup"], ctx.special_orgs["sme"]]
    others = rng.sample([s for s in ctx.suppliers if s not in specials], k=len(ctx.suppliers) // 8)
    for org in specials + others:
        user = ctx.owner(org)
        codes = ctx.codes_of[id(org)]
        # filters as the needs search page names them (what « save this search » stores)
        axes = sorted({BY_CODE[c].axis for c in codes if c in BY_CODE})
        searches = [("Mes catégories", "", {"axis": axes})]
        if org in specials or rng.random() < 0.4:
            searches.append(("Marchés de 100 k€ à 10 M€", "", {"category": codes[0], "flag": ["core"]}))
        if org in specials:
            searches.append(("Souverain et SecNumCloud", "souverain", {"axis": axes, "flag": ["sensitive_data"]}))
        for name, query, filters in searches:
            created = ctx.between(user.created_at, ctx.now - timedelta(days=1))
            db.session.add(SavedSearch(
                user=user, organisation_id=org.id, name=name, query=query, filters=filters,
                frequency=rng.choice([Frequency.INSTANT, Frequency.DAILY, Frequency.DAILY, Frequency.WEEKLY]),
                created_at=created, updated_at=created,
            ))
    startup_user = ctx.owner(specials[0])
    published = [n for n in needs if n.status == NeedStatus.PUBLISHED]
    for need in rng.sample(published, k=min(4, len(published))):
        followed_at = ctx.between(need.published_at, ctx.now - timedelta(hours=3))
        db.session.add(NeedFollow(user_id=startup_user.id, need_id=need.id,
                                  created_at=followed_at, updated_at=followed_at))
