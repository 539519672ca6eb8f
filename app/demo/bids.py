"""Bids on published needs, evaluations of closed ones, awards and the purchases they make."""

from __future__ import annotations

from datetime import timedelta
from random import Random

from app.accounts.identifiers import EU_COUNTRIES
from app.accounts.models import Organisation, SizeCategory
from app.bids.models import Award, Bid, BidStatus, Evaluation
from app.commitments.eligibility import stamp
from app.commitments.models import Purchase, PurchaseSource, PurchaseStatus
from app.demo.context import DemoContext
from app.demo.need_extras import matching_suppliers
from app.demo.need_phrases import (
    BID_PROPOSAL,
    BID_SUMMARIES,
    CANCEL_FEEDBACK,
    EVALUATION_COMMENTS,
    FEEDBACK,
    UNSUCCESSFUL_FEEDBACK,
)
from app.extensions import db
from app.needs.doctrine import CRITERIA, MAX_SCORE, Approach
from app.needs.models import Need, NeedStatus, Visibility
from app.suppliers.models import Deployment, Solution

S, B = NeedStatus, BidStatus
SME_SIZES = (SizeCategory.MICRO, SizeCategory.SMALL, SizeCategory.MEDIUM)
BIDDERS = {  # status -> (counts, weights)
    S.PUBLISHED: ([0, 1, 2, 3, 4, 5, 6], [10, 15, 20, 20, 15, 12, 8]),
    S.CLOSED: ([3, 4, 5, 6, 7, 8], [15, 20, 20, 20, 15, 10]),
    S.AWARDED: ([3, 4, 5, 6, 7, 8, 9], [10, 15, 20, 20, 15, 10, 10]),
    S.CANCELLED: ([0, 1, 2, 3], [30, 30, 25, 15]),
    S.UNSUCCESSFUL: ([0, 1, 2, 3, 4], [25, 20, 25, 20, 10]),
}
WHERE = {
    "FR": "en France", "DE": "en Allemagne", "NL": "aux Pays-Bas", "IE": "en Irlande", "BE": "en Belgique",
    "ES": "en Espagne", "IT": "en Italie", "PT": "au Portugal", "EE": "en Estonie", "FI": "en Finlande",
    "SE": "en Suède", "AT": "en Autriche", "PL": "en Pologne", "LU": "au Luxembourg", "DK": "au Danemark",
    "CZ": "en Tchéquie",
}
SNC_PARTNER = "Nimbus Hexagone (offre SecNumCloud)"
TIMELINES = [
    "Cadrage : {a} semaines ; pilote : {b} mois ; généralisation : {c} mois. Mise en service du pilote "
    "{a} semaines après la notification, comités de suivi mensuels.",
    "Déploiement en {b} lots sur {c} mois : installation et paramétrage, reprise des données, formation des "
    "équipes, puis vérification de service régulier au terme du premier mois d’exploitation.",
    "Démarrage sous {a} semaines ; atelier de cadrage, pilote sur un périmètre restreint ({b} mois), "
    "puis extension progressive en {c} mois avec un point d’étape à chaque jalon.",
]
EXPOSED = ("L’hébergeur retenu est une société de droit américain : les données peuvent être atteintes par le "
           "Cloud Act. Nous limitons ce risque par un chiffrement dont l’acheteur détient seul les clés.")
NOT_EXPOSED = ("{name} est une société de droit {law}, à capitaux européens, sans filiale ni maison mère hors de "
               "l’Union. {hosting} Aucune exposition au Cloud Act ni à FISA.")
EXIT_PLAN = ("Plan de réversibilité documenté : export complet des données et des paramétrages en formats "
             "ouverts (CSV, JSON, ODF) sous 30 jours, assistance à la migration incluse dans le prix.{oss}")
NO_EXIT_PLAN = ("Export des données en formats ouverts à tout moment depuis l’interface ; le plan de "
                "réversibilité détaillé sera remis lors du cadrage.{oss}")
OWNS = ("Produit conçu et développé par nos équipes {where}, code source maîtrisé ; les dépendances tierces "
        "sont recensées et remplaçables.")
