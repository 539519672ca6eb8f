"""``flask --app wsgi needs close-expired``: close published needs past their deadline.

Run it periodically (e.g. every few minutes); pages also close a need when they read it
after its deadline, so the server's clock decides either way.
"""

from __future__ import annotations

import click

from app.events import commit
from app.needs import services
from app.needs.views import bp


@bp.cli.command("close-expired")
def close_expired() -> None:
    """Close every published need whose deadline has passed."""
    closed = services.close_expired_needs()
    commit()
    if closed:
        click.echo(f"{len(closed)} need(s) closed: {', '.join(n.reference for n in closed)}")
    else:
        click.echo("No published need past its deadline.")
