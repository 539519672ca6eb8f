"""Pure translations between our search interface and the Meilisearch HTTP API.

Nothing here talks to a server: settings, filter expressions, search parameters and the
mapping of a raw answer are plain functions, unit-tested without Meilisearch. The target
is Meilisearch 1.10 or later (``localizedAttributes``, ``IS NULL``, backslash escapes in
quoted filter values).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from .base import (
    MARK_END,
    MARK_START,
    And,
    Eq,
    Exists,
    Filter,
    Hit,
    In,
    IndexSettings,
    Not,
    Or,
    Query,
    Range,
    SearchError,
    SearchResult,
)

# An explicit sort ("by deadline", "by budget") orders the hits right after "words": hits
# holding every query word come first, each group in the asked order; relevance rules
# break its ties, and without a sort they rank alone.
RANKING_RULES = ("words", "sort", "typo", "proximity", "attribute", "exactness")

# Hits holding every query word first, then those missing the last words (Meilisearch's
# default, stated so it cannot change under us).
MATCHING_STRATEGY = "last"

# A French elision (l', d', qu', jusqu'...) before a word: dropped from the query, so
# « l'intelligence » asks for « intelligence », not for a word « l » as well.
_ELISION = re.compile(
    r"(?<![^\W_])(?:jusqu|lorsqu|puisqu|quoiqu|qu|[cdjlmnst])['’](?=[^\W_])", re.I
)

# Meilisearch names languages with ISO 639-3 codes in localizedAttributes.
_LOCALES = {
    "fr": "fra",
    "en": "eng",
    "de": "deu",
    "es": "spa",
    "it": "ita",
    "nl": "nld",
    "pt": "por",
}

# Keys Meilisearch adds to a hit beside the document's own fields.
_HIT_META_KEYS = frozenset(
    {"_formatted", "_matchesPosition", "_rankingScore", "_rankingScoreDetails", "_federation"}
)

# What the filter grammar reads as a bare word; anything else is written quoted.
_WORD = re.compile(r"[^\W][\w.\-]*")
_KEYWORDS = frozenset(
    {"AND", "OR", "IN", "NOT", "TO", "EXISTS", "IS", "NULL", "EMPTY", "CONTAINS", "STARTS", "WITH"}
)


# --- settings ---------------------------------------------------------------------------


def settings_payload(
    settings: IndexSettings,
    *,
    max_total_hits: int = 100_000,
    max_values_per_facet: int = 500,
) -> dict:
    """The body of ``PATCH /indexes/{uid}/settings`` for these declared settings."""
    if settings.displayed is None:
        displayed = ["*"]
    else:
        # A hit is named by its primary key, so the key is always returned.
        displayed = list(dict.fromkeys((settings.primary_key, *settings.displayed)))
    payload: dict = {
        "searchableAttributes": list(settings.searchable) or ["*"],
        "filterableAttributes": list(settings.filterable),
        "sortableAttributes": list(settings.sortable),
        "displayedAttributes": displayed,
        "rankingRules": list(RANKING_RULES),
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {
                "oneTypo": settings.min_word_size_one_typo,
                "twoTypos": settings.min_word_size_two_typos,
            },
        },
        "synonyms": synonyms_payload(settings.synonyms),
        # Totals are exact up to this many hits (page/hitsPerPage pagination).
        "pagination": {"maxTotalHits": max_total_hits},
        "faceting": {"maxValuesPerFacet": max_values_per_facet},
    }
    if settings.languages:
        locales = list(dict.fromkeys(_LOCALES.get(lang, lang) for lang in settings.languages))
        payload["localizedAttributes"] = [{"attributePatterns": ["*"], "locales": locales}]
    return payload


def synonyms_payload(synonyms: Mapping[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """word -> every other word of its group, lowercased; groups are closed both ways.

    ``{"ia": ("ai",)}`` also gives ``"ai": ["ia"]``; words linked through a common word
    end in one group, as IndexSettings asks ("applied both ways by the backends").
    """
    parent: dict[str, str] = {}

    def find(word: str) -> str:
        parent.setdefault(word, word)
        while parent[word] != word:
            parent[word] = parent[parent[word]]
            word = parent[word]
        return word

    for word, others in synonyms.items():
        for other in others:
            parent[find(_norm(other))] = find(_norm(word))
        find(_norm(word))
    groups: dict[str, list[str]] = {}
    for word in parent:
        groups.setdefault(find(word), []).append(word)
    return {
        word: [w for w in group if w != word]
        for group in groups.values()
        if len(group) > 1
        for word in group
    }


def _norm(word: str) -> str:
    return " ".join(word.lower().split())


# --- filters ----------------------------------------------------------------------------


def translate_filter(flt: Filter | None) -> str | bool:
    """A Meilisearch filter expression for our filter tree.

    Returns ``True`` when the filter lets everything through (no filter, empty And) and
    ``False`` when it can match nothing (empty Or, empty In): Meilisearch has no literal
    for either, so the caller omits the filter or skips the request.
    """
    if flt is None:
        return True
    expr = _compile(flt)
    return expr if isinstance(expr, bool) else expr.text


class _Expr:
    __slots__ = ("text", "compound", "joiner")

    def __init__(self, text: str, compound: bool = False, joiner: str = ""):
        self.text = text
        self.compound = compound  # needs parentheses inside AND / OR / NOT
        self.joiner = joiner  # " AND " / " OR " when it is a flat list of those

    def wrapped(self) -> str:
        return f"({self.text})" if self.compound else self.text


def _compile(flt: Filter) -> _Expr | bool:
    if isinstance(flt, Eq):
        return _Expr(f"{quote_field(flt.field)} = {quote_value(flt.value)}")
    if isinstance(flt, In):
        if not flt.values:
            return False
        values = ", ".join(quote_value(v) for v in dict.fromkeys(flt.values))
        return _Expr(f"{quote_field(flt.field)} IN [{values}]")
    if isinstance(flt, Range):
        return _range(flt)
    if isinstance(flt, Exists):
        name = quote_field(flt.field)
        # EXISTS alone also matches a field present as null or as an empty list.
        text = f"{name} EXISTS AND {name} IS NOT NULL AND {name} IS NOT EMPTY"
        return _Expr(text, compound=True, joiner=" AND ")
    if isinstance(flt, Not):
        inner = _compile(flt.item)
        if isinstance(inner, bool):
            return not inner
        return _Expr(f"NOT {inner.wrapped()}")
    if isinstance(flt, And | Or):
        return _combine(flt)
    raise SearchError(f"unknown filter {flt!r}")


def _combine(flt: And | Or) -> _Expr | bool:
    neutral = isinstance(flt, And)  # And: True is neutral, False absorbs; Or the reverse
    parts: list[_Expr] = []
    for item in flt.items:
        expr = _compile(item)
        if isinstance(expr, bool):
            if expr is neutral:
                continue
            return not neutral
        parts.append(expr)
    if not parts:
        return neutral
    if len(parts) == 1:
        return parts[0]
    # (a AND b) AND c is written a AND b AND c, which keeps deep trees shallow.
    joiner = " AND " if neutral else " OR "
    texts = [p.text if p.joiner == joiner else p.wrapped() for p in parts]
    return _Expr(joiner.join(texts), compound=True, joiner=joiner)


def _range(flt: Range) -> _Expr | bool:
    name = quote_field(flt.field)
    bounds = [(">=", flt.gte), (">", flt.gt), ("<=", flt.lte), ("<", flt.lt)]
    for _op, value in bounds:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise SearchError(f"range bound on {flt.field!r} must be a number, not {value!r}")
    parts = [f"{name} {op} {quote_value(v)}" for op, v in bounds if v is not None]
    if not parts:
        raise SearchError(f"range on {flt.field!r} has no bound")
    if len(parts) == 1:
        return _Expr(parts[0])
    return _Expr(" AND ".join(parts), compound=True, joiner=" AND ")


def quote_value(value: object) -> str:
    """A filter value: booleans as true/false, numbers bare, strings double-quoted.

    Inside double quotes the engine reads ``\\"`` as a quote and then ``\\\\`` as one
    backslash, so both are escaped; every other character (spaces, unicode, single
    quotes, parentheses, keywords) is taken literally.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SearchError(f"filter value {value!r} is not a finite number")
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise SearchError(f"filter value {value!r} is neither text, a number nor a boolean")


