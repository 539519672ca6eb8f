"""Each role's main pages, in a real browser: they answer, show their heading, have no
serious or critical accessibility violation (axe-core), and are photographed.

The screenshots go to e2e-artifacts/ like every e2e screenshot. With
E2E_SCREENSHOTS_DIR set, a viewport-sized JPEG of each page is also written there: that
is how the README's screenshots (docs/screenshots/) are refreshed:

    E2E_SCREENSHOTS_DIR=docs/screenshots CI=true .venv/bin/pytest tests/e2e/test_role_pages.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.e2e.conftest import REPO_ROOT, shot, sign_in
from tests.e2e.test_accessibility import axe_source, blocking_violations  # noqa: F401 (fixture)

SCREENSHOTS_DIR = os.environ.get("E2E_SCREENSHOTS_DIR", "").strip()

# role → (email or None for a visitor, [(name, path template)]). Path templates may name
# {public_need} (a published public need) and {buyer_need} (a need of the demo buyer's
# organisation that has received bids).
ROLES: dict[str, tuple[str | None, list[tuple[str, str]]]] = {
    "visitor": (None, [
        ("home", "/"),
        ("needs-search", "/needs"),
        ("need", "/needs/{public_need}"),
        ("suppliers", "/suppliers"),
        ("commitment", "/commitment/public"),
    ]),
    "startup": ("startup@demo.tremplin.fr", [
        ("home", "/"),
        ("needs-search", "/needs"),
        ("need", "/needs/{public_need}"),
        ("bids", "/bids"),
        ("saved-searches", "/alerts/searches"),
        ("notifications", "/alerts/"),
        ("profile", "/supplier/profile"),
        ("solutions", "/supplier/solutions"),
        ("analytics", "/analytics"),
        ("billing", "/organisation/billing"),
    ]),
    "buyer": ("buyer@demo.tremplin.fr", [
        ("home", "/"),
        ("needs", "/needs/mine"),
        ("new-need", "/needs/new"),
        ("need", "/needs/{buyer_need}"),
        ("bids-received", "/needs/{buyer_need}/bids"),
        ("suppliers", "/suppliers"),
    ]),
    "ambassador": ("ambassador@demo.tremplin.fr", [
        ("home", "/"),
    ]),
    "alliance": ("alliance@demo.tremplin.fr", [
        ("home", "/"),
        ("commitment", "/commitment/"),
        ("purchases", "/commitment/purchases"),
        ("declare", "/commitment/purchases/new"),
    ]),
    "operator": ("operator@demo.tremplin.fr", [
        ("home", "/"),
        ("organisations", "/operator/organisations"),
        ("purchases-queue", "/commitment/operator/purchases"),
        ("commitment", "/commitment/"),
        ("jobs", "/operator/jobs"),
    ]),
}

PAGES = [(role, name, path) for role, (_, pages) in ROLES.items() for name, path in pages]


@pytest.fixture(scope="module")
def references(demo_db) -> dict[str, str]:
    with demo_db.connect() as conn:
        public_need = conn.execute(text(
            "SELECT reference FROM needs WHERE visibility = 'public' AND status = 'published' "
            "ORDER BY id LIMIT 1")).scalar_one()
        buyer_need = conn.execute(text(
            "SELECT n.reference FROM needs n "
            "JOIN memberships m ON m.organisation_id = n.buyer_id "
            "JOIN users u ON u.id = m.user_id "
            "WHERE u.email = 'buyer@demo.tremplin.fr' "
            "AND EXISTS (SELECT 1 FROM bids b WHERE b.need_id = n.id) "
            "ORDER BY n.id LIMIT 1")).scalar_one()
    return {"public_need": public_need, "buyer_need": buyer_need}


def _screenshot_for_readme(page, role: str, name: str) -> None:
    if not SCREENSHOTS_DIR:
        return
    folder = Path(SCREENSHOTS_DIR)
    if not folder.is_absolute():
        folder = REPO_ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{role}-{name}.jpg"), type="jpeg", quality=70, full_page=False)


@pytest.mark.parametrize(("role", "name", "path"), PAGES, ids=[f"{r}-{n}" for r, n, _ in PAGES])
def test_main_page_of_each_role(page, axe_source, references, role, name, path):  # noqa: F811
    email = ROLES[role][0]
    if email:
        sign_in(page, email)
    url = path.format(**references)
    refused = []  # what the Content-Security-Policy blocked: nothing, on our own pages
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    response = page.goto(url)
    assert response.status == 200, f"{role} {url}: status {response.status}"
    heading = page.locator("main h1").first
    assert heading.is_visible(), f"{role} {url}: no visible main heading"
    assert heading.inner_text().strip(), f"{role} {url}: empty main heading"
    assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", "")
    shot(page, f"role-{role}-{name}")
    _screenshot_for_readme(page, role, name)
    violations = blocking_violations(page, axe_source)
    assert not violations, f"{role} {url}:\n" + "\n".join(violations)
    assert not refused, f"{role} {url}: the Content-Security-Policy refused: {refused}"
