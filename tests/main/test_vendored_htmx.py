"""htmx ships with the app: app/static/vendor/htmx holds an unmodified copy of the npm
package's dist file, at the version package.json pins, and every page loads it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
VENDOR = REPO_ROOT / "app" / "static" / "vendor" / "htmx"
PACKAGE = REPO_ROOT / "node_modules" / "htmx.org"


def pinned_version() -> str:
    return json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]["htmx.org"]


def readme_version() -> str:
    found = re.search(r"^- Version: (\S+)$", (VENDOR / "README.md").read_text(encoding="utf-8"), re.MULTILINE)
    assert found, "the vendored README names no version"
    return found.group(1)


def test_package_json_pins_the_version_the_vendored_readme_names():
    assert re.fullmatch(r"2\.0\.\d+", pinned_version()), "pin an exact 2.0.x version of htmx.org"
    assert pinned_version() == readme_version()


def test_the_vendored_copy_is_that_version_with_its_licence():
    source = (VENDOR / "htmx.min.js").read_text(encoding="utf-8")
    assert f'version:"{readme_version()}"' in source
    assert "Zero-Clause BSD" in (VENDOR / "LICENSE").read_text(encoding="utf-8")


def test_the_vendored_copy_is_the_npm_package_dist_file():
    if not (PACKAGE / "dist" / "htmx.min.js").exists():
        pytest.skip("node_modules/htmx.org is not installed (npm ci)")
    installed = json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]
    assert installed == pinned_version(), "node_modules is stale: run npm ci"
    assert (VENDOR / "htmx.min.js").read_bytes() == (PACKAGE / "dist" / "htmx.min.js").read_bytes()
    assert (VENDOR / "LICENSE").read_bytes() == (PACKAGE / "LICENSE").read_bytes()


def test_pages_load_the_served_copy_without_inline_script(client):
    page = client.get("/").get_data(as_text=True)
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in page
    assert '<meta name="htmx-config"' in page
    assert "<script>" not in page and " hx-on" not in page and " onclick" not in page
    served = client.get("/static/vendor/htmx/htmx.min.js")
    assert served.status_code == 200
    assert served.data == (VENDOR / "htmx.min.js").read_bytes()
