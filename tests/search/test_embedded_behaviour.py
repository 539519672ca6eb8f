"""What the embedded backend promises beyond the shared contract."""

from __future__ import annotations

import pytest

from search.base import Eq, IndexSettings, Query, SearchError
from search.embedded import EmbeddedBackend

SETTINGS = IndexSettings(name="needs", searchable=("title", "body"), filterable=("kind",))


@pytest.fixture
def backend(tmp_path):
    return EmbeddedBackend(tmp_path)


def titles(backend, text, settings=SETTINGS):
    return [h.document["title"] for h in backend.search(settings, Query(text=text)).hits]


def test_writes_made_during_a_rebuild_survive_the_swap(backend):
    backend.add_documents(SETTINGS, [{"id": i, "title": f"ancien {i}"} for i in (1, 2, 5)])

    def stale_export():
        yield {"id": 1, "title": "reconstruit 1"}
        # meanwhile, the outbox indexes fresher changes
        backend.add_documents(SETTINGS, [{"id": 2, "title": "modifié pendant la reconstruction"}])
        backend.delete_documents(SETTINGS, ["5"])
        yield {"id": 2, "title": "version périmée 2"}
        yield {"id": 5, "title": "supprimé entre-temps"}

    assert backend.rebuild(SETTINGS, stale_export(), batch_size=1) == 2
    result = backend.search(SETTINGS, Query(per_page=10))
    assert {h.id: h.document["title"] for h in result.hits} == {
        "1": "reconstruit 1", "2": "modifié pendant la reconstruction",
    }


def test_a_failed_rebuild_leaves_the_current_index_alone(backend):
    backend.add_documents(SETTINGS, [{"id": 1, "title": "toujours là"}])

    def broken():
        yield {"id": 2, "title": "nouveau"}
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(SETTINGS, broken(), batch_size=1)
    assert titles(backend, "toujours") == ["toujours là"]
    assert backend.count(SETTINGS) == 1
    backend.add_documents(SETTINGS, [{"id": 3, "title": "après l'échec"}])
    assert backend.count(SETTINGS) == 2


def test_new_settings_reindex_the_stored_documents(backend):
    backend.add_documents(SETTINGS, [{"id": 1, "title": "cloud", "kind": "a", "budget": 5}])
    wider = IndexSettings(name="needs", searchable=("title",), filterable=("kind", "budget"), sortable=("budget",))
    result = backend.search(wider, Query(filter=Eq("budget", 5), facets=("budget",)))
    assert result.ids == ["1"] and result.facets == {"budget": {"5": 1}}


def test_documents_need_a_primary_key(backend):
    with pytest.raises(SearchError):
        backend.add_documents(SETTINGS, [{"title": "sans identifiant"}])
    with pytest.raises(SearchError):
        backend.add_documents(SETTINGS, [{"id": 1, "title": object()}])
    assert backend.count(SETTINGS) == 0


def test_stop_words_neither_select_nor_rank(backend):
    backend.add_documents(SETTINGS, [
        {"id": 1, "title": "La cybersécurité de la santé"},
        {"id": 2, "title": "Les marchés de la défense"},
    ])
    assert backend.search(SETTINGS, Query(text="la cybersécurité")).ids == ["1"]
    assert backend.search(SETTINGS, Query(text="de la ")).total == 2  # nothing else: they count


def test_the_prefix_stops_at_a_trailing_space(backend):
    backend.add_documents(SETTINGS, [{"id": 1, "title": "Cybersécurité"}])
    assert backend.search(SETTINGS, Query(text="cyber")).ids == ["1"]
    assert backend.search(SETTINGS, Query(text="cyber ")).ids == []
    assert backend.search(SETTINGS, Query(text="c")).ids == []  # one letter is no prefix yet


def test_a_typo_on_the_first_letter_counts_twice(backend):
    backend.add_documents(SETTINGS, [{"id": 1, "title": "souveraineté"}])
    assert backend.search(SETTINGS, Query(text="souverainte ")).ids == ["1"]  # 11 letters, 1 typo
    assert backend.search(SETTINGS, Query(text="zouverainte ")).ids == []  # 2 + 1 typos
    assert backend.search(SETTINGS, Query(text="zouveraineté ")).ids == ["1"]  # counts 2, allowed


def test_ranking_words_then_typos_then_title_then_bm25(backend):
    backend.add_documents(SETTINGS, [
        {"id": "typo", "title": "audio chiffré"},
        {"id": "body", "title": "Rapport", "body": "audit chiffré"},
        {"id": "title", "title": "Audit annuel", "body": "chiffré"},
        {"id": "one", "title": "Audit"},
    ])
    assert backend.search(SETTINGS, Query(text="audit chiffré ")).ids == ["title", "body", "typo", "one"]


def test_highlights_cover_typos_synonyms_and_prefix(backend):
    settings = IndexSettings(name="hl", searchable=("title",), synonyms={"ia": ("intelligence artificielle",)})
    backend.add_documents(settings, [{"id": 1, "title": "L'Intelligence Artificielle au ministère"}])
    hit = backend.search(settings, Query(text="IA ministe", highlight=("title",))).hits[0]
    assert hit.highlights["title"] == "L'\x02Intelligence\x03 \x02Artificielle\x03 au \x02ministère\x03"
