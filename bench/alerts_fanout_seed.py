"""The market of bench/alerts_fanout.py, written to an app database with Core bulk inserts.

Buyers (the search bench's, bench/search_bench_corpus.py), supplier organisations with
their people (an owner each, a member in three of ten), the needs about to be published
(texts of the need generator) and the saved searches: texts as suppliers type them
(the search bench's seed queries, varied: accents dropped, a typo, cut short; a quarter
with no text), filters as the needs page makes them (categories, budget bands, regions,
routes, deadline, requirements), cleaned by the same code as « save this search ».
"""

from __future__ import annotations

from datetime import timedelta
from random import Random

from search_bench_corpus import NOW, Buyers, need_documents
from search_bench_queries import AXES, BANDS, NEED_SEEDS, SUBS, vary
from werkzeug.datastructures import MultiDict

from app.alerts.saved_searches import filters_of
from app.matching.search import NeedSearch
from app.needs.regions import REGIONS

CHUNK = 5_000
REGION_CODES = sorted(REGIONS)
FREQUENCIES = (("instant", 20), ("daily", 60), ("weekly", 20))
SIZES = (("micro", 40), ("small", 35), ("medium", 18), ("mid", 5), ("large", 2))
EMPLOYEES = {"micro": (2, 9), "small": (10, 49), "medium": (50, 249), "mid": (250, 900), "large": (1000, 9000)}


def _pick(rng: Random, weighted) -> str:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def query_text(rng: Random) -> str:
    roll = rng.random()
    if roll < 0.25:
        return ""
    if roll < 0.85:
        return vary(rng, rng.choice(NEED_SEEDS))
    return f"{rng.choice(NEED_SEEDS)} {vary(rng, rng.choice(NEED_SEEDS))}"  # two ideas at once


def filter_args(rng: Random) -> MultiDict:
    """The needs page's parameters of one saved search."""
    args = MultiDict()
    if rng.random() < 0.55:
        for axis in rng.sample(AXES, rng.choice((1, 1, 1, 2, 3))):
            args.add("axis", axis)
    if rng.random() < 0.25:
        for band in rng.sample(BANDS, rng.choice((1, 1, 2))):
            args.add("band", band)
    if rng.random() < 0.2:
        for region in rng.sample(REGION_CODES, rng.choice((1, 1, 2, 3))):
            args.add("region", region)
    if rng.random() < 0.1:
        args.add("route", rng.choice(("public", "private")))
    if rng.random() < 0.1:
        args.add("buyer_kind", rng.choice(("administration", "corporate")))
    if rng.random() < 0.08:
        args.add("deadline", rng.choice(("week", "month", "quarter")))
    for flag, odds in (("core", 0.25), ("sme_set_aside", 0.1), ("sensitive_data", 0.05),
                       ("eu_data_residency", 0.05), ("open_source_preferred", 0.05)):
        if rng.random() < odds:
            args.add("flag", flag)
    if rng.random() < 0.08:
        args.add("category", rng.choice(SUBS))
    if rng.random() < 0.03:
        args.add("closed", "1")
    return args


def _insert(conn, table, rows: list[dict]) -> None:
    keys = list(dict.fromkeys(k for row in rows for k in row))  # executemany wants the same keys everywhere
    rows = [{k: row.get(k) for k in keys} for row in rows]
    for start in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[start:start + CHUNK])


