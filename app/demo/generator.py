"""Builds the whole demo market in the current transaction (flushes, never commits).

Order matters only for ids: the operator first (it verifies everyone), then buyers and
suppliers, one flush, then needs, one flush, then bids, awards, pledges and purchases.
No outbox event is recorded: demo data is not news for subscribers. One audit entry
says that the demo was generated, with its seed and reference date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.accounts.models import Organisation, OrganisationKind, SizeCategory, User
from app.accounts.passwords import hash_password
from app.audit.services import record_audit
from app.bids.models import Award, Bid
from app.commitments.models import Commitment, Purchase
from app.demo.alerts import make_notifications
from app.demo.bids import make_bids
from app.demo.billing import make_billing_accounts
from app.demo.buyers import make_adoptions, make_buyers, make_operator
from app.demo.commitments import make_commitments, make_declared_purchases, make_saved_searches
from app.demo.context import DEMO_DOMAIN, DEMO_PASSWORD, DemoAccount, DemoContext
from app.demo.identifiers import IdentifierFactory
from app.demo.needs import make_needs
from app.demo.suppliers import SupplierSpec, link_certified_solutions, make_suppliers
from app.demo.words import CompanyNamer
from app.extensions import db
from app.needs.models import Need
from app.suppliers.models import CertificationKind

DEFAULT_SEED = 2026
KEEP_TABLES = ("categories",)  # reference data seeded by the migration

SPECIAL_SUPPLIERS = {
    "startup": SupplierSpec(
        country="FR", axis="ai", codes=["ai.llm", "ai.nlp", "data.platform"], kind=OrganisationKind.STARTUP,
        name="Orbinova IA", city=("11", "Paris"), size=SizeCategory.SMALL, labels=["french_tech_120", "jei"],
        secnumcloud_provider=False, certifications=[CertificationKind.ISO27001],
        owner=("Claire", "Marchand", f"startup@{DEMO_DOMAIN}"),
    ),
    "sme": SupplierSpec(
        country="FR", axis="cyber", codes=["cyber.soc", "cyber.audit", "cloud.hosting"], kind=OrganisationKind.SME,
        name="Vigie Ponant Sécurité", city=("53", "Rennes"), size=SizeCategory.MEDIUM, labels=[],
        secnumcloud_provider=True,
        certifications=[CertificationKind.ISO27001, CertificationKind.PASSI, CertificationKind.PDIS,
                        CertificationKind.HDS],
        owner=("Yann", "Le Goff", f"sme@{DEMO_DOMAIN}"),
    ),
}
SPECIAL_ROLES = {"startup": "supplier owner (startup)", "sme": "supplier owner (SME)"}


@dataclass
class DemoSummary:
    seed: int
    today: date
    password: str
    accounts: list[DemoAccount]
    counts: dict[str, int]


def existing_data() -> dict[str, int]:
    """What the database already holds that the demo would collide with."""
    counts = {
        "organisations": db.session.scalar(select(func.count()).select_from(Organisation)),
        "users": db.session.scalar(select(func.count()).select_from(User)),
    }
    return {k: v for k, v in counts.items() if v}


def wipe_tables() -> None:
    """Empty every table of ours but the reference data, children first (no DROP, no TRUNCATE)."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in KEEP_TABLES:
            db.session.execute(table.delete())


def generate_demo(*, seed: int = DEFAULT_SEED, today: date) -> DemoSummary:
    """Fill the (empty) database with the demo market, in the caller's transaction."""
    ctx = DemoContext(seed=seed, today=today, password_hash=hash_password(DEMO_PASSWORD))
    ids = IdentifierFactory(ctx.rng)
    namer = CompanyNamer(ctx.rng)
    for spec in SPECIAL_SUPPLIERS.values():
        namer.reserve(spec.name)

    make_operator(ctx)
    make_buyers(ctx, ids)
    make_suppliers(ctx, ids, namer, SPECIAL_SUPPLIERS)
    for key, role in SPECIAL_ROLES.items():
        ctx.account(SPECIAL_SUPPLIERS[key].owner[2], role, ctx.special_orgs[key])
    db.session.flush()
    link_certified_solutions(ctx)
    make_adoptions(ctx)

    needs = make_needs(ctx)
    db.session.flush()
    make_bids(ctx, needs)
    make_commitments(ctx)
    make_declared_purchases(ctx, ids, namer)
    make_saved_searches(ctx, needs)
    db.session.flush()
    db.session.add_all(make_notifications(ctx, needs))
    make_billing_accounts(ctx)
    db.session.flush()

    counts = _counts()
    record_audit("demo.generated", actor=ctx.operator,
                 details={"seed": seed, "today": today.isoformat(), "counts": counts})
    db.session.flush()
    order = ["operator", "startup", "sme", "buyer", "corporate", "ambassador", "alliance"]
    accounts = sorted(ctx.accounts, key=lambda a: order.index(a.email.split("@")[0]))
    return DemoSummary(seed=seed, today=today, password=DEMO_PASSWORD, accounts=accounts, counts=counts)


def _counts() -> dict[str, int]:
    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    supplier_kinds = (OrganisationKind.STARTUP, OrganisationKind.SME)
    buyer_kinds = (OrganisationKind.ADMINISTRATION, OrganisationKind.CORPORATE)
    pledged = db.session.scalar(select(func.coalesce(func.sum(Commitment.amount_cents), 0)))
    return {
        "suppliers": count(Organisation, Organisation.kind.in_(supplier_kinds)),
        "buyers": count(Organisation, Organisation.kind.in_(buyer_kinds)),
        "users": count(User),
        "needs": count(Need),
        "bids": count(Bid),
        "awards": count(Award),
        "purchases": count(Purchase),
        "pledges": count(Commitment),
        "pledged_euros": int(pledged) // 100,
    }