def quote_field(name: str) -> str:
    """A field name, bare when the grammar reads it as one word, else quoted."""
    if not isinstance(name, str) or not name:
        raise SearchError(f"bad field name {name!r}")
    if _WORD.fullmatch(name) and name not in _KEYWORDS and not name.startswith("_geo"):
        return name
    return quote_value(name)


# --- search parameters and results -------------------------------------------------------


def query_text(text: str) -> str:
    """The ``q`` sent for what the user typed: French elisions dropped, the rest as is
    (a trailing space still tells Meilisearch the last word is complete, not a prefix)."""
    return _ELISION.sub("", text)


def search_params(query: Query) -> dict:
    """The body of ``POST /indexes/{uid}/search`` beside ``q``.

    page/hitsPerPage make Meilisearch count the hits exhaustively (up to the index's
    ``pagination.maxTotalHits``), so ``totalHits`` is the true total.
    """
    params: dict = {
        "page": query.page,
        "hitsPerPage": query.per_page,
        "matchingStrategy": MATCHING_STRATEGY,
    }
    flt = translate_filter(query.filter)
    if flt is False:
        raise SearchError("this filter matches nothing; no request is needed")
    if isinstance(flt, str):
        params["filter"] = flt
    if query.facets:
        params["facets"] = list(query.facets)
    if query.sort:
        params["sort"] = [f"{name}:{direction}" for name, direction in query.sort]
    if query.highlight:
        params["attributesToHighlight"] = list(query.highlight)
        params["highlightPreTag"] = MARK_START
        params["highlightPostTag"] = MARK_END
    return params


