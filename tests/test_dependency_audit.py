"""The CI's dependency audit (.ci/audit_dependencies.py) fails on a known-vulnerable dependency.

The vulnerability service cannot be reached from the tests, so a local HTTP server plays
PyPI's JSON API (a double of the remote service, with documents shaped like its own).
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "audit_dependencies.py"
spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
audit_dependencies = importlib.util.module_from_spec(spec)
sys.modules.setdefault("audit_dependencies", audit_dependencies)  # dataclasses look their module up
spec.loader.exec_module(audit_dependencies)

ADVISORY = {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-0001"], "fixed_in": ["1.1"], "withdrawn": None}
DOCUMENTS = {
    # Release documents served (as on PyPI itself).
    "/pypi/sound/1.0/json": {"info": {"version": "1.0"}, "vulnerabilities": []},
    "/pypi/leaky/1.0/json": {"info": {"version": "1.0"}, "vulnerabilities": [ADVISORY]},
    "/pypi/retracted/1.0/json": {"info": {"version": "1.0"},
                                 "vulnerabilities": [{**ADVISORY, "withdrawn": "2099-01-02T00:00:00Z"}]},
    # Only project documents served: they describe the newest release.
    "/pypi/newest/json": {"info": {"version": "2.0"}, "vulnerabilities": [ADVISORY]},
    "/pypi/behind/json": {"info": {"version": "3.0"}, "vulnerabilities": []},
}


class FakeIndex(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        document = DOCUMENTS.get(self.path)
        body = json.dumps(document).encode() if document is not None else b"{}"
        self.send_response(200 if document is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def index():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeIndex)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/pypi"
    server.shutdown()
    server.server_close()


def run(index: str, packages: dict[str, str]) -> tuple[int, str]:
    out = io.StringIO()
    status = audit_dependencies.report(audit_dependencies.audit(index, packages, timeout=5), out=out)
    return status, out.getvalue()


def test_a_vulnerable_dependency_fails_the_audit_and_names_the_advisory_and_the_fix(index):
    status, output = run(index, {"sound": "1.0", "leaky": "1.0"})
    assert status == 1
    assert "VULNERABLE leaky 1.0: PYSEC-2099-1, CVE-2099-0001 (fixed in 1.1)" in output
    assert "sound" not in output.split("Dependency audit:")[0]


def test_clean_dependencies_and_withdrawn_advisories_pass(index):
    status, output = run(index, {"sound": "1.0", "retracted": "1.0"})
    assert status == 0
    assert "2 without known vulnerability, 0 vulnerable, 0 not audited" in output


def test_the_newest_release_is_audited_from_the_project_document_and_older_ones_are_listed(index):
    status, output = run(index, {"newest": "2.0", "behind": "2.5", "unknown": "1.0"})
    assert status == 1
    assert "VULNERABLE newest 2.0" in output
    assert "not audited behind 2.5: only the newest release (3.0)" in output
    assert "not audited unknown 1.0: not published on the index" in output


def test_an_unreachable_service_is_reported_and_not_taken_for_a_vulnerability():
    status, output = run("http://127.0.0.1:9/pypi", {"sound": "1.0"})  # nothing listens on port 9
    assert status == 0
    assert "not audited sound 1.0: the service did not answer" in output
    assert "answered for no distribution: nothing was audited" in output
