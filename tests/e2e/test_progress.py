"""A buyer imports a large CSV export: the import runs as an operation and its progress page
reaches « done » with the per-row report (inline jobs: it is finished when the page opens)."""

from __future__ import annotations

import re
import secrets

from tests.e2e.conftest import shot, sign_in
from tests.e2e.test_accessibility import AXE, blocking_violations

ROWS = 60  # more than the page imports at once: it goes through an operation


def export_file(rows: int) -> bytes:
    prefix = f"E2E-{secrets.token_hex(3)}"
    lines = ["external_id;title;summary;description;categories;budget_min_eur;budget_max_eur;deadline;"
             "reuse_checked;reuse_note;off_the_shelf_sought"]
    for n in range(1, rows + 1):
        lines.append(f"{prefix}-{n};Besoin importé {n};Un résumé;Une description;ai.llm;150 000;300 000;"
                     "2099-06-30T12:00;x;Rien de réutilisable;oui")
    return ("\n".join(lines) + "\n").encode()


def test_a_buyer_imports_a_large_file_and_follows_it_to_the_report(page):
    sign_in(page, "buyer@demo.tremplin.fr")
    page.goto("/needs/import")
    page.set_input_files("input[name=file]", files=[
        {"name": "export-achats.csv", "mimeType": "text/csv", "buffer": export_file(ROWS)}])
    page.locator("form[enctype='multipart/form-data'] [type=submit]").click()
    page.wait_for_url(re.compile(r"/operations/\d+$"))

    bar = page.locator("progress#operation-bar")
    bar.wait_for()
    assert bar.get_attribute("max") == str(ROWS) and bar.get_attribute("value") == str(ROWS)
    status = page.locator("[role=status]").first
    assert str(ROWS) in status.inner_text()
    report = page.locator("section.import-report")
    assert report.is_visible()
    assert report.locator("tbody tr").count() == ROWS  # one line per imported need, with its reference
    assert report.locator("a[href*='/needs/TRP-']").count() == ROWS
    shot(page, "progress-import")
    if AXE.exists():  # axe-core from npm (CI installs it)
        assert blocking_violations(page, AXE.read_text(encoding="utf-8")) == []
