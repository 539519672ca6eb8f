"""The Meilisearch backend on the client side: outages become SearchUnavailable, rejected
requests SearchError, and the API key travels in the Authorization header only — never
in an error, a log line or a repr. Uses the HTTP double of test_meili_double (no engine
semantics: a real Meilisearch cannot run here)."""

from __future__ import annotations

import logging
import socket
import traceback

import pytest

from search.base import Eq, IndexSettings, Or, Query, SearchError, SearchUnavailable
from search.meili import MeiliBackend
from tests.search.test_meili_double import MeiliDouble, running_double

KEY = "s3cr3t-master-key-6436fc5237b0d6e0"
SETTINGS = IndexSettings(
    name="needs", searchable=("title",), filterable=("category",), sortable=("deadline_at",)
)


@pytest.fixture
def double():
    with running_double() as running:
        yield running


def backend_on(double: MeiliDouble, **options) -> MeiliBackend:
    return MeiliBackend(double.url, KEY, **options)


def assert_keyless(exc: BaseException) -> None:
    """Nothing reachable from the error shows the key, and no client exception is chained."""
    rendered = "".join(traceback.format_exception(exc))
    for text in (str(exc), repr(exc), rendered, *map(str, exc.args)):
        assert KEY not in text
    assert exc.__cause__ is None
    assert exc.__context__ is None


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- the key ------------------------------------------------------------------------


def test_the_key_goes_in_the_authorization_header(double):
    backend_on(double).search(SETTINGS, Query(text="cloud"))
    assert double.requests[-1].headers["Authorization"] == f"Bearer {KEY}"


def test_a_refused_key_is_an_outage_whose_message_does_not_hold_the_key(double):
    double.on(
        "POST",
        "/indexes/needs/search",
        (
            403,
            {
                "message": "The provided API key is invalid.",
                "code": "invalid_api_key",
                "type": "auth",
            },
        ),
    )
    with pytest.raises(SearchUnavailable, match="invalid_api_key") as caught:
        backend_on(double).search(SETTINGS, Query(text="cloud"))
    assert_keyless(caught.value)


def test_a_key_echoed_by_the_server_is_scrubbed_from_the_error(double):
    double.on(
        "POST", "/indexes/needs/search", (502, {"message": f"proxy: bad upstream for Bearer {KEY}"})
    )
    with pytest.raises(SearchUnavailable, match=r"\[api key\]") as caught:
        backend_on(double).search(SETTINGS, Query(text="cloud"))
    assert_keyless(caught.value)


def test_the_backend_repr_shows_where_not_how(double):
    backend = MeiliBackend(double.url.replace("http://", "http://user:pw@"), KEY, index_prefix="t_")
    assert KEY not in repr(backend)
    assert "pw" not in repr(backend)
    assert "t_" in repr(backend)


def test_nothing_logged_holds_the_key(double, caplog):
    caplog.set_level(logging.DEBUG)
    double.on("POST", "/indexes/needs/search", (500, {"message": "boom", "code": "internal"}))
    backend = backend_on(double)
    with pytest.raises(SearchUnavailable):
        backend.search(SETTINGS, Query(text="x"))
    backend.add_documents(SETTINGS, [{"id": "1", "title": "x"}])
    assert KEY not in caplog.text


# --- outages --------------------------------------------------------------------------


def test_an_unreachable_engine_is_unavailable_not_a_crash():
    backend = MeiliBackend(closed_port_url(), KEY, timeout=1)
    assert backend.healthy() is False
    for call in (
        lambda: backend.search(SETTINGS, Query(text="cloud")),
        lambda: backend.ensure_index(SETTINGS),
        lambda: backend.add_documents(SETTINGS, [{"id": "1"}]),
        lambda: backend.count(SETTINGS),
        lambda: backend.delete_documents(SETTINGS, ["1"]),
        lambda: backend.drop(SETTINGS),
    ):
        with pytest.raises(SearchUnavailable, match="cannot be reached") as caught:
            call()
        assert_keyless(caught.value)


def test_a_server_error_is_unavailable(double):
    double.on("POST", "/indexes/needs/search", (503, {"message": "overloaded"}))
    with pytest.raises(SearchUnavailable, match="overloaded") as caught:
        backend_on(double).search(SETTINGS, Query(text="cloud"))
    assert_keyless(caught.value)


def test_a_slow_engine_times_out_as_unavailable(double):
    double.delay = 1.0
    with pytest.raises(SearchUnavailable, match="did not answer in time") as caught:
        backend_on(double, timeout=0.2).search(SETTINGS, Query(text="cloud"))
    assert_keyless(caught.value)


def test_an_answer_that_is_not_the_api_is_unavailable(double):
    double.on("GET", "/indexes/needs/stats", (200, {"unexpected": True}))
    with pytest.raises(SearchUnavailable, match="unusable answer"):
        backend_on(double).count(SETTINGS)


def test_health(double):
    assert backend_on(double).healthy() is True
    double.on("GET", "/health", (503, {"message": "starting"}))
    assert backend_on(double).healthy() is False


def test_searching_an_index_that_was_never_built_makes_it_and_finds_nothing(double):
    double.on(
        "POST",
        "/indexes/needs/search",
        (
            404,
            {
                "message": "Index `needs` not found.",
                "code": "index_not_found",
                "type": "invalid_request",
            },
        ),
    )
    result = backend_on(double).search(SETTINGS, Query(text="cloud", facets=("category",)))
    assert (result.hits, result.total, result.facets) == ([], 0, {"category": {}})
    assert double.sent("POST", path="/indexes")[0].body == {"uid": "needs", "primaryKey": "id"}
    assert [r.path for r in double.sent("PATCH")] == ["/indexes/needs/settings"]


# --- rejected requests ------------------------------------------------------------------


def test_an_invalid_filter_is_a_search_error_with_the_engine_message(double):
    message = "Attribute `category` is not filterable."
    double.on(
        "POST",
        "/indexes/needs/search",
        (400, {"message": message, "code": "invalid_search_filter", "type": "invalid_request"}),
    )
    with pytest.raises(SearchError, match="invalid_search_filter") as caught:
        backend_on(double).search(SETTINGS, Query(filter=Eq("category", "x")))
    assert message in str(caught.value)
    assert "Hint" not in str(caught.value)
    assert not isinstance(caught.value, SearchUnavailable)


def test_undeclared_fields_are_refused_before_any_request(double):
    backend = backend_on(double)
    with pytest.raises(SearchError):
        backend.search(SETTINGS, Query(filter=Eq("budget", 1)))
    with pytest.raises(SearchError):
        backend.search(SETTINGS, Query(sort=(("title", "asc"),)))
    assert double.requests == []


def test_a_filter_that_matches_nothing_answers_without_a_request(double):
    result = backend_on(double).search(SETTINGS, Query(filter=Or(), facets=("category",)))
    assert (result.hits, result.total, result.facets) == ([], 0, {"category": {}})
    assert double.requests == []


def test_an_index_name_meilisearch_would_refuse_is_an_error(double):
    with pytest.raises(SearchError):
        MeiliBackend(double.url, KEY, index_prefix="a b").ensure_index(SETTINGS)
    assert double.requests == []
