"""The --matching part of bench/search_bench.py: app.matching.matching_suppliers.match_suppliers
for one need against every supplier, timed on a real app database.

The app runs on a SQLite database of its own in the bench's temporary folder, built by
the migrations. The suppliers already indexed by the bench are written to it with bulk
INSERTs through SQLAlchemy Core (organisations, supplier profiles, solutions,
certifications: the same facts as their index documents, so the engine and the database
agree), plus the buyers and the needs to match. match_suppliers then runs as the need
page calls it: engine candidates, one SQL query for sovereignty answers, scoring, and
the finalists reloaded from the database.
"""

from __future__ import annotations

import logging
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from random import Random

from search_bench_corpus import NOW

from search.base import SearchBackend

CHUNK = 5_000


def _chunks(rows: list[dict]):
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _insert(conn, table, rows: list[dict]) -> None:
    keys = list(dict.fromkeys(k for row in rows for k in row))  # executemany wants the same keys everywhere
    rows = [{k: row.get(k) for k in keys} for row in rows]
    for chunk in _chunks(rows):
        conn.execute(table.insert(), chunk)


def seed(buyers, suppliers: list[dict], solutions: list[tuple], needs: list[dict], rng: Random) -> None:
    """Everything match_suppliers reads, written with Core bulk inserts in one transaction."""
    from app.accounts.models import Organisation
    from app.extensions import db
    from app.needs.models import Need, need_categories
    from app.suppliers.models import Certification, Solution, SupplierProfile

    now = NOW
    orgs, profiles, solution_rows, certifications = [], [], [], []
    for i, (name, kind, region, _label) in enumerate(buyers.items, start=1):
        orgs.append({"id": i, "name": name, "slug": f"buyer-{i}", "kind": kind, "country": "FR",
                     "siren": f"{i:09d}", "region": region if len(region) <= 3 else None, "labels": [],
                     "verified_at": now, "created_at": now, "updated_at": now})
    hosting = {}
    for doc in suppliers:
        org_id = int(doc["id"])
        french = doc["country"] == "FR"
        orgs.append({"id": org_id, "name": doc["name"], "slug": f"supplier-{org_id}", "kind": doc["kind"],
                     "country": doc["country"], "siren": f"{org_id:09d}" if french else None,
                     "vat_number": None if french else f"{doc['country']}{org_id:09d}", "size": doc["size"],
                     "employees": doc["employees"], "labels": doc["labels"],
                     "verified_at": now if doc["verified"] else None, "created_at": now, "updated_at": now})
        profiles.append({"organisation_id": org_id, "headline": doc["headline"], "description": doc["description"],
                         "categories": doc["categories"], "regions_served": doc["regions"], "references": [],
                         "eu_controlled": doc["eu_controlled"],
                         "extraterritorial_exposure": doc["extraterritorial_exposure"],
                         "exit_plan": rng.random() < 0.6, "owns_technology": rng.random() < 0.8,
                         "created_at": now, "updated_at": now})
        hosting[org_id] = "FR" if doc["hosting_eu"] else "US"
        certifications += [{"organisation_id": org_id, "kind": kind, "reference": f"{kind}-{org_id}",
                            "created_at": now, "updated_at": now} for kind in doc["certifications"]]
    for org_id, name, summary, description, open_source, secnumcloud, code in solutions:
        solution_rows.append({"organisation_id": org_id, "name": name, "summary": summary,
                              "description": description or None, "category_code": code,
                              "open_source": open_source, "license": "EUPL-1.2" if open_source else None,
                              "hosting_country": hosting[org_id], "secnumcloud": secnumcloud,
                              "created_at": now, "updated_at": now})
    need_rows, category_rows = [], []
    for doc in needs:
        need_id = int(doc["id"])
        sensitive = doc["sensitive_data"]
        need_rows.append({
            "id": need_id, "reference": doc["reference"], "buyer_id": doc["buyer_id"], "title": doc["title"],
            "summary": doc["summary"], "description": doc["description"],
            "budget_min_cents": doc["budget_min"] * 100, "budget_max_cents": doc["budget_max"] * 100,
            "route": doc["route"], "region": doc["region"] if len(doc["region"]) <= 3 else None,
            "deadline_at": datetime.fromtimestamp(doc["deadline_ts"], UTC),
            "visibility": doc["visibility"], "anonymised": False, "status": "published",
            "published_at": datetime.fromtimestamp(doc["published_ts"], UTC),
            "sensitive_data": sensitive, "requires_secnumcloud": sensitive, "eu_data_residency": doc["eu_data_residency"],
            "open_source_preferred": doc["open_source_preferred"], "sme_set_aside": doc["sme_set_aside"],
            "sealed_bids": True, "created_at": now, "updated_at": now,
        })
        category_rows += [{"need_id": need_id, "category_code": code} for code in doc["categories"]]
    with db.engine.begin() as conn:
        for table, rows in ((Organisation.__table__, orgs), (SupplierProfile.__table__, profiles),
                            (Solution.__table__, solution_rows), (Certification.__table__, certifications),
                            (Need.__table__, need_rows), (need_categories, category_rows)):
            _insert(conn, table, rows)


