"""Which engine under the embedded search backend? Measure the candidates, print figures.

    .venv/bin/python bench/search_engine_choice.py            # 50 000 documents
    .venv/bin/python bench/search_engine_choice.py --docs 100000 --only embedded

Candidates, on the same synthetic French/English technology offers:

- ``embedded``: search.embedded.EmbeddedBackend (SQLite FTS5 + typo/prefix/synonym layer
  + numpy columns for filters, facets and sort), exactly as the application uses it;
- ``tantivy``: the tantivy PyPI package (Rust), fuzzy term queries with the same typo
  budget, prefix on the last word, terms aggregations for facets;
- ``like``: the naive baseline, a LIKE scan over a plain SQLite table.

Printed: indexing time, then p50/p95 latency of plain, filtered and faceted queries.
No assertion: figures only (the decision is in search/embedded.py's docstring).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.base import And, Eq, In, IndexSettings, Query, Range  # noqa: E402
from search.embedded import EmbeddedBackend  # noqa: E402
from search.synonyms import synonym_map  # noqa: E402
from search.text import fold, words  # noqa: E402

TOPICS = (
    "intelligence artificielle", "IA générative", "cybersécurité", "cloud souverain",
    "sovereign cloud", "cryptographie post-quantique", "informatique quantique", "données",
    "open source", "SecNumCloud", "messagerie chiffrée", "gestion des identités", "SOC managé",
    "détection d'intrusion", "plateforme low-code", "jumeau numérique", "hébergement",
    "sauvegarde", "visioconférence", "machine learning", "computer vision", "edge computing",
)
_WORDS = (
    "plateforme solution logiciel service sécurité réseau données analyse automatisation "
    "ministère collectivité hôpital santé énergie transport défense industrie recherche "
    "déploiement migration intégration supervision conformité audit formation support "
    "platform software security network analytics automation deployment compliance "
    "monitoring training hospital energy defence research public sector startup scaleup"
)
WORDS = _WORDS.split()
CATEGORIES = tuple(f"cat-{i:02d}" for i in range(24))
COUNTRIES = ("FR", "DE", "IT", "ES", "BE", "NL", "PT", "PL", "SE", "IE")
SIZES = ("micro", "small", "medium", "large")
SETTINGS = IndexSettings(
    name="bench",
    searchable=("title", "summary", "description"),
    filterable=("categories", "country", "size", "secnumcloud", "open_source", "budget"),
    sortable=("budget", "deadline"),
    synonyms=synonym_map(),
)
FACETS = ("categories", "country", "size", "secnumcloud", "open_source")


def generate(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzéè"
    rare = ["".join(rng.choice(letters) for _ in range(rng.randint(4, 11))) for _ in range(20_000)]
    docs = []
    for i in range(count):
        topic = rng.choice(TOPICS)
        title = f"{topic.capitalize()} {' '.join(rng.choices(WORDS, k=rng.randint(1, 3)))} {rng.choice(rare)}"
        summary = " ".join(rng.choices(WORDS, k=8) + [rng.choice(TOPICS)])
        description = " ".join(rng.choices(WORDS, k=25) + rng.choices(rare, k=15) + [rng.choice(TOPICS)])
        docs.append({
            "id": i + 1, "title": title, "summary": summary, "description": description,
            "categories": rng.sample(CATEGORIES, rng.randint(1, 3)), "country": rng.choice(COUNTRIES),
            "size": rng.choice(SIZES), "secnumcloud": rng.random() < 0.2, "open_source": rng.random() < 0.4,
            "budget": rng.randint(10, 10_000) * 1000, "deadline": 1_760_000_000 + rng.randint(0, 10**7),
        })
    return docs


PLAIN = ("cloud", "cybersécurité", "securite reseau", "IA", "intelligence artificielle",
         "cybersecurte", "plateforme de donnees", "cyberséc", "quantique", "sovereign cloud",
         "hebergement santé", "migraton", "messagerie chiffree", "post-quantique", "platf")
FILTERS = (
    In("categories", ["cat-01", "cat-05"]),
    And(Eq("secnumcloud", True), Range("budget", gte=100_000, lte=10_000_000)),
    And(Eq("country", "FR"), In("size", ["micro", "small"])),
)


def queries(kind: str) -> list[Query]:
    out = []
    for i, text in enumerate(PLAIN):
        flt = FILTERS[i % len(FILTERS)] if kind != "plain" else None
        facets = FACETS if kind == "faceted" else ()
        out.append(Query(text=text, filter=flt, facets=facets, highlight=("title",)))
    if kind == "faceted":
        out.append(Query(facets=FACETS))
        out.append(Query(filter=FILTERS[1], facets=FACETS, sort=(("budget", "desc"),)))
    return out


def timed(run, items, rounds: int) -> tuple[float, float]:
    for item in items:  # warm up
        run(item)
    samples = []
    for _ in range(rounds):
        for item in items:
            start = time.perf_counter()
            run(item)
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def bench_embedded(docs: list[dict], folder: Path, rounds: int) -> None:
    backend = EmbeddedBackend(folder / "embedded")
    backend.ensure_index(SETTINGS)
    start = time.perf_counter()
    backend.add_documents(SETTINGS, docs, batch_size=2000)
    print(f"embedded  index {len(docs)} docs: {time.perf_counter() - start:.1f} s")
    for kind in ("plain", "filtered", "faceted"):
        p50, p95 = timed(lambda q: backend.search(SETTINGS, q), queries(kind), rounds)
        print(f"embedded  {kind:9s} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    one = [dict(docs[i], title=f"Nouveau titre {i}") for i in range(50)]
    p50, p95 = timed(lambda d: backend.add_documents(SETTINGS, [d]), one, 1)
    print(f"embedded  one-document write   p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    p50, p95 = timed(lambda q: backend.search(SETTINGS, q), queries("faceted")[:5], 1)
    print(f"embedded  faceted right after writes p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    start = time.perf_counter()
    backend.rebuild(SETTINGS, docs, batch_size=2000)
    print(f"embedded  rebuild aside + swap: {time.perf_counter() - start:.1f} s")


def bench_tantivy(docs: list[dict], folder: Path, rounds: int) -> None:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in SETTINGS.searchable:
        builder.add_text_field(name, stored=True, tokenizer_name="default")
    for name in ("categories", "country", "size"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw", fast=True)
    for name in ("secnumcloud", "open_source"):
        builder.add_boolean_field(name, stored=True, indexed=True, fast=True)
    builder.add_integer_field("budget", stored=True, indexed=True, fast=True)
    schema = builder.build()
    (folder / "tantivy").mkdir()
    index = tantivy.Index(schema, path=str(folder / "tantivy"))
    start = time.perf_counter()
    writer = index.writer(heap_size=200_000_000, num_threads=2)
    for doc in docs:
        fields = {k: doc[k] for k in ("id", "budget", "secnumcloud", "open_source", "country", "size", "categories")}
        for name in SETTINGS.searchable:  # same folding as ours, for a fair comparison
            fields[name] = " ".join(words(doc[name]))
        writer.add_document(tantivy.Document(**fields))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    print(f"tantivy   index {len(docs)} docs: {time.perf_counter() - start:.1f} s")
    searcher = index.searcher()
    occur = tantivy.Occur

    def text_query(text: str):
        tokens = words(text)
        should = []
        for i, token in enumerate(tokens):
            typos = 2 if len(token) >= 9 else 1 if len(token) >= 5 else 0
            for name in SETTINGS.searchable:
                should.append((occur.Should, tantivy.Query.fuzzy_term_query(
                    schema, name, token, distance=typos, prefix=i == len(tokens) - 1)))
        return tantivy.Query.boolean_query(should)

    def filter_query(flt):
        if isinstance(flt, And):
            return tantivy.Query.boolean_query([(occur.Must, filter_query(i)) for i in flt.items])
        if isinstance(flt, In):
            return tantivy.Query.boolean_query(
                [(occur.Should, tantivy.Query.term_query(schema, flt.field, v)) for v in flt.values])
        if isinstance(flt, Eq):
            return tantivy.Query.term_query(schema, flt.field, flt.value)
        return tantivy.Query.range_query(schema, flt.field, tantivy.FieldType.Integer, flt.gte, flt.lte)

    def run(query: Query):
        parts = []
        if query.text:
            parts.append((occur.Must, text_query(query.text)))
        if query.filter is not None:
            parts.append((occur.Must, filter_query(query.filter)))
        q = tantivy.Query.boolean_query(parts) if parts else tantivy.Query.all_query()
        result = searcher.search(q, 20, count=True)
        [searcher.doc(address) for _score, address in result.hits]
        if query.facets:
            searcher.aggregate(q, {f: {"terms": {"field": f, "size": 50}} for f in query.facets})

    for kind in ("plain", "filtered", "faceted"):
        p50, p95 = timed(run, queries(kind), rounds)
        print(f"tantivy   {kind:9s} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")


def bench_like(docs: list[dict], folder: Path, rounds: int) -> None:
    conn = sqlite3.connect(folder / "like.sqlite3")
    conn.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT, country TEXT, secnumcloud INT)")
    start = time.perf_counter()
    conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", [
        (d["id"], fold(" ".join(d[n] for n in SETTINGS.searchable)), d["country"], d["secnumcloud"]) for d in docs])
    conn.commit()
    print(f"like      index {len(docs)} docs: {time.perf_counter() - start:.1f} s")

    def run(text: str):
        clauses = " OR ".join("body LIKE ?" for _ in words(text))
        args = [f"%{w}%" for w in words(text)]
        conn.execute(f"SELECT count(*) FROM docs WHERE {clauses}", args).fetchone()
        conn.execute(f"SELECT id FROM docs WHERE {clauses} LIMIT 20", args).fetchall()

    p50, p95 = timed(run, PLAIN, rounds)
    print(f"like      plain     p50 {p50:6.1f} ms   p95 {p95:6.1f} ms (no typos, no ranking)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=("embedded", "tantivy", "like"), action="append")
    args = parser.parse_args()
    docs = generate(args.docs)
    folder = Path(tempfile.mkdtemp(prefix="tremplin-bench-"))
    try:
        for name in args.only or ("embedded", "tantivy", "like"):
            globals()[f"bench_{name}"](docs, folder, args.rounds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
