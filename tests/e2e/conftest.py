"""End-to-end tests: a real browser (Debian's Chromium, driven by Playwright) against the
app served by gunicorn on loopback, on a database filled by `flask demo`.

The database is created for the run like the rest of the suite's (tests/conftest.py's
TestDatabase: a SQLite file, or a fresh PostgreSQL database beside TEST_DATABASE_URL,
dropped at the end). Screenshots go to e2e-artifacts/ at the repository root, which CI
keeps as artifacts.

Chromium (/usr/bin/chromium, or E2E_CHROMIUM) and the `playwright` package are required
in CI (CI=true): without them these tests fail with a message saying what is missing.
Elsewhere they are skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TestDatabase

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "e2e-artifacts"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
DEMO_PASSWORD = "Tremplin-Demo-2026!"
SECRET_KEY = "e2e-secret-key-that-is-long-enough-for-the-tests"


def require(condition: bool, message: str) -> None:
    """Fail in CI, skip elsewhere, when something the e2e tests need is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"e2e: {message}", pytrace=False)
    pytest.skip(f"e2e: {message}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bin(name: str) -> str:
    """A console script of this virtual environment (flask, gunicorn)."""
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else (shutil.which(name) or name)


class Server:
    def __init__(self, base_url: str, database_url: str, env: dict[str, str]):
        self.base_url = base_url
        self.database_url = database_url
        self.env = env


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory) -> Iterator[Server]:
    """The demo market served by gunicorn (2 workers) on 127.0.0.1:<free port>."""
    require(shutil.which("gunicorn") is not None or (Path(sys.executable).parent / "gunicorn").exists(),
            "gunicorn is not installed (pip install -e '.[dev]')")
    base = tmp_path_factory.mktemp("e2e")
    database = TestDatabase(base)
    log_path = base / "gunicorn.log"
    process = None
    try:
        env = {
            **os.environ,
            "DATABASE_URL": database.url,
            "INSTANCE_PATH": str(base / "instance"),
            "SECRET_KEY": SECRET_KEY,
            "TREMPLIN_ENV": "development",
            "FLASK_APP": "wsgi",
        }
        for name in ("REDIS_URL", "MEILI_URL", "SMTP_URL", "STRIPE_SECRET_KEY"):
            env.pop(name, None)  # the embedded defaults: inline jobs, embedded search
        for args in (["db", "upgrade"], ["demo"], ["search", "reindex"]):
            done = subprocess.run([_bin("flask"), "--app", "wsgi", *args], cwd=REPO_ROOT, env=env,
                                  capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [_bin("gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60",
                 "wsgi:app"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn stopped (status {process.returncode}):\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer within 60s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield Server(base_url, database.url, env)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        database.drop()


@pytest.fixture(scope="session")
def base_url(e2e_server) -> str:
    return e2e_server.base_url


@pytest.fixture(scope="session")
def demo_db(e2e_server):
    """A SQLAlchemy engine on the demo database the server uses (read it, never write)."""
    from sqlalchemy import create_engine

    from app.config import normalise_database_url

    engine = create_engine(normalise_database_url("DATABASE_URL", e2e_server.database_url))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the playwright package is not installed (pip install -e '.[dev]')")
    require(Path(CHROMIUM).exists(), f"Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, base_url):
    """A fresh browser context (no cookies) and page, in French as a visitor's would be."""
    context = browser.new_context(base_url=base_url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as e2e-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"signing in as {email} failed"
