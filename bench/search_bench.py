"""Search and matching figures on this machine: the embedded engine against naive SQL.

    .venv/bin/python bench/search_bench.py                       # 100 000 suppliers, 20 000 needs
    .venv/bin/python bench/search_bench.py --quick               # 10 000 / 2 000, for a quick look
    .venv/bin/python bench/search_bench.py --matching            # also times matching on an app database

What it does, in one run:

1. generates supplier and need documents shaped exactly like
   app.matching.documents.supplier_document / need_document (bench/search_bench_corpus.py;
   no database), with the demo generator's French/English vocabulary;
2. indexes them with the embedded backend (search.embedded) in a temporary folder, as
   ``flask search reindex`` does (rebuild aside, then swap), and prints docs/s;
3. runs at least 200 queries of each kind, as the app's pages send them
   (app.matching.search): plain text; filtered (a verified supplier's access filter from
   app.needs.policy.visible_needs_filter + a category + a budget band + open needs);
   faceted (NEED_FACETS, the needs page); sorted (deadline, budget, newest); and on
   suppliers plain text and the directory (verified, facets, name order);
4. runs the same queries on a plain SQLite table of the same documents (LIKE '%word%',
   the same filters as WHERE clauses, GROUP BY for facets; bench/search_bench_sql.py)
   and prints the ratio SQL / engine;
5. prints precision@5 and recall@5 of the labelled relevance set
   (tests/search/relevance_set.py), also asserted in tests/search/test_relevance.py;
6. with --matching, seeds an app database (SQLite, migrations, Core bulk inserts) with
   the same suppliers and times app.matching.matching_suppliers.match_suppliers for 20
   needs against them (bench/search_bench_matching.py); without it, says it did not.

Figures only: nothing is asserted. Targets (issue 4) are printed beside them.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search_bench_corpus import Buyers, need_documents, shape_check, supplier_documents  # noqa: E402
from search_bench_queries import need_queries, supplier_queries  # noqa: E402
from search_bench_sql import SqlTable  # noqa: E402

from app.matching.documents import NEEDS, SUPPLIERS  # noqa: E402
from search.base import Query  # noqa: E402
from search.embedded import EmbeddedBackend  # noqa: E402

SEARCH_P95_TARGET_MS = 50
MATCHING_TARGET_MS = 150


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(round(len(ordered) * 0.95)) - 1)]
    return statistics.median(ordered), p95


def timed(run: Callable[[Query], object], queries: list[Query], warmup: int = 10) -> list[float]:
    for query in queries[:warmup]:
        run(query)
    samples = []
    for query in queries:
        start = time.perf_counter()
        run(query)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def fmt(p: tuple[float, float]) -> str:
    return f"{p[0]:7.1f} {p[1]:7.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=100_000)
    parser.add_argument("--needs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=200, help="queries of each kind (at least 200 by default)")
    parser.add_argument("--sql-queries", type=int, default=None,
                        help="queries of each kind for the SQL baseline (default: the same as --queries)")
    parser.add_argument("--quick", action="store_true", help="10 000 suppliers and 2 000 needs")
    parser.add_argument("--matching", action="store_true",
                        help="also time app.matching.matching_suppliers.match_suppliers on an app database")
    parser.add_argument("--matching-needs", type=int, default=20)
    parser.add_argument("--no-relevance", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.suppliers, args.needs = 10_000, 2_000
    sql_count = args.sql_queries or args.queries

    print(f"Tremplin search bench — {date.today().isoformat()}, {args.suppliers} suppliers, {args.needs} needs, "
          f"seed {args.seed}, {args.queries} queries of each kind ({sql_count} on SQL)")
    started = time.perf_counter()
    buyers = Buyers(random.Random(args.seed))
    supplier_ids = range(len(buyers) + 1, len(buyers) + 1 + args.suppliers)
    solutions: list[tuple] = []
    suppliers = supplier_documents(args.suppliers, seed=args.seed, first_id=supplier_ids.start,
                                   solutions_out=solutions if args.matching else None)
    needs = need_documents(args.needs, seed=args.seed, supplier_ids=supplier_ids, buyers=buyers)
    problems = shape_check(needs[0], suppliers[0])
    print(f"documents generated in {time.perf_counter() - started:.1f} s; shape as app.matching.documents: "
          + ("same keys and types" if not problems else "DIFFERENT: " + "; ".join(problems)))

    folder = Path(tempfile.mkdtemp(prefix="tremplin-search-bench-"))
    try:
        engine = EmbeddedBackend(folder / "engine")
        rows = []
        print("\nindexing (embedded: rebuild aside + swap, as `flask search reindex`; SQL: one INSERT batch + "
              "indexes on sort columns)")
        tables = {}
        for settings, docs in ((NEEDS, needs), (SUPPLIERS, suppliers)):
            start = time.perf_counter()
            engine.rebuild(settings, docs)
            seconds = time.perf_counter() - start
            start = time.perf_counter()
            tables[settings.name] = table = SqlTable(folder / f"{settings.name}.sql.sqlite3", settings, docs[0])
            table.insert(docs)
            sql_seconds = time.perf_counter() - start
            print(f"  {settings.name:9s} {len(docs):7d} docs  embedded {seconds:6.1f} s ({len(docs) / seconds:6.0f} "
                  f"docs/s)   SQL table {sql_seconds:5.1f} s")
            start = time.perf_counter()
            engine.search(settings, Query(text="données", facets=("axes",)))
            print(f"            first search after indexing (loads columns): {(time.perf_counter() - start) * 1000:.0f} ms")

        kinds = [(f"needs {k}", NEEDS, need_queries(k, args.queries, args.seed, supplier_ids))
                 for k in ("plain", "filtered", "faceted", "sorted")]
        kinds += [(f"suppliers {k}", SUPPLIERS, supplier_queries(k, args.queries, args.seed))
                  for k in ("plain", "faceted")]
        for label, settings, queries in kinds:
            eng = timed(lambda q, s=settings: engine.search(s, q), queries)
            sql = timed(tables[settings.name].search, queries[:sql_count])
            hits_engine = statistics.mean(engine.search(settings, q).total for q in queries[:50])
            hits_sql = statistics.mean(tables[settings.name].search(q)[1] for q in queries[:50])
            rows.append((label, len(queries), percentiles(eng), len(queries[:sql_count]), percentiles(sql),
                         hits_engine, hits_sql))
            print(f"  {label} done", flush=True)

        print(f"\nsearch latency, ms (target: embedded p95 ≤ {SEARCH_P95_TARGET_MS} ms)")
        print(f"{'kind':19s} {'n':>4s}  {'embedded p50':>12s} {'p95':>5s}  {'n':>4s}  {'SQL p50':>7s} {'p95':>7s}  "
              f"{'SQL/engine p50':>14s} {'p95':>5s}  {'mean hits eng/SQL':>17s}  p95 target")
        for label, n, e, n_sql, s, he, hs in rows:
            verdict = "met" if e[1] <= SEARCH_P95_TARGET_MS else "MISSED"
            print(f"{label:19s} {n:4d}  {e[0]:12.1f} {e[1]:5.1f}  {n_sql:4d}  {s[0]:7.1f} {s[1]:7.1f}  "
                  f"{s[0] / e[0]:13.1f}x {s[1] / e[1]:4.1f}x  {he:8.0f} / {hs:6.0f}  {verdict}")
        print("mean hits: total found, averaged over the first 50 queries of the kind (SQL: LIKE matches inside "
              "words, but has no typos, synonyms, prefixes or accent folding)")
        if not args.no_relevance:
            relevance()
        matching(args, engine, buyers, suppliers, solutions, needs, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s")


def relevance() -> None:
    from tests.search.relevance_set import evaluate

    with tempfile.TemporaryDirectory(prefix="tremplin-relevance-") as tmp:
        report = evaluate(EmbeddedBackend(tmp))
    print(f"\nrelevance (tests/search/relevance_set.py: {report.queries} labelled queries, "
          f"{report.documents} documents, embedded engine, NEEDS settings)")
    print(f"  precision@5 {report.precision:.3f} (best possible with these labels {report.ideal_precision:.3f})   "
          f"recall@5 {report.recall:.3f}   expected ids in the top 5: {report.expected_found}/{report.expected_total}")
    for miss in report.misses:
        print(f"  missed: {miss}")


def matching(args, engine, buyers, suppliers, solutions, needs, folder: Path) -> None:
    print(f"\nmatching (target ≤ {MATCHING_TARGET_MS} ms for one need against 100 000 suppliers)")
    try:
        from app.matching.matching_suppliers import match_suppliers  # noqa: F401
    except ImportError as exc:
        print(f"  NOT MEASURED: app.matching.matching_suppliers.match_suppliers cannot be imported ({exc}).")
        return
    if not args.matching:
        print("  not run: add --matching (seeds an app database with the suppliers, about a minute more)")
        return
    from search_bench_matching import run_matching

    run_matching(engine, buyers, suppliers, solutions, needs, folder, count=args.matching_needs,
                 seed_value=args.seed, target_ms=MATCHING_TARGET_MS)


if __name__ == "__main__":
    main()
