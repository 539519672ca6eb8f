"""Accessibility: axe-core (from npm, see package.json) finds no serious or critical
violation on the main pages, for a visitor and for the demo startup."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.e2e.conftest import IN_CI, REPO_ROOT, shot, sign_in

AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}

ANONYMOUS_PAGES = {
    "home": "/",
    "needs-search": "/needs?skip=1",
    "need": "/needs/{public_need}",
    "commitment": "/commitment/public",
    "open-data": "/open-data/",
    "login": "/login",
    "register": "/register",
}
STARTUP_PAGES = {
    "dashboard": "/",
    "notifications": "/alerts/",
    "saved-searches": "/alerts/searches",
}


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        message = "axe-core is missing: run `npm ci` at the repository root (node_modules/axe-core)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def public_need(demo_db) -> str:
    with demo_db.connect() as conn:
        return conn.execute(text(
            "SELECT reference FROM needs WHERE visibility = 'public' AND status = 'published' "
            "ORDER BY id LIMIT 1")).scalar_one()


def blocking_violations(page, axe_source: str) -> list[str]:
    # Evaluated through the DevTools protocol: the pages' Content-Security-Policy forbids an
    # inline <script>, and rightly so; the check must not weaken it.
    page.evaluate(axe_source)
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(json.dumps(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def check(page, axe_source: str, name: str, path: str) -> None:
    response = page.goto(path)
    assert response.status == 200, f"{path}: status {response.status}"
    shot(page, f"a11y-{name}")
    violations = blocking_violations(page, axe_source)
    assert not violations, f"{path}:\n" + "\n".join(violations)


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_anonymous_pages_have_no_serious_violation(page, axe_source, public_need, name):
    check(page, axe_source, f"anonymous-{name}", ANONYMOUS_PAGES[name].format(public_need=public_need))


@pytest.mark.parametrize("name", STARTUP_PAGES)
def test_startup_pages_have_no_serious_violation(page, axe_source, name):
    sign_in(page, "startup@demo.tremplin.fr")
    check(page, axe_source, f"startup-{name}", STARTUP_PAGES[name])
