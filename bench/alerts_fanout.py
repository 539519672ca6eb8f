"""Alert fan-out figures: one newly published need against 100 000 saved searches.

    .venv/bin/python bench/alerts_fanout.py                  # SQLite file in a temporary folder
    .venv/bin/python bench/alerts_fanout.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/alerts_fanout.py --searches 20000 --suppliers 1000   # a quick look

What it does, in one run:

1. builds an app database of its own, by the migrations: a SQLite file in a temporary
   folder, or, with ``--database-url``, a throwaway database ``tremplin_bench_<random>``
   created on that PostgreSQL server and dropped at the end (no other database is
   touched); seeds it (bench/alerts_fanout_seed.py) with the search bench's buyers,
   supplier organisations and their people, the needs to publish and the saved searches;
2. indexes, in a temporary embedded engine, the search bench's generated needs
   (``--corpus``, for a realistic vocabulary) plus the needs to publish;
3. times ``notifications.fanout`` for each need to publish, as the outbox handler runs
   it (a fresh session, rolled back after each need so that every run starts alike):
   the saved-search part alone (one SQL read, filters evaluated, texts percolated,
   access and memberships checked) and the whole handler (plus profile matching, against
   an empty supplier index here — its cost is in search_bench.py --matching — the
   notifications written and the instant emails rendered);
4. the naive baseline in the same run: one engine query per saved search, its text and
   filters plus the need's id and the owner's access rule; timed on a sample of
   ``--baseline-sample`` searches, then **extrapolated** to every live search; the
   sample's decisions are compared with the fan-out's.

Figures only: nothing is asserted. The target (issue 5): 100 000 saved searches
evaluated in ≤ 2 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from alerts_fanout_seed import seed  # noqa: E402
from bench_database import Database  # noqa: E402
from search_bench_corpus import NOW, Buyers, need_documents  # noqa: E402

TARGET_S = 2.0




def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=100_000)
    parser.add_argument("--suppliers", type=int, default=3_000)
    parser.add_argument("--corpus", type=int, default=5_000, help="needs indexed for the engine's vocabulary")
    parser.add_argument("--publish", type=int, default=6, help="needs published one after the other (first: warm-up)")
    parser.add_argument("--baseline-sample", type=int, default=300)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to create a throwaway database on")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="tremplin-alerts-bench-"))
    database = Database(args.database_url, folder)
    try:
        run(args, folder, database)
    finally:
        database.drop()
        shutil.rmtree(folder, ignore_errors=True)


def run(args, folder: Path, database: Database) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    print(f"Tremplin alert fan-out bench — {date.today().isoformat()}, {args.searches} saved searches, "
          f"{args.suppliers} supplier organisations, {database.label}, seed {args.seed}")
    app = create_app({
        "TREMPLIN_ENV": "testing", "SECRET_KEY": "bench-secret-key-long-enough-for-the-checks",
        "DATABASE_URL": database.url, "INSTANCE_PATH": str(folder / "instance"),
        "SEARCH_PATH": str(folder / "app-engine"), "SERVER_NAME": None,
    })
    rng = Random(args.seed)
    with app.app_context():
        start = time.perf_counter()
        logging.disable(logging.INFO)  # the migrations' and the fan-out's progress lines
        upgrade()
        migrated = time.perf_counter() - start
        start = time.perf_counter()
        market = seed(suppliers=args.suppliers, searches=args.searches, publish=args.publish, rng=rng,
                      first_need_id=args.corpus + 1)
        live = args.searches - market["paused"]
        print(f"  database: migrations {migrated:.1f} s, seeded in {time.perf_counter() - start:.1f} s — "
              f"{market['users']} supplier users, {live} live searches ({market['paused']} paused); distinct "
              f"texts {market['texts']}, filters {market['filters']}, (text, filters) pairs {market['pairs']}")
        engine, settings = index_engine(args, folder, market)
        timings = time_fanout(market["need_ids"])
        baseline(args, engine, settings, market, live, timings, rng)
        db.session.remove()
        db.engine.dispose()


def index_engine(args, folder: Path, market: dict):
    """The search bench's needs plus the needs to publish, in an index that may filter on id."""
    from app.extensions import db
    from app.matching import documents
    from notifications.fanout import load_need
    from search.embedded import EmbeddedBackend

    settings = dataclasses.replace(documents.NEEDS, filterable=documents.NEEDS.filterable + ("id",))
    engine = EmbeddedBackend(folder / "bench-engine")
    corpus = need_documents(args.corpus, seed=args.seed, supplier_ids=market["supplier_ids"],
                            buyers=Buyers(Random(args.seed)))
    published = [documents.need_document(load_need(i)) for i in market["need_ids"]]
    start = time.perf_counter()
    engine.rebuild(settings, corpus + published)
    print(f"  engine: {len(corpus) + len(published)} needs indexed in {time.perf_counter() - start:.1f} s "
          f"(vocabulary of the generated corpus)")
    db.session.remove()
    return engine, settings


