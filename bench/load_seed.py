"""Seeded database for bench/load_run.py: buyers, 100k suppliers (organisation, owner account,
profile, solutions, certifications) and 20k needs (statuses, visibilities, categories,
invitations), written with PostgreSQL COPY.

Texts and distributions come from bench/search_bench_corpus.py (the demo generator's
French vocabulary: need templates and long descriptions, supplier offers, invented brand
names): its documents are turned back into table rows here. Dates are moved from the
corpus' clock to now, so that published needs are open for bids today.

Every supplier has one owner account, ``fournisseur<organisation id>@banc-tremplin.fr``,
with the password PASSWORD (one argon2 hash, computed once).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random

from search_bench_corpus import NOW, Buyers, need_documents, supplier_documents
from sqlalchemy import text

from app.needs.doctrine import DEFAULT_WEIGHTS

PASSWORD = "banc-de-charge-2026"  # noqa: S105 - a bench account on a throwaway database
EMAIL = "fournisseur{id}@banc-tremplin.fr"
HOSTS = ("OVHcloud", "Scaleway", "Outscale", "Clever Cloud", "Cloud Temple", "Hetzner", "IONOS")
LICENSES = ("AGPL-3.0", "Apache-2.0", "MIT", "EUPL-1.2", "GPL-3.0")
CITIES_BY_REGION = {"FR": "Paris", "EU": "Bruxelles"}


@dataclass
class SeedCounts:
    buyers: int = 0
    suppliers: int = 0
    users: int = 0
    solutions: int = 0
    certifications: int = 0
    needs: int = 0
    open_public_needs: int = 0
    invitations: int = 0


def _slug(name: str, ident: int) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return f"{re.sub(r'[^a-z0-9]+', '-', folded).strip('-')[:60]}-{ident}"


def _copy(cur, table: str, columns: list[str], rows) -> int:
    n = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _ts(value: int, shift: timedelta) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) + shift if value else None


ORG_COLUMNS = ["id", "name", "slug", "kind", "siren", "vat_number", "country", "region", "city", "description",
               "size", "employees", "labels", "alliance_member", "verified_at"]
PROFILE_COLUMNS = ["organisation_id", "headline", "description", "categories", "regions_served", "\"references\"",
                   "eu_controlled", "extraterritorial_exposure", "exit_plan", "owns_technology", "completed_at"]
SOLUTION_COLUMNS = ["organisation_id", "name", "summary", "description", "category_code", "open_source", "license",
                    "hosting_country", "hosting_provider", "secnumcloud", "deployment", "shared"]
NEED_COLUMNS = [
    "id", "reference", "buyer_id", "title", "summary", "description", "budget_min_cents", "budget_max_cents",
    "route", "region", "deadline_at", "visibility", "anonymised", "anonymous_label", "status", "published_at",
    "closed_at", "awarded_at", "cancelled_at", "sensitive_data", "requires_secnumcloud", "eu_data_residency",
    "open_source_preferred", "sme_set_aside", "disclose_amounts", "reuse_checked", "off_the_shelf_sought",
    "approach", *(f"weight_{k}" for k in DEFAULT_WEIGHTS), "version",
]


def seed(engine, *, suppliers: int, needs: int, seed_value: int = 7) -> SeedCounts:
    from app.accounts.passwords import hash_password

    rng = Random(seed_value)
    now = datetime.now(UTC)
    shift = now - NOW
    buyers = Buyers(Random(seed_value))
    first_supplier = len(buyers) + 1
    solutions: list[tuple] = []
    supplier_docs = supplier_documents(suppliers, seed=seed_value, first_id=first_supplier, solutions_out=solutions)
    need_docs = need_documents(needs, seed=seed_value, buyers=buyers,
                               supplier_ids=range(first_supplier, first_supplier + suppliers))
    password_hash = hash_password(PASSWORD)
    counts = SeedCounts(buyers=len(buyers), suppliers=suppliers)

    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur:
            def organisations():
                for i, (name, kind, region, _label) in enumerate(buyers.items, start=1):
                    yield (i, name, _slug(name, i), kind, f"{100_000_000 + i}", None, "FR", region,
                           None, None, "large", None, "[]", kind == "corporate", now)
                for doc in supplier_docs:
                    i, fr = int(doc["id"]), doc["country"] == "FR"
                    region = next((r for r in doc["regions"] if r not in ("FR", "EU")), None)
                    yield (i, doc["name"], _slug(doc["name"], i), doc["kind"],
                           f"{500_000_000 + i}" if fr else None, None if fr else f"{doc['country']}{i:09d}",
                           doc["country"], region, CITIES_BY_REGION.get(region or "EU"), None, doc["size"],
                           doc["employees"], json.dumps(doc["labels"]), False,
                           now - timedelta(days=rng.randint(1, 400)) if doc["verified"] else None)

            _copy(cur, "organisations", ORG_COLUMNS, organisations())
            counts.users = _copy(cur, "users", ["id", "email", "password_hash", "full_name", "locale", "is_operator",
                                                "active", "email_verified_at"],
                                 ((int(d["id"]), EMAIL.format(id=d["id"]), password_hash, f"Dirigeant {d['name']}",
                                   "fr", False, True, now) for d in supplier_docs))
            _copy(cur, "memberships", ["user_id", "organisation_id", "role"],
                  ((int(d["id"]), int(d["id"]), "owner") for d in supplier_docs))
            _copy(cur, "supplier_profiles", PROFILE_COLUMNS,
                  ((int(d["id"]), d["headline"], d["description"], json.dumps(d["categories"]),
                    json.dumps(d["regions"]), "[]", d["eu_controlled"], d["extraterritorial_exposure"],
                    rng.random() < 0.6, rng.random() < 0.8, now) for d in supplier_docs))

            def solution_rows():
                seen = set()
                for org_id, name, summary, reference, open_source, secnumcloud, code in solutions:
                    if (org_id, name) in seen:
                        continue
                    seen.add((org_id, name))
                    hosted = rng.random() < 0.7
                    yield (org_id, name, summary, reference or None, code, open_source,
                           rng.choice(LICENSES) if open_source else None, "FR" if hosted else None,
                           rng.choice(HOSTS) if hosted else None, secnumcloud,
                           rng.choice(("saas", "saas", "on_premise", "hybrid", "service")), rng.random() < 0.3)

            counts.solutions = _copy(cur, "solutions", SOLUTION_COLUMNS, solution_rows())
            counts.certifications = _copy(cur, "certifications", ["organisation_id", "kind", "reference"],
                                          ((int(d["id"]), kind, f"{kind.upper()}-{d['id']}")
                                           for d in supplier_docs for kind in d["certifications"]))

            need_rows, categories, invitations = [], [], []
            for doc in need_docs:
                i, status = int(doc["id"]), doc["status"]
                published = _ts(doc["published_ts"], shift)
                deadline = _ts(doc["deadline_ts"], shift)
                ended = deadline if status in ("closed", "awarded", "unsuccessful") else None
                sensitive = doc["sensitive_data"]
                need_rows.append((
                    i, doc["reference"], doc["buyer_id"], doc["title"][:200], doc["summary"][:500], doc["description"],
                    doc["budget_min"] * 100, doc["budget_max"] * 100, doc["route"], doc["region"] or None, deadline,
                    doc["visibility"], doc["buyer_name"] != buyers.items[doc["buyer_id"] - 1][0],
                    buyers.items[doc["buyer_id"] - 1][3], status, published, ended,
                    deadline + timedelta(days=20) if status == "awarded" else None,
                    published + timedelta(days=5) if status == "cancelled" else None,
                    sensitive, sensitive or rng.random() < 0.1, doc["eu_data_residency"],
                    doc["open_source_preferred"], doc["sme_set_aside"], rng.random() < 0.5, True, True,
                    "off_the_shelf", *DEFAULT_WEIGHTS.values(), 1,
                ))
                categories.extend((i, code) for code in doc["categories"])
                invitations.extend((i, supplier) for supplier in doc["invited_ids"])
                if status == "published" and doc["visibility"] == "public" and deadline > now:
                    counts.open_public_needs += 1
            counts.needs = _copy(cur, "needs", NEED_COLUMNS, need_rows)
            _copy(cur, "need_categories", ["need_id", "category_code"], categories)
            counts.invitations = _copy(cur, "invitations", ["need_id", "supplier_id"], invitations)
            for table in ("organisations", "users", "memberships", "supplier_profiles", "solutions",
                          "certifications", "needs", "invitations"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
        conn.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return counts


def bidding_targets(engine, *, sessions: int) -> list[tuple[str, str]]:
    """(supplier email, need reference) pairs: verified suppliers, each on an open public need of
    the public route (no plan allowance applies) with no SME set-aside, spread over the needs."""
    with engine.connect() as conn:
        needs = conn.execute(text(
            "SELECT reference FROM needs WHERE status = 'published' AND visibility = 'public' "
            "AND route = 'public' AND NOT sme_set_aside AND deadline_at > now() + interval '1 day' "
            "ORDER BY id LIMIT 40")).scalars().all()
        suppliers = conn.execute(text(
            "SELECT id FROM organisations WHERE kind IN ('startup', 'sme') AND verified_at IS NOT NULL "
            "ORDER BY id LIMIT :n"), {"n": sessions}).scalars().all()
    if not needs:
        raise SystemExit("no open public need to bid on: seed more needs")
    return [(EMAIL.format(id=s), needs[k % len(needs)]) for k, s in enumerate(suppliers)]


def public_need_references(engine, limit: int = 2_000) -> list[str]:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT reference FROM needs WHERE status <> 'draft' AND visibility = 'public' "
            "ORDER BY md5(reference) LIMIT :n"), {"n": limit}).scalars().all()
