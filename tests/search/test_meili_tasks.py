"""The Meilisearch backend waits for the engine's tasks where it must: an index is
configured before it is used, added documents are searchable on return, a failed task is
an error carrying the engine's message, and a rebuild happens aside then swaps in.
Uses the HTTP double of test_meili_double (no engine semantics: a real Meilisearch
cannot run here; the shared contract suite proves the rest against one)."""

from __future__ import annotations

import datetime as dt

import pytest

from search.base import IndexSettings, SearchError, SearchUnavailable
from search.meili import MeiliBackend, settings_payload
from tests.search.test_meili_double import MeiliDouble, running_double

KEY = "another-s3cr3t-key"
SETTINGS = IndexSettings(
    name="needs", searchable=("title",), filterable=("category",), sortable=("deadline_at",)
)


@pytest.fixture
def double():
    with running_double() as running:
        yield running


def backend_on(double: MeiliDouble, **options) -> MeiliBackend:
    return MeiliBackend(double.url, KEY, **options)


def task_polls(double: MeiliDouble, uid: int) -> list[str]:
    return [r.answer[1]["status"] for r in double.sent("GET", f"/tasks/{uid}")]


# --- ensure_index -----------------------------------------------------------------------


def test_ensure_index_creates_the_index_with_its_key_then_applies_the_settings(double):
    backend_on(double, index_prefix="test_").ensure_index(SETTINGS)
    create, update = double.sent("POST", path="/indexes")[0], double.sent("PATCH")[0]
    assert create.body == {"uid": "test_needs", "primaryKey": "id"}
    assert update.path == "/indexes/test_needs/settings"
    assert update.body == settings_payload(SETTINGS)
    # each step waited for its task to succeed before the next one was sent
    create_task = create.answer[1]["taskUid"]
    assert task_polls(double, create_task)[-1] == "succeeded"
    assert double.requests.index(update) > double.requests.index(
        double.sent("GET", f"/tasks/{create_task}")[-1]
    )
    assert task_polls(double, update.answer[1]["taskUid"])[-1] == "succeeded"


def test_ensure_index_on_an_existing_index_only_updates_the_settings(double):
    double.indexes["needs"] = "id"
    backend_on(double).ensure_index(SETTINGS)
    assert double.sent("POST") == []
    assert [r.path for r in double.sent("PATCH")] == ["/indexes/needs/settings"]


def test_an_index_with_another_primary_key_is_refused(double):
    double.indexes["needs"] = "uuid"
    with pytest.raises(SearchError, match="primary key 'uuid'"):
        backend_on(double).ensure_index(SETTINGS)
    assert double.sent("PATCH") == []


def test_settings_the_engine_refuses_are_a_search_error(double):
    double.indexes["needs"] = "id"
    double.fail_next_task(
        {
            "message": "Unknown field `localizedAttributes`",
            "code": "bad_request",
            "type": "invalid_request",
        }
    )
    with pytest.raises(SearchError, match="Unknown field `localizedAttributes`"):
        backend_on(double).ensure_index(SETTINGS)


# --- add_documents -----------------------------------------------------------------------


def test_documents_go_in_batches_and_are_waited_for(double):
    double.indexes["needs"] = "id"
    documents = [{"id": str(i), "title": f"need {i}"} for i in range(5)]
    backend_on(double).add_documents(SETTINGS, iter(documents), batch_size=2)
    posts = double.sent("POST", "/indexes/needs/documents")
    assert [len(p.body) for p in posts] == [2, 2, 1]
    assert [d for p in posts for d in p.body] == documents
    assert all("primaryKey=id" in p.query for p in posts)
    for post in posts:  # every batch was seen to succeed before add_documents returned
        assert task_polls(double, post.answer[1]["taskUid"])[-1] == "succeeded"


def test_the_first_add_configures_the_index_once(double):
    backend = backend_on(double)
    backend.add_documents(SETTINGS, [{"id": "1", "title": "a"}])
    backend.add_documents(SETTINGS, [{"id": "2", "title": "b"}])
    assert len(double.sent("PATCH", "/indexes/needs/settings")) == 1
    assert double.requests.index(double.sent("PATCH")[0]) < double.requests.index(
        double.sent("POST", "/indexes/needs/documents")[0]
    )


def test_a_failed_indexing_task_raises_its_message(double):
    double.indexes["needs"] = "id"
    backend = backend_on(double)
    backend.ensure_index(SETTINGS)
    double.fail_next_task(
        {
            "message": 'Document identifier `"a b"` is invalid.',
            "code": "invalid_document_id",
            "type": "invalid_request",
        }
    )
    with pytest.raises(SearchError, match="invalid_document_id") as caught:
        backend.add_documents(SETTINGS, [{"id": "a b", "title": "x"}])
    assert "is invalid" in str(caught.value)
    assert not isinstance(caught.value, SearchUnavailable)


def test_an_engine_side_task_failure_is_an_outage(double):
    double.indexes["needs"] = "id"
    backend = backend_on(double)
    backend.ensure_index(SETTINGS)
    double.fail_next_task(
        {"message": "No space left on device", "code": "no_space_left_on_device", "type": "system"}
    )
    with pytest.raises(SearchUnavailable, match="No space left"):
        backend.add_documents(SETTINGS, [{"id": "1", "title": "x"}])


