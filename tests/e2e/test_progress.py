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


def test_the_progress_page_follows_a_running_operation_then_shows_its_result(browser, app, client):
    """The page's own script polls the status every second, moves the bar and the live sentence,
    and reloads once the operation is finished. No server: the app's answers for each moment
    (the page running, three polls, the page finished) are taken from the test client first,
    then served to the browser in that order."""
    from app.extensions import db
    from app.operations.models import Operation, OperationKind, OperationStatus
    from tests.factories import login, make_org

    with app.app_context():
        organisation, user = make_org("corporate")
        operation = Operation(kind=OperationKind.NEEDS_IMPORT, owner_id=user.id, organisation_id=organisation.id,
                              status=OperationStatus.RUNNING, done=0, total=120, message="Checking the rows",
                              params={"filename": "export.csv"})
        db.session.add(operation)
        db.session.commit()
        operation_id, email = operation.id, user.email
    login(client, email)
    page_path, status_path = f"/operations/{operation_id}?lang=en", f"/operations/{operation_id}/status.json"

    def advance(**values) -> None:
        with app.app_context():
            found = db.session.get(Operation, operation_id)
            for name, value in values.items():
                setattr(found, name, value)
            db.session.commit()

    running_page = client.get(page_path).get_data()
    script = client.get("/static/js/operations.js").get_data()
    statuses = []
    advance(done=30)
    statuses.append(client.get(status_path + "?lang=en").get_data())
    advance(done=90)
    statuses.append(client.get(status_path + "?lang=en").get_data())
    advance(status=OperationStatus.DONE, done=120, message=None, result={"report": {
        "counts": {"rows": 120, "valid": 120, "invalid": 0, "imported": 0}, "dry_run": True, "errors": [],
        "imported": [], "mode": "all_or_nothing"}})
    statuses.append(client.get(status_path + "?lang=en").get_data())
    finished_page = client.get(page_path).get_data()
    pages = [running_page, finished_page]
    polls = []

    def serve(route):
        path = route.request.url.removeprefix("http://tremplin.test")
        if path.startswith(status_path):
            polls.append(path)
            route.fulfill(body=statuses.pop(0) if len(statuses) > 1 else statuses[0],
                          content_type="application/json")
        elif path.startswith(f"/operations/{operation_id}"):
            route.fulfill(body=pages.pop(0) if len(pages) > 1 else pages[0], content_type="text/html; charset=utf-8")
        elif path.startswith("/static/js/operations.js"):
            route.fulfill(body=script, content_type="text/javascript")
        else:
            route.fulfill(status=404, body=b"")

    context = browser.new_context(locale="en-GB")
    try:
        page = context.new_page()
        page.route("http://tremplin.test/**", serve)
        page.goto(f"http://tremplin.test{page_path}")
        bar, words = page.locator("progress#operation-bar"), page.locator("[role=status]").first
        assert bar.get_attribute("value") == "0" and bar.get_attribute("max") == "120"
        page.wait_for_function("document.querySelector('#operation-bar').value === 30")
        assert words.inner_text() == "Checking the rows: 30 of 120 (25%)."
        page.wait_for_function("document.querySelector('#operation-bar').value === 90")
        assert "90 of 120" in words.inner_text()
        page.locator("section.import-report").wait_for()  # reloaded: the result is shown
        assert page.locator("[role=status]").first.inner_text() == (
            "Finished: 120 rows checked, 120 valid; nothing imported.")
        assert page.locator("progress#operation-bar").get_attribute("value") == "120"
        assert len(polls) == 3
        shot(page, "progress-running-then-done")
    finally:
        context.close()
