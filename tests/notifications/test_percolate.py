"""The percolator decides as the search engine does: same needs found for the same query.

Each case indexes needs in the real embedded engine, runs the query (and the saved
filters) through it, and compares with the percolator's decision need by need.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from werkzeug.datastructures import MultiDict

from app.db import utcnow
from app.extensions import db
from app.matching import documents
from app.matching.engine import backend
from app.matching.indexing import index_need
from app.matching.search import NeedSearch
from notifications.fanout_searches import SearchDecisions
from notifications.percolate import Percolator
from search.base import And, Query
from search.embedded import EmbeddedBackend
from tests.factories import make_need, make_org

VOCABULARY = [
    "cybersécurité", "sécurité", "données", "souveraines", "hébergement", "cloud", "souverain",
    "intelligence", "artificielle", "modèle", "langage", "plateforme", "supervision", "détection",
    "incidents", "postes", "travail", "chiffrement", "messagerie", "sauvegarde", "visioconférence",
    "identités", "gestion", "l'hôpital", "d'analyse", "quantique", "cryptographie", "post-quantique",
    "agent", "conversationnel", "open", "source", "logiciel", "libre", "ERP", "OCR", "RGPD", "GDPR",
    "réseau", "5G", "iso27001", "2026", "low-code", "Œuvre", "développement", "application", "mobile",
    "citoyens", "collectivité", "ministère", "archives", "numériques", "company's",
]
EXTRA_WORDS = ["zorglub", "banane", "de", "les", "pour", "the", "la"]


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return rng.choice([
        word[:i] + rng.choice("aeioutrz") + word[i + 1:],  # substitution
        word[:i] + word[i + 1:],  # deletion
        word[:i] + rng.choice("aeiou") + word[i:],  # insertion
        word[:i] + word[i + 1] + word[i] + word[i + 2:],  # transposition
    ])


def _query(rng: random.Random) -> str:
    chosen = [rng.choice(VOCABULARY + EXTRA_WORDS) for _ in range(rng.randint(1, 4))]
    chosen = [_typo(rng, w) if rng.random() < 0.4 else w for w in chosen]
    if rng.random() < 0.3:  # typed halfway: the last word as a prefix
        chosen[-1] = chosen[-1][: rng.randint(2, max(2, len(chosen[-1])))]
    text = " ".join(chosen)
    if rng.random() < 0.3:
        text = text.upper()
    return text + ("." if rng.random() < 0.1 else "")


HAND_PICKED = [
    "IA", "ai", "cyber", "snc", "de la", "le", "des", "l'intelligence", "data", "hosting", "courriel",
    "intelligence artificielle", "artificial intelligence", "gestion des identités", "pqc", "LLM", "visio",
    "backup", "xyzzy", "2026", "2025", "5g", "qu'elle", "cybersé", "CYBERSECURITE", "héberg", "hebergement.",
    "la plateforme de", "plateforne", "cybersecurty", "cyebrsécurité", "zybersécurité", "donnees", "DONNÉES",
    "œuvre", "oeuvre", "company", "chifrement", "archive", "archives numeriques", "sovereign cloud",
    "open source", "logiciel libre", "le la les des du de", "iso27001", "iso2700", "supervisoin détection",
]


def test_agrees_with_the_engine_on_typos_accents_synonyms_prefixes_and_stop_words(tmp_path):
    rng = random.Random(5)
    docs = []
    for i in range(30):
        docs.append({
            "id": str(i), "reference": f"TRP-2026-{i:04d}", "title": " ".join(rng.sample(VOCABULARY, 4)),
            "summary": " ".join(rng.sample(VOCABULARY, 8)), "description": " ".join(rng.sample(VOCABULARY, 15)),
            "category_labels": ["Intelligence artificielle", "Artificial intelligence"] if i % 2 else ["Cybersécurité"],
            "buyer_name": "Ministère des Armées" if i % 3 else "une banque du CAC 40", "status": "published",
        })
    engine = EmbeddedBackend(tmp_path / "search")
    engine.add_documents(documents.NEEDS, docs)
    percolator = Percolator(documents.NEEDS)
    read = {d["id"]: percolator.document(d) for d in docs}
    queries = HAND_PICKED + [_query(rng) for _ in range(600)]
    for text in queries:
        found = set(engine.search(documents.NEEDS, Query(text=text, per_page=1000)).ids)
        decided = {doc_id for doc_id, words in read.items() if percolator.matches(words, text)}
        assert decided == found, text
    # the comparison is not vacuous: queries both find and miss needs
    assert 0 < sum(bool(engine.search(documents.NEEDS, Query(text=q)).total) for q in queries) < len(queries)


@pytest.fixture()
def market(app_ctx):
    """Four published needs of two buyers, with their own words, indexed by the app's engine."""
    admin, _ = make_org("administration", name="Ministère de la Transition", verified=True)
    group, _ = make_org("corporate", name="Groupe Industriel", verified=True)
    specs = [
        (admin, "Cybersécurité des hôpitaux : SOC managé", "Détection des incidents 24/7 et réponse.",
         ("cyber.soc",), (300_000, 900_000), dict(sme_set_aside=True, deadline_in_days=5)),
        (admin, "Plateforme de données souveraine", "Entrepôt de données hébergé en France, RGPD.",
         ("data.platform",), (1_500_000, 4_000_000), dict(visibility="restricted", deadline_in_days=60)),
        (group, "Assistant conversationnel pour le service client", "Un LLM pour l'intelligence du support.",
         ("ai.llm", "ai.nlp"), (80_000, 95_000), dict(deadline_in_days=20)),
        (group, "Sauvegarde et archivage chiffrés", "Backup des postes de travail, cryptographie post-quantique.",
         ("cloud.hosting", "cyber.crypto"), (200_000, 600_000), dict(sensitive_data=True, deadline_in_days=45)),
    ]
    needs = []
    for buyer, title, summary, categories, budget, options in specs:
        need = make_need(buyer, title=title, categories=categories, budget_eur=budget, **options)
        need.summary = summary
        need.published_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        index_need(need.id)
        needs.append(need)
    return needs


