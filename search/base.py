"""The search interface shared by every backend: index settings, queries, filters, results.

This package knows nothing of the application: it indexes plain dictionaries. A backend
(Meilisearch in production, the embedded engine by default) implements SearchBackend and
passes the same contract tests.

Filters are a small tree of our own (Eq, In, Range, Exists, And, Or, Not), translated
by each backend; on a list-valued field, Eq and In mean "contains".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

Scalar = str | int | bool

# Highlighted fragments carry these marks around matched words; render with mark_html().
MARK_START = "\x02"
MARK_END = "\x03"


# --- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexSettings:
    """What an index holds and how it ranks; declared once, applied by each backend."""

    name: str
    searchable: tuple[str, ...]  # in decreasing order of importance
    filterable: tuple[str, ...] = ()
    sortable: tuple[str, ...] = ()
    displayed: tuple[str, ...] | None = None  # None: every field
    primary_key: str = "id"
    # word -> equivalent words or phrases (applied both ways by the backends)
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # one typo allowed from this word length, two from the next
    min_word_size_one_typo: int = 5
    min_word_size_two_typos: int = 9
    languages: tuple[str, ...] = ("fr", "en")

    def check_filter_fields(self, flt: Filter | None) -> None:
        for name in _filter_fields(flt):
            if name not in self.filterable:
                raise SearchError(f"field {name!r} is not filterable in index {self.name!r}")

    def check_query(self, query: Query) -> None:
        self.check_filter_fields(query.filter)
        for name in query.facets:
            if name not in self.filterable:
                raise SearchError(f"field {name!r} is not filterable, so it cannot be a facet")
        for name, _direction in query.sort:
            if name not in self.sortable:
                raise SearchError(f"field {name!r} is not sortable in index {self.name!r}")


# --- filters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Eq:
    field: str
    value: Scalar


@dataclass(frozen=True)
class In:
    field: str
    values: tuple[Scalar, ...]

    def __init__(self, field: str, values: Iterable[Scalar]):
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "values", tuple(values))


@dataclass(frozen=True)
class Range:
    field: str
    gte: int | None = None
    lte: int | None = None
    gt: int | None = None
    lt: int | None = None


@dataclass(frozen=True)
class Exists:
    field: str


@dataclass(frozen=True)
class And:
    items: tuple[Filter, ...]

    def __init__(self, *items: Filter | None):
        object.__setattr__(self, "items", tuple(i for i in items if i is not None))


@dataclass(frozen=True)
class Or:
    items: tuple[Filter, ...]

    def __init__(self, *items: Filter | None):
        object.__setattr__(self, "items", tuple(i for i in items if i is not None))


@dataclass(frozen=True)
class Not:
    item: Filter


Filter = Eq | In | Range | Exists | And | Or | Not


def _filter_fields(flt: Filter | None) -> Iterator[str]:
    if flt is None:
        return
    if isinstance(flt, And | Or):
        for item in flt.items:
            yield from _filter_fields(item)
    elif isinstance(flt, Not):
        yield from _filter_fields(flt.item)
    else:
        yield flt.field


# --- queries and results -----------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str = ""
    filter: Filter | None = None
    facets: tuple[str, ...] = ()
    sort: tuple[tuple[str, Literal["asc", "desc"]], ...] = ()  # empty: by relevance
    page: int = 1
    per_page: int = 20
    highlight: tuple[str, ...] = ()

    def __post_init__(self):
        if self.page < 1:
            raise SearchError("page starts at 1")
        if not 1 <= self.per_page <= 1000:
            raise SearchError("per_page must be between 1 and 1000")
        for _name, direction in self.sort:
            if direction not in ("asc", "desc"):
                raise SearchError(f"sort direction {direction!r} is neither asc nor desc")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass
class Hit:
    id: str
    document: dict
    # field -> text with MARK_START/MARK_END around matched words (not HTML-escaped)
    highlights: dict[str, str] = field(default_factory=dict)


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    # facet field -> {value as string: count}; booleans as "true"/"false"
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def ids(self) -> list[str]:
        return [h.id for h in self.hits]


# --- errors ----------------------------------------------------------------------------


class SearchError(ValueError):
    """A query or document the index cannot take (unknown field, bad value)."""


class SearchUnavailable(RuntimeError):
    """The engine cannot be reached or failed; pages that need no search keep working."""


# --- the backend protocol ------------------------------------------------------------


@runtime_checkable
class SearchBackend(Protocol):
    def ensure_index(self, settings: IndexSettings) -> None:
        """Create the index if needed and apply its settings (idempotent)."""

    def add_documents(self, settings: IndexSettings, documents: Iterable[dict], *, batch_size: int = 1000) -> None:
        """Add or replace documents by primary key, in batches; visible to searches on return."""

    def delete_documents(self, settings: IndexSettings, ids: Sequence[str]) -> None:
        """Remove documents by primary key; unknown ids are ignored."""

    def search(self, settings: IndexSettings, query: Query) -> SearchResult:
        """Hits in rank order with highlights, facet counts and the total."""

    def count(self, settings: IndexSettings) -> int:
        """Number of documents in the index."""

    def rebuild(self, settings: IndexSettings, documents: Iterable[dict], *, batch_size: int = 1000) -> int:
        """Build a fresh copy of the index aside, then swap it in; searches never see a gap."""

    def drop(self, settings: IndexSettings) -> None:
        """Delete the index and its documents."""

    def healthy(self) -> bool:
        """Whether the engine answers."""


def mark_html(text: str, *, tag: str = "mark") -> str:
    """Escape a highlighted fragment for HTML and turn the marks into <mark> elements."""
    from markupsafe import escape

    escaped = str(escape(text))
    return escaped.replace(MARK_START, f"<{tag}>").replace(MARK_END, f"</{tag}>")
