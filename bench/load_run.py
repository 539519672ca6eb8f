"""Load bench: the app under gunicorn on loopback, wrk against its busiest pages.

    .venv/bin/python bench/load_run.py [--suppliers 100000 --needs 20000] [--duration 60]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--keep-db] [--json out.json]

1. Seeds a PostgreSQL database of its own (created on the server given, dropped at the end;
   with ``--keep-db`` it is named after the sizes, kept, and reused by the next run, with its
   search index) through COPY (bench/load_seed.py), then builds the search indexes with the
   code of ``flask search reindex``; prints how long each took.
2. Serves the app with gunicorn on 127.0.0.1, by default ``-k sync -w 4``: two processes per
   core, so that one computes while another waits on PostgreSQL; no keep-alive (sync workers
   close each connection), so the kernel spreads connections over the workers. With
   ``-k gthread -w 2 --threads 4`` and keep-alive, wrk's 8 long-lived connections may all land
   on one worker (seen: 2,324 requests against 6), leaving one process (one GIL) to serve
   everything, with multi-second p99s; behind a reverse proxy (nginx talks HTTP/1.0 to its
   upstream by default) production connections are not kept alive either. Each worker keeps
   its own copy of the embedded engine's columns. Development mode: embedded search engine,
   jobs inline after the commit (no REDIS_URL), emails to the log. A bare Flask endpoint
   (bench/ceiling_app.py) is served with the same settings: the ceiling.
3. Runs wrk (``--duration`` seconds each, after ``--warmup`` seconds not counted) against the
   ceiling, the home page, the needs search (queries and facets picked among ~50), need pages
   (public needs picked at random) and the bid form POSTed by signed-in suppliers (sessions and
   CSRF tokens prepared beforehand: bench/load_bids.lua).
4. Prints requests per second, p50/p99 latency, errors (socket errors, timeouts, answers other
   than 2xx/3xx, and for bids anything but a redirect to the bid) and the ratio to the ceiling.
   Targets: no errors; the search at least 30 % of the ceiling.

Figures depend on what else the machine is doing: compare the ratios to the ceiling measured
in the same run rather than absolute figures across runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from bench_database import Database  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

SEARCH_TARGET = 0.30
USER_AGENT = "tremplin-load-bench"  # the same for sign-in and wrk: sessions are bound to it
QUERIES = (
    "cybersécurité", "hébergement souverain", "intelligence artificielle", "IA générative", "messagerie",
    "SOC", "données de santé", "cloud", "low-code", "cybersecurite", "gestion documentaire", "visioconférence",
    "open source", "Kubernetes", "supervision", "analyse de données", "tableau de bord", "chatbot",
    "identité numérique", "authentification forte", "sauvegarde", "archivage électronique",
    "plateforme de données", "datalake", "détection d'intrusion", "audit de sécurité", "pentest",
    "cartographie", "SIG", "transcription", "traduction automatique", "reconnaissance vocale",
    "quantique", "cryptographie post-quantique", "migration cloud", "infogérance", "poste de travail",
    "portail usagers", "formulaires", "RPA", "automatisation", "vision par ordinateur", "anonymisation",
    "hébergeur de données de santé", "SecNumCloud", "collectivité", "hôpital", "logiciel libre",
    "gestion des identités", "assistant juridique",
)
FACETS = ("", "", "", "&axis=cyber", "&axis=ai", "&axis=cloud&route=public", "&region=11",
          "&flag=open_source_preferred", "&flag=sme_set_aside", "&buyer_kind=administration", "&sort=deadline",
          "&sort=newest", "&status=all", "&page=2", "&axis=data&flag=eu_data_residency")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server to create the bench's own database on")
    parser.add_argument("--suppliers", type=int, default=100_000)
    parser.add_argument("--needs", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=60, help="seconds of wrk per endpoint")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of wrk per endpoint before measuring")
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (gthread only)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=64, help="signed-in suppliers posting bids")
    parser.add_argument("--only", default="", help="comma-separated endpoints to run (ceiling always runs)")
    parser.add_argument("--keep-db", action="store_true",
                        help="keep the seeded database and index for the next run (and reuse one if present)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (Debian/Ubuntu: apt-get install wrk)")

    logging.getLogger("alembic").setLevel(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="tremplin-load-"))
    database, url, search_path = open_database(args)
    servers: list[subprocess.Popen] = []
    try:
        seeding = prepare(args, url, search_path, folder)
        run(args, url, search_path, folder, servers, seeding)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if database is not None:
            database.drop()
            shutil.rmtree(search_path, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)


def open_database(args) -> tuple[Database | None, str, Path]:
    """(throwaway database or None when kept, its URL, the search index folder)."""
    if not args.keep_db:
        database = Database(args.database_url, postgres_only="the seed uses COPY")
        return database, database.url, Path(tempfile.mkdtemp(prefix="tremplin-load-search-"))
    base = make_url(args.database_url).set(drivername="postgresql+psycopg")
    name = f"tremplin_loadbench_{args.suppliers}_{args.needs}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return None, base.set(database=name).render_as_string(hide_password=False), Path(tempfile.gettempdir()) / name


def app_settings(url: str, search_path: Path, folder: Path) -> dict[str, str]:
    return {"TREMPLIN_ENV": "development", "SECRET_KEY": "load-bench-secret-key-long-enough-for-the-checks",
            "DATABASE_URL": url, "INSTANCE_PATH": str(folder / "instance"), "SEARCH_PATH": str(search_path)}


def prepare(args, url: str, search_path: Path, folder: Path) -> dict:
    """Seed and index (or find both from an earlier --keep-db run); how long each took."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.matching.indexing import reindex

    app = create_app(app_settings(url, search_path, folder))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        engine = db.engine
        with engine.connect() as conn:
            ready = conn.execute(text("SELECT to_regclass('load_bench_ready')")).scalar()
            begun = conn.execute(text("SELECT to_regclass('organisations')")).scalar()
            kept = conn.execute(text("SELECT seed_s, index_s FROM load_bench_ready")).one() if ready else None
        if kept and search_path.exists():
            print(f"Reusing the seeded database and index kept by an earlier run "
                  f"(seeded in {kept.seed_s:.0f} s, indexed in {kept.index_s:.0f} s)")
            return {"seed_s": kept.seed_s, "index_s": kept.index_s, "reused": True}
        if begun and not kept:
            raise SystemExit(f"the kept database {engine.url.database} is incomplete (an interrupted seed): "
                             "drop it and rerun")
        if kept:
            seed_s = kept.seed_s
            print(f"Reusing the seeded database kept by an earlier run (seeded in {seed_s:.0f} s); "
                  "its search index is gone: indexing again")
        else:
            from load_seed import seed

            started = time.perf_counter()
            upgrade()
            counts = seed(engine, suppliers=args.suppliers, needs=args.needs)
            seed_s = time.perf_counter() - started
            print(f"Seeded in {seed_s:.1f} s: {counts.buyers:,} buyers, {counts.suppliers:,} suppliers "
                  f"({counts.users:,} accounts, {counts.solutions:,} solutions, {counts.certifications:,} "
                  f"certifications), {counts.needs:,} needs ({counts.open_public_needs:,} open and public), "
                  f"{counts.invitations:,} invitations")
        started = time.perf_counter()
        indexed = reindex("all")
        db.session.commit()
        index_s = time.perf_counter() - started
        print(f"Indexed in {index_s:.1f} s (flask search reindex all, embedded engine): "
              + ", ".join(f"{v:,} {k}" for k, v in indexed.items()))
        if args.keep_db:
            with engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS load_bench_ready"))
                conn.execute(text("CREATE TABLE load_bench_ready (seed_s float, index_s float)"))
                conn.execute(text("INSERT INTO load_bench_ready VALUES (:s, :i)"), {"s": seed_s, "i": index_s})
        engine.dispose()
    return {"seed_s": seed_s, "index_s": index_s, "reused": False}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_options(args) -> list[str]:
    threads = ["--threads", str(args.threads)] if args.worker_class == "gthread" else []
    return ["-k", args.worker_class, "-w", str(args.workers), *threads]


