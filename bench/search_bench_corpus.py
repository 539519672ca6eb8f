"""Synthetic need and supplier documents for bench/search_bench.py, without a database.

Documents have exactly the keys and value types of app.matching.documents.need_document
and supplier_document (checked by ``shape_check`` against those builders, run on
stand-in objects). Texts reuse the demo generator's vocabulary (app/demo): need
templates and their long descriptions, supplier offers, buyers, cities, people; company,
product and brand names are drawn from syllables, so the index vocabulary grows with the
corpus as a real one does (typo search cost depends on it).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from random import Random
from types import SimpleNamespace

from app.accounts.identifiers import EU_COUNTRIES
from app.demo.buyers import BUYERS
from app.demo.need_phrases import need_description
from app.demo.need_texts import QUALIFIERS, TEMPLATES, capitalise, fill
from app.demo.supplier_texts import LABEL_NAMES, OFFERS, REFERENCE_CLIENTS, describe_supplier
from app.demo.words import (
    AXIS_WORDS,
    EU_CITIES,
    EU_SUPPLIER_COUNTS,
    FR_CITIES,
    NOUNS,
    PREFIXES,
    SUFFIXES,
    pick_french_city,
)
from app.matching import documents
from app.needs import taxonomy
from app.needs.doctrine import CRITERIA, DEFAULT_WEIGHTS

# The bench's clock: every deadline and publication date is placed around it.
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
DAY = 86_400

STATUS_WEIGHTS = {"draft": 8, "published": 32, "closed": 10, "awarded": 18, "cancelled": 5, "unsuccessful": 7}
VISIBILITY_WEIGHTS = {"public": 46, "restricted": 22, "invitation": 12}
AXIS_WEIGHTS = {"ai": 22, "data": 16, "cloud": 14, "it": 18, "lowcode": 8, "cyber": 17, "quantum": 5}
SIZES = {"startup": (("micro", 45), ("small", 40), ("medium", 15)),
         "sme": (("micro", 10), ("small", 40), ("medium", 40), ("mid", 10))}
EMPLOYEES = {"micro": (2, 9), "small": (10, 49), "medium": (50, 249), "mid": (250, 900)}
CERTIFICATIONS = (("iso27001", 0.30), ("iso9001", 0.15), ("hds", 0.06), ("soc2", 0.05), ("eucs", 0.03),
                  ("rgs", 0.04), ("cspn", 0.03))
LABEL_ODDS = (("jei", 0.30), ("french_tech_120", 0.03), ("next40", 0.01), ("greentech", 0.05),
              ("deeptech", 0.08))
EN_HEADLINES = (
    "{label} for public bodies and large enterprises, built and hosted in Europe",
    "European {label_lc}: sovereign, open and reversible by design",
    "{label} you can run on your own infrastructure",
    "Trusted {label_lc} for regulated industries",
)
EN_SUMMARIES = (
    "{label} delivered as a managed service from European data centres, with an exit plan.",
    "An open-source {label_lc} stack, deployed on premises or in a qualified cloud.",
    "{label} with fine-grained access control, audit logs and GDPR tooling.",
)
SYLLABLES = ("ka", "lo", "mi", "ra", "no", "vi", "te", "su", "pa", "ze", "bri", "tor", "qua", "lys", "fen",
             "dor", "gal", "hex", "ion", "jor", "kel", "mar", "nyx", "op", "pli", "rov", "sol", "tam", "ul",
             "vex", "wen", "xa", "yor", "zim", "cé", "lé", "mé", "ré", "vé", "ö")
LOCAL_BUYERS = ("Ville de {city}", "Communauté d’agglomération de {city}", "Centre hospitalier de {city}",
                "Université de {city}", "Métropole de {city}")


def _brand_words(rng: Random, count: int) -> list[str]:
    """Invented product and brand words (« Torvexa », « Lysomi »...)."""
    out = set()
    while len(out) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        out.add(word.capitalize())
    return sorted(out)


def _weighted(rng: Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Buyers:
    """The demo's buyers plus local ones made from real cities; organisation ids 1..n."""

    def __init__(self, rng: Random):
        self.items = []  # (id, name, kind, region, anonymous label)
        for spec in BUYERS:
            region = spec.region if spec.family in ("local", "agency") and spec.region != "11" else "FR"
            self.items.append((spec.name, spec.kind.value, region, spec.anonymous_label))
        for region, (_weight, cities) in FR_CITIES.items():
            for city in cities:
                for pattern in LOCAL_BUYERS:
                    self.items.append((pattern.format(city=city), "administration", region,
                                       "une collectivité" if "Ville" in pattern else "un établissement public"))
        self.weights = [3 if kind == "corporate" else 1 for _name, kind, _r, _a in self.items]
        self.rng = rng

    def __len__(self) -> int:
        return len(self.items)

    def pick(self) -> tuple[int, tuple]:
        i = self.rng.choices(range(len(self.items)), weights=self.weights)[0]
        return i + 1, self.items[i]