INTEGRATES = ("Nous intégrons des composants d’éditeurs partenaires, avec un support contractuel de niveau 3 ; "
              "nos équipes maîtrisent le paramétrage, l’exploitation et la sécurité de la solution.")
LAW = {"FR": "français", "DE": "allemand", "NL": "néerlandais", "BE": "belge", "ES": "espagnol",
       "IT": "italien", "PT": "portugais", "EE": "estonien", "FI": "finlandais", "SE": "suédois",
       "AT": "autrichien", "PL": "polonais", "LU": "luxembourgeois", "DK": "danois", "CZ": "tchèque",
       "IE": "irlandais"}


def _pool(ctx: DemoContext, need: Need) -> list[Organisation]:
    if need.visibility == Visibility.INVITATION:
        pool = [i.supplier for i in need.invitations]
    else:
        pool = matching_suppliers(ctx, need)
        if need.visibility == Visibility.RESTRICTED:
            pool = [s for s in pool if s.verified_at is not None]
    if need.sme_set_aside:
        pool = [s for s in pool if s.size in SME_SIZES]
    return pool


def _bidders(ctx: DemoContext, need: Need) -> list[Organisation]:
    rng = ctx.rng
    pool = _pool(ctx, need)
    counts, weights = BIDDERS[need.status]
    wanted = min(len(pool), rng.choices(counts, weights=weights)[0])
    forced = []
    winner = ctx.need_winners.get(id(need))
    if winner:
        forced.append(ctx.special_orgs[winner])
    if need.status == S.PUBLISHED:
        forced += [ctx.special_orgs[k] for k in ("startup", "sme")
                   if ctx.special_orgs[k] in pool and rng.random() < 0.7]
    others = [s for s in pool if s not in forced]
    chosen = forced + rng.sample(others, k=max(0, min(len(others), wanted - len(forced))))
    return chosen


def _solution_for(ctx: DemoContext, supplier: Organisation, need: Need) -> Solution | None:
    codes = [c.code for c in need.categories]
    solutions = ctx.solutions_of[id(supplier)]
    return next((s for s in solutions if s.category_code in codes), solutions[0] if solutions else None)


def _make_bid(ctx: DemoContext, need: Need, supplier: Organisation) -> Bid:
    rng = ctx.rng
    solution = _solution_for(ctx, supplier, need)
    country, provider, snc = (solution.hosting_country, solution.hosting_provider, solution.secnumcloud) \
        if solution else (None, None, False)
    if need.requires_secnumcloud and not snc:  # a hard requirement: bids without it are refused
        country, provider, snc = "FR", SNC_PARTNER, True
    if need.eu_data_residency and country is not None and country not in EU_COUNTRIES:
        country, provider, snc = "FR", SNC_PARTNER, True
    if solution is None or solution.deployment == Deployment.SERVICE or need.approach == Approach.CUSTOM:
        approach = Approach.CUSTOM
    elif solution.shared and need.approach == Approach.REUSE:
        approach = Approach.REUSE
    else:
        approach = Approach.OFF_THE_SHELF
    price = int(need.budget_max_cents * rng.uniform(0.55, 1.08)) // 10_000 * 10_000
    product = solution.name if solution else f"l’équipe de {supplier.name}"
    where = f"hébergée {WHERE.get(country, 'en Europe')}" if country else "déployée chez l’acheteur"
    summary = rng.choice(BID_SUMMARIES).format(product=product, where=where)
    sovereignty = (f"Hébergement{' qualifié SecNumCloud' if snc else ''} : {provider}, {WHERE.get(country, '')}."
                   if provider else "Déploiement sur l’infrastructure de l’acheteur ; aucune donnée ne sort.")
    bid = Bid(
        need=need, supplier=supplier, submitted_by_id=ctx.owner(supplier).id,
        solution_id=solution.id if solution else None,
        status=B.SUBMITTED, price_cents=max(price, 100_000), summary=summary,
        proposal=BID_PROPOSAL.format(summary=need.summary,
                                     product_summary=solution.summary if solution else supplier.description,
                                     sovereignty=sovereignty),
        approach=approach, hosting_country=country, hosting_provider=provider, secnumcloud_hosting=snc,
        data_in_eu=country is None or country in EU_COUNTRIES, open_source=bool(solution and solution.open_source),
    )
    _answers(ctx, need, supplier, bid)
    return bid


