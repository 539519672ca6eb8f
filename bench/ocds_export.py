"""OCDS export figures: the streamed release package of 100 000 needs, against building it whole.

    .venv/bin/python bench/ocds_export.py                  # SQLite file in a temporary folder
    .venv/bin/python bench/ocds_export.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/ocds_export.py --needs 10000    # a quick look

What it does, in one run:

1. builds an app database of its own, by the migrations: a SQLite file in a temporary
   folder, or, with ``--database-url``, a throwaway database ``tremplin_bench_<random>``
   created on that PostgreSQL server and dropped at the end (no other database is
   touched); bulk-inserts ``--needs`` needs (published, closed, awarded with an award and
   its contract, cancelled, unsuccessful; mostly public, some restricted or
   invitation-only, half of those published anonymised; a few amended) from a few
   hundred buyers, with a few thousand supplier organisations;
2. streams the release package (``app.opendata.export.PackageStream``, as the page and
   ``flask opendata export`` do) to a file: time, releases per second, peak memory;
3. the baseline in the same run: the same package built as one Python list of releases,
   then ``json.dumps`` of the whole and one write (``--baseline-needs`` to run it on the
   first N exported needs only). When both cover every need, the two files must be identical.

Each measure runs in a fresh Python process, so that its peak resident memory (VmHWM, or
``ru_maxrss`` where there is no /proc; imports and app included) is its own; ``idle`` is such a process that
only creates the app. Python's allocations are then traced (``tracemalloc`` peak) in a
second run of the same measure, whose time is not reported (tracing slows it).
Times are wall-clock (``time``, items per second) and the process's CPU time (``CPU``:
the machine may be shared). Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_database import Database  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CHUNK = 5_000




def make_app(url: str, folder: Path):
    from app import create_app

    return create_app({
        "TREMPLIN_ENV": "testing", "SECRET_KEY": "bench-secret-key-long-enough-for-the-checks",
        "DATABASE_URL": url, "INSTANCE_PATH": str(folder / "instance"), "SEARCH_PATH": str(folder / "engine"),
        "SERVER_NAME": None, "PUBLIC_URL": "https://tremplin.example",
    })


# --- seeding ---------------------------------------------------------------------------------


def _siren(n: int) -> str:
    from stdnum import luhn

    body = f"{(100_000 + n * 7_919) % 10**8:08d}"
    return body + luhn.calc_check_digit(body)


def _organisations(conn, rng: Random, buyers: int, suppliers: int) -> tuple[list[tuple[int, str]], list[int]]:
    from app.accounts.models import Organisation

    rows, buyer_ids, supplier_ids = [], [], []
    for n in range(1, buyers + suppliers + 1):
        buyer = n <= buyers
        kind = ("administration" if n % 2 else "corporate") if buyer else ("startup" if n % 3 else "sme")
        german = not buyer and n % 10 == 0
        rows.append({
            "id": n, "name": f"{'Acheteur' if buyer else 'Fournisseur'} {n}", "slug": f"org-{n}", "kind": kind,
            "siren": None if german else _siren(n), "vat_number": f"DE{100_000_000 + n}" if german else None,
            "country": "DE" if german else "FR", "city": rng.choice(["Paris", "Lyon", "Nantes", "Berlin", None]),
            "labels": [],
        })
        (buyer_ids if buyer else supplier_ids).append(n)
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(Organisation.__table__), rows[start:start + CHUNK])
    kinds = {row["id"]: row["kind"] for row in rows}
    return [(b, kinds[b]) for b in buyer_ids], supplier_ids


def seed(conn, *, needs: int, rng: Random) -> dict:
    """Bulk inserts (explicit ids, no ORM): organisations, needs, categories, bids, awards, amendments."""
    from app.bids.models import Award, Bid
    from app.needs.models import Amendment, Need, need_categories
    from app.needs.taxonomy import SUBCATEGORIES

    buyers, suppliers = _organisations(conn, rng, buyers=max(10, needs // 300), suppliers=max(50, needs // 30))
    codes = [c.code for c in SUBCATEGORIES]
    counts: dict[str, int] = {}
    need_rows, category_rows, bid_rows, award_rows, amendment_rows = [], [], [], [], []

    def flush(final: bool = False) -> None:
        for table, rows in ((Need.__table__, need_rows), (need_categories, category_rows),
                            (Bid.__table__, bid_rows), (Award.__table__, award_rows),
                            (Amendment.__table__, amendment_rows)):
            if rows and (final or len(need_rows) >= CHUNK):
                conn.execute(insert(table), rows)
                rows.clear()

    for n in range(1, needs + 1):
        buyer_id, kind = rng.choice(buyers)
        published = NOW - timedelta(days=rng.uniform(1, 700))
        deadline = published + timedelta(days=rng.randint(14, 60))
        roll = rng.random()
        status = ("published" if deadline > NOW else "closed") if roll < 0.55 else (
            "awarded" if roll < 0.85 else "cancelled" if roll < 0.92 else "unsuccessful")
        if status in ("awarded", "unsuccessful") and deadline > NOW:
            published, deadline = published - timedelta(days=90), deadline - timedelta(days=90)
        visibility = rng.choices(["public", "restricted", "invitation"], [85, 10, 5])[0]
        anonymised = visibility == "restricted" and rng.random() < 0.3
        low = rng.randrange(20_000, 2_000_000) * 100
        counts[status] = counts.get(status, 0) + 1
        need_rows.append({
            "id": n, "reference": f"TRP-B-{n:06d}", "buyer_id": buyer_id,
            "title": f"Besoin {n} : plateforme numérique souveraine", "summary": f"Résumé du besoin {n}.",
            "description": f"Contexte, périmètre et résultats attendus du besoin {n}. " * 4,
            "cpv_code": "72000000-5" if n % 4 == 0 else None,
            "budget_min_cents": low, "budget_max_cents": low * rng.choice([1, 2, 3]),
            "route": "public" if kind == "administration" else "private", "sealed_bids": True,
            "deadline_at": deadline, "visibility": visibility, "anonymised": anonymised,
            "anonymous_label": "un grand groupe" if anonymised else None, "status": status,
            "published_at": published, "closed_at": deadline if status in ("closed", "awarded", "unsuccessful") else None,
            "awarded_at": deadline + timedelta(days=20) if status == "awarded" else None,
            "cancelled_at": published + timedelta(days=3) if status == "cancelled" else None,
            "open_data": "anonymise" if visibility != "public" and rng.random() < 0.5 else "exclude",
            "disclose_amounts": rng.random() < 0.8, "reuse_checked": True, "off_the_shelf_sought": True,
        })
        for code in rng.sample(codes, rng.choice([1, 1, 2])):
            category_rows.append({"need_id": n, "category_code": code})
        if status == "awarded":
            awarded_at = deadline + timedelta(days=20)
            start = (awarded_at + timedelta(days=rng.randint(0, 60))).date()
            bid_rows.append({"id": n, "need_id": n, "supplier_id": rng.choice(suppliers), "status": "awarded",
                             "price_cents": low, "summary": "Offre", "proposal": "Notre proposition.",
                             "submitted_at": deadline - timedelta(days=2), "certifications": []})
            award_rows.append({"id": n, "need_id": n, "bid_id": n, "amount_cents": low + rng.randrange(0, 100),
                               "awarded_at": awarded_at, "contract_start_on": start,
                               "contract_end_on": start + timedelta(days=rng.choice([180, 365, 730]))})
        if rng.random() < 0.05:
            amendment_rows.append({"need_id": n, "summary": "Date limite repoussée", "changes": {},
                                   "created_at": published + timedelta(days=2)})
        flush()
    flush(final=True)
    return counts


# --- measures (each in a process of its own) ---------------------------------------------------


def _stream(output: Path, now: datetime) -> int:
    from app.opendata.export import PackageStream, Settings

    stream = PackageStream("releases", Settings.of_app(), now=now)
    with output.open("w", encoding="utf-8") as out:
        for chunk in stream:
            out.write(chunk)
    return stream.count


def _baseline(output: Path, now: datetime, limit: int | None) -> int:
    """The same package built whole: every release of every need kept in one list, one json.dumps.

    Needs are read by the same batches as the stream (one IN list of 100 000 ids would pass
    PostgreSQL's limit of 65 535 parameters); what differs is that nothing is written until
    the whole list is built.
    """
    from app.opendata.export import PackageStream, Settings, iter_batches, last_change, open_session
    from app.opendata.ocds import need_releases
    from app.opendata.policy import exported_needs_clause

    settings = Settings.of_app()
    package_of = PackageStream("releases", settings, now=now)
    where = exported_needs_clause()
    releases: list[dict] = []
    with open_session() as session:
        published = last_change(session, where, now)
        needs = 0
        for batch in iter_batches(session, where):
            for facts in batch[: (limit - needs) if limit else None]:
                releases.extend(need_releases(facts, prefix=settings.prefix, now=now))
            needs += len(batch)
            if limit and needs >= limit:
                break
    package = {**package_of.metadata(published), "releases": releases}
    output.write_text(json.dumps(package, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return len(releases)


def measure(args) -> None:
    """One measure in this process; prints one JSON line."""
    folder = Path(args.folder)
    logging.disable(logging.INFO)
    app = make_app(args.url, folder)
    now = datetime.fromisoformat(args.now)
    with app.app_context():
        if args.trace:
            tracemalloc.start()
        start, cpu = time.perf_counter(), time.process_time()
        count = 0
        if args.measure == "stream":
            count = _stream(Path(args.output), now)
        elif args.measure == "baseline":
            count = _baseline(Path(args.output), now, args.baseline_needs or None)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = tracemalloc.get_traced_memory()[1] if args.trace else None
    print(json.dumps({"count": count, "seconds": elapsed, "cpu": cpu, "traced_peak": peak,
                      "maxrss_kib": _peak_rss_kib()}))


def _peak_rss_kib() -> int:
    """This process's peak resident memory. Linux keeps ``ru_maxrss`` across exec (a child
    started by a big parent reports the parent's), so the memory map's own high-water
    mark, VmHWM, is read where there is one."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(args, folder: Path, url: str, kind: str, output: Path, trace: bool) -> dict:
    command = [sys.executable, __file__, "--measure", kind, "--url", url, "--folder", str(folder),
               "--output", str(output), "--now", NOW.isoformat(), "--baseline-needs", str(args.baseline_needs or 0)]
    if trace:
        command.append("--trace")
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {kind} measure failed (exit status {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _mib(value: float | None) -> str:
    return "—" if value is None else f"{value / 1024 / 1024:8.1f} MiB"


def run(args, folder: Path, database: Database) -> None:
    from flask_migrate import upgrade

    from app.extensions import db

    print(f"Tremplin OCDS export bench — {datetime.now(UTC).date().isoformat()}, {args.needs} needs, "
          f"{database.label}, seed {args.seed}")
    app = make_app(database.url, folder)
    with app.app_context():
        logging.disable(logging.INFO)
        start = time.perf_counter()
        upgrade()
        migrated = time.perf_counter() - start
        start = time.perf_counter()
        with db.engine.begin() as conn:
            counts = seed(conn, needs=args.needs, rng=Random(args.seed))
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        print(f"  database: migrations {migrated:.1f} s, seeded in {time.perf_counter() - start:.1f} s — "
              + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
        db.engine.dispose()

    results = {}
    for kind in ("idle", "stream", "baseline"):
        output = folder / f"{kind}.json"
        timed = _child(args, folder, database.url, kind, output, trace=False)
        size = output.stat().st_size if output.exists() else 0
        digest = hashlib.sha256(output.read_bytes()).hexdigest() if output.exists() else None
        traced = _child(args, folder, database.url, kind, output, trace=True)
        results[kind] = {**timed, "traced_peak": traced["traced_peak"], "size": size, "digest": digest}

    idle = results["idle"]["maxrss_kib"] * 1024
    print(f"  {'':9} {'items':>8} {'time':>9} {'CPU':>9} {'items/s':>9} {'file':>12} {'traced peak':>13} "
          f"{'peak RSS':>13}")
    for kind in ("idle", "stream", "baseline"):
        r = results[kind]
        rate = f"{r['count'] / r['seconds']:9.0f}" if r["count"] else f"{'—':>9}"
        print(f"  {kind:9} {r['count']:>8} {r['seconds']:8.2f}s {r['cpu']:8.2f}s {rate} {_mib(r['size'])} "
              f"{_mib(r['traced_peak'])} {_mib(r['maxrss_kib'] * 1024)}")
    stream, baseline = results["stream"], results["baseline"]
    print(f"  memory above an idle process (peak RSS): stream {_mib(stream['maxrss_kib'] * 1024 - idle).strip()}, "
          f"baseline {_mib(baseline['maxrss_kib'] * 1024 - idle).strip()}")
    if not args.baseline_needs or args.baseline_needs >= args.needs:
        same = "identical" if stream["digest"] == baseline["digest"] else "DIFFERENT"
        print(f"  the streamed file and the baseline's are {same}")
    else:
        print(f"  baseline on the first {args.baseline_needs} needs only: its figures cover fewer releases")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--baseline-needs", type=int, default=0, help="run the baseline on the first N needs (0: all)")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to create a throwaway database on")
    parser.add_argument("--seed", type=int, default=1)
    # a measure run in a process of its own (internal)
    parser.add_argument("--measure", choices=["idle", "stream", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args)
        return

    folder = Path(tempfile.mkdtemp(prefix="tremplin-ocds-bench-"))
    database = Database(args.database_url, folder)
    try:
        run(args, folder, database)
    finally:
        database.drop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
