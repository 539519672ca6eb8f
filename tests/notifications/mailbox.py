"""A real SMTP server on loopback (aiosmtpd) and an app that sends its email to it."""

from __future__ import annotations

import re
import socket
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller

from app import create_app
from app.extensions import db
from tests.conftest import _wipe, make_config

PUBLIC_URL = "https://tremplin.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """Keeps every message the server accepts, parsed as a mail client would."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=free_port())

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    def __enter__(self) -> Mailbox:
        self.controller.start()
        return self.mailbox

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def mail_app(test_database, tmp_path, smtp_url: str, **extra):
    """An app sending through ``smtp_url``, links on PUBLIC_URL, CSRF on as in production."""
    config = {"SMTP_URL": smtp_url, "PUBLIC_URL": PUBLIC_URL, "WTF_CSRF_ENABLED": True, **extra}
    application = create_app(make_config(test_database, tmp_path, **config))
    _wipe(application)
    return application


def dispose(application) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a message."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)



# Fixture bodies: tests/alerts/conftest.py and the email test modules wrap them.


def serve_smtp():
    """Yield the mailbox of a running server (its ``url`` set), stop it afterwards."""
    server = SmtpServer()
    with server as mailbox:
        mailbox.url = server.url
        yield mailbox


def serve_mailing_app(test_database, tmp_path, smtp_url: str):
    application = mail_app(test_database, tmp_path, smtp_url)
    yield application
    dispose(application)
