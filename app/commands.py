"""Command-line interface: ``flask --app wsgi <command>``.

The ``jobs`` group (worker, sweep) is added by the notifications package.
"""

from __future__ import annotations

from flask import Flask


def init_commands(app: Flask) -> None:
    from app.demo.command import demo_command

    app.cli.add_command(demo_command)
    from app.i18n_catalog import translations_command

    app.cli.add_command(translations_command)
