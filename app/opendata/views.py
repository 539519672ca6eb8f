"""Open data: the OCDS packages, streamed, one need's record, the page that explains them,
and ``flask opendata export`` to write a package to a file. Everything here is public."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, date, datetime

import click
from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.needs.models import Need
from app.opendata.export import LICENSE_NAME, LICENSE_URL, PackageStream, Settings
from app.opendata.parties import SIREN_SCHEME, VAT_SCHEME
from app.opendata.policy import exported_needs_clause

bp = Blueprint("opendata", __name__, url_prefix="/open-data")

JSON = "application/json"


def _since() -> datetime | None:
    """The ``since`` query parameter as midnight UTC; a malformed one aborts with a 400 problem."""
    raw = request.args.get("since", "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else None
    except ValueError:
        day = None
    if day is None:
        problem = {"type": "about:blank", "title": _("Invalid request"), "status": 400,
                   "detail": _("since: expected a date as YYYY-MM-DD, such as 2026-01-31.")}
        abort(Response(json.dumps(problem), 400, content_type="application/problem+json"))
    return datetime.combine(day, datetime.min.time(), UTC)


def _streamed(kind: str) -> Response:
    stream = PackageStream(kind, Settings.of_app(), since=_since())
    response = Response(stream_with_context(iter(stream)), mimetype=JSON)
    response.headers["Content-Disposition"] = f'inline; filename="{kind}.json"'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/ocds/releases.json")
def releases():
    """Every published release, as one release package."""
    return _streamed("releases")


@bp.get("/ocds/records.json")
def records():
    """One record per published need (its releases and compiled release), as one record package."""
    return _streamed("records")


@bp.get("/ocds/<reference>.json")
def need_record(reference: str):
    """The record package of one need; 404 for a need that is not published, as for none."""
    stream = PackageStream("records", Settings.of_app(), reference=reference)
    body = "".join(stream)
    if stream.count == 0:
        abort(404)
    response = Response(body, mimetype=JSON)
    response.headers["Content-Disposition"] = f'inline; filename="{reference}.json"'
    return response


@bp.get("/")
def index():
    settings = Settings.of_app()
    count = db.session.scalar(select(func.count(Need.id)).where(exported_needs_clause()))
    return render_template(
        "opendata/index.html", count=count, prefix=settings.prefix, license_url=LICENSE_URL,
        license_name=LICENSE_NAME, siren_scheme=SIREN_SCHEME, vat_scheme=VAT_SCHEME,
        example=db.session.scalar(select(Need.reference).where(exported_needs_clause())
                                  .order_by(Need.published_at.desc()).limit(1)),
    )


@bp.cli.command("export")
@click.option("--records", "kind", flag_value="records", help="Write the record package (default: releases).")
@click.option("--releases", "kind", flag_value="releases", default=True, hidden=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, allow_dash=True), default="-",
              help="File to write (default: standard output).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Only what happened on or after this day (YYYY-MM-DD, UTC).")
def export_command(kind: str, output: str, since: datetime | None) -> None:
    """Write the OCDS release (or record) package to a file, streaming."""
    stream = PackageStream(kind, Settings.of_app(), since=since.replace(tzinfo=UTC) if since else None)
    target = sys.stdout if output == "-" else open(output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        for chunk in stream:
            target.write(chunk)
        if output == "-":
            target.write("\n")
    finally:
        if target is not sys.stdout:
            target.close()
    click.echo(f"{stream.count} {kind} written to {'standard output' if output == '-' else output}.", err=True)
