"""The demo command (placeholder until the demo data generator lands)."""

import click
from flask.cli import with_appcontext


@click.command("demo")
@with_appcontext
def demo_command():
    """Fill an empty database with a believable demo market."""
    raise click.ClickException("not implemented yet")