def start_gunicorn(args, app: str, env: dict, log: Path, servers: list) -> str:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--chdir", str(ROOT if app == "wsgi:app" else BENCH),
               *gunicorn_options(args),
               "-b", f"127.0.0.1:{port}", "--error-logfile", str(log), app]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    servers.append(server)
    base = f"http://127.0.0.1:{port}"
    import requests

    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn {app} stopped: {log.read_text()[-2000:]}")
        try:
            if requests.get(base + "/", timeout=60).status_code < 500:
                return base
        except requests.ConnectionError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn {app} did not answer")


def sign_in(base: str, pairs: list[tuple[str, str]]) -> list[str]:
    """One line per supplier for load_bids.lua: session cookie, CSRF token of the bid form, need."""
    import requests
    from load_seed import PASSWORD

    lines = []
    for email, reference in pairs:
        client = requests.Session()
        client.headers["User-Agent"] = USER_AGENT
        page = client.get(f"{base}/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
        answer = client.post(f"{base}/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                             allow_redirects=False)
        if answer.status_code != 302:
            raise SystemExit(f"sign-in of {email} failed: {answer.status_code}")
        form = client.get(f"{base}/needs/{reference}/bid")
        if form.status_code != 200:
            raise SystemExit(f"the bid form of {reference} answers {form.status_code} to {email}")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text).group(1)
        lines.append(f"{client.cookies.get('session')}\t{token}\t{reference}")
    return lines


def wrk(args, base: str, script: str, script_args: list[str], seconds: int) -> dict:
    command = ["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections), "-d", f"{seconds}s",
               "--timeout", "10s", "-s", str(BENCH / script), base, "--", *script_args]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("LOAD_RESULT "))
    figures = json.loads(line.removeprefix("LOAD_RESULT "))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(figures[k] for k in ("connect", "read", "write", "status", "timeout", "bad"))
    return figures


