"""The embedded backend on disk: it persists, and several processes share it safely."""

from __future__ import annotations

import multiprocessing

from search.base import Eq, IndexSettings, Query
from search.embedded import EmbeddedBackend

SETTINGS = IndexSettings(
    name="offers", searchable=("title",), filterable=("writer",), sortable=("n",)
)


def test_documents_persist_for_a_new_backend_on_the_same_folder(tmp_path):
    EmbeddedBackend(tmp_path).add_documents(
        SETTINGS, [{"id": "a", "title": "Cybersécurité des hôpitaux", "writer": "w", "n": 1}]
    )
    reopened = EmbeddedBackend(tmp_path)
    assert reopened.count(SETTINGS) == 1
    result = reopened.search(SETTINGS, Query(text="cybersecurite", facets=("writer",)))
    assert result.ids == ["a"]
    assert result.facets == {"writer": {"w": 1}}


def test_writes_of_one_instance_are_seen_by_another_at_once(tmp_path):
    web, worker = EmbeddedBackend(tmp_path), EmbeddedBackend(tmp_path)
    web.add_documents(SETTINGS, [{"id": "a", "title": "cloud", "writer": "x", "n": 1}])
    assert web.search(SETTINGS, Query(facets=("writer",))).facets == {"writer": {"x": 1}}
    worker.add_documents(SETTINGS, [{"id": "a", "title": "cloud", "writer": "y", "n": 1},
                                    {"id": "b", "title": "quantique", "writer": "y", "n": 2}])
    worker.delete_documents(SETTINGS, ["a"])
    result = web.search(SETTINGS, Query(facets=("writer",), filter=Eq("writer", "y")))
    assert result.ids == ["b"]
    assert result.facets == {"writer": {"y": 1}}
    assert web.search(SETTINGS, Query(text="quantique")).ids == ["b"]


def _write(path: str, writer: str, count: int) -> None:
    backend = EmbeddedBackend(path)
    for start in range(0, count, 10):
        backend.add_documents(SETTINGS, [
            {"id": f"{writer}-{i}", "title": f"Offre {writer} numéro {i} souveraine", "writer": writer, "n": i}
            for i in range(start, start + 10)
        ])
        backend.search(SETTINGS, Query(text="souveraine", facets=("writer",)))


def _read(path: str, rounds: int) -> None:
    backend = EmbeddedBackend(path)
    for i in range(rounds):
        result = backend.search(SETTINGS, Query(text="souverain", facets=("writer",), sort=(("n", "desc"),)))
        assert result.total == sum(result.facets.get("writer", {}).values()), "one snapshot per answer"
        if i % 10 == 0:
            backend.delete_documents(SETTINGS, ["nothing-here"])


def test_several_processes_write_and_read_at_once_without_loss(tmp_path):
    path = str(tmp_path / "shared")
    EmbeddedBackend(path).ensure_index(SETTINGS)
    ctx = multiprocessing.get_context("spawn")
    processes = [
        ctx.Process(target=_write, args=(path, "alpha", 200)),
        ctx.Process(target=_write, args=(path, "beta", 200)),
        ctx.Process(target=_read, args=(path, 150)),
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    backend = EmbeddedBackend(path)
    assert backend.count(SETTINGS) == 400
    result = backend.search(SETTINGS, Query(text="souveraine", facets=("writer",), per_page=5))
    assert result.total == 400
    assert result.facets == {"writer": {"alpha": 200, "beta": 200}}
