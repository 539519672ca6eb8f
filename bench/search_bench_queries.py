"""The queries of bench/search_bench.py: what suppliers and buyers type, and what the
pages of the app send with it (app.matching.search: access filter, facets, sorts).

Texts are drawn from seed queries, French and English, then varied the way people type:
without accents, with a typo, cut short while typing (search as you type).
"""

from __future__ import annotations

from random import Random

from search_bench_corpus import NOW

from app.accounts.models import OrganisationKind
from app.matching import documents
from app.matching.search import NEED_FACETS, NEED_SORTS, SUPPLIER_FACETS, NeedSearch, SupplierSearch
from app.needs import taxonomy
from app.needs.policy import Viewer, visible_needs_filter
from search.base import And, Query
from search.text import fold

NEED_SEEDS = (
    "assistant conversationnel", "IA générative", "intelligence artificielle", "LLM", "agents IA",
    "cybersécurité", "cloud souverain", "sovereign cloud", "SOC managé", "tests d’intrusion",
    "hébergement SecNumCloud", "plateforme de données", "tableaux de bord", "low code", "no code",
    "quantique", "cryptographie post-quantique", "visioconférence", "messagerie", "ERP",
    "ressources humaines", "pseudonymisation", "courrier entrant", "factures fournisseurs",
    "images satellites", "maintenance prédictive", "fraude documentaire", "open source",
    "données de santé", "gestion des identités", "authentification forte", "poste de travail",
    "suite collaborative", "Kubernetes", "migration entrepôt de données", "data platform",
    "penetration testing", "identity and access management", "machine learning", "computer vision",
    "generative AI", "workflow signature électronique", "prise de rendez-vous", "démarches en ligne",
    "comptes rendus de réunion", "détection d’anomalies", "réseau privé 5G", "edge computing",
    "chiffrement", "gestion de clés", "sauvegarde", "formulaires", "subvention", "RGPD", "accessibilité RGAA",
)
SUPPLIER_SEEDS = NEED_SEEDS + (
    "Vigie Cyber", "Lynx Data", "Astra", "Hexa", "Quantum", "Copilote", "Pentest", "EDR", "KMS",
    "HDS", "PASSI", "startup Lyon", "Nantes", "Toulouse", "Berlin", "French Tech 120",
)


def _typo(rng: Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randint(1, len(word) - 2)
    roll = rng.random()
    if roll < 0.4:  # a letter dropped
        return word[:i] + word[i + 1 :]
    if roll < 0.7:  # two letters swapped
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice("aeioursnt") + word[i + 1 :]  # a letter replaced


def vary(rng: Random, seed: str) -> str:
    roll = rng.random()
    words = seed.split()
    if roll < 0.35:
        return seed
    if roll < 0.5:
        return fold(seed)
    if roll < 0.75:
        i = rng.randrange(len(words))
        words[i] = _typo(rng, words[i])
        return " ".join(words)
    last = words[-1]  # search as you type: the last word cut short
    words[-1] = last[: rng.randint(min(3, len(last)), len(last))]
    return " ".join(words)


def texts(seeds: tuple[str, ...], count: int, seed: int) -> list[str]:
    rng = Random(seed)
    out = list(seeds)
    while len(out) < count:
        out.append(vary(rng, rng.choice(seeds)))
    rng.shuffle(out)
    return out[:count]


def supplier_viewer(rng: Random, supplier_ids: range) -> Viewer:
    """A verified startup (the widest view a supplier has: public + restricted + invited)."""
    return Viewer(user_id=1, organisation_id=rng.choice(supplier_ids), kind=OrganisationKind.STARTUP,
                  verified=True, country="FR")


AXES = [c.code for c in taxonomy.AXES]
SUBS = [c.code for c in taxonomy.SUBCATEGORIES]
BANDS = [b[0] for b in documents.BUDGET_BANDS]
HIGHLIGHT = ("title", "summary")
KINDS = ("plain", "filtered", "faceted", "sorted")


def need_queries(kind: str, count: int, seed: int, supplier_ids: range) -> list[Query]:
    """kind: plain | filtered | faceted | sorted, as the needs page would send them."""
    rng = Random(f"{kind}-{seed}")
    out = []
    for text in texts(NEED_SEEDS, count, seed * 10 + KINDS.index(kind)):
        access = visible_needs_filter(supplier_viewer(rng, supplier_ids))
        if kind == "plain":
            out.append(Query(text=text, highlight=HIGHLIGHT))
        elif kind == "filtered":
            params = NeedSearch(q=text, category=rng.choice(AXES + SUBS), bands=tuple(rng.sample(BANDS, 1)))
            out.append(Query(text=text, filter=And(access, params.user_filter(NOW)), highlight=HIGHLIGHT))
        elif kind == "faceted":
            params = NeedSearch(q=text if rng.random() < 0.75 else "")  # a quarter: the landing page
            out.append(Query(text=params.q, filter=And(access, params.user_filter(NOW)), facets=NEED_FACETS,
                             highlight=HIGHLIGHT))
        else:
            params = NeedSearch(q=text if rng.random() < 0.5 else "",
                                sort=rng.choice(["deadline", "budget", "newest"]),
                                axes=tuple(rng.sample(AXES, 1)) if rng.random() < 0.5 else ())
            out.append(Query(text=params.q, filter=And(access, params.user_filter(NOW)), facets=NEED_FACETS,
                             sort=NEED_SORTS[params.sort], highlight=HIGHLIGHT))
    return out


def supplier_queries(kind: str, count: int, seed: int) -> list[Query]:
    """kind: plain | faceted (the buyers' supplier directory)."""
    rng = Random(f"suppliers-{kind}-{seed}")
    out = []
    for text in texts(SUPPLIER_SEEDS, count, seed + 7):
        if kind == "plain":
            out.append(Query(text=text, highlight=("name", "headline")))
            continue
        params = SupplierSearch(q=text if rng.random() < 0.8 else "",
                                axes=tuple(rng.sample(AXES, 1)) if rng.random() < 0.4 else (),
                                flags=("secnumcloud",) if rng.random() < 0.15 else ())
        out.append(Query(text=params.q, filter=params.filter(), facets=SUPPLIER_FACETS,
                         sort=() if params.q else (("name_sort", "asc"),), highlight=("name", "headline")))
    return out
