"""Running requests from many threads at the same moment, each with its own test client.

Each thread has its own client, so its own app context and database session (its own
connection and transaction): as many browsers or API clients as threads. A barrier
releases them together once every one is ready.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from tests.conftest import PG_URL, _wipe
from tests.factories import login

THREADS = 16  # the app's pool gives 15 connections: one request at least waits for another's
RACERS = 12  # requests held together inside the service (see gate): each holds a connection meanwhile
JOIN_TIMEOUT = 120  # seconds: a thread still running then is a deadlock, reported as such
SKIP_REASON = ("needs TEST_DATABASE_URL (PostgreSQL): concurrent transactions on separate connections; "
               "SQLite writes one transaction at a time")


@dataclass
class Answer:
    """What one request got back."""

    status: int
    text: str  # the body with HTML entities decoded
    location: str | None
    json: dict | list | None


def answer(response) -> Answer:
    return Answer(response.status_code, html.unescape(response.get_data(as_text=True)),
                  response.headers.get("Location"), response.get_json(silent=True))


def together(requests: list[Callable[[], object]]) -> list[Answer]:
    """Run each request in a thread of its own, all released at once; their answers in order.

    An exception in a request (a 500 in production) fails the test with its traceback.
    """
    barrier = threading.Barrier(len(requests))
    answers: list[Answer | None] = [None] * len(requests)
    errors: list[BaseException] = []

    def run(index: int, request: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            answers[index] = answer(request())
        except BaseException as exc:  # noqa: BLE001 - handed to the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=pair, daemon=True) for pair in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "requests still running: a deadlock?"
    if errors:
        raise errors[0]
    return answers  # type: ignore[return-value]


def gate(monkeypatch, module, name: str, parties: int) -> None:
    """Hold ``parties`` requests at ``module.name`` until all of them got there, then let them
    go on together: each has read what it reads before that call and none has written yet,
    the worst timing for a lost update, made certain instead of likely."""
    real = getattr(module, name)
    barrier = threading.Barrier(parties)

    def gated(*args, **kwargs):
        barrier.wait(timeout=JOIN_TIMEOUT)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, gated)


def signed_in(app: Flask, email: str):
    """A browser of its own, signed in as ``email``."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def fresh(app: Flask) -> None:
    _wipe(app)


def hidden_value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', page) or \
        re.search(rf'<input[^>]*value="([^"]*)"[^>]*name="{re.escape(name)}"', page)
    assert found, f"no hidden field {name}"
    return found.group(1)


__all__ = ["PG_URL", "RACERS", "SKIP_REASON", "THREADS", "Answer", "fresh", "gate", "hidden_value", "signed_in",
           "together"]