def _budget(rng: Random) -> tuple[int, int]:
    """(min, max) in euros, as the demo draws them: mostly €100k–€10M."""
    def log_uniform(low: float, high: float) -> float:
        return math.exp(rng.uniform(math.log(low), math.log(high)))

    def nice(euros: float) -> int:
        step = 5_000 if euros < 1_000_000 else 50_000
        return int(euros // step * step)

    roll = rng.random()
    if roll < 0.08:
        high = nice(log_uniform(25_000, 100_000))
        return max(20_000, nice(high * rng.uniform(0.5, 0.8))), high
    if roll < 0.93:
        high = nice(log_uniform(120_000, 10_000_000))
        return max(100_000, nice(high * rng.uniform(0.5, 0.85))), high
    high = nice(log_uniform(10_500_000, 15_000_000))
    return nice(high * rng.uniform(0.6, 0.85)), high


def need_documents(count: int, *, seed: int, supplier_ids: range, buyers: Buyers | None = None) -> list[dict]:
    rng = Random(seed * 1_000_003 + 1)
    buyers = buyers or Buyers(rng)
    per_year: dict[int, int] = {}
    docs = []
    for i in range(1, count + 1):
        template = rng.choice(TEMPLATES)
        buyer_id, (buyer_name, kind, region, anonymous_label) = buyers.pick()
        status = _weighted(rng, STATUS_WEIGHTS)
        visibility = _weighted(rng, VISIBILITY_WEIGHTS)
        anonymised = visibility == "restricted" and rng.random() < 0.4
        low, high = _budget(rng)
        sensitive = (template.sensitive and rng.random() < 0.8) or rng.random() < 0.04
        route = "public" if kind == "administration" else "private"
        facts = SimpleNamespace(
            sensitive_data=sensitive, requires_secnumcloud=sensitive or rng.random() < 0.1,
            eu_data_residency=sensitive or rng.random() < 0.55,
            open_source_preferred=rng.random() < (0.45 if route == "public" else 0.15),
            sme_set_aside=rng.random() < 0.25, route=route, budget_min_cents=low * 100,
            budget_max_cents=high * 100, **{f"weight_{c}": DEFAULT_WEIGHTS[c] for c in CRITERIA},
        )
        if status == "draft":
            published, deadline = 0, NOW.timestamp() + rng.randint(20, 120) * DAY
        elif status == "published":  # mostly open, a few past their deadline (closed by the clock)
            published = NOW.timestamp() - rng.randint(1, 60) * DAY
            deadline = NOW.timestamp() + rng.randint(-10, 90) * DAY
        else:
            published = NOW.timestamp() - rng.randint(60, 700) * DAY
            deadline = published + rng.randint(20, 60) * DAY
        year = datetime.fromtimestamp(published or NOW.timestamp(), UTC).year
        per_year[year] = per_year.get(year, 0) + 1
        title = capitalise(fill(template.title, kind))
        if rng.random() < 0.3:
            title += rng.choice(QUALIFIERS)
        summary = capitalise(fill(template.summary, kind))
        shown_buyer = anonymous_label if anonymised else buyer_name
        description = need_description(
            buyer_label=f"{anonymous_label} (acheteur anonymisé)" if anonymised else buyer_name,
            central_state=buyer_id <= len(BUYERS), sector="territory" if buyer_id > len(BUYERS) else "admin",
            summary=summary, detail=fill(template.detail, kind), need=facts, months=rng.choice([12, 18, 24, 36]),
        )
        codes = list(template.codes)
        invited = []
        if visibility == "invitation" or rng.random() < 0.1:
            invited = sorted(rng.sample(supplier_ids, rng.randint(2, 12)))
        docs.append({
            "id": str(i),
            "reference": f"TRP-{year}-{per_year[year]:04d}",
            "title": title,
            "summary": summary,
            "description": description,
            "buyer_name": shown_buyer,
            "buyer_id": buyer_id,
            "buyer_kind": kind,
            "invited_ids": invited,
            "status": status,
            "visibility": visibility,
            "route": route,
            "region": region,
            "categories": codes,
            "axes": documents._axes(codes),
            "category_labels": documents._labels(codes),
            "budget_min": low,
            "budget_max": high,
            "budget_band": documents.budget_band(high),
            "core_band": high >= 100_000 and low <= 10_000_000,
            "deadline_ts": int(deadline),
            "published_ts": int(published),
            "sensitive_data": sensitive,
            "eu_data_residency": facts.eu_data_residency,
            "open_source_preferred": facts.open_source_preferred,
            "sme_set_aside": facts.sme_set_aside,
        })
    return docs


class _Namer:
    def __init__(self, rng: Random, brands: list[str]):
        self.rng, self.brands = rng, brands

    def company(self, axis: str) -> str:
        rng = self.rng
        stem = rng.choice(PREFIXES) + rng.choice(SUFFIXES)
        roll = rng.random()
        if roll < 0.35:
            return stem
        if roll < 0.6:
            return f"{stem} {rng.choice(AXIS_WORDS[axis])}"
        if roll < 0.75:
            return f"{rng.choice(NOUNS)} {rng.choice(AXIS_WORDS[axis])}"
        return f"{rng.choice(self.brands)} {rng.choice(AXIS_WORDS[axis])}"


def _country(rng: Random) -> str:
    if rng.random() < 0.8:
        return "FR"
    return rng.choices(list(EU_SUPPLIER_COUNTS), weights=list(EU_SUPPLIER_COUNTS.values()))[0]


def supplier_documents(count: int, *, seed: int, first_id: int, solutions_out: list | None = None) -> list[dict]:
    """Supplier documents; with ``solutions_out``, their solutions as rows too
    (organisation id, name, summary, description, category, open source, SecNumCloud)."""
    rng = Random(seed * 1_000_003 + 2)
    brands = _brand_words(rng, 30_000)
    namer = _Namer(rng, brands)
    labels_of = {c.code: (c.label_fr,) for c in taxonomy.ALL}
    docs = []
    for i in range(count):
        axis = _weighted(rng, AXIS_WEIGHTS)
        subs = [c.code for c in taxonomy.children(axis)]
        codes = sorted(rng.sample(subs, min(len(subs), rng.choices((1, 2, 3), weights=(5, 4, 1))[0])))
        if rng.random() < 0.2:
            codes = sorted(set(codes) | {rng.choice(list(OFFERS))})
        kind = "startup" if rng.random() < 0.6 else "sme"
        size = rng.choices([s for s, _w in SIZES[kind]], weights=[w for _s, w in SIZES[kind]])[0]
        country = _country(rng)
        region, city = pick_french_city(rng) if country == "FR" else ("EU", rng.choice(EU_CITIES[country]))
        name = namer.company(axis)
        english = country != "FR" and rng.random() < 0.6
        certifications = sorted({c for c, odds in CERTIFICATIONS if rng.random() < odds}
                                | ({"secnumcloud"} if "cloud.hosting" in codes and rng.random() < 0.3 else set())
                                | ({"passi"} if "cyber.audit" in codes and rng.random() < 0.5 else set())
                                | ({"pdis"} if "cyber.soc" in codes and rng.random() < 0.4 else set()))
        labels = [code for code, odds in LABEL_ODDS if rng.random() < odds]
        solutions = []
        for _ in range(rng.choices((1, 2, 3), weights=(5, 3, 2))[0]):
            code = rng.choice(codes)
            headlines, product_words, summaries = OFFERS[code]
            label = taxonomy.BY_CODE[code].label_en
            if english:
                summary = rng.choice(EN_SUMMARIES).format(label=label, label_lc=label.lower())
            else:
                summary = rng.choice(summaries)
            product = f"{rng.choice(brands)} {rng.choice(product_words)}"
            if any(product == s[0] for s in solutions):
                continue
            solutions.append((product, summary,
                              rng.choice(["", f"Référence : {rng.choice(REFERENCE_CLIENTS)}."]),
                              rng.random() < 0.35, rng.random() < 0.04, code))
        code = codes[0]
        label = taxonomy.BY_CODE[code].label_en
        headline = (rng.choice(EN_HEADLINES).format(label=label, label_lc=label.lower()) if english
                    else rng.choice(OFFERS[code][0]))
        founded = rng.randint(2008, 2025)
        description = describe_supplier(name, kind, city, founded, [LABEL_NAMES[x] for x in labels if x in LABEL_NAMES],
                                        codes, {c: v[0] for c, v in labels_of.items()})
        description += f" Gammes : {', '.join(rng.sample(brands, 3))}."
        secnumcloud = "secnumcloud" in certifications or any(s[4] for s in solutions)
        if solutions_out is not None:
            solutions_out.extend((first_id + i, *s) for s in solutions)
        docs.append({
            "id": str(first_id + i),
            "name": name,
            "name_sort": name.casefold(),
            "headline": headline,
            "description": description,
            "solution_names": [s[0] for s in solutions],
            "solution_text": " ".join(f"{s[1]} {s[2]}" for s in solutions),
            "categories": codes,
            "axes": documents._axes(codes),
            "category_labels": documents._labels(codes),
            "certifications": certifications,
            "secnumcloud": secnumcloud,
            "country": country,
            "eu": country in EU_COUNTRIES,
            "size": size,
            "kind": kind,
            "employees": rng.randint(*EMPLOYEES[size]),
            "labels": labels,
            "open_source": any(s[3] for s in solutions),
            "hosting_eu": rng.random() < 0.85,
            "regions": sorted({region, "FR"} if country == "FR" else {"EU"}),
            "verified": rng.random() < 0.85,
            "eu_controlled": rng.random() < 0.9,
            "extraterritorial_exposure": rng.random() < 0.08,
        })
    return docs


def _types(doc: dict) -> dict[str, str]:
    return {k: type(v).__name__ for k, v in doc.items()}


def shape_check(need: dict, supplier: dict) -> list[str]:
    """Differences between our documents and what the real builders make (empty: same shape)."""
    from app.accounts.models import OrganisationKind, SizeCategory
    from app.needs.models import NeedStatus, Route, Visibility

    cat = SimpleNamespace(code="ai.llm")
    real_need = documents.need_document(SimpleNamespace(
        id=1, reference="TRP-2026-0001", title="t", summary="s", description="d", anonymised=False,
        anonymous_label=None, buyer=SimpleNamespace(name="b", kind=OrganisationKind.ADMINISTRATION), buyer_id=1,
        invitations=[SimpleNamespace(supplier_id=2)], status=NeedStatus.PUBLISHED, visibility=Visibility.PUBLIC,
        route=Route.PUBLIC, region="11", categories=[cat], budget_min_cents=10_000_000, budget_max_cents=20_000_000,
        in_core_band=True, deadline_at=NOW, published_at=NOW, sensitive_data=False, eu_data_residency=True,
        open_source_preferred=False, sme_set_aside=False,
    ))
    real_supplier = documents.supplier_document(SimpleNamespace(
        id=2, name="n", supplier_profile=[SimpleNamespace(categories=["ai.llm"], headline="h", description="d",
                                                          regions_served=["11"], eu_controlled=True,
                                                          extraterritorial_exposure=False)],
        solutions=[SimpleNamespace(category_code="ai.llm", secnumcloud=False, name="s", summary="s",
                                   description="d", open_source=True, hosting_country="FR")],
        certifications=[SimpleNamespace(kind=SimpleNamespace(value="iso27001"))], description="d", country="FR",
        size=SizeCategory.SMALL, kind=OrganisationKind.STARTUP, employees=12, labels=["jei"], verified_at=NOW,
    ))
    problems = []
    for label, ours, real in (("need", need, real_need), ("supplier", supplier, real_supplier)):
        if _types(ours) != _types(real):
            problems.append(f"{label}: ours {_types(ours)} != real {_types(real)}")
    return problems
