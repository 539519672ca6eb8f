"""A subscriber for the « job killed midway » test, loaded by name in a worker process.

On ``need.published`` it runs after the real handlers (it is listed last), flushes what
they wrote in the job's transaction, leaves a marker file, and stalls, so the test can
kill the worker while the job is half done.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from flask import Flask

from app.extensions import db


def init_app(app: Flask) -> None:
    def stall(event) -> None:
        db.session.flush()
        Path(os.environ["TREMPLIN_STALL_MARKER"]).write_text(str(event.id))
        time.sleep(120)

    app.extensions["tremplin.subscribers"].subscribe("need.published", stall)