def test_a_task_that_never_ends_is_an_outage_after_the_task_timeout(double):
    double.indexes["needs"] = "id"
    double.task_script = ("processing",)
    with pytest.raises(SearchUnavailable, match="did not finish"):
        backend_on(double, task_timeout=0.2).ensure_index(SETTINGS)


def test_documents_without_a_key_or_json_form_are_refused_before_sending(double):
    double.indexes["needs"] = "id"
    backend = backend_on(double)
    backend.ensure_index(SETTINGS)
    with pytest.raises(SearchError, match="primary key"):
        backend.add_documents(SETTINGS, [{"title": "no id"}])
    with pytest.raises(SearchError, match="JSON"):
        backend.add_documents(SETTINGS, [{"id": "1", "blob": object()}])
    assert double.sent("POST", "/indexes/needs/documents") == []


def test_dates_are_sent_in_iso_format(double):
    double.indexes["needs"] = "id"
    when = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    backend_on(double).add_documents(SETTINGS, [{"id": "1", "published_at": when}])
    assert double.sent("POST", "/indexes/needs/documents")[0].body == [
        {"id": "1", "published_at": "2026-03-01T12:00:00+00:00"}
    ]


# --- delete, count, drop ---------------------------------------------------------------------


def test_delete_documents_sends_the_ids_and_waits(double):
    backend_on(double).delete_documents(SETTINGS, ["1", "2"])
    (post,) = double.sent("POST", "/indexes/needs/documents/delete-batch")
    assert post.body == ["1", "2"]
    assert task_polls(double, post.answer[1]["taskUid"])[-1] == "succeeded"
    backend_on(double).delete_documents(SETTINGS, [])
    assert len(double.sent("POST")) == 1


def test_deleting_from_or_dropping_a_missing_index_is_not_an_error(double):
    missing = {
        "message": "Index `needs` not found.",
        "code": "index_not_found",
        "type": "invalid_request",
    }
    double.fail_next_task(missing)
    backend_on(double).delete_documents(SETTINGS, ["1"])
    double.fail_next_task(missing)
    backend_on(double).drop(SETTINGS)


def test_a_missing_index_counts_zero_documents(double):
    assert backend_on(double).count(SETTINGS) == 0
    double.on(
        "GET",
        "/indexes/needs/stats",
        (200, {"numberOfDocuments": 42, "isIndexing": False, "fieldDistribution": {}}),
    )
    assert backend_on(double).count(SETTINGS) == 42


# --- rebuild ----------------------------------------------------------------------------


def test_rebuild_fills_an_index_aside_then_swaps_it_in_and_drops_the_old_one(double):
    double.indexes["needs"] = "id"
    count = backend_on(double).rebuild(SETTINGS, ({"id": str(i)} for i in range(3)), batch_size=2)
    assert count == 3
    writes = [(r.method, r.path) for r in double.requests if r.method != "GET"]
    aside = double.sent("POST", path="/indexes")[0].body["uid"]
    assert aside.startswith("needs__rebuild_")
    assert writes == [
        ("POST", "/indexes"),
        ("PATCH", f"/indexes/{aside}/settings"),
        ("POST", f"/indexes/{aside}/documents"),
        ("POST", f"/indexes/{aside}/documents"),
        ("POST", "/swap-indexes"),
        ("DELETE", f"/indexes/{aside}"),
    ]
    swap = double.sent("POST", "/swap-indexes")[0]
    assert swap.body == [{"indexes": ["needs", aside]}]
    # the swap was sent only once every document task had succeeded
    last_batch = double.sent("POST", f"/indexes/{aside}/documents")[-1].answer[1]["taskUid"]
    last_poll = double.sent("GET", f"/tasks/{last_batch}")[-1]
    assert last_poll.answer[1]["status"] == "succeeded"
    assert double.requests.index(last_poll) < double.requests.index(swap)
    assert task_polls(double, swap.answer[1]["taskUid"])[-1] == "succeeded"


def test_rebuild_creates_the_live_index_when_there_is_none_yet(double):
    backend_on(double).rebuild(SETTINGS, [{"id": "1"}])
    created = [r.body["uid"] for r in double.sent("POST", path="/indexes")]
    assert created[0].startswith("needs__rebuild_") and created[1] == "needs"


def test_a_failed_rebuild_leaves_the_live_index_alone_and_cleans_up(double):
    double.indexes["needs"] = "id"
    double.task_errors[3] = {
        "message": "bad document",
        "code": "invalid_document_id",
        "type": "invalid_request",
    }
    with pytest.raises(SearchError, match="bad document"):
        backend_on(double).rebuild(SETTINGS, [{"id": "1"}])
    aside = double.sent("POST", path="/indexes")[0].body["uid"]
    assert double.sent("POST", "/swap-indexes") == []
    assert [r.path for r in double.sent("DELETE")] == [f"/indexes/{aside}"]
    assert all("/indexes/needs/" not in r.path for r in double.requests if r.method != "GET")