def run_matching(engine: SearchBackend, buyers, suppliers: list[dict], solutions: list[tuple], needs: list[dict],
                 folder: Path, *, count: int, seed_value: int, target_ms: int) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from app import create_app
    from app.extensions import db
    from app.matching.matching_suppliers import match_suppliers
    from app.needs.models import Need

    app = create_app({
        "TREMPLIN_ENV": "testing", "SECRET_KEY": "bench-secret-key-long-enough-for-the-checks",
        "DATABASE_URL": f"sqlite:///{folder / 'app.sqlite3'}", "INSTANCE_PATH": str(folder / "instance"),
        "SERVER_NAME": None,
    })
    rng = Random(seed_value)
    published = [d for d in needs if d["status"] == "published"]
    chosen = rng.sample(published, count + 1)  # one to warm up
    with app.test_request_context():  # as the need page runs it (reasons are translated)
        start = time.perf_counter()
        logging.disable(logging.INFO)  # the migrations' progress lines
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
        migrated = time.perf_counter() - start
        start = time.perf_counter()
        seed(buyers, suppliers, solutions, chosen, rng)
        print(f"  app database: migrations {migrated:.1f} s, bulk insert of {len(suppliers)} suppliers "
              f"({len(solutions)} solutions) and {len(chosen)} needs {time.perf_counter() - start:.1f} s")
        def load(need_id: int) -> Need:  # as a page would: a fresh session, the need and what it shows
            db.session.remove()
            return db.session.scalars(select(Need).where(Need.id == need_id).options(
                selectinload(Need.categories), selectinload(Need.invitations), selectinload(Need.buyer))).one()

        ids = [int(d["id"]) for d in chosen]
        match_suppliers(load(ids[0]), engine=engine)  # warm-up
        samples, sizes, example = [], [], None
        for need_id in ids[1:]:
            need = load(need_id)
            start = time.perf_counter()
            suggestions = match_suppliers(need, engine=engine)
            samples.append((time.perf_counter() - start) * 1000)
            sizes.append(len(suggestions))
            if suggestions and example is None:
                best = suggestions[0]
                example = (f"« {need.title[:60]} » → {best.organisation.name} ({best.score}/100): "
                           + "; ".join(str(r) for r in best.reasons[:4]))
        db.session.remove()
        db.engine.dispose()
    ordered = sorted(samples)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    verdict = "met" if p95 <= target_ms else "MISSED"
    print(f"  match_suppliers, {len(samples)} needs against {len(suppliers)} suppliers: "
          f"p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, max {ordered[-1]:.0f} ms "
          f"(target ≤ {target_ms} ms: {verdict}); suggestions per need: mean {statistics.mean(sizes):.1f}")
    if example:
        print(f"  e.g. {example}")
