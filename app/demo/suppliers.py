"""Supplier organisations (startups and SMEs) with their profile, solutions, certifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm.attributes import flag_modified

from app.accounts.models import Organisation, OrganisationKind, Role, SizeCategory
from app.demo.context import DemoContext
from app.demo.identifiers import IdentifierFactory
from app.demo.supplier_texts import (
    HOSTS,
    LABEL_NAMES,
    LICENCES,
    OFFERS,
    REFERENCE_CLIENTS,
    REFERENCE_SUMMARIES,
    describe_supplier,
)
from app.demo.words import EU_CITIES, EU_SUPPLIER_COUNTS, CompanyNamer, person, pick_french_city
from app.extensions import db
from app.needs.taxonomy import AXES, BY_CODE, children
from app.suppliers.models import (
    Certification,
    CertificationKind,
    Deployment,
    Solution,
    SupplierProfile,
)

SUPPLIER_COUNT = 320
AXIS_WEIGHTS = {"ai": 22, "data": 16, "cloud": 14, "it": 18, "lowcode": 8, "cyber": 17, "quantum": 5}
SIZE_EMPLOYEES = {
    SizeCategory.MICRO: (2, 9), SizeCategory.SMALL: (10, 49),
    SizeCategory.MEDIUM: (50, 249), SizeCategory.MID: (250, 900),
}  # fmt: skip
CERT_ISSUERS = ["Organisme certificateur accrédité COFRAC", "Certi-Europe", "Norma Audit"]
ANSSI_KINDS = (CertificationKind.SECNUMCLOUD, CertificationKind.PASSI, CertificationKind.PDIS,
               CertificationKind.CSPN)
CODE_LABELS = {c.code: c.label_fr for c in BY_CODE.values()}


@dataclass
class SupplierSpec:
    """What may be fixed in advance (the demo accounts' organisations); the rest is drawn."""

    country: str = "FR"
    axis: str | None = None
    codes: list[str] | None = None
    kind: OrganisationKind | None = None
    name: str | None = None
    city: tuple[str, str] | None = None  # (region code, city)
    size: SizeCategory | None = None
    labels: list[str] | None = None
    secnumcloud_provider: bool | None = None
    certifications: list[CertificationKind] = field(default_factory=list)
    owner: tuple[str, str, str] | None = None  # (first name, last name, email)


def make_suppliers(ctx: DemoContext, ids: IdentifierFactory, namer: CompanyNamer,
                   specials: dict[str, SupplierSpec]) -> None:
    """Create the special suppliers first, then enough others to reach SUPPLIER_COUNT."""
    for key, spec in specials.items():
        ctx.special_orgs[key] = build_supplier(ctx, ids, namer, spec)
    countries = [c for c, n in EU_SUPPLIER_COUNTS.items() for _ in range(n)]
    countries += ["FR"] * (SUPPLIER_COUNT - len(specials) - len(countries))
    ctx.rng.shuffle(countries)
    for country in countries:
        build_supplier(ctx, ids, namer, SupplierSpec(country=country))


def _draw_codes(ctx: DemoContext, axis: str) -> list[str]:
    rng = ctx.rng
    subs = [c.code for c in children(axis)]
    codes = rng.sample(subs, k=min(len(subs), rng.choices([1, 2, 3], weights=[35, 45, 20])[0]))
    if rng.random() < 0.3:
        other = rng.choice([a.code for a in AXES if a.code != axis])
        codes.append(rng.choice([c.code for c in children(other)]))
    return codes


def _draw_size(ctx: DemoContext, kind: OrganisationKind) -> SizeCategory:
    sizes = [SizeCategory.MICRO, SizeCategory.SMALL, SizeCategory.MEDIUM, SizeCategory.MID]
    weights = [35, 45, 17, 3] if kind == OrganisationKind.STARTUP else [5, 45, 47, 3]
    return ctx.rng.choices(sizes, weights=weights)[0]


def _draw_labels(ctx: DemoContext, kind, size, founded: int, codes: list[str], country: str) -> list[str]:
    rng, labels = ctx.rng, []
    if country != "FR":
        return ["deeptech"] if codes[0].startswith("quantum") and rng.random() < 0.5 else []
    startup = kind == OrganisationKind.STARTUP
    if startup and size != SizeCategory.MICRO and rng.random() < 0.12:
        labels.append("french_tech_120")
        if size in (SizeCategory.MEDIUM, SizeCategory.MID) and rng.random() < 0.5:
            labels.append("next40")
    if startup and founded >= ctx.today.year - 8 and rng.random() < 0.45:
        labels.append("jei")
    if rng.random() < 0.08:
        labels.append("greentech")
    if codes[0].split(".")[0] in ("quantum", "ai") and codes[0] != "ai.llm" and rng.random() < 0.3:
        labels.append("deeptech")
    return labels


def build_supplier(ctx: DemoContext, ids: IdentifierFactory, namer: CompanyNamer,
                   spec: SupplierSpec) -> Organisation:
    rng = ctx.rng
    axis = spec.axis or rng.choices(list(AXIS_WEIGHTS), weights=list(AXIS_WEIGHTS.values()))[0]
    codes = spec.codes or _draw_codes(ctx, axis)
    kind = spec.kind or (OrganisationKind.STARTUP if rng.random() < 0.65 else OrganisationKind.SME)
    name = spec.name or namer.company(axis)
    country = spec.country
    if country == "FR":
        region, city = spec.city or pick_french_city(rng)
    else:
        region, city = "EU", rng.choice(EU_CITIES[country])
    size = spec.size or _draw_size(ctx, kind)
    low, high = SIZE_EMPLOYEES[size]
    employees = rng.randint(low, high)
    per_head = rng.randint(30_000, 120_000) if kind == OrganisationKind.STARTUP else rng.randint(70_000, 160_000)
    founded = rng.randint(2012, ctx.today.year - 1) if kind == OrganisationKind.STARTUP else rng.randint(1988, 2016)
    labels = spec.labels if spec.labels is not None else _draw_labels(ctx, kind, size, founded, codes, country)
    if "jei" in labels and founded < ctx.today.year - 7:  # a young innovative company is young
        founded = ctx.today.year - rng.randint(2, 7)
    created = ctx.days_ago(30, 700)
    slug = ctx.unique_slug(name)
    labels_fr = [LABEL_NAMES[label] for label in labels]

    org = Organisation(
        name=name, slug=slug, kind=kind, country=country, region=region, city=city,
        website=f"https://www.{slug}.example", size=size, employees=employees,
        annual_turnover_cents=employees * per_head * 100, founded_on=date(founded, rng.randint(1, 12), 1),
        labels=labels, alliance_member=False, created_at=created, updated_at=created,
        description=f"{OFFERS[codes[0]][0][0]}.",
    )
    if country == "FR":
        org.siren = ids.siren()
        org.siret = ids.siret(org.siren)
    else:
        org.vat_number = ids.vat(country)
    if spec.owner is not None or rng.random() < 0.92:
        org.verified_at = created + timedelta(days=rng.randint(2, 20), hours=rng.randint(1, 8))
        org.verified_by_id = ctx.operator.id
    db.session.add(org)
    ctx.suppliers.append(org)
    ctx.codes_of[id(org)] = codes

    _add_people(ctx, org, spec)
    solutions, own_snc = _add_solutions(ctx, org, codes, spec)
    _add_profile(ctx, org, kind, founded, codes, labels_fr, solutions, own_snc)
    _add_certifications(ctx, org, codes, solutions, spec, own_snc)
    return org


def _add_people(ctx: DemoContext, org: Organisation, spec: SupplierSpec) -> None:
    domain = f"{org.slug}.example"
    if spec.owner:
        first, last, email = spec.owner
    else:
        first, last = person(ctx.rng, org.country)
        email = ctx.unique_email(f"{first}.{last}", domain)
    owner = ctx.new_user(email=email, full_name=f"{first} {last}", created_at=org.created_at)
    ctx.add_member(org, owner, Role.OWNER)
    for _ in range(ctx.rng.choices([0, 1, 2], weights=[50, 35, 15])[0]):
        first, last = person(ctx.rng, org.country)
        joined = ctx.between(org.created_at, ctx.now)
        user = ctx.new_user(email=ctx.unique_email(f"{first}.{last}", domain),
                            full_name=f"{first} {last}", created_at=joined)
        ctx.add_member(org, user, Role.MEMBER)


def _host(ctx: DemoContext, org: Organisation, own_snc: bool) -> tuple[str, str, bool, bool]:
    rng = ctx.rng
    if own_snc:
        return (f"{org.name} (qualifié SecNumCloud)", "FR", True, False)
    if org.country != "FR" and rng.random() < 0.6:
        return ("Centres de données propres", org.country, False, False)
    return rng.choices(HOSTS, weights=[12, 8, 14, 16, 12, 6, 6, 8, 6])[0]


def _add_solutions(ctx: DemoContext, org: Organisation, codes: list[str],
                   spec: SupplierSpec) -> tuple[list[Solution], bool]:
    """1 to 3 products; a qualified cloud provider hosts its own on its SecNumCloud offer."""
    rng = ctx.rng
    count = rng.choices([1, 2, 3], weights=[45, 35, 20])[0]
    own_snc = bool(spec.secnumcloud_provider) or (
        spec.secnumcloud_provider is None and org.country == "FR"
        and any(c in ("cloud.hosting", "cloud.iaas") for c in codes) and rng.random() < 0.45
    )
    stem = org.name.split()[0]
    solutions, names = [], []
    for j in range(count):
        code = codes[j % len(codes)]
        _, words, summaries = OFFERS[code]
        word = next((w for w in rng.sample(words, len(words)) if f"{stem} {w}" not in names), None)
        if word is None:
            continue
        names.append(f"{stem} {word}")
        if code == "cyber.audit" or (code == "it.devops" and rng.random() < 0.5):
            deployment = Deployment.SERVICE
        elif code.startswith("cloud"):
            deployment = Deployment.SAAS
        else:
            deployment = rng.choices([Deployment.SAAS, Deployment.ON_PREMISE, Deployment.HYBRID],
                                     weights=[60, 15, 25])[0]
        open_source = rng.random() < (0.45 if code in ("it.workplace", "data.platform", "it.devops") else 0.22)
        provider, country, snc, _ = (None, None, False, False)
        if deployment in (Deployment.SAAS, Deployment.HYBRID):
            provider, country, snc, _ = _host(ctx, org, own_snc)
        summary = rng.choice(summaries)
        shared = open_source and org.country == "FR" and rng.random() < 0.12
        solution = Solution(
            organisation=org, name=names[-1], summary=summary, category_code=code,
            description=summary + (" Code source publié sous licence libre." if open_source else "")
            + (" Déjà mutualisée entre plusieurs administrations." if shared else ""),
            open_source=open_source, license=rng.choice(LICENCES) if open_source else None,
            hosting_country=country, hosting_provider=provider, secnumcloud=snc,
            deployment=deployment, shared=shared,
            website=f"{org.website}/{names[-1].split()[-1].lower()}",
            created_at=org.created_at, updated_at=org.created_at,
        )
        db.session.add(solution)
        solutions.append(solution)
    ctx.solutions_of[id(org)] = solutions
    return solutions, own_snc


def _add_profile(ctx, org, kind, founded, codes, labels_fr, solutions, own_snc: bool) -> None:
    rng = ctx.rng
    if org.country == "FR":
        regions = [org.region] + (["FR"] if rng.random() < 0.6 else []) + (["EU"] if rng.random() < 0.15 else [])
    else:
        regions = ["EU", "FR"] if rng.random() < 0.7 else ["EU"]
    extraterritorial = any(s.hosting_provider and "américain" in s.hosting_provider for s in solutions)
    eu_controlled = rng.random() < 0.95
    references = [
        {"client": rng.choice(REFERENCE_CLIENTS),
         "summary": rng.choice(REFERENCE_SUMMARIES).format(n=rng.choice([200, 1500, 8000, 40000])),
         "year": rng.randint(max(founded + 1, ctx.today.year - 5), ctx.today.year)}
        for _ in range(rng.choices([0, 1, 2, 3], weights=[25, 35, 25, 15])[0])
    ]
    profile = SupplierProfile(
        organisation=org, headline=rng.choice(OFFERS[codes[0]][0]),
        description=describe_supplier(org.name, kind.value, org.city, founded, labels_fr, codes, CODE_LABELS),
        categories=codes, regions_served=regions, references=references,
        eu_controlled=eu_controlled, extraterritorial_exposure=extraterritorial or not eu_controlled,
        exit_plan=rng.random() < 0.65 or own_snc,
        owns_technology=not all(s.deployment == Deployment.SERVICE for s in solutions) and rng.random() < 0.9,
        completed_at=org.created_at + timedelta(days=1) if rng.random() < 0.9 else None,
        created_at=org.created_at, updated_at=org.created_at,
    )
    db.session.add(profile)


def _cert(ctx: DemoContext, org: Organisation, kind: CertificationKind, solution: Solution | None = None) -> None:
    rng = ctx.rng
    issued = ctx.today - timedelta(days=rng.randint(30, 900))
    years = 3 if kind != CertificationKind.SOC2 else 1
    expires = issued + timedelta(days=365 * years)
    if kind == CertificationKind.SOC2 and expires < ctx.today:
        expires = ctx.today + timedelta(days=rng.randint(30, 300))
    certification = Certification(
        organisation=org, kind=kind, reference=f"{kind.value.upper()}-{issued.year}-{rng.randint(100, 99999):05d}",
        issuer="ANSSI" if kind in ANSSI_KINDS else rng.choice(CERT_ISSUERS),
        issued_on=issued, expires_on=expires, created_at=org.created_at, updated_at=org.created_at,
    )
    if solution is not None:  # linked once the solution has an id
        ctx.pending_links.append((certification, solution))
    db.session.add(certification)


def _add_certifications(ctx, org, codes, solutions, spec: SupplierSpec, own_snc: bool) -> None:
    rng = ctx.rng
    kinds = list(spec.certifications)
    axes = {c.split(".")[0] for c in codes}
    if own_snc and CertificationKind.SECNUMCLOUD not in kinds:
        kinds.append(CertificationKind.SECNUMCLOUD)
    draws = [
        (CertificationKind.ISO27001, 0.6 if axes & {"cloud", "cyber"} else 0.3),
        (CertificationKind.HDS, 0.5 if "cloud.hosting" in codes else 0.04),
        (CertificationKind.PASSI, 0.6 if "cyber.audit" in codes else 0.0),
        (CertificationKind.PDIS, 0.4 if "cyber.soc" in codes else 0.0),
        (CertificationKind.ISO9001, 0.15),
        (CertificationKind.SOC2, 0.15 if org.country != "FR" else 0.05),
        (CertificationKind.RGS, 0.25 if axes & {"cyber"} or "it.citizen" in codes else 0.0),
        (CertificationKind.EUCS, 0.1 if "cloud" in axes else 0.0),
    ]
    for kind, p in draws:
        if kind not in kinds and rng.random() < p:
            kinds.append(kind)
    for kind in kinds:
        _cert(ctx, org, kind)
    product = next((s for s in solutions if s.category_code in ("cyber.crypto", "cyber.identity")), None)
    if product is not None and rng.random() < 0.4:
        _cert(ctx, org, CertificationKind.CSPN, product)


def link_certified_solutions(ctx: DemoContext) -> None:
    """After the flush: point CSPN certifications at the product they certify."""
    for certification, solution in ctx.pending_links:
        certification.solution_id = solution.id
        flag_modified(certification, "updated_at")  # keep its value: no "now" in reproducible data
    ctx.pending_links.clear()
