"""Extension objects only; this module imports nothing of ours but the model base."""

import flask_limiter
from flask import current_app, has_app_context
from flask_babel import Babel
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.db import Base


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter's extension with its storage kept per application.

    Flask-Limiter keeps the storage of the app it was last initialised with on the
    extension object itself; one limiter shared by several apps in a process (the tests
    build several) would count every app's hits in the last app's storage. Here each app
    keeps its storage and strategy in ``app.extensions``.
    """

    _PER_APP = "rate_limit_storage"

    def init_app(self, app):
        super().init_app(app)
        app.extensions[self._PER_APP] = {"storage": self.__dict__.get("_storage_default"),
                                         "limiter": self.__dict__.get("_limiter_default")}

    def _state(self, name: str):
        if has_app_context():
            state = current_app.extensions.get(self._PER_APP)
            if state is not None:
                return state[name]
        return self.__dict__.get(f"_{name}_default")

    @property
    def _storage(self):
        return self._state("storage")

    @_storage.setter
    def _storage(self, value):
        self.__dict__["_storage_default"] = value

    @property
    def _limiter(self):
        return self._state("limiter")

    @_limiter.setter
    def _limiter(self, value):
        self.__dict__["_limiter_default"] = value


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Rate limits: no default limit; the API sets its own (app.api.rate_limits), pages opt in
# with @limiter.limit(...). Storage: RATELIMIT_STORAGE_URI (app.config); while it is
# unreachable, each process counts in memory and logs the error rather than failing requests.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True, key_prefix="tremplin",
                  swallow_errors=True, in_memory_fallback_enabled=True)