def run(args, url: str, search_path: Path, folder: Path, servers: list, seeding: dict) -> None:
    from load_seed import bidding_targets, public_need_references

    from app.matching import documents

    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "MEILI_URL", "MEILI_API_KEY", "SMTP_URL", "STRIPE_SECRET_KEY")}
    env.update(app_settings(url, search_path, folder))
    ceiling_base = start_gunicorn(args, "ceiling_app:app", env, folder / "ceiling.log", servers)
    base = start_gunicorn(args, "wsgi:app", env, folder / "app.log", servers)

    bands = [b[0] for b in documents.BUDGET_BANDS]
    # percent-encoded: gunicorn refuses a request line with raw UTF-8 (400)
    search_paths = [f"/needs?q={quote_plus(q)}{f}" for q in QUERIES for f in FACETS]
    search_paths += [f"/needs?band={b}{f}" for b in bands for f in FACETS]
    (folder / "search.txt").write_text("\n".join(search_paths))
    references = public_need_references(engine)
    (folder / "needs.txt").write_text("\n".join(f"/needs/{r}" for r in references))
    (folder / "home.txt").write_text("/")
    (folder / "ceiling.txt").write_text("/")
    started = time.perf_counter()
    lines = sign_in(base, bidding_targets(engine, sessions=args.sessions))
    (folder / "sessions.tsv").write_text("\n".join(lines) + "\n")
    print(f"Signed in {len(lines)} suppliers (session cookie + CSRF token each) in "
          f"{time.perf_counter() - started:.1f} s")
    engine.dispose()

    endpoints = [
        ("ceiling", "bare Flask endpoint", ceiling_base, "load_paths.lua", [str(folder / "ceiling.txt")]),
        ("home", "GET /", base, "load_paths.lua", [str(folder / "home.txt")]),
        ("search", f"GET /needs?q=… ({len(search_paths)} queries/facets)", base, "load_paths.lua",
         [str(folder / "search.txt")]),
        ("need", f"GET /needs/<ref> ({len(references)} public needs)", base, "load_paths.lua",
         [str(folder / "needs.txt")]),
        ("bid", f"POST /needs/<ref>/bid ({len(lines)} suppliers)", base, "load_bids.lua",
         [str(folder / "sessions.tsv"), str(args.wrk_threads)]),
    ]
    only = {x for x in args.only.split(",") if x} | {"ceiling"} if args.only else None
    print(f"gunicorn {' '.join(gunicorn_options(args))} on 127.0.0.1 (app and ceiling alike); "
          f"wrk -t {args.wrk_threads} -c {args.connections}, {args.warmup} s warm-up + {args.duration} s each; "
          f"jobs inline (no REDIS_URL), embedded search engine; {os.cpu_count()} CPU(s), "
          f"load average {os.getloadavg()[0]:.1f} before the runs")
    results = {}
    for key, label, target, script, script_args in endpoints:
        if only is not None and key not in only:
            continue
        if args.warmup:
            wrk(args, target, script, script_args, args.warmup)
        results[key] = {"endpoint": label, **wrk(args, target, script, script_args, args.duration)}
        r = results[key]
        print(f"  {key:8} {r['rps']:8.1f} req/s  p50 {r['p50_us'] / 1000:7.1f} ms  p99 {r['p99_us'] / 1000:7.1f} ms"
              f"  errors {r['errors']}", flush=True)
    report(args, results, seeding)


def report(args, results: dict, seeding: dict) -> None:
    ceiling = results["ceiling"]["rps"]
    print()
    print(f"{'endpoint':48} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'/ ceiling':>10}")
    for key, r in results.items():
        r["ratio"] = r["rps"] / ceiling if ceiling else 0.0
        print(f"{key + ': ' + r['endpoint']:48.48} {r['rps']:9.1f} {r['p50_us'] / 1000:8.1f} "
              f"{r['p99_us'] / 1000:8.1f} {r['errors']:7d} {r['ratio']:9.1%}")
    errors = sum(r["errors"] for r in results.values())
    search = results.get("search", {}).get("ratio")
    print()
    print(f"Target no errors: {'met' if errors == 0 else f'NOT met ({errors} errors)'}")
    if search is not None:
        print(f"Target search >= {SEARCH_TARGET:.0%} of the ceiling: "
              f"{'met' if search >= SEARCH_TARGET else 'NOT met'} ({search:.1%})")
    print(f"Load average after the runs: {os.getloadavg()[0]:.1f} (other work on the machine skews absolute "
          "figures; the ratios to the ceiling of the same run are what to compare)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "suppliers": args.suppliers, "needs": args.needs, "duration_s": args.duration,
            "gunicorn": gunicorn_options(args),
            "wrk": {"threads": args.wrk_threads, "connections": args.connections}, "seeding": seeding,
            "results": results, "errors": errors, "search_ratio": search,
        }, indent=2))


if __name__ == "__main__":
    main()
