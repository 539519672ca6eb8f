"""Keeping the search indexes in step with the database, driven by the outbox.

Loaded by name from the EVENT_SUBSCRIBERS setting. Handlers run after the commit that
recorded the event (inline, or in an RQ worker); if the engine is down the handler
raises, the event stays pending and the outbox sweep hands it over again later, so
writes never wait on the engine and the index catches up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts.models import Organisation
from app.db import utcnow
from app.events import OutboxEvent
from app.extensions import db
from app.matching import documents
from app.matching.engine import backend
from app.needs.models import Need

NEED_EVENTS = (
    "need.created", "need.published", "need.amended", "need.closed", "need.cancelled", "need.unsuccessful",
    "need.awarded", "need.invitation", "need.updated", "need.discarded",
)
SUPPLIER_EVENTS = ("organisation.registered", "organisation.verified", "supplier.updated")


def index_need(need_id: int) -> None:
    need = db.session.get(Need, need_id)
    engine = backend()
    if need is None:
        engine.delete_documents(documents.NEEDS, [str(need_id)])
    else:
        engine.add_documents(documents.NEEDS, [documents.need_document(need)])


def index_supplier(organisation_id: int) -> None:
    org = db.session.get(Organisation, organisation_id)
    engine = backend()
    if org is None or not org.is_supplier:
        engine.delete_documents(documents.SUPPLIERS, [str(organisation_id)])
    else:
        engine.add_documents(documents.SUPPLIERS, [documents.supplier_document(org)])


def _on_need_event(event: OutboxEvent) -> None:
    index_need(int(event.payload["need_id"]))


def _on_supplier_event(event: OutboxEvent) -> None:
    index_supplier(int(event.payload["organisation_id"]))


def ensure_indexes() -> None:
    engine = backend()
    for settings in (documents.NEEDS, documents.SUPPLIERS):
        engine.ensure_index(settings)


PROGRESS_EVERY = 500  # documents between two progress reports of a reindex


def reindex_totals(which: str = "all") -> dict[str, int]:
    """How many documents a reindex of ``which`` will write, per index."""
    from sqlalchemy import func
    from sqlalchemy.orm import configure_mappers

    configure_mappers()  # the supplier query names relationships set up with the mappers
    totals = {}
    if which in ("all", "needs"):
        totals["needs"] = db.session.scalar(select(func.count()).select_from(Need)) or 0
    if which in ("all", "suppliers"):
        query = documents.supplier_organisations_query().subquery()
        totals["suppliers"] = db.session.scalar(select(func.count()).select_from(query)) or 0
    return totals


def _counted(docs: Iterable[dict], name: str, progress: Callable[[str, int], None] | None,
             every: int) -> Iterator[dict]:
    """The documents, telling ``progress(name, count)`` every ``every`` documents and at the end."""
    count = 0
    for count, doc in enumerate(docs, start=1):  # noqa: B007 - the count outlives the loop
        yield doc
        if progress is not None and count % every == 0:
            progress(name, count)
    if progress is not None:
        progress(name, count)


def reindex(which: str = "all", *, progress: Callable[[str, int], None] | None = None,
            every: int = PROGRESS_EVERY) -> dict[str, int]:
    """Rebuild indexes from the database aside, then swap them in (no downtime).

    Rows changed while the copy was being built are written again after the swap, so
    an engine that does not mirror live writes into the copy loses nothing. ``progress``
    (if given) is called with the index's name and the documents read so far, every
    ``every`` documents and once each index is read.
    """
    engine = backend()
    counts = {}
    if which in ("all", "needs"):
        started = utcnow()
        counts["needs"] = engine.rebuild(documents.NEEDS,
                                         _counted(documents.all_need_documents(), "needs", progress, every))
        changed = db.session.scalars(select(Need.id).where(Need.updated_at >= started)).all()
        for need_id in changed:
            index_need(need_id)
    if which in ("all", "suppliers"):
        started = utcnow()
        counts["suppliers"] = engine.rebuild(
            documents.SUPPLIERS, _counted(documents.all_supplier_documents(), "suppliers", progress, every))
        changed = db.session.scalars(select(Organisation.id).where(Organisation.updated_at >= started)).all()
        for organisation_id in changed:
            index_supplier(organisation_id)
    return counts


search_cli = AppGroup("search", help="Search indexes.")


@search_cli.command("reindex")
@click.argument("which", type=click.Choice(["all", "needs", "suppliers"]), default="all")
@click.option("--every", type=click.IntRange(min=1), default=PROGRESS_EVERY, show_default=True,
              help="Print a progress line every this many documents.")
def reindex_command(which: str, every: int) -> None:
    """Rebuild the search indexes from the database (built aside, then swapped in)."""
    totals = reindex_totals(which)

    def show(name: str, count: int) -> None:
        total = totals.get(name, 0)
        percent = count * 100 // total if total else 100
        click.echo(f"{name}: {count}/{total} document(s) read ({percent}%)")

    for name, count in reindex(which, progress=show, every=every).items():
        click.echo(f"{name}: {count} document(s) indexed")


def init_app(app: Flask) -> None:
    subscribers = app.extensions["tremplin.subscribers"]
    for kind in NEED_EVENTS:
        subscribers.subscribe(kind, _on_need_event)
    for kind in SUPPLIER_EVENTS:
        subscribers.subscribe(kind, _on_supplier_event)
    app.cli.add_command(search_cli)
