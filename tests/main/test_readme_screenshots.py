"""The README links a screenshot of each role's main pages, and every linked file exists."""

from __future__ import annotations

import re

from tests.e2e.conftest import REPO_ROOT
from tests.e2e.test_role_pages import PAGES


def test_the_readme_links_an_existing_screenshot_for_every_main_page_of_every_role():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((docs/screenshots/[\w.-]+)\)", readme))
    assert linked, "the README links no screenshot"
    missing = sorted(path for path in linked if not (REPO_ROOT / path).is_file())
    assert not missing, f"linked but absent: {missing}"
    expected = {f"docs/screenshots/{role}-{name}.jpg" for role, name, _ in PAGES}
    assert linked == expected, {"not linked": sorted(expected - linked), "not taken": sorted(linked - expected)}
