"""The search backend of this app: Meilisearch when MEILI_URL is set, else the embedded one."""

from __future__ import annotations

from flask import Flask, current_app

from search.base import SearchBackend


def make_backend(app: Flask) -> SearchBackend:
    if app.config["SEARCH_BACKEND"] == "meilisearch":
        from search.meili import MeiliBackend

        return MeiliBackend(
            app.config["MEILI_URL"],
            app.config["MEILI_API_KEY"],
            index_prefix=app.config.get("SEARCH_INDEX_PREFIX", ""),
            timeout=app.config.get("MEILI_TIMEOUT_SECONDS", 5),
        )
    from search.embedded import EmbeddedBackend

    return EmbeddedBackend(app.config["SEARCH_PATH"])


def backend() -> SearchBackend:
    app = current_app._get_current_object()
    engine = app.extensions.get("tremplin.search")
    if engine is None:
        engine = make_backend(app)
        app.extensions["tremplin.search"] = engine
    return engine