def _answers(ctx: DemoContext, need: Need, supplier: Organisation, bid: Bid) -> None:
    """Timeline, the three sovereignty answers and certifications, from the supplier's own facts.

    Drawn from a generator of their own (seeded by the pair) so that the rest of the
    market does not move when these texts change.
    """
    rng = Random(f"{ctx.seed}:{need.reference}:{supplier.slug}")
    with db.session.no_autoflush:  # the bid is not in the session yet
        profiles = supplier.supplier_profile  # the backref of SupplierProfile.organisation is a list
        held = sorted({c.kind.value for c in supplier.certifications if c.valid_on(ctx.today)})
    bid.timeline = rng.choice(TIMELINES).format(a=rng.randint(2, 6), b=rng.randint(2, 4), c=rng.randint(4, 12))
    profile = profiles[0] if profiles else None
    exposed = bool(bid.hosting_provider and "américain" in bid.hosting_provider) or (
        profile is not None and not profile.eu_controlled)
    hosting = (f"Hébergement {WHERE.get(bid.hosting_country, 'en Europe')} chez {bid.hosting_provider}."
               if bid.hosting_provider else "Déploiement sur l’infrastructure de l’acheteur.")
    bid.extraterritorial_answer = EXPOSED if exposed else NOT_EXPOSED.format(
        name=supplier.name, law=LAW.get(supplier.country, "européen"), hosting=hosting)
    oss = " Le code est publié sous licence libre." if bid.open_source else ""
    bid.reversibility_answer = (EXIT_PLAN if profile is None or profile.exit_plan else NO_EXIT_PLAN).format(oss=oss)
    bid.mastery_answer = OWNS.format(where=WHERE.get(supplier.country, "en Europe")) \
        if profile is None or profile.owns_technology else INTEGRATES
    bid.certifications = held


def make_bids(ctx: DemoContext, needs: list[Need]) -> None:
    for need in needs:
        if need.status == S.DRAFT:
            continue
        bids = []
        for supplier in _bidders(ctx, need):
            bid = _make_bid(ctx, need, supplier)
            _time_and_status(ctx, need, bid)
            db.session.add(bid)
            bids.append(bid)
        if need.status in (S.CLOSED, S.AWARDED):
            _evaluate(ctx, need, bids)


def _time_and_status(ctx: DemoContext, need: Need, bid: Bid) -> None:
    rng = ctx.rng
    end = min(need.deadline_at, ctx.now - timedelta(hours=2))
    if need.cancelled_at is not None:
        end = min(end, need.cancelled_at - timedelta(hours=1))
    bid.submitted_at = ctx.between(need.published_at + timedelta(hours=12), end)
    bid.created_at = bid.submitted_at - timedelta(hours=rng.randint(4, 240))
    bid.updated_at = bid.submitted_at
    roll = rng.random()
    if need.status == S.PUBLISHED and roll < 0.2 and bid.supplier not in ctx.special_orgs.values():
        bid.status, bid.submitted_at = B.DRAFT, None
    elif need.status in (S.PUBLISHED, S.CLOSED) and roll > 0.92:
        bid.status = B.WITHDRAWN
        bid.withdrawn_at = ctx.between(bid.submitted_at, end)
    elif need.status == S.CANCELLED:
        bid.status, bid.decided_at, bid.feedback = B.REJECTED, need.cancelled_at, CANCEL_FEEDBACK
    elif need.status == S.UNSUCCESSFUL:
        bid.status, bid.decided_at, bid.feedback = B.REJECTED, need.closed_at, UNSUCCESSFUL_FEEDBACK


