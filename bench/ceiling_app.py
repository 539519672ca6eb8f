"""The ceiling of bench/load_run.py: a bare Flask endpoint, served by gunicorn with the same
settings as the app, so that the app's figures can be read as a share of what this
machine, gunicorn and Flask give at best. ``gunicorn ceiling_app:app``."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def ceiling():
    return "ok"
