"""The REST API under /api/v1 (flask-smorest): token authentication, problem details,
rate limits, OpenAPI 3 description at /api/v1/openapi.json and its reference page at
/api/v1/docs."""

from __future__ import annotations

import http
import io

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.routing import IntegerConverter

from app.api.errors import MEDIA_TYPE, ProblemSchema

URL_PREFIX = "/api/v1"
SECURITY_SCHEME = "bearerAuth"


class TremplinApi(Api):
    """flask-smorest's Api, leaving error responses to the application's handlers, and
    describing them as what they are: ``application/problem+json``."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        # app.main.errors answers every error; under /api/ it writes problem details.
        pass

    def _register_responses(self):
        """flask-smorest's shared responses (by status name, and DEFAULT_ERROR), as problems."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in API paths: at most PostgreSQL's integer, so that a larger id is a 404
    (as any unknown id) rather than a database error; the maximum is in the OpenAPI document."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits, min, 2**31 - 1 if max is None else max, signed)


api = TremplinApi()


def _nul_fields() -> dict[str, list[str]]:
    """Fields of the request (path, query, JSON body) whose text holds a NUL character,
    which no database text column can store."""
    from flask import request
    from flask_babel import gettext as _

    found: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, str):
            if "\x00" in value:
                found.setdefault(prefix or "_schema", []).append(_("Text may not contain NUL characters."))
        elif isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), key if "\x00" in str(key) else inner)
        elif isinstance(value, list):
            for inner in value:
                walk(prefix, inner)

    for name, value in (request.view_args or {}).items():
        walk(name, value)
    for name, values in request.args.lists():
        walk(name, name if "\x00" in name else values)
    if request.is_json:
        data = request.get_data(cache=True)
        # Resources may read the body as a stream (imports): give them one from the start.
        request.environ["wsgi.input"] = io.BytesIO(data)
        request.environ["CONTENT_LENGTH"] = str(len(data))
        request.__dict__.pop("stream", None)
        walk("", request.get_json(silent=True))
    return found


def reject_nul_characters() -> None:
    """Refuse, as invalid parameters (422), API requests with a NUL character in their text."""
    from flask import request
    from flask_smorest import abort

    if request.path.startswith(URL_PREFIX + "/"):
        errors = _nul_fields()
        if errors:
            abort(422, errors=errors)


def init_api(app: Flask) -> None:
    from app.api.docs import bp as docs_bp
    from app.api.openapi import ProblemResponsesPlugin, register_shared_responses
    from app.api.rate_limits import limit_blueprint
    from app.api.resources import blueprints
    from app.extensions import csrf, limiter

    limiter.init_app(app)
    app.before_request(reject_nul_characters)
    api.init_app(app, spec_kwargs={"security": [{SECURITY_SCHEME: []}],
                                   "extra_plugins": [ProblemResponsesPlugin()]})
    api.spec.components.security_scheme(
        SECURITY_SCHEME,
        {"type": "http", "scheme": "bearer", "bearerFormat": "trp_<prefix>_<secret>",
         "description": "A personal API token, created on the account's API tokens page."},
    )
    register_shared_responses(api.spec)
    int_converter = app.url_map.converters["int"]
    app.url_map.converters["int"] = DatabaseIdConverter  # for the API's routes only, restored below
    try:
        for blueprint in blueprints():
            csrf.exempt(blueprint)  # token authentication, no cookies: nothing to forge
            limit_blueprint(blueprint)
            api.register_blueprint(blueprint, url_prefix=URL_PREFIX + (blueprint.url_prefix or ""))
    finally:
        app.url_map.converters["int"] = int_converter
    app.register_blueprint(docs_bp)  # the reference page, /api/v1/docs (not an API resource)
    api.spec.options.setdefault("info", {}).update(
        description="Tremplin's REST API. Errors are RFC 9457 problem details (" + MEDIA_TYPE + "). "
                    "Rate limits apply per token; see the reference at " + URL_PREFIX + "/docs."
    )
