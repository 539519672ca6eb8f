"""The mail server refusing, seen from the people who cause the emails.

tests/notifications/test_rq_jobs.py already shows a server answering 451 to a message, then
accepting it, through a real RQ worker. What this adds: the two other ways a mail server
fails — nothing listening (connection refused) and a server that answers its greeting with
421 (service not available) — met during people's own requests, with the embedded relay
(no Redis) that sends right after the request's commit: their pages are not affected, the
emails wait, and each is sent once when the server accepts.
"""

from __future__ import annotations

import socketserver
import threading
from contextlib import contextmanager

from aiosmtpd.controller import Controller
from sqlalchemy import select

from app import create_app
from app.alerts.models import EmailStatus, OutgoingEmail
from app.events import EventStatus, OutboxEvent
from app.extensions import db
from tests.bids.helpers import form
from tests.conftest import _wipe, make_config
from tests.factories import login, make_need, make_org
from tests.notifications.realparts import FlakySmtp, free_port


class _Busy(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(b"421 4.3.2 Service not available, closing transmission channel\r\n")


@contextmanager
def smtp_answering_421_on(port: int):
    """A mail server that greets every connection with 421 and hangs up (overloaded, shutting down)."""
    class Server(socketserver.ThreadingTCPServer):
        # Its closed connections linger in TIME_WAIT on the port; with SO_REUSEADDR on them,
        # the accepting server may listen there right after.
        allow_reuse_address = True
        daemon_threads = True

    server = Server(("127.0.0.1", port), _Busy)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def smtp_accepting_on(port: int):
    """The aiosmtpd server of tests.notifications.realparts, on the port the app was configured with."""
    smtp = FlakySmtp()
    smtp.controller = Controller(smtp, hostname="127.0.0.1", port=port)
    with smtp:
        yield smtp


def emails(application) -> list[OutgoingEmail]:
    with application.app_context():
        return list(db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)))


def email_events(application) -> list[OutboxEvent]:
    with application.app_context():
        return list(db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "email.queued")
                                       .order_by(OutboxEvent.id)))


def sweep(application) -> None:
    """The operator's « flask jobs sweep » (the periodic sweep does the same once the backoff is over)."""
    result = application.test_cli_runner().invoke(args=["jobs", "sweep"])
    assert result.exit_code == 0, result.output


def test_with_the_mail_server_refusing_people_act_as_usual_and_each_email_goes_out_once_it_accepts(
        test_database, tmp_path, app):
    """What users notice while the mail server refuses: nothing on their pages — a password
    reset request is confirmed, a bid is submitted; the reset email and the buyer's « new bid »
    email come late. What the operator notices: those emails wait « pending » with the server's
    error and are tried again with backoff, never lost; once the server accepts, each is sent
    exactly once."""
    _wipe(app)
    port = free_port()  # nothing listens there yet: connection refused
    application = create_app(make_config(test_database, tmp_path, SMTP_URL=f"smtp://127.0.0.1:{port}"))
    assert application.config["JOBS_INLINE"]  # sent right after each request's commit
    with application.app_context():
        buyer, _ = make_org("administration", verified=True, email="achats@culture.gouv.fr")
        make_org("startup", verified=True, email="nina@lexiqa.fr")
        reference = make_need(buyer, title="Sous-titrage automatique des archives").reference
        db.session.commit()

    visitor = application.test_client()
    visitor.get("/lang/en")
    forgot = visitor.post("/password/forgot", data={"email": "achats@culture.gouv.fr"}, follow_redirects=True)
    assert forgot.status_code == 200
    assert "we have sent it an email with a link" in forgot.get_data(as_text=True)

    supplier = application.test_client()
    supplier.get("/lang/en")
    assert login(supplier, "nina@lexiqa.fr").status_code == 302
    bid = supplier.post(f"/needs/{reference}/bid", data=form(), follow_redirects=True)
    assert bid.status_code == 200 and "Your bid is submitted" in bid.get_data(as_text=True)

    waiting = emails(application)
    assert [e.to_address for e in waiting] == ["achats@culture.gouv.fr", "achats@culture.gouv.fr"]
    assert {e.status for e in waiting} == {EmailStatus.PENDING}
    events = email_events(application)
    assert len(events) == 2
    assert all(e.status == EventStatus.PENDING and e.attempts == 1 and e.next_attempt_at is not None
               and "Connection refused" in e.last_error for e in events)

    with smtp_answering_421_on(port):  # up, but not taking mail
        sweep(application)
    events = email_events(application)
    assert all(e.status == EventStatus.PENDING and e.attempts == 2 and "421" in e.last_error for e in events)
    assert {e.status for e in emails(application)} == {EmailStatus.PENDING}

    with smtp_accepting_on(port) as smtp:
        sweep(application)
        assert len(smtp.messages) == 2
        assert sum(b"/password/reset/" in m for m in smtp.messages) == 1  # the reset, and the bid news
        assert {e.status for e in emails(application)} == {EmailStatus.SENT}
        assert {e.status for e in email_events(application)} == {EventStatus.DISPATCHED}

        sweep(application)  # again: nothing more goes out
        assert len(smtp.messages) == 2