def time_fanout(need_ids: list[int]) -> dict:
    from app.extensions import db
    from notifications.audience import SupplierAccess
    from notifications.fanout import fan_out_need, load_need
    from notifications.fanout_searches import live_searches, matching_users

    print("\nfan-out of one published need (a fresh session each; rolled back after each need)")
    print(f"  {'need':>6} {'SQL read':>10} {'evaluate':>10} {'searches':>10} {'handler':>10}  users (search / profile)"
          "  new notifications")
    rows_s, eval_s, part_s, full_s = [], [], [], []
    for n, need_id in enumerate(need_ids):
        db.session.remove()
        need = load_need(need_id)
        start = time.perf_counter()
        rows = live_searches()
        read = time.perf_counter() - start
        start = time.perf_counter()
        users = matching_users(need, now=NOW, access=SupplierAccess(need), rows=rows)
        evaluated = time.perf_counter() - start
        db.session.rollback()
        db.session.remove()
        start = time.perf_counter()
        result = fan_out_need(need_id, now=NOW)
        db.session.flush()
        full = time.perf_counter() - start
        db.session.rollback()
        note = " (warm-up)" if n == 0 else ""
        print(f"  {need_id:>6} {ms(read):>10} {ms(evaluated):>10} {ms(read + evaluated):>10} {ms(full):>10}  "
              f"{len(users):>6} / {len(result.profile_users):<6}  {len(result.created):>6}{note}")
        if n:
            rows_s.append(read)
            eval_s.append(evaluated)
            part_s.append(read + evaluated)
            full_s.append(full)
    p50 = statistics.median(part_s)
    verdict = "met" if p50 <= TARGET_S else "MISSED"
    print(f"  p50 over {len(part_s)} needs: SQL read {ms(statistics.median(rows_s)).strip()}, evaluation "
          f"{ms(statistics.median(eval_s)).strip()}, saved searches in all {ms(p50).strip()} "
          f"(target ≤ {TARGET_S:.0f} s: {verdict}); whole handler {ms(statistics.median(full_s)).strip()}")
    return {"searches_p50": p50, "rows": len(rows), "users": len(users)}


def baseline(args, engine, settings, market: dict, live: int, timings: dict, rng: Random) -> None:
    """One engine query per saved search (text, filters, need id, access), on a sample, extrapolated."""
    from sqlalchemy import select

    from app.accounts.models import Organisation
    from app.alerts.saved_searches import need_search_of
    from app.extensions import db
    from app.matching import documents
    from app.needs.policy import Viewer, visible_needs_filter
    from notifications.fanout import load_need
    from notifications.fanout_searches import SearchDecisions, live_searches
    from search.base import And, Eq, Query

    rows = live_searches()
    sample = rng.sample(rows, min(args.baseline_sample, len(rows)))
    orgs = {o.id: o for o in db.session.scalars(select(Organisation).where(
        Organisation.id.in_({r[2] for r in sample})))}
    need_id = market["need_ids"][1] if len(market["need_ids"]) > 1 else market["need_ids"][0]
    need = load_need(need_id)
    decide = SearchDecisions(documents.need_document(need), NOW)
    print(f"\nnaive baseline: one engine query per saved search (need {need_id}), {len(sample)} searches sampled")
    samples, agree, found_count = [], 0, 0
    for _id, _user, org_id, _name, query, filters_text, _freq in sample:
        org = orgs[org_id]
        viewer = Viewer(organisation_id=org.id, kind=org.kind, verified=org.verified_at is not None,
                        country=org.country, size=org.size, employees=org.employees)
        params = need_search_of(query, json.loads(filters_text))
        start = time.perf_counter()
        found = engine.search(settings, Query(
            text=params.q, filter=And(Eq("id", str(need_id)), visible_needs_filter(viewer), params.user_filter(NOW)),
            per_page=1)).total > 0
        samples.append(time.perf_counter() - start)
        found_count += found
        plain = engine.search(settings, Query(text=params.q, filter=And(Eq("id", str(need_id)),
                                                                        params.user_filter(NOW)), per_page=1))
        agree += (plain.total > 0) == decide(query, filters_text)
    mean = statistics.mean(samples)
    print(f"  per query: mean {mean * 1000:.1f} ms, p50 {statistics.median(samples) * 1000:.1f} ms; "
          f"{found_count} of the {len(sample)} sampled searches find the need")
    print(f"  EXTRAPOLATED to {live} live searches: {mean * live:.0f} s for one need "
          f"(measured on {len(sample)} queries, not run in full)")
    print(f"  fan-out p50 {timings['searches_p50']:.2f} s → about {mean * live / timings['searches_p50']:.0f}× faster")
    print(f"  text + filters decisions of the sample, engine vs percolator: {agree}/{len(sample)} agree")


if __name__ == "__main__":
    main()
