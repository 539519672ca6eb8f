"""Dependency audit: fail when an installed distribution has a known vulnerability.

Run with the project's interpreter (``.venv/bin/python .ci/audit_dependencies.py``): it
audits every distribution installed in that environment against the advisories PyPI
publishes in its JSON API (the same source as ``pip-audit``'s default service, which
gathers the Python advisory database and OSV).

For each distribution it asks the release's own document
(``/pypi/<name>/<version>/json``), whose ``vulnerabilities`` list is what ``pip-audit``
reads. Where that document is not served, the project's document
(``/pypi/<name>/json``) is used when the installed version is the newest release: its
``vulnerabilities`` then describe exactly that version. Any other distribution is
listed as not audited, with the reason.

Exit status: 1 when a known vulnerability affects an installed version (each is printed
with its identifiers and the versions that fix it); 0 otherwise. When the service does
not answer at all, the audit says so loudly and exits 0: a network outage must not be
mistaken for a vulnerable dependency, nor hide one (it is printed as « not audited »).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata

DEFAULT_INDEX = "https://pypi.org/pypi"


@dataclass
class Finding:
    name: str
    version: str
    status: str  # "clean", "vulnerable", "not_audited"
    reason: str = ""
    vulnerabilities: list[dict] = field(default_factory=list)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed() -> dict[str, str]:
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and canonical(name) != "tremplin":  # the project itself is not on PyPI
            found[canonical(name)] = dist.version
    return found


def fetch(url: str, timeout: float) -> dict | None:
    """The JSON document at ``url``, or None when it is not served (404)."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def live(vulnerabilities: list[dict] | None) -> list[dict]:
    return [v for v in vulnerabilities or [] if not v.get("withdrawn")]


def audit_one(index: str, name: str, version: str, timeout: float) -> Finding:
    try:
        release = fetch(f"{index}/{name}/{version}/json", timeout)
        if release is not None:
            vulnerabilities = live(release.get("vulnerabilities"))
            return Finding(name, version, "vulnerable" if vulnerabilities else "clean", "release document",
                           vulnerabilities)
        project = fetch(f"{index}/{name}/json", timeout)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        return Finding(name, version, "not_audited", f"the service did not answer ({exc.__class__.__name__})")
    if project is None:
        return Finding(name, version, "not_audited", "not published on the index")
    newest = str(project.get("info", {}).get("version", ""))
    if newest != version:
        return Finding(name, version, "not_audited",
                       f"only the newest release ({newest}) can be checked where release documents are not served")
    vulnerabilities = live(project.get("vulnerabilities"))
    return Finding(name, version, "vulnerable" if vulnerabilities else "clean", "project document, newest release",
                   vulnerabilities)


def audit(index: str, packages: dict[str, str], *, timeout: float = 20.0, workers: int = 8) -> list[Finding]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(audit_one, index.rstrip("/"), name, version, timeout)
                   for name, version in sorted(packages.items())]
        return [future.result() for future in futures]


def report(findings: list[Finding], out=sys.stdout) -> int:
    vulnerable = [f for f in findings if f.status == "vulnerable"]
    clean = [f for f in findings if f.status == "clean"]
    unaudited = [f for f in findings if f.status == "not_audited"]
    for finding in vulnerable:
        for vuln in finding.vulnerabilities:
            ids = ", ".join([vuln.get("id", "?"), *vuln.get("aliases", [])])
            fixed = ", ".join(vuln.get("fixed_in") or []) or "no fixed version yet"
            print(f"VULNERABLE {finding.name} {finding.version}: {ids} (fixed in {fixed})", file=out)
    for finding in unaudited:
        print(f"not audited {finding.name} {finding.version}: {finding.reason}", file=out)
    print(f"Dependency audit: {len(findings)} distributions, {len(clean)} without known vulnerability, "
          f"{len(vulnerable)} vulnerable, {len(unaudited)} not audited.", file=out)
    if findings and len(unaudited) == len(findings):
        print("WARNING: the vulnerability service answered for no distribution: nothing was audited.", file=out)
    return 1 if vulnerable else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=DEFAULT_INDEX, help="base of the JSON API (default: PyPI's)")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args(argv)
    return report(audit(args.index, installed(), timeout=args.timeout))


if __name__ == "__main__":
    sys.exit(main())
