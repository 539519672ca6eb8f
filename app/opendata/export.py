"""Streaming the OCDS packages: needs read in batches, JSON written chunk by chunk.

A package is never held whole in memory: needs are read ``BATCH_SIZE`` at a time by
keyset pagination on their id, in a session of the export's own (emptied after each
batch; on PostgreSQL one REPEATABLE READ transaction, so the package is a consistent
snapshot), and each batch's releases are yielded as one chunk of JSON text between the
package's opening and its closing brackets.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload
from sqlalchemy.sql.elements import ColumnElement

from app.bids.models import Award, Bid, BidStatus
from app.db import utcnow
from app.extensions import db
from app.needs.doctrine import CRITERIA
from app.needs.models import Amendment, Need, need_categories
from app.opendata.merge import compile_releases
from app.opendata.ocds import NeedFacts, need_releases, timestamp
from app.opendata.policy import disclosure, exported_needs_clause

BATCH_SIZE = 500
OCDS_VERSION = "1.1"
LICENSE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
LICENSE_NAME = "Licence Ouverte / Open Licence 2.0 (Etalab)"
TENDERER_STATUSES = (BidStatus.SUBMITTED, BidStatus.SHORTLISTED, BidStatus.REJECTED, BidStatus.AWARDED)
# What the releases read of a need (notes, doctrine texts and sovereignty flags are not published)
NEED_COLUMNS = (
    Need.id, Need.reference, Need.buyer_id, Need.title, Need.summary, Need.description, Need.cpv_code,
    Need.budget_min_cents, Need.budget_max_cents, Need.route, Need.deadline_at, Need.visibility, Need.anonymised,
    Need.anonymous_label, Need.status, Need.published_at, Need.closed_at, Need.awarded_at, Need.cancelled_at,
    Need.sme_set_aside, Need.disclose_amounts, Need.open_data, *(getattr(Need, f"weight_{c}") for c in CRITERIA),
)
RELEASES_PATH = "/open-data/ocds/releases.json"
RECORDS_PATH = "/open-data/ocds/records.json"


@dataclass(frozen=True)
class Settings:
    prefix: str
    public_url: str
    publisher: str

    @classmethod
    def of_app(cls) -> Settings:
        config = current_app.config
        return cls(prefix=config["OCDS_OCID_PREFIX"], public_url=config["PUBLIC_URL"].rstrip("/"),
                   publisher=config.get("SITE_NAME", "Tremplin"))


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# --- reading -----------------------------------------------------------------------------


def since_clause(since: datetime) -> ColumnElement[bool]:
    """Needs that may have a release dated ``since`` or later (releases are filtered after)."""
    day = (since - timedelta(days=1)).date()  # contract days are Paris days: a day's margin
    award_after = exists(select(Award.id).where(
        Award.need_id == Need.id,
        or_(Award.awarded_at >= since, Award.contract_start_on >= day, Award.contract_end_on >= day),
    ).correlate(Need))
    amended_after = exists(select(Amendment.id).where(Amendment.need_id == Need.id, Amendment.created_at >= since)
                           .correlate(Need))
    return or_(Need.published_at >= since, Need.closed_at >= since, Need.cancelled_at >= since,
               Need.awarded_at >= since, award_after, amended_after)


def load_batch(session: Session, where: ColumnElement[bool], after_id: int, limit: int
                ) -> tuple[list[NeedFacts], int | None]:
    """Up to ``limit`` needs after ``after_id``, with the id of the last one read (None: no more)."""
    needs = session.scalars(
        select(Need).where(where, Need.id > after_id).order_by(Need.id).limit(limit).options(
            load_only(*NEED_COLUMNS),
            joinedload(Need.buyer),
            selectinload(Need.awards).joinedload(Award.bid).load_only(Bid.id, Bid.supplier_id)
            .joinedload(Bid.supplier),
        )
    ).unique().all()
    if not needs:
        return [], None
    ids = [need.id for need in needs]
    amendments: dict[int, list] = defaultdict(list)
    for need_id, number, at, summary in session.execute(
        select(Amendment.need_id, Amendment.id, Amendment.created_at, Amendment.summary)
        .where(Amendment.need_id.in_(ids)).order_by(Amendment.created_at, Amendment.id)
    ):
        amendments[need_id].append((number, at, summary))
    categories: dict[int, list[str]] = defaultdict(list)
    for need_id, code in session.execute(
        select(need_categories.c.need_id, need_categories.c.category_code)
        .where(need_categories.c.need_id.in_(ids)).order_by(need_categories.c.need_id, need_categories.c.category_code)
    ):
        categories[need_id].append(code)
    tenderers = dict(session.execute(
        select(Bid.need_id, func.count()).where(Bid.need_id.in_(ids), Bid.status.in_(TENDERER_STATUSES))
        .group_by(Bid.need_id)
    ).all())
    batch = []
    for need in needs:
        shown = disclosure(need)
        if shown is None:  # the SQL rule and the policy agree; this is a second lock
            continue
        awards = sorted(need.awards, key=lambda a: (a.awarded_at, a.id))
        batch.append(NeedFacts(need=need, disclosure=shown, categories=categories[need.id], awards=awards,
                               amendments=amendments[need.id], tenderers=tenderers.get(need.id, 0)))
    return batch, ids[-1]


def iter_batches(session: Session, where: ColumnElement[bool], *, batch_size: int = BATCH_SIZE
                 ) -> Iterator[list[NeedFacts]]:
    """The exported needs matching ``where``, by batches in id order."""
    after_id = 0
    while True:
        batch, last_id = load_batch(session, where, after_id, batch_size)
        if last_id is None:
            return
        if batch:
            yield batch
        after_id = last_id
        session.expunge_all()


def open_session() -> Session:
    session = Session(db.engine, autoflush=False, expire_on_commit=False)
    if db.engine.dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    return session


def last_change(session: Session, where: ColumnElement[bool], now: datetime) -> datetime:
    """When the exported data last changed: the package's publishedDate."""
    latest_need = session.scalar(select(func.max(Need.updated_at)).where(where))
    latest_award = session.scalar(select(func.max(Award.updated_at))
                                  .where(Award.need_id.in_(select(Need.id).where(where))))
    moments = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in (latest_need, latest_award) if m is not None]
    return max(moments) if moments else now


