"""Sending email: written to the log by default, through SMTP when SMTP_URL is set.

``SMTP_URL`` looks like ``smtp://user:password@host:587`` (STARTTLS when the server
offers it) or ``smtps://user:password@host:465`` (TLS from the start).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app

log = logging.getLogger("tremplin.mail")


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def build(self, sender: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = self.to
        msg["Subject"] = self.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain="tremplin")
        for name, value in self.headers.items():
            msg[name] = value
        msg.set_content(self.text)
        if self.html:
            msg.add_alternative(self.html, subtype="html")
        return msg


class MailError(RuntimeError):
    """The message could not be handed to the mail server; the caller retries later."""


def _send_smtp(url: str, msg: EmailMessage) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port
    try:
        if parts.scheme == "smtps":
            server = smtplib.SMTP_SSL(host, port or 465, timeout=15, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port or 587, timeout=15)
        with server:
            if parts.scheme == "smtp":
                server.ehlo()
                if server.has_extn("starttls"):
                    server.starttls(context=ssl.create_default_context())
                    server.ehlo()
            if parts.username:
                server.login(unquote(parts.username), unquote(parts.password or ""))
            server.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"SMTP delivery to {msg['To']} failed: {exc}") from exc


def send_mail(mail: Mail) -> EmailMessage:
    """Send one message with the configured backend; raise MailError if the server refuses."""
    config = current_app.config
    msg = mail.build(config["MAIL_FROM"])
    if config["MAIL_BACKEND"] == "smtp":
        _send_smtp(config["SMTP_URL"], msg)
    else:
        log.info("email to %s — %s\n%s", mail.to, mail.subject, mail.text)
    return msg