def empty_result(query: Query) -> SearchResult:
    """What a search whose filter matches nothing returns."""
    return SearchResult(
        hits=[],
        total=0,
        facets={name: {} for name in query.facets},
        page=query.page,
        per_page=query.per_page,
    )


def map_result(
    raw: Mapping,
    query: Query,
    primary_key: str,
    *,
    displayed: tuple[str, ...] | None = None,
) -> SearchResult:
    """Our SearchResult from the JSON Meilisearch answered to a search.

    With ``displayed``, documents hold those fields only: the primary key, which
    Meilisearch is always asked to return, names the hit but stays out of the document
    unless it is displayed.
    """
    hits = []
    for raw_hit in raw.get("hits", ()):
        document = {k: v for k, v in raw_hit.items() if k not in _HIT_META_KEYS}
        if primary_key not in document:
            raise SearchError(f"a hit came back without its primary key {primary_key!r}")
        formatted = raw_hit.get("_formatted") or {}
        highlights = {}
        for name in query.highlight:
            text = _highlight_text(formatted.get(name))
            if text is not None:
                highlights[name] = text
        hit_id = str(document[primary_key])
        if displayed is not None:
            document = {k: v for k, v in document.items() if k in displayed}
        hits.append(Hit(id=hit_id, document=document, highlights=highlights))
    total = raw.get("totalHits")
    if total is None:
        total = raw.get("estimatedTotalHits", len(hits))
    distribution = raw.get("facetDistribution") or {}
    facets = {name: _facet_counts(distribution.get(name) or {}) for name in query.facets}
    return SearchResult(
        hits=hits, total=int(total), facets=facets, page=query.page, per_page=query.per_page
    )


def _highlight_text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # a list field: its items, each highlighted
        items = [text for text in map(_highlight_text, value) if text is not None]
        return ", ".join(items) if items else None
    if isinstance(value, bool | int | float):
        return _facet_key(value)
    return None


def _facet_counts(values: Mapping) -> dict[str, int]:
    return {_facet_key(value): int(count) for value, count in values.items()}


def _facet_key(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
