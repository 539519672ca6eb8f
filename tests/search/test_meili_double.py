"""A double standing in for a Meilisearch server, which cannot be installed or reached here.

It speaks just enough of the HTTP API (status codes, error bodies, task polling) to test
what the backend does on the client side: the Authorization header, waiting for tasks,
turning outages and rejections into our errors. It has no search semantics at all and is
never used to make the shared contract suite pass: that suite runs against a real
Meilisearch whenever MEILI_URL is set.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests

Answer = tuple[int, object]  # (HTTP status, JSON body)


@dataclass
class Recorded:
    method: str
    path: str  # without the query string
    query: str
    headers: dict[str, str]
    body: object
    answer: Answer | None = None


@dataclass
class MeiliDouble:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    # (method, path) -> fixed answer, or a function of the request giving one
    routes: dict[tuple[str, str], Answer | Callable[[Recorded], Answer]] = field(
        default_factory=dict
    )
    # task uid -> the statuses GET /tasks/<uid> answers in turn (the last one stays)
    tasks: dict[int, list[str]] = field(default_factory=dict)
    task_errors: dict[int, dict] = field(default_factory=dict)
    task_script: tuple[str, ...] = ("enqueued", "processing", "succeeded")
    # index uid -> primary key: which indexes GET /indexes/<uid> says exist
    indexes: dict[str, str | None] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering anything
    _next_uid: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, method: str, path: str, answer: Answer | Callable[[Recorded], Answer]) -> None:
        self.routes[(method, path)] = answer

    def fail_next_task(self, error: dict) -> None:
        """The next task enqueued ends in `failed` with this error object."""
        self.task_errors[self._next_uid] = error

    def enqueue(
        self, index_uid: str | None = None, kind: str = "documentAdditionOrUpdate"
    ) -> Answer:
        with self._lock:
            uid = self._next_uid
            self._next_uid += 1
        script = list(self.task_script)
        if uid in self.task_errors:
            script[-1] = "failed"
        self.tasks[uid] = script
        return 202, {
            "taskUid": uid,
            "indexUid": index_uid,
            "status": "enqueued",
            "type": kind,
            "enqueuedAt": "2026-01-01T00:00:00.000000Z",
        }

    def task_state(self, uid: int) -> Answer:
        script = self.tasks.get(uid)
        if script is None:
            return 404, {"message": f"Task `{uid}` not found.", "code": "task_not_found"}
        status = script.pop(0) if len(script) > 1 else script[0]
        body = {
            "uid": uid,
            "indexUid": None,
            "status": status,
            "type": "documentAdditionOrUpdate",
            "enqueuedAt": "2026-01-01T00:00:00.000000Z",
            "error": self.task_errors.get(uid) if status == "failed" else None,
        }
        return 200, body

    def answer(self, request: Recorded) -> Answer:
        route = self.routes.get((request.method, request.path))
        if route is not None:
            return route(request) if callable(route) else route
        if request.method == "GET" and request.path == "/health":
            return 200, {"status": "available"}
        if request.method == "GET" and request.path.startswith("/tasks/"):
            return self.task_state(int(request.path.rsplit("/", 1)[1]))
        parts = request.path.split("/")
        uid = parts[2] if len(parts) > 2 and parts[1] == "indexes" else None
        if request.method == "GET" and uid:
            if uid not in self.indexes:
                return 404, {
                    "message": f"Index `{uid}` not found.",
                    "code": "index_not_found",
                    "type": "invalid_request",
                }
            if len(parts) == 3:
                return 200, {"uid": uid, "primaryKey": self.indexes[uid]}
        if request.method == "POST" and request.path == "/indexes":
            self.indexes[request.body["uid"]] = request.body.get("primaryKey")
        elif request.method == "DELETE" and len(parts) == 3 and uid:
            self.indexes.pop(uid, None)
        if request.method in ("POST", "PATCH", "PUT", "DELETE"):
            return self.enqueue(uid)
        return 404, {
            "message": "not in this double",
            "code": "not_found",
            "type": "invalid_request",
        }

    def sent(
        self, method: str | None = None, prefix: str = "", *, path: str | None = None
    ) -> list[Recorded]:
        """The requests received, by method, path prefix or exact path."""
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and r.path.startswith(prefix)
            and (path is None or r.path == path)
        ]


def _handler(double: MeiliDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            parts = urlsplit(self.path)
            request = Recorded(self.command, parts.path, parts.query, dict(self.headers), body)
            double.requests.append(request)
            if double.delay:
                time.sleep(double.delay)
            status, answer = double.answer(request)
            request.answer = (status, answer)
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, format, *args):  # keep test output quiet
            pass

    return Handler


@contextmanager
def running_double(port: int = 0) -> Iterator[MeiliDouble]:
    """The double listening on 127.0.0.1, on ``port`` or a free one, in a thread, for one test."""
    double = MeiliDouble()
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(double))
    server.daemon_threads = True
    host, port = server.server_address[:2]
    double.url = f"http://{host}:{port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield double
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_double_answers_health_and_tasks_like_the_api():
    with running_double() as double:
        assert requests.get(f"{double.url}/health", timeout=2).json() == {"status": "available"}
        enqueued = requests.post(f"{double.url}/indexes/x/documents", json=[], timeout=2).json()
        statuses = [
            requests.get(f"{double.url}/tasks/{enqueued['taskUid']}", timeout=2).json()["status"]
            for _ in range(4)
        ]
        assert statuses == ["enqueued", "processing", "succeeded", "succeeded"]
