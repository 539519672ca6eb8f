"""Fixtures of the alerts tests: a real SMTP server and an app sending to it."""

from __future__ import annotations

import pytest

from tests.notifications.mailbox import serve_mailing_app, serve_smtp


@pytest.fixture()
def smtp():
    yield from serve_smtp()


@pytest.fixture()
def mailing_app(app, test_database, tmp_path, smtp):  # `app` builds the migrated database
    yield from serve_mailing_app(test_database, tmp_path, smtp.url)