def seed(*, suppliers: int, searches: int, publish: int, rng: Random, first_need_id: int) -> dict:
    """Write the market; returns the ids of the needs to publish and counts."""
    from app.accounts.models import Membership, Organisation, User
    from app.alerts.models import SavedSearch
    from app.extensions import db
    from app.needs.models import Invitation, Need, need_categories

    now = NOW
    buyers = Buyers(Random(rng.random()))
    orgs, users, memberships = [], [], []
    for i, (name, kind, region, _label) in enumerate(buyers.items, start=1):
        orgs.append({"id": i, "name": name, "slug": f"buyer-{i}", "kind": kind, "country": "FR", "siren": f"{i:09d}",
                     "region": region if len(region) <= 3 else None, "labels": [], "verified_at": now,
                     "created_at": now, "updated_at": now})
    supplier_ids = range(len(buyers) + 1, len(buyers) + 1 + suppliers)
    people: list[tuple[int, int]] = []  # (user, organisation)
    for org_id in supplier_ids:
        size = _pick(rng, SIZES)
        orgs.append({"id": org_id, "name": f"Fournisseur {org_id}", "slug": f"supplier-{org_id}",
                     "kind": "startup" if rng.random() < 0.6 else "sme", "country": "FR", "siren": f"{org_id:09d}",
                     "size": size, "employees": rng.randint(*EMPLOYEES[size]), "labels": [],
                     "verified_at": now if rng.random() < 0.8 else None, "created_at": now, "updated_at": now})
        for role in ("owner",) + (("member",) if rng.random() < 0.3 else ()):
            user_id = len(users) + 1
            users.append({"id": user_id, "email": f"user{user_id}@bench.example", "password_hash": "-",
                          "full_name": f"User {user_id}", "locale": "fr" if rng.random() < 0.8 else "en",
                          "is_operator": False, "active": True, "created_at": now, "updated_at": now})
            memberships.append({"user_id": user_id, "organisation_id": org_id, "role": role,
                                "created_at": now, "updated_at": now})
            people.append((user_id, org_id))

    saved, distinct_texts, distinct_filters = [], set(), set()
    for n in range(searches):
        user_id, org_id = people[n % len(people)] if n < len(people) else rng.choice(people)
        params = NeedSearch.from_args(MultiDict([("q", query_text(rng)), *filter_args(rng).items(multi=True)]))
        filters = filters_of(params)
        distinct_texts.add(params.q)
        distinct_filters.add(repr(filters))
        saved.append({"user_id": user_id, "organisation_id": org_id, "name": f"Recherche {n}", "query": params.q,
                      "filters": filters, "frequency": _pick(rng, FREQUENCIES),
                      "paused_at": now - timedelta(days=3) if rng.random() < 0.1 else None,
                      "created_at": now, "updated_at": now})

    docs = [d for d in need_documents(publish * 8, seed=int(rng.random() * 1e6), supplier_ids=supplier_ids,
                                      buyers=buyers) if d["visibility"] != "invitation" or rng.random() < 0.3]
    need_rows, category_rows, invitation_rows, need_ids = [], [], [], []
    for offset, doc in enumerate(docs[:publish]):
        need_id = first_need_id + offset
        need_ids.append(need_id)
        need_rows.append({
            "id": need_id, "reference": f"TRP-BENCH-{offset:04d}", "buyer_id": doc["buyer_id"], "title": doc["title"],
            "summary": doc["summary"][:500], "description": doc["description"],
            "budget_min_cents": doc["budget_min"] * 100, "budget_max_cents": doc["budget_max"] * 100,
            "route": doc["route"], "region": doc["region"] if len(doc["region"]) <= 3 else None,
            "deadline_at": now + timedelta(days=rng.randint(10, 60)), "visibility": doc["visibility"],
            "anonymised": False, "status": "published", "published_at": now - timedelta(minutes=5),
            "sensitive_data": doc["sensitive_data"], "requires_secnumcloud": doc["sensitive_data"],
            "eu_data_residency": doc["eu_data_residency"], "open_source_preferred": doc["open_source_preferred"],
            "sme_set_aside": doc["sme_set_aside"], "sealed_bids": True, "created_at": now, "updated_at": now,
        })
        category_rows += [{"need_id": need_id, "category_code": code} for code in doc["categories"]]
        invitation_rows += [{"need_id": need_id, "supplier_id": s, "created_at": now, "updated_at": now}
                            for s in doc["invited_ids"]]
    with db.engine.begin() as conn:
        for table, rows in ((Organisation.__table__, orgs), (User.__table__, users),
                            (Membership.__table__, memberships), (Need.__table__, need_rows),
                            (need_categories, category_rows), (Invitation.__table__, invitation_rows),
                            (SavedSearch.__table__, saved)):
            _insert(conn, table, rows)
    return {"need_ids": need_ids, "supplier_ids": supplier_ids, "users": len(users),
            "texts": len(distinct_texts), "filters": len(distinct_filters),
            "pairs": len({(s["query"], repr(s["filters"])) for s in saved}),
            "paused": sum(s["paused_at"] is not None for s in saved), "buyers": len(buyers)}
