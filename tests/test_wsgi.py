"""Starting the real entry point with a broken production configuration: the operator
sees one line naming the setting, not a traceback, and the process fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).with_name("flask")

SETTINGS = (
    "TREMPLIN_ENV", "SECRET_KEY", "DATABASE_URL", "INSTANCE_PATH", "REDIS_URL", "MEILI_URL",
    "MEILI_API_KEY", "SMTP_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "SEARCH_PATH",
    "FLASK_APP", "FLASK_DEBUG",
)


def production_without_database(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(
        TREMPLIN_ENV="production",
        SECRET_KEY="s" * 48,
        INSTANCE_PATH=str(tmp_path / "instance"),
    )
    return env


def run(command: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=PROJECT_ROOT, env=production_without_database(tmp_path),
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )


def assert_one_line_naming_database_url(result: subprocess.CompletedProcess) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DATABASE_URL" in lines[0]
    assert "Traceback" not in result.stderr


def test_importing_wsgi_without_database_url_in_production_fails_with_one_line(tmp_path):
    assert_one_line_naming_database_url(run([sys.executable, "-c", "import wsgi"], tmp_path))


@pytest.mark.skipif(not FLASK.exists(), reason="the flask command is not installed beside this Python")
def test_flask_cli_without_database_url_in_production_fails_with_one_line(tmp_path):
    assert_one_line_naming_database_url(run([str(FLASK), "--app", "wsgi", "routes"], tmp_path))
