"""``flask --app wsgi demo``: fill an empty database with a believable demo market."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from app.demo.generator import DEFAULT_SEED, DemoSummary, existing_data, generate_demo, wipe_tables
from app.extensions import db


@click.command("demo")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="Random seed: the same seed and date give the same data.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Reference date (YYYY-MM-DD) that every date is relative to. Default: today (UTC).")
@click.option("--reset", is_flag=True,
              help="Delete ALL existing data (organisations, users, needs, ...) first. Never drops the database.")
@click.option("--if-empty", "if_empty", is_flag=True,
              help="When the database already holds data, say so and exit successfully without changes.")
@with_appcontext
def demo_command(seed: int, today: datetime | None, reset: bool, if_empty: bool) -> None:
    """Fill an empty database with a believable demo market.

    300+ suppliers, 30 buyers, 80 needs with bids, awards, purchases and pledges, and
    one demo account per role (printed at the end, all with the same password).
    """
    if reset and if_empty:
        raise click.UsageError("--reset and --if-empty contradict each other: choose one.")
    if reset and current_app.config["TREMPLIN_ENV"] == "production":
        raise click.ClickException("--reset is refused in production: it would delete real data.")
    reference = today.date() if today else datetime.now(UTC).date()
    existing = existing_data()
    if existing and not reset:
        held = ", ".join(f"{n} {what}" for what, n in existing.items())
        if if_empty:
            click.echo(f"The database already holds data ({held}): demo data not loaded, nothing changed.")
            return
        raise click.ClickException(
            f"The database already holds data ({held}); nothing was changed. "
            "Use --reset to delete everything and load the demo, or --if-empty to skip quietly."
        )
    started = time.perf_counter()
    try:
        if reset:
            wipe_tables()
        summary = generate_demo(seed=seed, today=reference)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    _report(summary, time.perf_counter() - started, reset)
    _index()


def _index() -> None:
    """Make the demo searchable at once (the outbox is not used for demo data)."""
    from app.matching.indexing import reindex
    from search.base import SearchUnavailable

    try:
        counts = reindex()
    except SearchUnavailable as exc:
        click.echo(f"Search index not built ({exc}); run `flask --app wsgi search reindex` later.")
        return
    click.echo("Search index built: " + ", ".join(f"{n} {name}" for name, n in counts.items()) + ".")


def _report(summary: DemoSummary, seconds: float, reset: bool) -> None:
    c = summary.counts
    click.echo(
        f"{'Replaced all data by' if reset else 'Loaded'} the demo market in {seconds:.1f} s "
        f"(seed {summary.seed}, reference date {summary.today.isoformat()}):"
    )
    click.echo(
        f"  {c['suppliers']} suppliers, {c['buyers']} buyers, {c['users']} users, {c['needs']} needs, "
        f"{c['bids']} bids, {c['awards']} awards, {c['purchases']} purchases, "
        f"{c['pledges']} pledges (€{c['pledged_euros'] / 1e6:,.0f}M)"
    )
    click.echo("")
    click.echo(f"Demo accounts (password for all: {summary.password}):")
    rows = [("Email", "Role", "Organisation")] + [(a.email, a.role, a.organisation) for a in summary.accounts]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    rows.insert(1, tuple("-" * w for w in widths))
    for row in rows:
        click.echo("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    click.echo("")
    click.echo("Every other demo user has the same password; their emails end in .example.")
