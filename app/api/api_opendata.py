"""Open data through the API: the OCDS 1.1 release and record packages, and one need's record.

The packages are exactly those of the public open data (app.opendata): the same needs
(``app.opendata.policy``: a draft never, a restricted or invitation-only need only when its
buyer chose to publish it anonymised), the same anonymisation and the same streaming
(``PackageStream``: read by batches, written chunk by chunk, never held whole in memory).
What the token may see elsewhere in the API changes nothing here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
from flask import Response, stream_with_context
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort

from app.api.auth import require_token
from app.opendata.export import OCDS_VERSION, PackageStream, Settings
from app.opendata.ocds import ocid

JSON = "application/json"

ocds_blp = Blueprint("api_ocds", __name__, url_prefix="/ocds",
                     description="Open data: OCDS 1.1 packages of the published needs, as on the open data page")


def blueprints() -> list[Blueprint]:
    return [ocds_blp]


class SinceArgs(ma.Schema):
    since = ma.fields.Date(metadata={"description": "Only what happened on or after this day (UTC), "
                                                    "e.g. 2026-01-31"})


class PublisherSchema(ma.Schema):
    name = ma.fields.String()
    uri = ma.fields.String()


class PackageSchema(ma.Schema):
    """The metadata of an OCDS 1.1 package (https://standard.open-contracting.org/1.1/)."""

    uri = ma.fields.String(metadata={"description": "The package's canonical URL on the open data site"})
    publishedDate = ma.fields.String(metadata={"format": "date-time"})  # noqa: N815 - OCDS names
    publisher = ma.fields.Nested(PublisherSchema)
    license = ma.fields.String()
    publicationPolicy = ma.fields.String()  # noqa: N815
    version = ma.fields.String(metadata={"enum": [OCDS_VERSION]})


class ReleasePackageSchema(PackageSchema):
    releases = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "OCDS releases, each an object as the OCDS 1.1 release schema defines"})


class RecordPackageSchema(PackageSchema):
    records = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "OCDS records (ocid, releases, compiledRelease), as the OCDS 1.1 record schema defines"})


def _since(args: dict) -> datetime | None:
    day = args.get("since")
    return None if day is None else datetime.combine(day, datetime.min.time(), UTC)


def _streamed(kind: str, args: dict) -> Response:
    stream = PackageStream(kind, Settings.of_app(), since=_since(args))
    response = Response(stream_with_context(iter(stream)), mimetype=JSON)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@ocds_blp.route("/releases")
class Releases(MethodView):
    @require_token("read")
    @ocds_blp.arguments(SinceArgs, location="query")
    @ocds_blp.response(200, ReleasePackageSchema, description="An OCDS 1.1 release package, streamed")
    def get(self, args):
        """Every published release, as one OCDS release package"""
        return _streamed("releases", args)


@ocds_blp.route("/records")
class Records(MethodView):
    @require_token("read")
    @ocds_blp.arguments(SinceArgs, location="query")
    @ocds_blp.response(200, RecordPackageSchema, description="An OCDS 1.1 record package, streamed")
    def get(self, args):
        """One record per published need (its releases and compiled release), as one OCDS record package"""
        return _streamed("records", args)


@ocds_blp.route("/records/<string:identifier>")
class Record(MethodView):
    @require_token("read")
    @ocds_blp.response(200, RecordPackageSchema, description="An OCDS 1.1 record package of one record")
    @ocds_blp.alt_response(404, description="No published need with this ocid or reference")
    def get(self, identifier: str):
        """One need's record, by its ocid (``<prefix>-<reference>``) or its reference"""
        settings = Settings.of_app()
        reference = identifier.removeprefix(ocid(settings.prefix, ""))
        stream = PackageStream("records", settings, reference=reference)
        body = "".join(stream)
        if stream.count == 0:  # not published (a draft, a restricted need), as for none
            abort(404, message=_("No published need has this ocid or reference."))
        return Response(body, mimetype=JSON)
