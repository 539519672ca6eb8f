"""Bulk data for the commitment dashboard bench: members, suppliers, pledges, awarded needs
and a million purchases, written with PostgreSQL COPY (psycopg) in a few dozen seconds.

Distributions (seeded, reproducible):

- 5,000 alliance members (60 % large groups, 40 % administrations), 500 buyers outside
  the alliance, 20,000 supplier organisations (startups and SMEs); 90 % of members pledge
  (log-normal, median €150k);
- purchases: 95 % by members, who buy in proportion to a Zipf-like weight (a few large
  members make most purchases), 5 % by the others; amounts log-normal (median €1,500,
  from €100 to €5M); dates from three months before the programme to today, more of them
  recently (the volume grows); 15 % awarded on Tremplin (a need, a bid and an award each,
  verified), the rest declared (60 % verified, 25 % awaiting verification, 15 % rejected);
- suppliers: 70 % on Tremplin (Zipf-like), 30 % named by SIREN from a pool of 100,000;
  classes, places, innovation labels, categories, regions, hosting and disclosure drawn
  with plausible frequencies (see ``purchase_row``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from random import Random

from sqlalchemy import text

from app.needs.doctrine import DEFAULT_WEIGHTS
from app.needs.regions import REGIONS
from app.needs.taxonomy import AXES, SUBCATEGORIES

REGION_CODES = sorted(REGIONS)
SUBS = [c.code for c in SUBCATEGORIES]
AXIS_CODES = [c.code for c in AXES]
WEIGHTS = [(f"weight_{k}", v) for k, v in DEFAULT_WEIGHTS.items()]


@dataclass
class Sizes:
    members: int = 5_000
    outsiders: int = 500
    suppliers: int = 20_000
    purchases: int = 1_000_000
    award_share: float = 0.15


@dataclass
class Seeded:
    member_ids: list[int]
    outsider_ids: list[int]
    supplier_ids: list[int]
    purchases: int
    awards: int
    counts: dict = field(default_factory=dict)


def _zipf_weights(n: int, s: float, rng: Random) -> list[float]:
    weights = [1 / (rank ** s) for rank in range(1, n + 1)]
    rng.shuffle(weights)
    return weights


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def seed(engine, *, sizes: Sizes, start: date, today: date, seed_value: int = 1) -> Seeded:
    rng = Random(seed_value)
    member_ids = list(range(1, sizes.members + 1))
    outsider_ids = list(range(sizes.members + 1, sizes.members + sizes.outsiders + 1))
    first_supplier = sizes.members + sizes.outsiders + 1
    supplier_ids = list(range(first_supplier, first_supplier + sizes.suppliers))
    kinds = {i: ("administration" if rng.random() < 0.4 else "corporate") for i in member_ids + outsider_ids}
    supplier_kind = {i: ("startup" if rng.random() < 0.55 else "sme") for i in supplier_ids}
    supplier_fr = {i: rng.random() < 0.9 for i in supplier_ids}

    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur:
            def organisations():
                for i in member_ids + outsider_ids:
                    yield (i, f"Acheteur {i:05d}", f"acheteur-{i}", kinds[i], f"{100_000_000 + i}", "FR", "[]",
                           i in member_ids, rng.choice(REGION_CODES))
                for i in supplier_ids:
                    fr = supplier_fr[i]
                    yield (i, f"Fournisseur {i:05d}", f"fournisseur-{i}", supplier_kind[i],
                           f"{100_000_000 + i}" if fr else None, "FR" if fr else "DE", "[]", False, None)

            org_cols = ["id", "name", "slug", "kind", "siren", "country", "labels", "alliance_member", "region"]
            # Foreign suppliers are identified by a VAT number
            _copy(cur, "organisations", org_cols + ["vat_number"],
                  (row + ((None,) if row[5] == "FR" else (f"DE{row[0]:09d}",)) for row in organisations()))

            pledges = [(i, int(math.exp(rng.gauss(math.log(150_000), 1.0))) * 100, start, date(2027, 12, 31))
                       for i in member_ids if rng.random() < 0.9]
            _copy(cur, "commitments", ["organisation_id", "amount_cents", "period_start", "period_end"], pledges)

            buyer_pool = member_ids + outsider_ids
            member_weights = _zipf_weights(len(member_ids), 0.8, rng)
            total = sum(member_weights)
            weights = [w / total * 0.95 for w in member_weights] + [0.05 / len(outsider_ids)] * len(outsider_ids)
            buyers = rng.choices(buyer_pool, weights=weights, k=sizes.purchases)
            suppliers = rng.choices(supplier_ids, weights=_zipf_weights(len(supplier_ids), 0.7, rng),
                                    k=sizes.purchases)
            first_day = start - timedelta(days=92)
            span = (today - first_day).days

            awards_made, chunk = 0, 50_000
            for first in range(0, sizes.purchases, chunk):
                purchases, needs, bids, awards = [], [], [], []
                for n in range(first, min(first + chunk, sizes.purchases)):
                    row = purchase_row(rng, n + 1, buyers[n], kinds[buyers[n]], suppliers[n], supplier_kind,
                                       supplier_fr, first_day, span, sizes.award_share)
                    if row["source"] == "award":
                        awards_made += 1
                        k = row["award_id"] = awards_made
                        needs.append(need_row(rng, k, row))
                        bids.append(bid_row(k, row))
                        awards.append((k, k, k, row["amount_cents"], row["verified_at"]))
                    purchases.append([row[c] for c in PURCHASE_COLUMNS])
                # awards first: purchases refer to them
                _copy(cur, "needs", NEED_COLUMNS, needs)
                _copy(cur, "bids", BID_COLUMNS, bids)
                _copy(cur, "awards", ["id", "need_id", "bid_id", "amount_cents", "awarded_at"], awards)
                _copy(cur, "purchases", PURCHASE_COLUMNS, purchases)
            for table in ("organisations", "commitments", "needs", "bids", "awards", "purchases"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
        conn.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return Seeded(member_ids, outsider_ids, supplier_ids, sizes.purchases, awards_made)


PURCHASE_COLUMNS = [
    "id", "buyer_id", "source", "status", "award_id", "supplier_id", "supplier_name", "supplier_siren",
    "supplier_country", "amount_cents", "purchased_on", "category_code", "description", "verified_at",
    "rejection_reason", "supplier_class", "supplier_geo", "supplier_innovative", "supplier_key", "region", "route",
    "secnumcloud", "disclose_amount",
]


def purchase_row(rng: Random, n: int, buyer: int, buyer_kind: str, supplier: int, supplier_kind: dict,
                 supplier_fr: dict, first_day: date, span: int, award_share: float) -> dict:
    purchased_on = first_day + timedelta(days=int(span * math.sqrt(rng.random())))
    euros = min(max(int(math.exp(rng.gauss(math.log(1_500), 1.2))), 100), 5_000_000)
    award = rng.random() < award_share
    on_platform = award or rng.random() < 0.7
    if on_platform:
        cls = supplier_kind[supplier]
        geo = "fr" if supplier_fr[supplier] else "eu"
        key, name = f"org:{supplier}", f"Fournisseur {supplier:05d}"
        siren, country = (f"{100_000_000 + supplier}", "FR") if geo == "fr" else (None, "DE")
    else:
        supplier = None
        siren = f"{300_000_000 + rng.randrange(100_000)}"
        cls = rng.choices(["startup", "sme", "mid", "large", "unknown"], weights=[30, 30, 20, 15, 5])[0]
        geo, country = rng.choices([("fr", "FR"), ("eu", "BE"), ("non_eu", "US")], weights=[70, 15, 15])[0]
        key, name = f"siren:{siren}", f"Entreprise {siren}"
    status = "verified" if award else rng.choices(["verified", "declared", "rejected"], weights=[60, 25, 15])[0]
    roll = rng.random()
    category = rng.choice(SUBS) if roll < 0.85 else rng.choice(AXIS_CODES) if roll < 0.9 else None
    verified_at = (datetime.combine(purchased_on, time(12), UTC) + timedelta(days=rng.randint(0, 20))
                   if status == "verified" else None)
    return {
        "id": n, "buyer_id": buyer, "source": "award" if award else "declared", "status": status,
        "award_id": None, "supplier_id": supplier, "supplier_name": name, "supplier_siren": siren,
        "supplier_country": country, "amount_cents": euros * 100 + rng.randrange(100),
        "purchased_on": purchased_on, "category_code": category, "description": "Licences et services",
        "verified_at": verified_at, "rejection_reason": "Justificatif illisible." if status == "rejected" else None,
        "supplier_class": cls, "supplier_geo": geo, "supplier_innovative": cls == "sme" and rng.random() < 0.4,
        "supplier_key": key, "region": rng.choice(REGION_CODES) if rng.random() < 0.8 else None,
        "route": "public" if buyer_kind == "administration" else "private",
        "secnumcloud": rng.choices([True, False, None], weights=[20, 50, 30])[0],
        "disclose_amount": rng.random() < 0.6,
    }


NEED_COLUMNS = [
    "id", "reference", "buyer_id", "title", "summary", "description", "budget_min_cents", "budget_max_cents",
    "route", "region", "deadline_at", "visibility", "anonymised", "anonymous_label", "status", "published_at",
    "closed_at", "awarded_at", "sensitive_data", "requires_secnumcloud", "eu_data_residency",
    "open_source_preferred", "sme_set_aside", "disclose_amounts", "reuse_checked", "off_the_shelf_sought",
    "approach", *(name for name, _ in WEIGHTS), "version",
]


def need_row(rng: Random, k: int, purchase: dict) -> tuple:
    awarded_at = purchase["verified_at"]
    restricted = rng.random() < 0.2
    return (k, f"TRP-B-{k:07d}", purchase["buyer_id"], f"Besoin {k}", "Résumé du besoin", "Description",
            purchase["amount_cents"], purchase["amount_cents"] * 2, purchase["route"], purchase["region"],
            awarded_at - timedelta(days=5), "restricted" if restricted else "public",
            restricted and rng.random() < 0.5, "un grand groupe", "awarded", awarded_at - timedelta(days=40),
            awarded_at - timedelta(days=5), awarded_at, False, False, False, False, False,
            purchase["disclose_amount"], True, True, "off_the_shelf", *(v for _, v in WEIGHTS), 1)


BID_COLUMNS = ["id", "need_id", "supplier_id", "status", "price_cents", "summary", "proposal", "approach",
               "secnumcloud_hosting", "data_in_eu", "open_source", "version", "submitted_at", "decided_at"]


def bid_row(k: int, purchase: dict) -> tuple:
    at = purchase["verified_at"]
    return (k, k, purchase["supplier_id"], "awarded", purchase["amount_cents"], "Offre", "Proposition",
            "off_the_shelf", bool(purchase["secnumcloud"]), True, False, 1, at - timedelta(days=10), at)
