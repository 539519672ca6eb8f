"""The operator, buyer organisations (administrations and large groups) and their people.

Administrations are real kinds of public bodies; the large groups are invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.accounts.models import Organisation, OrganisationKind, Role, SizeCategory
from app.demo.context import DEMO_DOMAIN, DemoContext
from app.demo.identifiers import IdentifierFactory
from app.demo.words import person
from app.extensions import db
from app.suppliers.models import SolutionAdoption

A, C = OrganisationKind.ADMINISTRATION, OrganisationKind.CORPORATE


@dataclass(frozen=True)
class BuyerSpec:
    name: str
    kind: OrganisationKind
    family: str  # ministry | agency | local | group
    sector: str
    region: str
    city: str
    anonymous_label: str
    alliance: bool = False
    key: str | None = None  # a demo account's organisation


BUYERS: tuple[BuyerSpec, ...] = (
    BuyerSpec("Ministère de la Transformation et de la Fonction publiques", A, "ministry", "admin", "11", "Paris",
              "un ministère", key="ministry"),
    BuyerSpec("Ministère des Armées", A, "ministry", "defense", "11", "Paris", "un ministère régalien"),
    BuyerSpec("Ministère de l’Intérieur", A, "ministry", "security", "11", "Paris", "un ministère régalien"),
    BuyerSpec("Ministère de l’Économie et des Finances", A, "ministry", "finance", "11", "Paris",
              "un ministère économique"),
    BuyerSpec("Ministère de la Santé et de l’Accès aux soins", A, "ministry", "health", "11", "Paris",
              "un ministère social"),
    BuyerSpec("Ministère de l’Éducation nationale", A, "ministry", "education", "11", "Paris", "un ministère"),
    BuyerSpec("Ministère de la Justice", A, "ministry", "justice", "11", "Paris", "un ministère régalien"),
    BuyerSpec("Ministère de la Transition écologique", A, "ministry", "environment", "11", "Paris", "un ministère"),
    BuyerSpec("Agence nationale des données de mobilité", A, "agency", "transport", "11", "Paris",
              "un opérateur de l’État"),
    BuyerSpec("Caisse nationale des prestations sociales", A, "agency", "social", "11", "Paris",
              "un organisme de sécurité sociale"),
    BuyerSpec("Agence publique des ressources en eau", A, "agency", "environment", "76", "Toulouse",
              "un établissement public"),
    BuyerSpec("Opérateur national de la formation et de l’emploi", A, "agency", "employment", "11", "Paris",
              "un opérateur de l’État"),
    BuyerSpec("Agence régionale de santé Occitanie", A, "agency", "health", "76", "Montpellier",
              "une agence régionale de santé"),
    BuyerSpec("Établissement public des archives numériques", A, "agency", "culture", "24", "Orléans",
              "un établissement public"),
    BuyerSpec("Région Bretagne", A, "local", "territory", "53", "Rennes", "une région"),
    BuyerSpec("Région Auvergne-Rhône-Alpes", A, "local", "territory", "84", "Lyon", "une région"),
    BuyerSpec("Métropole Aix-Marseille-Provence", A, "local", "territory", "93", "Marseille",
              "une collectivité de plus de 500 000 habitants"),
    BuyerSpec("Ville de Nantes", A, "local", "territory", "52", "Nantes", "une grande ville"),
    BuyerSpec("Département de la Gironde", A, "local", "territory", "75", "Bordeaux", "un département"),
    BuyerSpec("Eurométropole de Strasbourg", A, "local", "territory", "44", "Strasbourg",
              "une collectivité de plus de 500 000 habitants"),
    BuyerSpec("Banque Fontenoy", C, "group", "finance", "11", "Paris", "une banque du CAC 40", True, "alliance"),
    BuyerSpec("Mutuelle du Ponant Assurances", C, "group", "insurance", "52", "Nantes", "un assureur mutualiste",
              True),
    BuyerSpec("Groupe Solvéa Énergie", C, "group", "energy", "11", "Paris", "un groupe énergétique européen", True),
    BuyerSpec("Ferroviaire Hexagone", C, "group", "transport", "11", "Saint-Denis", "un opérateur de transport",
              True),
    BuyerSpec("Astrée Aéronautique", C, "group", "industry", "76", "Toulouse",
              "un groupe industriel de l’aéronautique", True),
    BuyerSpec("Carnac Télécom", C, "group", "telecom", "11", "Issy-les-Moulineaux",
              "un opérateur de télécommunications", True),
    BuyerSpec("Maison Lavandière", C, "group", "retail", "11", "Paris", "un groupe du luxe", True),
    BuyerSpec("Distribution Marelle", C, "group", "retail", "32", "Lille", "un groupe de la grande distribution",
              key="corporate"),
    BuyerSpec("Hospitalia Santé", C, "group", "health", "84", "Lyon", "un groupe de cliniques privées"),
    BuyerSpec("Alcyon Mobilités", C, "group", "transport", "84", "Lyon", "un groupe de services urbains"),
)

EMPLOYEES = {"ministry": (20_000, 250_000), "agency": (400, 12_000), "local": (2_000, 18_000),
             "group": (8_000, 120_000)}


def make_operator(ctx: DemoContext) -> Organisation:
    created = ctx.days_ago(900)
    org = Organisation(name="Tremplin — équipe opérateur", slug=ctx.unique_slug("tremplin-operateur"),
                       kind=OrganisationKind.OPERATOR, country="FR", region="11", city="Paris",
                       labels=[], created_at=created, updated_at=created, verified_at=created)
    db.session.add(org)
    email = f"operator@{DEMO_DOMAIN}"
    first, last = person(ctx.rng)
    ctx.operator = ctx.new_user(email=email, full_name=f"{first} {last}", created_at=created, is_operator=True)
    ctx.add_member(org, ctx.operator, Role.OWNER)
    ctx.account(email, "operator", org)
    db.session.flush()  # the operator's id verifies every organisation
    return org


def make_buyers(ctx: DemoContext, ids: IdentifierFactory) -> None:
    rng = ctx.rng
    for spec in BUYERS:
        created = ctx.days_ago(400, 800)
        low, high = EMPLOYEES[spec.family]
        employees = rng.randint(low, high)
        slug = ctx.unique_slug(spec.name)
        org = Organisation(
            name=spec.name, slug=slug, kind=spec.kind, country="FR", region=spec.region, city=spec.city,
            website=f"https://www.{slug}.example", employees=employees,
            size=SizeCategory.LARGE if spec.family in ("ministry", "group") else None,
            annual_turnover_cents=employees * rng.randint(180_000, 400_000) * 100 if spec.kind == C else None,
            labels=[], alliance_member=spec.alliance, created_at=created, updated_at=created,
            verified_at=created + timedelta(days=rng.randint(1, 6)), verified_by_id=ctx.operator.id,
            description=_describe(spec),
        )
        org.siren = ids.siren(public=spec.kind == A)
        org.siret = ids.siret(org.siren)
        db.session.add(org)
        ctx.buyers.append(org)
        ctx.buyer_specs[id(org)] = spec
        if spec.key:
            ctx.special_orgs[spec.key] = org
        _add_people(ctx, org, spec)


def spec_of(ctx: DemoContext, org: Organisation) -> BuyerSpec:
    return ctx.buyer_specs[id(org)]


def _describe(spec: BuyerSpec) -> str:
    if spec.family == "group":
        return f"Groupe français ({spec.sector}), acheteur de solutions numériques auprès de startups et PME."
    if spec.family == "local":
        return "Collectivité territoriale engagée dans l’achat numérique responsable et souverain."
    return "Acheteur public soumis au code de la commande publique."


def _add_people(ctx: DemoContext, org: Organisation, spec: BuyerSpec) -> None:
    rng, domain = ctx.rng, f"{org.slug}.example"
    owner_email = {"ministry": f"buyer@{DEMO_DOMAIN}", "corporate": f"corporate@{DEMO_DOMAIN}",
                   "alliance": f"alliance@{DEMO_DOMAIN}"}.get(spec.key or "")
    first, last = person(rng)
    email = owner_email or ctx.unique_email(f"{first}.{last}", domain)
    ctx.add_member(org, ctx.new_user(email=email, full_name=f"{first} {last}", created_at=org.created_at),
                   Role.OWNER)
    if owner_email:
        role = {"ministry": "buyer owner (administration)", "corporate": "buyer owner (corporate group)",
                "alliance": "alliance member (owner)"}[spec.key]
        ctx.account(owner_email, role, org)
    for _ in range(rng.randint(1, 3)):
        first, last = person(rng)
        user = ctx.new_user(email=ctx.unique_email(f"{first}.{last}", domain), full_name=f"{first} {last}",
                            created_at=ctx.between(org.created_at, ctx.now - timedelta(days=30)))
        ctx.add_member(org, user, Role.MEMBER)
    if spec.family in ("ministry", "group"):
        first, last = person(rng)
        email = f"ambassador@{DEMO_DOMAIN}" if spec.key == "ministry" else ctx.unique_email(
            f"{first}.{last}", domain)
        user = ctx.new_user(email=email, full_name=f"{first} {last}",
                            created_at=ctx.between(org.created_at, ctx.now - timedelta(days=30)))
        ctx.add_member(org, user, Role.AMBASSADOR)
        if spec.key == "ministry":
            ctx.account(email, "ambassador", org)


def make_adoptions(ctx: DemoContext) -> None:
    """Buyers already using suppliers' products: shared ones widely, others here and there."""
    rng = ctx.rng
    solutions = [s for org in ctx.suppliers for s in ctx.solutions_of[id(org)]]
    candidates = [s for s in solutions if s.shared] + rng.sample(
        [s for s in solutions if not s.shared], k=30)
    for solution in candidates:
        users = rng.sample(ctx.buyers, k=rng.randint(2, 5) if solution.shared else 1)
        for buyer in users:
            when = ctx.days_ago(60, 1400)
            db.session.add(SolutionAdoption(
                solution=solution, organisation=buyer, since=when.date(), created_at=when, updated_at=when,
                note=rng.choice(["En production depuis le déploiement initial.",
                                 "Utilisé par la direction du numérique.",
                                 "Expérimentation concluante, en cours de généralisation.",
                                 None]),
            ))
