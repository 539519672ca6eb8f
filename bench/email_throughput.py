"""Email throughput on this machine: the app's sending path against raw smtplib.

    .venv/bin/python bench/email_throughput.py                   # 2 000 messages, SQLite
    .venv/bin/python bench/email_throughput.py -n 500            # fewer
    .venv/bin/python bench/email_throughput.py --database-url postgresql://postgres@127.0.0.1:5432/bench

What it does, in one run:

1. starts an SMTP server (aiosmtpd) on loopback, in this process, that accepts and
   counts messages;
2. builds an app on a fresh database (migrations; a temporary SQLite file by default,
   or an existing empty PostgreSQL database), with ``SMTP_URL`` pointing at that server;
3. renders one real notification email (French, text + HTML, as
   notifications.emails.build_notification_email writes it) and stores N copies to N
   addresses with notifications.outgoing.queue_mail (one OutgoingEmail row and one
   outbox event each), relay switched off so that nothing is sent yet; prints rows/s;
4. sends them with notifications.outgoing.send_outgoing, one commit per message as the
   outbox handler does, and one SMTP connection per message as the code does;
5. builds the same N messages with Mail.build (timed alone: the email package's header
   and MIME work, which send_outgoing does for each message), then sends these prebuilt
   messages with raw smtplib over one reused connection (the baseline), and with one
   connection per message without the database (which separates the connection cost
   from the database cost).

Figures only: nothing is asserted. The server runs in the same process, so part of
each figure is the server's own work; the comparison between lines is what matters.
"""

from __future__ import annotations

import argparse
import logging
import smtplib
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402


class CountingHandler:
    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            self.count += 1
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:8.0f} messages/s  ({count} in {seconds:.2f} s, {seconds / count * 1000:.2f} ms each)"


def build_app(folder: Path, database_url: str | None, smtp_url: str):
    from flask_migrate import upgrade

    from app import create_app
    from app.events import set_dispatcher

    app = create_app({
        "TREMPLIN_ENV": "testing", "SECRET_KEY": "bench-secret-key-long-enough-for-the-checks",
        "DATABASE_URL": database_url or f"sqlite:///{folder / 'app.sqlite3'}",
        "INSTANCE_PATH": str(folder / "instance"), "SEARCH_PATH": str(folder / "search"),
        "SMTP_URL": smtp_url, "PUBLIC_URL": "https://tremplin.example", "SERVER_NAME": None,
        "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    })
    set_dispatcher(app, lambda ids: None)  # events stay pending: the bench sends by itself
    with app.app_context():
        logging.disable(logging.INFO)  # the migrations' progress lines
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
    return app


def one_notification():
    """A supplier invited to bid on a need: the notification whose email is sent N times."""
    from datetime import timedelta

    from stdnum import luhn

    from app.accounts.services import register_organisation
    from app.alerts.models import Notification
    from app.alerts.services import notify
    from app.db import utcnow
    from app.extensions import db
    from app.needs.models import Need, NeedStatus

    def siren(body: str) -> str:
        return body + luhn.calc_check_digit(body)

    buyer = register_organisation(name="Ministère du Banc d'Essai", kind="administration", country="FR",
                                  siren=siren("13002526"), email="achats@bench.example", password="Bench-Password-42",
                                  full_name="Acheteuse Publique").organisation
    supplier = register_organisation(name="Quantix", kind="startup", country="FR", siren=siren("55210055"),
                                     email="lea@bench.example", password="Bench-Password-42",
                                     full_name="Léa Martin").user
    now = utcnow()
    need = Need(reference="TRP-BENCH-0001", buyer_id=buyer.id, title="Assistant conversationnel souverain",
                summary="Un assistant pour les agents", description="…", budget_min_cents=15_000_000,
                budget_max_cents=40_000_000, route="public", deadline_at=now + timedelta(days=20),
                status=NeedStatus.PUBLISHED, published_at=now)
    db.session.add(need)
    db.session.flush()
    [notification_id] = notify([supplier.id], "need_invitation", need_id=need.id, params={
        "need_title": need.title, "need_reference": need.reference, "buyer": buyer.name})
    db.session.commit()
    return db.session.get(Notification, notification_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=2000, help="messages to send (default 2000)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a temporary SQLite file)")
    args = parser.parse_args()
    n = args.count

    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    smtp_url = f"smtp://127.0.0.1:{controller.port}"
    try:
        with tempfile.TemporaryDirectory(prefix="tremplin-email-bench-") as tmp:
            run(build_app(Path(tmp), args.database_url, smtp_url), handler, controller.port, n)
    finally:
        controller.stop()


def run(app, handler: CountingHandler, port: int, n: int) -> None:
    from sqlalchemy import select

    from app.alerts.models import EmailStatus, OutgoingEmail
    from app.extensions import db
    from notifications.email import Mail
    from notifications.emails import build_notification_email
    from notifications.outgoing import queue_mail, send_outgoing

    print(f"Email throughput — {n} messages, database {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, "
          f"SMTP server on 127.0.0.1:{port} (aiosmtpd, same process)")
    with app.app_context():
        notification = one_notification()
        start = time.perf_counter()
        ids = []
        for i in range(n):
            mail = build_notification_email(notification)
            mail.to = f"supplier{i}@bench.example"
            ids.append(queue_mail(mail, dedup_key=f"bench:{i}", user_id=notification.user_id))
        db.session.commit()
        elapsed = time.perf_counter() - start
        print(f"  render + queue_mail (row + outbox event)      {rate(n, elapsed)}")
        sample = db.session.get(OutgoingEmail, ids[0])
        print(f"    one message: {len(sample.text_body)} chars of text, {len(sample.html_body)} chars of HTML")

        start = time.perf_counter()
        for email_id in ids:
            send_outgoing(email_id)
            db.session.commit()  # as the outbox handler's transaction does
        elapsed = time.perf_counter() - start
        sent = db.session.scalars(select(OutgoingEmail.id).where(OutgoingEmail.status == EmailStatus.SENT)).all()
        assert len(sent) == n and handler.count == n, (len(sent), handler.count)
        print(f"  send_outgoing, 1 connection + 1 commit each   {rate(n, elapsed)}")

        sender = app.config["MAIL_FROM"]
        mails = [Mail(to=e.to_address, subject=e.subject, text=e.text_body, html=e.html_body,
                      headers=dict(e.headers))
                 for e in db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id))]
    start = time.perf_counter()
    messages = [mail.build(sender) for mail in mails]
    elapsed = time.perf_counter() - start
    print(f"  Mail.build alone (part of send_outgoing)      {rate(n, elapsed)}")

    before = handler.count
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=15) as server:
        server.ehlo()
        for msg in messages:
            server.send_message(msg)
    elapsed = time.perf_counter() - start
    assert handler.count - before == n
    print(f"  raw smtplib, 1 reused connection (baseline)    {rate(n, elapsed)}")

    before = handler.count
    start = time.perf_counter()
    for msg in messages:
        with smtplib.SMTP("127.0.0.1", port, timeout=15) as server:
            server.ehlo()
            server.send_message(msg)
    elapsed = time.perf_counter() - start
    assert handler.count - before == n
    print(f"  raw smtplib, 1 connection each, no database    {rate(n, elapsed)}")


if __name__ == "__main__":
    main()
