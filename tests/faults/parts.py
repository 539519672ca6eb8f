"""Real parts for the fault tests that the notifications' helpers (tests.notifications.realparts:
a Redis of our own, an SMTP server that refuses) do not cover: a PostgreSQL cluster of our own,
which a test may stop and restart without touching the shared server, and the steps every fault
test takes through the pages (a market with a buyer's need, signing in, a bid form)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from tests.notifications.realparts import free_port


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _os_user() -> str | None:
    """The user the cluster runs as: PostgreSQL refuses to run as root, so root hands it to ``postgres``."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return ""
    return "postgres" if shutil.which("runuser") else ""


class PostgresCluster:
    """A throwaway PostgreSQL cluster (``initdb``) on a free loopback port, stopped and
    restarted at will. Its files live in a temporary folder of its own (not pytest's, which
    the ``postgres`` OS user could not enter), removed by ``destroy``."""

    def __init__(self):
        self.bin = _postgres_bin()
        self.user = _os_user()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tremplin-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        if self.user:
            shutil.chown(self.root, user=self.user)

    @staticmethod
    def unavailable_reason() -> str | None:
        if _postgres_bin() is None:
            return "needs PostgreSQL's initdb and pg_ctl (e.g. /usr/lib/postgresql/*/bin) to run a cluster of our own"
        if _os_user() == "":
            return "running as root needs a 'postgres' OS user and runuser to run a cluster of our own"
        return None

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} {' '.join(args)} failed: {result.stdout}{result.stderr}{log}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                  "--no-sync")

    def _options(self) -> str:
        # Durability is irrelevant for a test cluster; fsync off keeps restarts quick.
        return f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options(), "-w", "-t", "30",
                  "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def restart(self) -> None:
        """A fast restart: open sessions are cut, as when an operator restarts the server."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options(), "-m", "fast", "-w",
                  "-t", "30", "restart")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url().replace("postgresql://", "postgresql+psycopg://"),
                               isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def destroy(self) -> None:
        try:
            if self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class Database:
    """What tests.conftest.make_config reads of a test database: its URL."""

    def __init__(self, url: str):
        self.url = url


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))
