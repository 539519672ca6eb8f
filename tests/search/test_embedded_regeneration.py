"""After an index is dropped and filled again, no process serves the old documents."""

from search.base import IndexSettings, Query
from search.embedded import EmbeddedBackend

SETTINGS = IndexSettings(name="regen", searchable=("title",), filterable=("kind",))


def test_a_dropped_index_filled_again_shows_only_the_new_documents(tmp_path):
    first = EmbeddedBackend(tmp_path)
    other_process = EmbeddedBackend(tmp_path)  # another web or worker process on the same files
    first.add_documents(SETTINGS, [{"id": "1", "title": "ancien titre", "kind": "old"}])
    assert other_process.search(SETTINGS, Query(text="ancien")).ids == ["1"]
    first.drop(SETTINGS)
    first.add_documents(SETTINGS, [{"id": "1", "title": "nouveau titre", "kind": "new"}])
    for backend in (first, other_process):
        assert backend.search(SETTINGS, Query(text="ancien")).ids == []
        result = backend.search(SETTINGS, Query(text="nouveau", facets=("kind",)))
        assert result.ids == ["1"]
        assert result.facets["kind"] == {"new": 1}
