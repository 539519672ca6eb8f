"""The contract suite on the embedded backend (always), plus what only it promises."""

from __future__ import annotations

import pytest

from search.embedded import EmbeddedBackend
from tests.search.contract import BackendContract


class TestEmbeddedContract(BackendContract):
    @pytest.fixture
    def backend(self, tmp_path):
        return EmbeddedBackend(tmp_path / "search")
