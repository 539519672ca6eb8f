"""Behind a reverse proxy (TRUSTED_PROXIES), the client's address comes from X-Forwarded-For;
without one, that header is a client's word and is ignored."""

from __future__ import annotations

import pytest
from flask import request

from app import create_app
from app.config import ConfigError, load_config
from tests.conftest import make_config


def _seen_address(application, **headers) -> str:
    @application.get("/__test/address")
    def address():
        return request.remote_addr

    client = application.test_client()
    return client.get("/__test/address", headers=headers,
                      environ_base={"REMOTE_ADDR": "10.0.0.2"}).get_data(as_text=True)


def test_without_trusted_proxies_a_forwarded_address_is_ignored(test_database, tmp_path):
    application = create_app(make_config(test_database, tmp_path))
    assert _seen_address(application, **{"X-Forwarded-For": "203.0.113.9"}) == "10.0.0.2"


def test_behind_one_trusted_proxy_the_client_address_is_the_forwarded_one(test_database, tmp_path):
    application = create_app(make_config(test_database, tmp_path, TRUSTED_PROXIES=1))
    # a client-forged first entry is skipped: only the one the proxy appended counts
    assert _seen_address(application, **{"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}) == "203.0.113.9"


@pytest.mark.parametrize("value", ["-1", "two", "9"])
def test_a_malformed_trusted_proxies_setting_stops_start_up(value):
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_config(environ={"TRUSTED_PROXIES": value})
