"""The REST API under /api/v1 (flask-smorest): token authentication, problem details,
rate limits, OpenAPI 3 description at /api/v1/openapi.json and its reference page at
/api/v1/docs."""

from __future__ import annotations

import http

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

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


api = TremplinApi()


def init_api(app: Flask) -> None:
    from app.api.docs import bp as docs_bp
    from app.api.openapi import ProblemResponsesPlugin, register_shared_responses
    from app.api.rate_limits import limit_blueprint
    from app.api.resources import blueprints
    from app.extensions import csrf, limiter

    limiter.init_app(app)
    api.init_app(app, spec_kwargs={"security": [{SECURITY_SCHEME: []}],
                                   "extra_plugins": [ProblemResponsesPlugin()]})
    api.spec.components.security_scheme(
        SECURITY_SCHEME,
        {"type": "http", "scheme": "bearer", "bearerFormat": "trp_<prefix>_<secret>",
         "description": "A personal API token, created on the account's API tokens page."},
    )
    register_shared_responses(api.spec)
    for blueprint in blueprints():
        csrf.exempt(blueprint)  # token authentication, no cookies: nothing to forge
        limit_blueprint(blueprint)
        api.register_blueprint(blueprint, url_prefix=URL_PREFIX + (blueprint.url_prefix or ""))
    app.register_blueprint(docs_bp)  # the reference page, /api/v1/docs (not an API resource)
    api.spec.options.setdefault("info", {}).update(
        description="Tremplin's REST API. Errors are RFC 9457 problem details (" + MEDIA_TYPE + "). "
                    "Rate limits apply per token; see the reference at " + URL_PREFIX + "/docs."
    )
