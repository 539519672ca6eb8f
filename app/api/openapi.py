"""What every operation of the OpenAPI description shares, added in one place.

- Error responses are problem details: ``application/problem+json`` with the Problem
  schema, including flask-smorest's own (422, default) and each ``alt_response`` given a
  description only.
- Every operation may be refused 429 (rate limits) and, unless it is public
  (``security: []``), 401 (no live token) and 403 (a scope or right missing).
"""

from __future__ import annotations

from apispec import BasePlugin

from app.api.errors import MEDIA_TYPE
from app.api.rate_limits import HEADERS as RATE_LIMIT_HEADERS

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def problem_content() -> dict:
    return {MEDIA_TYPE: {"schema": dict(PROBLEM_REF)}}


def _rate_limit_headers() -> dict:
    return {name: {"description": text, "schema": {"type": "integer"}} for name, text in RATE_LIMIT_HEADERS.items()}


SHARED_RESPONSES = {
    "TOKEN_REQUIRED": {
        "description": "No live API token: missing, malformed, unknown, revoked or expired",
        "headers": {"WWW-Authenticate": {"description": "The Bearer challenge", "required": True,
                                         "schema": {"type": "string"}}},
        "content": problem_content(),
    },
    "TOKEN_FORBIDDEN": {
        "description": "The token lacks the scope, or its organisation the right, for this operation",
        "content": problem_content(),
    },
    "RATE_LIMITED": {
        "description": "Too many requests with this token (or from this address without one)",
        "headers": {
            "Retry-After": {"description": "Seconds to wait before trying again", "required": True,
                            "schema": {"type": "integer"}},
            **_rate_limit_headers(),
        },
        "content": problem_content(),
    },
}


def register_shared_responses(spec) -> None:
    for name, response in SHARED_RESPONSES.items():
        spec.components.response(name, response)


class ProblemResponsesPlugin(BasePlugin):
    """An apispec plugin completing each operation's error responses (see the module)."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if isinstance(response, dict) and "$ref" not in response and str(status)[:1] in {"4", "5"} \
                        and not response.get("content"):
                    response["content"] = problem_content()
            if operation.get("security") != []:
                responses.setdefault("401", "TOKEN_REQUIRED")
                responses.setdefault("403", "TOKEN_FORBIDDEN")
            responses.setdefault("429", "RATE_LIMITED")
