"""Meilisearch backend (production), with the official ``meilisearch`` client.

- Index names carry an optional prefix (one Meilisearch for several environments).
- An index is created and configured on first use (add, search) if ensure_index was
  never called, as in the embedded backend; Meilisearch alone would create it on the
  first write without our settings.
- Writes wait for their tasks, so what was added is searchable on return; a failed task
  raises SearchError with the engine's message.
- An unreachable, slow or failing engine raises SearchUnavailable; a request the engine
  rejects (bad filter, sort, document) raises SearchError.
- The API key only ever travels in the Authorization header: it is kept out of every
  message, log line and repr, and errors are raised without the client's exception
  chained to them (its request object holds the headers).

The pure parts (settings, filter expressions, search parameters, result mapping) live in
``search.meili_payloads`` and are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import islice
from typing import Any, TypeVar
from urllib.parse import urlsplit

import meilisearch
import pydantic
import requests
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchError,
    MeilisearchTimeoutError,
)

from .base import IndexSettings, Query, SearchError, SearchResult, SearchUnavailable
from .meili_payloads import (
    empty_result,
    map_result,
    query_text,
    quote_field,
    quote_value,
    search_params,
    settings_payload,
    synonyms_payload,
    translate_filter,
)

__all__ = [
    "MeiliBackend",
    "map_result",
    "quote_field",
    "quote_value",
    "query_text",
    "search_params",
    "settings_payload",
    "synonyms_payload",
    "translate_filter",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

_INDEX_UID = re.compile(r"[A-Za-z0-9_-]{1,400}")
_HINT = ". Hint: It might not be working because"  # appended by the client to some errors
# Task errors of these types are the engine's trouble, not the request's.
_OUTAGE_ERROR_TYPES = frozenset({"internal", "system", "auth"})


class _Encoder(json.JSONEncoder):
    """Dates as ISO 8601, sets as lists, whole Decimals as ints."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.date | dt.datetime):
            return o.isoformat()
        if isinstance(o, set | frozenset):
            return sorted(o, key=str)
        if isinstance(o, Decimal) and o == o.to_integral_value():
            return int(o)
        return super().default(o)