# --- writing -----------------------------------------------------------------------------


class PackageStream:
    """A release package (``kind="releases"``) or record package (``"records"``) as JSON text chunks.

    Iterate it once; ``count`` then tells how many releases or records were written.
    """

    def __init__(self, kind: str, settings: Settings, *, since: datetime | None = None,
                 reference: str | None = None, now: datetime | None = None, batch_size: int = BATCH_SIZE):
        if kind not in ("releases", "records"):
            raise ValueError(f"unknown package kind {kind!r}")
        self.kind, self.settings, self.since, self.reference = kind, settings, since, reference
        self.now = now or utcnow()
        self.batch_size = batch_size
        self.count = 0

    @property
    def uri(self) -> str:
        base = self.settings.public_url
        if self.reference:
            return f"{base}/open-data/ocds/{self.reference}.json"
        path = RELEASES_PATH if self.kind == "releases" else RECORDS_PATH
        query = f"?{urlencode({'since': self.since.date().isoformat()})}" if self.since else ""
        return f"{base}{path}{query}"

    def _where(self) -> ColumnElement[bool]:
        clauses = [exported_needs_clause()]
        if self.since is not None:
            clauses.append(since_clause(self.since))
        if self.reference is not None:
            clauses.append(Need.reference == self.reference)
        return and_(*clauses)

    def metadata(self, published: datetime) -> dict:
        """The package's fields but its list of releases or records."""
        return {
            "uri": self.uri,
            "publishedDate": timestamp(published),
            "publisher": {"name": self.settings.publisher, "uri": self.settings.public_url},
            "license": LICENSE_URL,
            "publicationPolicy": f"{self.settings.public_url}/open-data/",
            "version": OCDS_VERSION,
        }

    def _head(self, published: datetime) -> str:
        return _dumps(self.metadata(published))[:-1] + f',"{self.kind}":['

    def _items(self, facts: NeedFacts) -> list[dict]:
        releases = need_releases(facts, prefix=self.settings.prefix, now=self.now)
        cutoff = timestamp(self.since) if self.since else None
        if self.kind == "releases":
            return [r for r in releases if cutoff is None or r["date"] >= cutoff]
        if cutoff is not None and all(r["date"] < cutoff for r in releases):
            return []
        return [{"ocid": releases[0]["ocid"], "releases": releases, "compiledRelease": compile_releases(releases)}]

    def __iter__(self) -> Iterator[str]:
        where = self._where()
        with open_session() as session:
            yield self._head(last_change(session, where, self.now))
            for batch in iter_batches(session, where, batch_size=self.batch_size):
                parts = [_dumps(item) for facts in batch for item in self._items(facts)]
                if parts:
                    yield ("," if self.count else "") + ",".join(parts)
                    self.count += len(parts)
        yield "]}"