def _quality(ctx: DemoContext, bid: Bid, boost: bool) -> dict[str, float]:
    rng = ctx.rng
    base = 9.0 if boost else rng.uniform(4.0, 8.5)
    q = {c: base + rng.uniform(-1.5, 1.5) for c in CRITERIA}
    q["sovereignty"] = base + (1.5 if bid.secnumcloud_hosting else 0) + (0.5 if bid.data_in_eu else -3)
    q["cost"] = base + (1.0 if bid.price_cents < bid.need.budget_max_cents * 0.8 else -1.0)
    q["reversibility"] = base + (1.0 if bid.open_source else 0.0) + rng.uniform(-1, 1)
    return q


def _evaluate(ctx: DemoContext, need: Need, bids: list[Bid]) -> None:
    rng = ctx.rng
    evaluators = ctx.members(need.buyer)[:2]
    winner_key = ctx.need_winners.get(id(need))
    candidates = [b for b in bids if b.status == B.SUBMITTED]
    totals = []
    for bid in candidates:
        if need.status == S.CLOSED and rng.random() < 0.35:
            continue  # evaluation still in progress
        boost = winner_key is not None and bid.supplier is ctx.special_orgs[winner_key]
        quality = _quality(ctx, bid, boost)
        total = 0
        for evaluator in evaluators:
            scores = {c: max(0, min(MAX_SCORE, round(v * MAX_SCORE / 10 + rng.uniform(-0.5, 0.5))))
                      for c, v in quality.items()}
            when = ctx.between(need.deadline_at, need.awarded_at or ctx.now - timedelta(hours=3))
            evaluation = Evaluation(bid=bid, evaluator_id=evaluator.id, comment=rng.choice(EVALUATION_COMMENTS),
                                    created_at=when, updated_at=when,
                                    **{f"score_{c}": s for c, s in scores.items()})
            db.session.add(evaluation)
            total += evaluation.weighted_total(need.weights)
        totals.append((total, bid))
    if not totals:
        return
    ranked = [b for _, b in sorted(totals, key=lambda pair: -pair[0])]
    if need.status == S.CLOSED:
        for bid in ranked[:2]:
            bid.status = B.SHORTLISTED
        return
    special = ctx.special_orgs.get(winner_key or "")
    winner = next((b for b in ranked if b.supplier is special), ranked[0])
    for bid in candidates:
        bid.decided_at = need.awarded_at
        if bid is winner:
            bid.status = B.AWARDED
        else:
            bid.status, bid.feedback = B.REJECTED, rng.choice(FEEDBACK)
    _award(ctx, need, winner)


def _award(ctx: DemoContext, need: Need, bid: Bid) -> None:
    rng = ctx.rng
    owner = ctx.owner(need.buyer)
    start = (need.awarded_at + timedelta(days=rng.randint(15, 45))).date()
    award = Award(need=need, bid=bid, awarded_by_id=owner.id, amount_cents=bid.price_cents,
                  awarded_at=need.awarded_at, contract_start_on=start,
                  contract_end_on=start + timedelta(days=30 * rng.choice([12, 18, 24, 36])),
                  note="Offre économiquement la plus avantageuse au regard de la grille de la doctrine.",
                  created_at=need.awarded_at, updated_at=need.awarded_at)
    supplier = bid.supplier
    verified_at = min(need.awarded_at + timedelta(days=1), ctx.now - timedelta(hours=1))
    purchase = Purchase(
        buyer=need.buyer, source=PurchaseSource.AWARD, status=PurchaseStatus.VERIFIED, award=award,
        supplier=supplier, supplier_name=supplier.name, supplier_siren=supplier.siren,
        supplier_country=supplier.country, amount_cents=award.amount_cents,
        purchased_on=need.awarded_at.date(), category_code=need.categories[0].code,
        description=need.title, declared_by_id=owner.id, verified_by_id=ctx.operator.id,
        verified_at=verified_at, created_at=need.awarded_at, updated_at=verified_at,
    )
    stamp(purchase, need=need, secnumcloud=bid.secnumcloud_hosting)
    db.session.add_all([award, purchase])