CASES = [
    ("", {}), ("cybersecurite", {}), ("cybersécurté", {"axis": ["cyber"]}), ("IA", {}), ("ai", {"band": ["lt100k"]}),
    ("intelligence artificielle", {"buyer_kind": ["corporate"]}), ("donées", {"band": ["1m-10m"]}),
    ("plateforme", {"visibility": "restricted"}), ("sauvegard", {"flag": ["sensitive_data"]}),
    ("backup", {"route": ["private"]}), ("data", {"flag": ["core"]}), ("l'hôpital", {}), ("soc", {}),
    ("SOC managé", {"flag": ["sme_set_aside"]}), ("le de la", {}), ("chatbot", {}), ("pqc", {}),
    ("gdpr", {"region": ["11"]}), ("", {"deadline": "week"}), ("", {"deadline": "month", "axis": ["ai", "cloud"]}),
    ("", {"status": "closed"}), ("détection", {"status": "all"}), ("", {"category": "cyber.crypto"}),
    ("", {"category": "cyber"}), ("zorglub", {}), ("service client", {"region": ["84"]}), ("archiv", {}),
    ("souverain", {"sort": "budget"}), ("entrepot hebergé", {"band": ["100k-1m", "1m-10m"]}),
]


@pytest.mark.parametrize("text, filters", CASES)
def test_saved_query_and_filters_decide_as_the_search_page(market, text, filters):
    now = utcnow()
    args = MultiDict([("q", text)] + [(k, v) for k, vs in filters.items() for v in (vs if isinstance(vs, list) else [vs])])
    params = NeedSearch.from_args(args)
    query = Query(text=params.q, filter=And(params.user_filter(now)), per_page=100)
    found = {int(i) for i in backend().search(documents.NEEDS, query).ids}
    decided = {need.id for need in market
               if SearchDecisions(documents.need_document(need), now)(text, json.dumps(filters))}
    assert decided == found
