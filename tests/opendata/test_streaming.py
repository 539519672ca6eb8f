"""The packages are streamed: written batch by batch as the needs are read, never built whole."""

from __future__ import annotations

import json
from datetime import timedelta

from app.db import utcnow
from app.extensions import db
from app.opendata.export import PackageStream, Settings
from tests.factories import make_need, make_org
from tests.opendata.builders import award, parse


def _needs(app, count: int, **kwargs) -> list[str]:
    with app.app_context():
        buyer, _u = make_org("administration")
        refs = [make_need(buyer, **kwargs).reference for _ in range(count)]
        db.session.remove()
    return refs


def test_the_packages_are_streamed_responses_of_json(client, ocds):
    refs = _needs(client.application, 3)
    for kind in ("releases", "records"):
        response = client.get(f"/open-data/ocds/{kind}.json")
        assert response.is_streamed
        assert response.mimetype == "application/json"
        assert response.headers["Content-Disposition"] == f'inline; filename="{kind}.json"'
        package = parse(response)
        assert package["version"] == "1.1" and package["uri"].endswith(f"/open-data/ocds/{kind}.json")
        assert len(package[kind]) == len(refs)
        getattr(ocds, f"check_{kind[:-1]}_package")(package)


def test_needs_are_read_and_written_batch_by_batch(app_ctx, ocds):
    refs = _needs(app_ctx, 5)
    stream = PackageStream("releases", Settings.of_app(), batch_size=2)
    chunks = list(stream)
    # the opening, one chunk per batch of two needs (2 + 2 + 1), the closing
    assert len(chunks) == 1 + 3 + 1
    assert chunks[0].startswith('{"uri":') and chunks[0].endswith('"releases":[') and chunks[-1] == "]}"
    package = json.loads("".join(chunks))
    ocds.check_release_package(package)
    assert [r["tender"]["id"] for r in package["releases"]] == refs
    assert stream.count == 5
    whole = json.loads("".join(PackageStream("releases", Settings.of_app(), now=stream.now)))
    assert whole == package  # batch size changes nothing to the result


def test_since_keeps_what_happened_on_or_after_that_day(client, ocds):
    old = _needs(client.application, 1)[0]  # published 40 days ago by the factory
    with client.application.app_context():
        buyer, _u = make_org("corporate")
        winner, _w = make_org("startup")
        recent = make_need(buyer)
        recent.published_at = utcnow() - timedelta(days=2)
        awarded_old = make_need(buyer, status="closed")  # published long ago, awarded yesterday
        award(awarded_old, winner, days_ago=1)
        refs = recent.reference, awarded_old.reference
        db.session.commit()
        db.session.remove()
    since = (utcnow() - timedelta(days=5)).date().isoformat()
    releases = parse(client.get(f"/open-data/ocds/releases.json?since={since}"))
    ocds.check_release_package(releases)
    assert releases["uri"].endswith(f"/open-data/ocds/releases.json?since={since}")
    assert sorted((r["tender"]["id"], r["tag"][0]) for r in releases["releases"]) == sorted(
        [(refs[0], "tender"), (refs[1], "tenderUpdate")])
    records = parse(client.get(f"/open-data/ocds/records.json?since={since}"))
    ocds.check_record_package(records)
    assert sorted(r["compiledRelease"]["tender"]["id"] for r in records["records"]) == sorted(refs)
    whole = next(r for r in records["records"] if r["compiledRelease"]["tender"]["id"] == refs[1])
    assert len(whole["releases"]) == 2  # a record keeps the whole history of its need
    assert old not in client.get(f"/open-data/ocds/records.json?since={since}").get_data(as_text=True)


def test_a_malformed_since_is_refused_with_a_clear_problem(client):
    for bad in ("yesterday", "2026-13-01", "2026-1-5", "2026-W01-1"):
        response = client.get(f"/open-data/ocds/releases.json?since={bad}")
        assert response.status_code == 400
        assert response.mimetype == "application/problem+json"
        assert "YYYY-MM-DD" in response.get_json()["detail"]


def test_the_cli_streams_a_package_to_a_file(app, client, tmp_path, ocds):
    refs = _needs(client.application, 2)
    runner = app.test_cli_runner()
    target = tmp_path / "releases.json"
    result = runner.invoke(args=["opendata", "export", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "2 releases written" in result.output
    package = json.loads(target.read_text(encoding="utf-8"))
    ocds.check_release_package(package)
    assert sorted(r["tender"]["id"] for r in package["releases"]) == sorted(refs)

    result = runner.invoke(args=["opendata", "export", "--records", "-o", str(tmp_path / "records.json")])
    assert result.exit_code == 0, result.output
    ocds.check_record_package(json.loads((tmp_path / "records.json").read_text(encoding="utf-8")))
