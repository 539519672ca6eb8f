"""Contracting processes are identified under the prefix the operator registered."""

from __future__ import annotations

from app import create_app
from app.extensions import db
from tests.conftest import make_config
from tests.factories import make_need, make_org
from tests.opendata.builders import parse


def test_the_ocid_prefix_comes_from_the_configuration(client, test_database, tmp_path, ocds):
    with client.application.app_context():
        buyer, _u = make_org("administration")
        reference = make_need(buyer).reference
        db.session.remove()
    other = create_app(make_config(test_database, tmp_path, OCDS_OCID_PREFIX="ocds-b5x7q2"))
    try:
        package = parse(other.test_client().get(f"/open-data/ocds/{reference}.json"))
        ocds.check_record_package(package)
        record = package["records"][0]
        assert record["ocid"] == f"ocds-b5x7q2-{reference}"
        assert all(r["ocid"] == record["ocid"] and r["id"].startswith(record["ocid"]) for r in record["releases"])
        assert "ocds-tremplin" not in other.test_client().get("/open-data/ocds/releases.json").get_data(as_text=True)
    finally:
        with other.app_context():
            db.engine.dispose()
