"""The REST API under /api/v1 (flask-smorest): token authentication, problem details,
OpenAPI 3 description at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from app.api.errors import MEDIA_TYPE, ProblemSchema

URL_PREFIX = "/api/v1"
SECURITY_SCHEME = "bearerAuth"


class TremplinApi(Api):
    """flask-smorest's Api, leaving error responses to the application's handlers."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        # app.main.errors answers every error; under /api/ it writes problem details.
        pass


api = TremplinApi()


def init_api(app: Flask) -> None:
    from app.api.resources import blueprints
    from app.extensions import csrf

    api.init_app(app, spec_kwargs={"security": [{SECURITY_SCHEME: []}]})
    api.spec.components.security_scheme(
        SECURITY_SCHEME,
        {"type": "http", "scheme": "bearer", "bearerFormat": "trp_<prefix>_<secret>",
         "description": "A personal API token, created on the account's API tokens page."},
    )
    for blueprint in blueprints():
        csrf.exempt(blueprint)  # token authentication, no cookies: nothing to forge
        api.register_blueprint(blueprint, url_prefix=URL_PREFIX + (blueprint.url_prefix or ""))
    api.spec.options.setdefault("info", {}).update(
        description="Tremplin's REST API. Errors are RFC 9457 problem details (" + MEDIA_TYPE + ")."
    )
