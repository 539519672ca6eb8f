"""The one contract every search backend passes (embedded always, Meilisearch with MEILI_URL).

Use it by subclassing ``BackendContract`` in a ``test_*.py`` module and providing a
``backend`` fixture that returns a ready SearchBackend::

    from tests.search.contract import BackendContract

    class TestMeiliContract(BackendContract):
        @pytest.fixture
        def backend(self):
            return MeiliBackend(url, key)

Each test gets a fresh index (a unique name) filled with ``DOCS``, dropped afterwards.
The documents are small French and English technology offers; the assertions are
behaviour a user sees: which offers come back, in which order, with which counts.

Matching strategies differ between engines for multi-word queries (all words, any
word, words dropped from the end), so multi-word tests assert rank order and
membership, never a total. First-letter typos (counted double by Meilisearch) and
highlights of prefixes (whole word or prefix only) are left out for the same reason.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from search.base import (
    MARK_END,
    MARK_START,
    And,
    Eq,
    Exists,
    In,
    IndexSettings,
    Not,
    Or,
    Query,
    Range,
    SearchError,
    mark_html,
)
from search.synonyms import synonym_map

BUYER_QUOTE = "Ministère de l'Intérieur"
BUYER_DOUBLE = 'Société "Alpha" & Fils'

DOCS: list[dict] = [
    {"id": 1, "title": "Plateforme d'intelligence artificielle pour les ministères",
     "description": "Assistant conversationnel et IA générative hébergés en France.",
     "categories": ["ia"], "budget": 800_000, "secnumcloud": True, "country": "FR",
     "buyer": BUYER_QUOTE, "published": 5},
    {"id": 2, "title": "Cybersécurité : centre opérationnel de sécurité managé",
     "description": "Détection des intrusions, réponse aux incidents, audit de sécurité.",
     "categories": ["cyber"], "budget": 350_000, "secnumcloud": False, "country": "FR",
     "buyer": BUYER_DOUBLE, "published": 3},
    {"id": 3, "title": "Sovereign cloud hosting for public agencies",
     "description": "SecNumCloud-qualified infrastructure with EU data residency.",
     "categories": ["cloud"], "budget": 2_000_000, "secnumcloud": True, "country": "DE",
     "buyer": "Bundesamt", "published": 8},
    {"id": 4, "title": "Cryptographie post-quantique pour les communications",
     "description": "Migration vers des algorithmes résistants à l'ordinateur de demain.",
     "categories": ["cyber", "quantique"], "budget": 1_200_000, "secnumcloud": False,
     "country": "FR", "buyer": "Armées", "published": 1},
    {"id": 5, "title": "AI-powered document analysis",
     "description": "Machine learning OCR for administrative archives (project Zeta).",
     "categories": ["ia"], "budget": 150_000, "secnumcloud": False, "country": "IE",
     "buyer": "Revenue", "published": 6},
    {"id": 6, "title": "Cloud souverain et sauvegarde des données",
     "description": "Hébergement qualifié, copies chiffrées, réversibilité garantie.",
     "categories": ["cloud", "données"], "budget": 600_000, "secnumcloud": True,
     "country": "FR", "buyer": "Région Bretagne", "published": 7},
    {"id": 7, "title": "Informatique quantique : simulation de molécules",
     "description": "Accès à un calculateur pour la recherche en chimie.",
     "categories": ["quantique"], "budget": 5_000_000, "secnumcloud": False,
     "country": "FR", "buyer": "CNRS", "published": 2},
    {"id": 8, "title": "Messagerie sécurisée pour les collectivités",
     "description": "Chiffrement de bout en bout, annuaire partagé, visioconférence audio.",
     "categories": ["cyber", "collaboration"], "budget": 90_000, "country": "FR",
     "buyer": "Ville de Lyon", "published": 4},
    {"id": 9, "title": "Cybersecurity awareness training",
     "description": "Phishing simulations and e-learning for staff.",
     "categories": ["cyber"], "budget": 40_000, "secnumcloud": False, "country": "BE",
     "buyer": "Federale Overheid", "published": 9},
    {"id": 10, "title": "Gestion des identités et des accès",
     "description": "Authentification forte, fédération d'identités, sauvegarde des annuaires.",
     "categories": ["cyber"], "budget": 250_000, "secnumcloud": True, "country": "FR",
     "buyer": BUYER_QUOTE, "published": 10},
]


def make_settings(name: str, **overrides) -> IndexSettings:
    values = dict(
        name=name,
        searchable=("title", "description"),
        filterable=("categories", "budget", "secnumcloud", "country", "buyer"),
        sortable=("budget", "published"),
        synonyms=synonym_map(),
    )
    values.update(overrides)
    return IndexSettings(**values)


class BackendContract:
    """Behaviour every SearchBackend must show; subclasses provide ``backend``."""

    @pytest.fixture
    def backend(self):  # pragma: no cover - provided by each subclass
        raise NotImplementedError("subclass BackendContract and provide a `backend` fixture")

    @pytest.fixture
    def index(self, backend):
        settings = make_settings(f"contract_{uuid.uuid4().hex[:10]}")
        backend.ensure_index(settings)
        backend.add_documents(settings, DOCS, batch_size=4)
        yield settings
        backend.drop(settings)

    # helpers
    @staticmethod
    def ids(backend, settings, text: str = "", **options) -> list[str]:
        return backend.search(settings, Query(text=text, **options)).ids

    def found(self, backend, settings, text: str = "", **options) -> set[int]:
        return {int(i) for i in self.ids(backend, settings, text, **options)}

    # -- documents in and out ------------------------------------------------------

    def test_every_document_is_indexed_in_batches(self, backend, index):
        assert backend.count(index) == len(DOCS)
        result = backend.search(index, Query(per_page=50))
        assert result.total == len(DOCS)
        assert sorted(int(i) for i in result.ids) == list(range(1, 11))

    def test_hits_carry_the_stored_document_and_a_string_id(self, backend, index):
        hit = backend.search(index, Query(filter=Eq("budget", 350_000))).hits[0]
        assert hit.id == "2"
        assert hit.document["title"] == DOCS[1]["title"]
        assert hit.document["categories"] == ["cyber"]
        assert hit.document["secnumcloud"] is False

    def test_ensure_index_is_idempotent(self, backend, index):
        backend.ensure_index(index)
        assert backend.count(index) == len(DOCS)

    def test_a_document_is_replaced_by_its_primary_key(self, backend, index):
        backend.add_documents(index, [dict(DOCS[1], title="Audit de conformité RGPD")])
        assert backend.count(index) == len(DOCS)
        assert self.found(backend, index, "conformité") == {2}
        assert 2 not in self.found(backend, index, "opérationnel")

    def test_deleted_documents_are_gone_and_unknown_ids_ignored(self, backend, index):
        backend.delete_documents(index, ["2", "9", "does-not-exist"])
        assert backend.count(index) == len(DOCS) - 2
        assert self.found(backend, index, "cybersécurité").isdisjoint({2, 9})
        assert self.found(backend, index, filter=Eq("categories", "cyber"), per_page=50) == {4, 8, 10}

    def test_displayed_fields_filter_the_returned_document(self, backend, index):
        narrow = make_settings(index.name, displayed=("id", "title"))
        backend.ensure_index(narrow)
        hit = backend.search(narrow, Query(filter=Eq("budget", 350_000))).hits[0]
        assert set(hit.document) == {"id", "title"}

    def test_drop_empties_the_index(self, backend, index):
        backend.drop(index)
        backend.ensure_index(index)
        assert backend.count(index) == 0
        assert backend.search(index, Query()).total == 0

    def test_the_engine_is_healthy(self, backend):
        assert backend.healthy() is True

    # -- text: words, case, accents, languages ----------------------------------------

    def test_a_word_finds_the_offers_containing_it(self, backend, index):
        assert self.found(backend, index, "quantique ") >= {4, 7}
        assert self.found(backend, index, "training ") == {9}

    def test_case_and_accents_do_not_matter(self, backend, index):
        expected = self.found(backend, index, "sécurité ")
        assert 2 in expected
        assert self.found(backend, index, "securite ") == expected
        assert self.found(backend, index, "SECURITE ") == expected
        assert self.found(backend, index, "molecules ") == {7}
        assert self.found(backend, index, "REVERSIBILITE ") == {6}

    def test_french_elisions_and_hyphens(self, backend, index):
        assert 1 in self.found(backend, index, "l'intelligence ")
        assert self.ids(backend, index, "post-quantique")[0] == "4"

    def test_a_word_found_nowhere_gives_no_hit(self, backend, index):
        result = backend.search(index, Query(text="zzyzxq", facets=("categories",)))
        assert result.total == 0 and result.hits == []
        assert result.facets.get("categories", {}) == {}

    # -- typos -----------------------------------------------------------------------

    def test_no_typo_below_five_letters(self, backend, index):
        assert self.found(backend, index, "zeta ") == {5}
        assert self.found(backend, index, "zeda ") == set()

    def test_one_typo_from_five_letters(self, backend, index):
        assert self.found(backend, index, "clowd ") == {3, 6}
        assert 5 in self.found(backend, index, "archivs ")

    def test_two_typos_only_from_nine_letters(self, backend, index):
        assert self.found(backend, index, "arshivez ") == set()  # 8 letters, 2 typos
        assert self.found(backend, index, "chifremant ") == {8}  # 10 letters, 2 typos
        assert self.found(backend, index, "chifremanx ") == set()  # 3 typos

    def test_fewer_typos_rank_first(self, backend, index):
        ids = self.ids(backend, index, "audit ")
        assert ids[0] == "2"  # « audit », exact
        assert "8" in ids  # « audio », one typo

    # -- search as you type -----------------------------------------------------------

    def test_the_last_word_is_a_prefix(self, backend, index):
        found = self.found(backend, index, "cyberséc")
        assert {2, 9} <= found
        assert found.isdisjoint({1, 3, 5, 6, 7})
        assert self.found(backend, index, "sauveg") == {6, 10}
        assert self.ids(backend, index, "informatique quant")[0] == "7"

    # -- synonyms --------------------------------------------------------------------

    def test_ia_finds_artificial_intelligence_both_ways(self, backend, index):
        assert self.found(backend, index, "IA ") >= {1, 5}
        assert self.found(backend, index, "AI ") >= {1, 5}
        assert 5 in self.found(backend, index, "intelligence artificielle ")

    def test_multi_word_synonyms(self, backend, index):
        assert {3, 6} <= self.found(backend, index, "cloud souverain ")
        assert {3, 6} <= self.found(backend, index, "sovereign cloud ")
        assert 9 in self.found(backend, index, "cybersécurité ")
        assert 2 in self.found(backend, index, "cybersecurity ")

    # -- ranking ---------------------------------------------------------------------

    def test_more_query_words_matched_rank_first(self, backend, index):
        ids = self.ids(backend, index, "quantique simulation ")
        assert ids[0] == "7"
        assert "4" in ids

    def test_more_important_fields_rank_first(self, backend, index):
        assert self.ids(backend, index, "sauvegarde ") == ["6", "10"]  # title, then description

    # -- highlights ------------------------------------------------------------------

    def test_matched_words_are_highlighted_in_the_original_text(self, backend, index):
        hit = backend.search(index, Query(text="molecules quantique ", highlight=("title",))).hits[0]
        assert hit.id == "7"
        assert hit.highlights["title"] == (
            f"Informatique {MARK_START}quantique{MARK_END} : simulation de {MARK_START}molécules{MARK_END}"
        )
        assert "<mark>molécules</mark>" in mark_html(hit.highlights["title"])
        assert "description" not in hit.highlights

    # -- filters ---------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("flt", "expected"),
        [
            (Eq("categories", "cyber"), {2, 4, 8, 9, 10}),
            (In("categories", ["ia", "quantique"]), {1, 4, 5, 7}),
            (Eq("country", "DE"), {3}),
            (Eq("budget", 350_000), {2}),
            (Range("budget", gte=100_000, lte=1_000_000), {1, 2, 5, 6, 10}),
            (Range("budget", gt=90_000, lt=350_000), {5, 10}),
            (Eq("secnumcloud", True), {1, 3, 6, 10}),
            (Eq("secnumcloud", False), {2, 4, 5, 7, 9}),
            (Exists("secnumcloud"), {1, 2, 3, 4, 5, 6, 7, 9, 10}),
            (Not(Exists("secnumcloud")), {8}),
            (And(Eq("country", "FR"), Not(Eq("categories", "cyber"))), {1, 6, 7}),
            (Or(Eq("country", "DE"), Eq("country", "IE")), {3, 5}),
            (And(Or(Eq("secnumcloud", True), Eq("country", "BE")), Range("budget", lte=300_000)), {9, 10}),
            (Eq("buyer", BUYER_QUOTE), {1, 10}),
            (Eq("buyer", BUYER_DOUBLE), {2}),
            (In("buyer", [BUYER_DOUBLE, "Ville de Lyon"]), {2, 8}),
            (Eq("categories", "données"), {6}),
            (Eq("country", "nowhere"), set()),
        ],
    )
    def test_filters(self, backend, index, flt, expected):
        result = backend.search(index, Query(filter=flt, per_page=50))
        assert {int(i) for i in result.ids} == expected
        assert result.total == len(expected)

    def test_filter_and_text_together(self, backend, index):
        assert self.found(backend, index, "cloud ", filter=Eq("secnumcloud", True)) == {3, 6}
        assert self.found(backend, index, "cloud ", filter=Eq("country", "FR")) == {6}

    @pytest.mark.parametrize(
        "query",
        [
            Query(filter=Eq("title", "x")),
            Query(filter=And(Eq("country", "FR"), Not(Exists("unknown")))),
            Query(facets=("description",)),
            Query(sort=(("country", "asc"),)),
        ],
    )
    def test_unknown_filter_facet_or_sort_fields_are_refused(self, backend, index, query):
        with pytest.raises(SearchError):
            backend.search(index, query)

    # -- facets ----------------------------------------------------------------------

    def test_facet_counts_over_the_whole_index(self, backend, index):
        facets = backend.search(index, Query(facets=("categories", "secnumcloud", "country"))).facets
        assert facets["categories"] == {
            "cloud": 2, "collaboration": 1, "cyber": 5, "données": 1, "ia": 2, "quantique": 2,
        }
        assert facets["secnumcloud"] == {"true": 4, "false": 5}
        assert facets["country"] == {"FR": 7, "DE": 1, "IE": 1, "BE": 1}

    def test_facet_counts_follow_text_and_filter(self, backend, index):
        result = backend.search(index, Query(text="cloud ", facets=("categories", "secnumcloud")))
        assert result.facets == {"categories": {"cloud": 2, "données": 1}, "secnumcloud": {"true": 2}}
        result = backend.search(index, Query(filter=Eq("country", "FR"), facets=("categories", "budget")))
        assert result.facets["categories"] == {
            "cloud": 1, "collaboration": 1, "cyber": 4, "données": 1, "ia": 1, "quantique": 2,
        }
        assert result.facets["budget"]["350000"] == 1

    # -- sort and pagination ----------------------------------------------------------

    def test_sort_by_a_sortable_field(self, backend, index):
        by_budget = [9, 8, 5, 10, 2, 6, 1, 4, 3, 7]
        assert self.ids(backend, index, sort=(("budget", "asc"),)) == [str(i) for i in by_budget]
        assert self.ids(backend, index, sort=(("budget", "desc"),)) == [str(i) for i in reversed(by_budget)]
        assert self.ids(backend, index, sort=(("published", "desc"),))[:3] == ["10", "9", "3"]

    def test_sort_with_filter_and_text(self, backend, index):
        ids = self.ids(backend, index, filter=Eq("secnumcloud", True), sort=(("budget", "asc"),))
        assert ids == ["10", "6", "1", "3"]
        assert self.ids(backend, index, "quantique ", sort=(("budget", "desc"),))[:2] == ["7", "4"]
        assert self.ids(backend, index, "quantique ", sort=(("budget", "asc"),))[:2] == ["4", "7"]

    def test_pages_with_an_exact_total(self, backend, index):
        result = backend.search(index, Query(sort=(("budget", "asc"),), page=2, per_page=3))
        assert result.ids == ["10", "2", "6"]
        assert (result.total, result.page, result.per_page, result.pages) == (10, 2, 3, 4)
        last = backend.search(index, Query(sort=(("budget", "asc"),), page=4, per_page=3))
        assert last.ids == ["7"]
        beyond = backend.search(index, Query(page=9, per_page=3))
        assert beyond.hits == [] and beyond.total == 10

    def test_invalid_pages_are_refused(self):
        with pytest.raises(SearchError):
            Query(page=0)
        with pytest.raises(SearchError):
            Query(per_page=0)

    # -- rebuild ---------------------------------------------------------------------

    def test_rebuild_replaces_the_whole_content(self, backend, index):
        fresh = [dict(d, title=d["title"] + " (v2)") for d in DOCS[:4]]
        assert backend.rebuild(index, fresh, batch_size=2) == 4
        assert backend.count(index) == 4
        assert self.found(backend, index, per_page=50) == {1, 2, 3, 4}
        assert backend.search(index, Query(filter=Eq("budget", 350_000))).hits[0].document["title"].endswith("(v2)")

    def test_searches_never_see_an_empty_or_partial_index_during_a_rebuild(self, backend, index):
        fresh = DOCS + [dict(DOCS[0], id=11), dict(DOCS[1], id=12)]
        totals: list[int] = []
        errors: list[BaseException] = []
        stop = threading.Event()

        def search_all_the_time():
            while not stop.is_set():
                try:
                    totals.append(backend.search(index, Query(filter=Exists("country"))).total)
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)
                    return

        def slowly(docs):
            for doc in docs:
                time.sleep(0.01)
                yield doc

        watcher = threading.Thread(target=search_all_the_time)
        watcher.start()
        try:
            time.sleep(0.05)
            assert backend.rebuild(index, slowly(fresh), batch_size=3) == 12
            time.sleep(0.05)
        finally:
            stop.set()
            watcher.join()
        assert not errors
        assert totals and set(totals) <= {10, 12}
        assert backend.count(index) == 12
