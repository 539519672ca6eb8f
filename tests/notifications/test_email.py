"""Email goes to the log by default and through a real SMTP server when configured."""

from __future__ import annotations

import logging
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from app import create_app
from notifications.email import Mail, MailError, send_mail
from tests.conftest import make_config


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_without_smtp_the_mail_is_written_to_the_log(app, caplog):
    with app.app_context(), caplog.at_level(logging.INFO, logger="tremplin.mail"):
        send_mail(Mail(to="lea@quantix.fr", subject="Bienvenue", text="Votre compte est créé."))
    assert "lea@quantix.fr" in caplog.text and "Votre compte est créé." in caplog.text


def test_with_smtp_url_the_mail_reaches_the_server(test_database, tmp_path, smtp_server):
    controller, inbox = smtp_server
    application = create_app(make_config(test_database, tmp_path, SMTP_URL=f"smtp://127.0.0.1:{controller.port}"))
    with application.app_context():
        send_mail(Mail(to="lea@quantix.fr", subject="Nouveau besoin", text="Un besoin vous correspond.",
                       html="<p>Un besoin vous correspond.</p>"))
    assert len(inbox.messages) == 1
    received = inbox.messages[0]
    assert received["To"] == "lea@quantix.fr" and received["Subject"] == "Nouveau besoin"
    assert received.is_multipart()  # plain text and HTML


def test_a_refusing_server_raises_a_mail_error(test_database, tmp_path):
    application = create_app(make_config(test_database, tmp_path, SMTP_URL=f"smtp://127.0.0.1:{free_port()}"))
    with application.app_context(), pytest.raises(MailError):
        send_mail(Mail(to="lea@quantix.fr", subject="x", text="y"))
