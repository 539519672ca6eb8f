"""Commitment dashboard figures: every dashboard query on 1,000,000 purchases and 5,000 members.

    .venv/bin/python bench/commitment_dashboard.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/commitment_dashboard.py --database-url ... --purchases 100000 --runs 10  # a quick look

What it does, in one run:

1. creates a throwaway database ``tremplin_bench_<random>`` on that PostgreSQL server
   (through the admin connection of the URL given), builds it with the migrations, and
   drops it at the end; no other database is touched;
2. bulk-loads members, suppliers, pledges, awarded needs and the purchases with COPY
   (bench/commitment_dashboard_seed.py says how they are distributed), then VACUUM ANALYZE
   (the state autovacuum keeps a live database in);
3. runs each query the dashboard and the public page make (app.commitments.stats and
   stats_breakdowns, through the functions the pages call) ``--runs`` times after one
   warm-up, and prints p50 and p95 per query against the target (p95 ≤ 300 ms), then the
   ``EXPLAIN (ANALYZE, BUFFERS)`` plan of each statement;
4. a naive baseline in the same run, **extrapolated**: purchases loaded into Python as
   ORM objects and summed there (each assessed by the rule), timed on a sample of
   ``--baseline-sample`` purchases and scaled to the number the collective figure covers;
   and one query per member (the N+1 way to fill the members' table), timed on 50 members
   and scaled to all of them.

Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_database import Database  # noqa: E402
from commitment_dashboard_seed import Sizes, seed  # noqa: E402
from sqlalchemy import text  # noqa: E402

TARGET_MS = 300.0




def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server to create a throwaway database on")
    parser.add_argument("--purchases", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--baseline-sample", type=int, default=20_000)
    parser.add_argument("--no-plans", action="store_true", help="leave out the EXPLAIN plans")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="tremplin-commitment-bench-"))
    database = Database(args.database_url, postgres_only="COPY and EXPLAIN ANALYZE need PostgreSQL")
    try:
        run(args, folder, database)
    finally:
        database.drop()
        shutil.rmtree(folder, ignore_errors=True)


def run(args, folder: Path, database: Database) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    today = date.today()
    print(f"Tremplin commitment dashboard bench — {today.isoformat()}, {args.purchases:,} purchases, "
          f"{args.members:,} members, PostgreSQL (throwaway database {database.name}), seed {args.seed}")
    app = create_app({
        "TREMPLIN_ENV": "testing", "SECRET_KEY": "bench-secret-key-long-enough-for-the-checks",
        "DATABASE_URL": database.url, "INSTANCE_PATH": str(folder / "instance"),
        "SEARCH_PATH": str(folder / "engine"), "SERVER_NAME": None,
    })
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        from app.commitments.stats import Programme

        programme = Programme.from_config()
        started = time.perf_counter()
        seeded = seed(db.engine, sizes=Sizes(members=args.members, purchases=args.purchases),
                      start=programme.start, today=today, seed_value=args.seed)
        print(f"Loaded with COPY and analysed in {time.perf_counter() - started:.1f} s: "
              f"{seeded.purchases:,} purchases ({seeded.awards:,} awarded on Tremplin with their needs, bids "
              f"and awards), {len(seeded.member_ids):,} members, {len(seeded.outsider_ids):,} other buyers, "
              f"{len(seeded.supplier_ids):,} suppliers")
        with db.engine.connect() as conn:
            size = conn.execute(text("SELECT pg_size_pretty(pg_total_relation_size('purchases'))")).scalar()
            settings = conn.execute(text("SELECT current_setting('shared_buffers'), current_setting('work_mem'), "
                                         "current_setting('max_parallel_workers_per_gather')")).one()
        print(f"purchases table with its indexes: {size}; server: shared_buffers {settings[0]}, work_mem "
              f"{settings[1]}, max_parallel_workers_per_gather {settings[2]}; {os.cpu_count()} CPUs, load "
              f"average {os.getloadavg()[0]:.1f} before timing\n")

        from commitment_dashboard_queries import baseline, queries, timed

        cases = queries(programme, today, big_member=seeded.member_ids[0])
        results = []
        for case in cases:
            samples = timed(case.call, args.runs)
            results.append((case, percentile(samples, 0.5), percentile(samples, 0.95)))
        print(f"{'query':<44} {'p50':>9} {'p95':>9}  target p95 ≤ {TARGET_MS:.0f} ms ({args.runs} runs each)")
        for case, p50, p95 in results:
            verdict = "ok" if p95 <= TARGET_MS else "MISSED"
            print(f"{case.name:<44} {p50:7.1f}ms {p95:7.1f}ms  {verdict}")
        page = sum(p50 for case, p50, _ in results if case.on_page)
        print(f"{'(the operator dashboard, its queries in sequence, p50 sum)':<44} {page:7.1f}ms")
        print(f"load average after timing: {os.getloadavg()[0]:.1f}\n")

        baseline(programme, today, sample=args.baseline_sample, member_ids=seeded.member_ids)

        if not args.no_plans:
            from commitment_dashboard_queries import explain

            for case in cases:
                for label, statement in case.statements:
                    print(f"\n--- EXPLAIN (ANALYZE, BUFFERS): {case.name}{' — ' + label if label else ''}")
                    print(explain(statement))
        print(f"\nmedian of the p95s: {statistics.median(p95 for _, _, p95 in results):.1f} ms")


if __name__ == "__main__":
    main()
