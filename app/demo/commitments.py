"""Alliance pledges with their revisions, declared purchases, and suppliers' saved searches."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

from app.alerts.models import Frequency, SavedSearch
from app.commitments.eligibility import stamp
from app.commitments.models import (
    Commitment,
    CommitmentRevision,
    Purchase,
    PurchaseSource,
    PurchaseStatus,
)
from app.demo.context import DemoContext
from app.demo.identifiers import IdentifierFactory
from app.demo.words import CompanyNamer
from app.extensions import db
from app.needs.models import Need, NeedFollow, NeedStatus
from app.needs.taxonomy import BY_CODE, SUBCATEGORIES

# Pledges in € millions: together €750M of the alliance's €1B goal
PLEDGES_M = [200, 150, 120, 100, 80, 60, 40]
REVISION_NOTES = [
    "Engagement initial lors de l’adhésion à l’alliance.",
    "Engagement relevé après arbitrage du comité exécutif.",
    "Extension de l’engagement aux filiales européennes du groupe.",
]
REJECTION_REASONS = [
    "Le fournisseur n’est ni une startup ni une PME au sens de la définition européenne.",
    "Justificatif illisible ; merci de transmettre le bon de commande signé.",
    "Achat antérieur à la période d’engagement.",
    "Le montant du justificatif diffère du montant déclaré.",
]
PURCHASE_DESCRIPTIONS = [
    "Licences annuelles et déploiement de la solution",
    "Prestation d’accompagnement et d’intégration",
    "Expérimentation suivie d’une commande de généralisation",
    "Abonnement SaaS pluriannuel",
]


def make_commitments(ctx: DemoContext) -> None:
    rng = ctx.rng
    members = [b for b in ctx.buyers if b.alliance_member]
    pledges = list(PLEDGES_M)
    rng.shuffle(pledges)
    period_start, period_end = date(ctx.today.year - 1, 1, 1), date(ctx.today.year + 1, 12, 31)
    for org, millions in zip(members, pledges, strict=True):
        demo = org is ctx.special_orgs["alliance"]
        steps = 3 if demo else rng.choice([1, 2, 2, 3])
        amounts = sorted({millions * f // 100 // 5 * 5 for f in rng.sample(range(55, 95), steps - 1)})
        amounts = [a for a in amounts if 0 < a < millions] + [millions]
        when = ctx.days_ago(380, 480)
        owner = ctx.owner(org)
        commitment = Commitment(organisation=org, amount_cents=millions * 1_000_000 * 100,
                                period_start=period_start, period_end=period_end, created_at=when)
        for i, amount in enumerate(amounts):
            commitment.revisions.append(CommitmentRevision(
                amount_cents=amount * 1_000_000 * 100, period_start=period_start, period_end=period_end,
                revised_at=when, revised_by_id=owner.id, note=REVISION_NOTES[min(i, 2)]))
            commitment.updated_at = when
            when = min(when + timedelta(days=rng.randint(60, 150)), ctx.now - timedelta(days=2))
        db.session.add(commitment)


def make_declared_purchases(ctx: DemoContext, ids: IdentifierFactory, namer: CompanyNamer) -> None:
    rng = ctx.rng
    start = date(ctx.today.year - 1, 1, 1)
    for org in [b for b in ctx.buyers if b.alliance_member]:
        demo = org is ctx.special_orgs["alliance"]
        statuses = [PurchaseStatus.VERIFIED, PurchaseStatus.DECLARED, PurchaseStatus.REJECTED] if demo else []
        for _ in range(rng.randint(4, 9) - len(statuses)):
            statuses.append(rng.choices(list(PurchaseStatus), weights=[30, 55, 15])[0])
        for n, status in enumerate(statuses, start=1):
            db.session.add(_declared(ctx, ids, namer, org, status, n, start))


def _declared(ctx, ids, namer, org, status: PurchaseStatus, n: int, start: date) -> Purchase:
    rng = ctx.rng
    euros = int(math.exp(rng.uniform(math.log(40_000), math.log(3_000_000)))) // 1_000 * 1_000
    purchased_on = start + timedelta(days=rng.randint(0, max(1, (ctx.today - start).days - 30)))
    declared_at = min(datetime.combine(purchased_on, time(), UTC)
                      + timedelta(days=rng.randint(5, 40), hours=rng.randint(8, 18)), ctx.now - timedelta(days=1))
    declarer = rng.choice(ctx.members(org)[:2])
    purchase = Purchase(
        buyer=org, source=PurchaseSource.DECLARED, status=status, amount_cents=euros * 100,
        purchased_on=purchased_on, description=rng.choice(PURCHASE_DESCRIPTIONS),
        evidence_key=f"demo/evidence/{org.slug}/{n:03d}.pdf", evidence_filename=f"bon-de-commande-{n:03d}.pdf",
        declared_by_id=declarer.id, created_at=declared_at, updated_at=declared_at,
    )
    if rng.random() < 0.7:
        supplier = rng.choice(ctx.suppliers)
        purchase.supplier = supplier
        purchase.supplier_name, purchase.supplier_siren = supplier.name, supplier.siren
        purchase.supplier_country = supplier.country
        purchase.category_code = ctx.codes_of[id(supplier)][0]
    else:  # a startup not (yet) on Tremplin
        purchase.supplier_name = namer.company(rng.choice(["ai", "data", "cyber", "it"]))
        purchase.supplier_siren, purchase.supplier_country = ids.siren(), "FR"
        purchase.category_code = rng.choice(SUBCATEGORIES).code
    declared_class = None if purchase.supplier is not None else rng.choice(["startup", "startup", "sme", "mid"])
    stamp(purchase, secnumcloud=rng.random() < 0.3, declared_class=declared_class,
          declared_innovative=declared_class == "sme" and rng.random() < 0.5)
    decided_at = min(declared_at + timedelta(days=rng.randint(2, 15)), ctx.now - timedelta(hours=1))
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
