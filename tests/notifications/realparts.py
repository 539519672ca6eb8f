"""Real parts for fault tests: a Redis server of our own (so we may stop it without
touching the shared one), a local SMTP server that can refuse mail, and helpers to run a
real RQ worker."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from redis import Redis
from redis.exceptions import RedisError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisProcess:
    """``redis-server`` on a free loopback port, in memory only, stopped and started at will."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if Redis(port=self.port, socket_connect_timeout=0.2).ping():
                    return
            except RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


class FlakySmtp:
    """An SMTP server on loopback that answers 451 (try again later) while ``refusing``."""

    def __init__(self):
        self.refusing = False
        self.refused = 0
        self.messages: list[bytes] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.refusing:
            self.refused += 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.messages.append(envelope.content)
        return "250 OK"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def run_worker(application) -> None:
    result = application.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output


def forget_namespace(redis_url: str, namespace: str) -> None:
    conn = Redis.from_url(redis_url)
    for key in conn.scan_iter(match=f"*{namespace}*"):
        conn.delete(key)
    for set_key in ("rq:queues", "rq:workers"):
        for member in conn.smembers(set_key):
            if namespace in member.decode():
                conn.srem(set_key, member)
