"""The shared search contract, run against a real Meilisearch.

Runs only when MEILI_URL points at a server (MEILI_API_KEY if it has a master key), e.g.
``MEILI_URL=http://127.0.0.1:7700 MEILI_API_KEY=... pytest tests/search/test_contract_meili.py``.
Every test works in indexes named with a random prefix, dropped afterwards; nothing else
on the server is touched.
"""

from __future__ import annotations

import os
import secrets

import pytest

MEILI_URL = os.environ.get("MEILI_URL", "").strip()
MEILI_API_KEY = os.environ.get("MEILI_API_KEY", "").strip() or None

if not MEILI_URL:
    pytest.skip(
        "MEILI_URL is not set: the Meilisearch contract suite needs a running server",
        allow_module_level=True,
    )

import meilisearch  # noqa: E402

from search.meili import MeiliBackend  # noqa: E402
from tests.search.contract import BackendContract  # noqa: E402


def drop_indexes_with_prefix(prefix: str) -> None:
    """Delete this test's indexes (the prefix is random, so only ours), then wait."""
    assert prefix, "never drop by an empty prefix"
    client = meilisearch.Client(MEILI_URL, MEILI_API_KEY, timeout=10)
    uids = [i["uid"] for i in client.get_raw_indexes({"limit": 1000})["results"]]
    tasks = [client.delete_index(uid).task_uid for uid in uids if uid.startswith(prefix)]
    for task in tasks:
        client.wait_for_task(task, timeout_in_ms=30_000)


class TestMeiliContract(BackendContract):
    @pytest.fixture
    def backend(self):
        prefix = f"test_{secrets.token_hex(4)}_"
        backend = MeiliBackend(MEILI_URL, MEILI_API_KEY, index_prefix=prefix, timeout=10)
        if not backend.healthy():
            pytest.fail(f"MEILI_URL is set but Meilisearch at {backend!r} does not answer")
        try:
            yield backend
        finally:
            drop_indexes_with_prefix(prefix)