class MeiliBackend:
    def __init__(
        self,
        url: str,
        api_key: str | None,
        *,
        index_prefix: str = "",
        timeout: float = 5,
        task_timeout: float = 300,
        max_total_hits: int = 100_000,
    ):
        self.url = url.rstrip("/")
        self.index_prefix = index_prefix
        self.timeout = timeout
        self.task_timeout = task_timeout
        self.max_total_hits = max_total_hits
        self._api_key = api_key or None
        self._local = threading.local()
        self._ensured: set[str] = set()  # indexes this process has configured
        parts = urlsplit(self.url)
        # what messages name: scheme, host and port, never credentials or the key
        self._where = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"

    def __repr__(self) -> str:
        return f"MeiliBackend({self._where!r}, index_prefix={self.index_prefix!r})"

    # --- the SearchBackend protocol ---------------------------------------------------

    def ensure_index(self, settings: IndexSettings) -> None:
        self._ensure(self.index_uid(settings), settings)

    def add_documents(
        self, settings: IndexSettings, documents: Iterable[dict], *, batch_size: int = 1000
    ) -> None:
        uid = self.index_uid(settings)
        if uid not in self._ensured:
            # Meilisearch would create a missing index on the fly, without our settings.
            self._ensure(uid, settings)
        self._add(uid, settings, documents, batch_size)

    def delete_documents(self, settings: IndexSettings, ids: Sequence[str]) -> None:
        uid = self.index_uid(settings)
        ids = [str(i) for i in ids]
        if not ids:
            return
        # The delete-batch route; the client's delete_documents(ids) warns it is deprecated.
        path = f"indexes/{uid}/documents/delete-batch"
        try:
            info = self._call("deleting documents", self._client.http.post, path, ids)
        except _MissingIndex:
            return
        self._wait(int(info["taskUid"]), "deleting documents", missing_index_ok=True)

    def search(self, settings: IndexSettings, query: Query) -> SearchResult:
        settings.check_query(query)
        if translate_filter(query.filter) is False:
            return empty_result(query)
        params = search_params(query)
        uid = self.index_uid(settings)
        try:
            index = self._client.index(uid)
            raw = self._call("searching", index.search, query_text(query.text), params)
        except _MissingIndex:
            raw = None
        if raw is None:
            # Never built (or dropped): like the embedded backend, make it, empty.
            self._ensure(uid, settings)
            return empty_result(query)
        return map_result(raw, query, settings.primary_key, displayed=settings.displayed)

    def count(self, settings: IndexSettings) -> int:
        index = self._client.index(self.index_uid(settings))
        try:
            stats = self._call("counting documents", index.get_stats)
        except _MissingIndex:
            return 0
        return int(stats.number_of_documents)

    def rebuild(
        self, settings: IndexSettings, documents: Iterable[dict], *, batch_size: int = 1000
    ) -> int:
        # Documents added to the live index while this runs are not in the copy: the
        # caller replays them (the outbox) or rebuilds from a consistent source.
        live = self.index_uid(settings)
        aside = f"{live}__rebuild_{secrets.token_hex(4)}"
        try:
            self._ensure(aside, settings)
            indexed = self._add(aside, settings, documents, batch_size)
            self._create_if_missing(live, settings)  # a swap needs both indexes
            swap = [{"indexes": [live, aside]}]
            info = self._call("swapping indexes", self._client.swap_indexes, swap)
            self._wait(info.task_uid, "swapping indexes")
        except BaseException:
            self._drop_quietly(aside)
            raise
        finally:
            self._ensured.discard(aside)
        self._ensured.add(live)
        # `aside` now holds the previous documents
        self._drop_uid(aside)
        return indexed

    def drop(self, settings: IndexSettings) -> None:
        uid = self.index_uid(settings)
        self._ensured.discard(uid)
        self._drop_uid(uid)

    def healthy(self) -> bool:
        try:
            answer = self._call("checking health", self._client.health)
        except (SearchError, SearchUnavailable):
            return False
        return isinstance(answer, dict) and answer.get("status") == "available"

    # --- helpers ----------------------------------------------------------------------

    def index_uid(self, settings: IndexSettings) -> str:
        uid = f"{self.index_prefix}{settings.name}"
        if not _INDEX_UID.fullmatch(uid):
            raise SearchError(f"{uid!r} is not a valid Meilisearch index name (A-Z a-z 0-9 _ -)")
        return uid

    @property
    def _client(self) -> meilisearch.Client:
        # One client per thread: the client keeps the Content-Type of its current request
        # in a shared headers dict.
        client = getattr(self._local, "client", None)
        if client is None:
            client = meilisearch.Client(self.url, self._api_key, timeout=self.timeout)
            self._local.client = client
        return client

    def _ensure(self, uid: str, settings: IndexSettings) -> None:
        self._create_if_missing(uid, settings)
        payload = settings_payload(settings, max_total_hits=self.max_total_hits)
        index = self._client.index(uid)
        task = self._call("updating the settings", index.update_settings, payload)
        self._wait(task.task_uid, "updating the settings")
        self._ensured.add(uid)

    def _create_if_missing(self, uid: str, settings: IndexSettings) -> None:
        try:
            info = self._call("reading the index", self._client.get_raw_index, uid)
        except _MissingIndex:
            options = {"primaryKey": settings.primary_key}
            task = self._call("creating the index", self._client.create_index, uid, options)
            self._wait(task.task_uid, "creating the index", already_exists_ok=True)
        else:
            key = info.get("primaryKey") if isinstance(info, dict) else None
            if key is None:
                index = self._client.index(uid)
                task = self._call(
                    "setting the primary key", index.update, primary_key=settings.primary_key
                )
                self._wait(task.task_uid, "setting the primary key")
            elif key != settings.primary_key:
                raise SearchError(
                    f"index {uid!r} has primary key {key!r}, not {settings.primary_key!r}; "
                    "drop it or rebuild it"
                )

    def _add(
        self, uid: str, settings: IndexSettings, documents: Iterable[dict], batch_size: int
    ) -> int:
        if batch_size < 1:
            raise SearchError("batch_size must be at least 1")
        index = self._client.index(uid)
        key = settings.primary_key
        tasks: list[int] = []
        added = 0
        for batch in _batches(documents, batch_size):
            for document in batch:
                if document.get(key) is None:
                    raise SearchError(f"a document has no primary key {key!r}")
            try:
                body = json.dumps(batch, cls=_Encoder, ensure_ascii=False).encode()
            except (TypeError, ValueError) as exc:
                raise SearchError(f"a document cannot be sent as JSON: {exc}") from None
            info = self._call("adding documents", index.add_documents_json, body, key)
            tasks.append(info.task_uid)
            added += len(batch)
        # Tasks of one index run in order: once the last is done, all are; each is checked.
        for task_uid in reversed(tasks):
            self._wait(task_uid, "adding documents")
        return added

    def _drop_uid(self, uid: str) -> None:
        try:
            info = self._call("deleting the index", self._client.delete_index, uid)
        except _MissingIndex:
            return
        self._wait(info.task_uid, "deleting the index", missing_index_ok=True)

    def _drop_quietly(self, uid: str) -> None:
        try:
            self._drop_uid(uid)
        except (SearchError, SearchUnavailable) as exc:
            log.warning("could not delete the index %s built aside: %s", uid, exc)

    def _wait(
        self,
        task_uid: int,
        what: str,
        *,
        missing_index_ok: bool = False,
        already_exists_ok: bool = False,
    ) -> None:
        """Poll the task until it ends (10 ms, doubling up to 0.5 s, task_timeout at most)."""
        deadline = time.monotonic() + self.task_timeout
        delay = 0.01
        while True:
            task = self._call(what, self._client.get_task, task_uid)
            if task.status == "succeeded":
                return
            if task.status == "failed":
                error = task.error or {}
                code = error.get("code")
                if (missing_index_ok and code == "index_not_found") or (
                    already_exists_ok and code == "index_already_exists"
                ):
                    return
                message = self._scrub(str(error.get("message") or "no message"))
                cls = SearchUnavailable if error.get("type") in _OUTAGE_ERROR_TYPES else SearchError
                raise cls(f"Meilisearch failed {what} (task {task_uid}, {code}): {message}")
            if task.status == "canceled":
                raise SearchUnavailable(f"Meilisearch task {task_uid} ({what}) was canceled")
            if time.monotonic() >= deadline:
                raise SearchUnavailable(
                    f"Meilisearch at {self._where} did not finish {what} "
                    f"(task {task_uid}) within {self.task_timeout:g} s"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    def _call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call the client; its errors become ours, raised with no chained exception."""
        try:
            return fn(*args, **kwargs)
        except (MeilisearchError, requests.RequestException, pydantic.ValidationError) as exc:
            error = self._translate(exc, what)
        raise error

    def _translate(self, exc: Exception, what: str) -> Exception:
        if isinstance(exc, MeilisearchApiError):
            message = self._scrub(str(exc.message or "").split(_HINT)[0])[:500]
            code = exc.code or f"HTTP {exc.status_code}"
            if exc.code == "index_not_found":
                return _MissingIndex(f"Meilisearch index not found while {what}: {message}")
            if exc.status_code >= 500 or exc.status_code in (401, 403, 408, 429):
                return SearchUnavailable(
                    f"Meilisearch at {self._where} failed {what} ({code}): {message}"
                )
            return SearchError(f"Meilisearch rejected {what} ({code}): {message}")
        if isinstance(exc, MeilisearchTimeoutError | requests.Timeout):
            return SearchUnavailable(
                f"Meilisearch at {self._where} did not answer in time ({what}, "
                f"timeout {self.timeout:g} s)"
            )
        if isinstance(exc, MeilisearchCommunicationError | requests.ConnectionError):
            return SearchUnavailable(f"Meilisearch at {self._where} cannot be reached ({what})")
        return SearchUnavailable(
            f"Meilisearch at {self._where} gave an unusable answer ({what}): {type(exc).__name__}"
        )

    def _scrub(self, text: str) -> str:
        if self._api_key:
            text = text.replace(self._api_key, "[api key]")
        return text


class _MissingIndex(SearchError):
    """The index does not exist (handled where that is expected, else a SearchError)."""


def _batches(documents: Iterable[dict], size: int) -> Iterator[list[dict]]:
    iterator = iter(documents)
    while batch := list(islice(iterator, size)):
        yield batch
