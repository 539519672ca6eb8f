"""Fixtures of the commitment tracker tests."""

from __future__ import annotations

import pytest


@pytest.fixture()
def upload_root(app, tmp_path):
    """Uploaded evidence goes to a folder of the test's own, so tests can see what was stored."""
    root = tmp_path / "uploads"
    app.config["UPLOAD_PATH"] = str(root)
    yield root
    app.config.pop("UPLOAD_PATH", None)
