"""Pure parts of the Meilisearch backend, tested without a server: settings, filter
expressions (with their quoting), search parameters and the mapping of an answer."""

from __future__ import annotations

import pytest

from search.base import (
    MARK_END,
    MARK_START,
    And,
    Eq,
    Exists,
    In,
    IndexSettings,
    Not,
    Or,
    Query,
    Range,
    SearchError,
)
from search.meili import (
    map_result,
    query_text,
    quote_field,
    quote_value,
    search_params,
    settings_payload,
    synonyms_payload,
    translate_filter,
)
from search.synonyms import synonym_map

NEEDS = IndexSettings(
    name="needs",
    searchable=("title", "summary", "categories"),
    filterable=("category", "budget_max", "sme_set_aside", "deadline_at", "visibility"),
    sortable=("deadline_at", "budget_max", "published_at"),
    displayed=("title", "summary"),
    synonyms=synonym_map(),
)


# --- settings -------------------------------------------------------------------------


def test_settings_keep_the_declared_attributes_in_order():
    payload = settings_payload(NEEDS)
    assert payload["searchableAttributes"] == ["title", "summary", "categories"]
    assert payload["filterableAttributes"] == list(NEEDS.filterable)
    assert payload["sortableAttributes"] == list(NEEDS.sortable)


def test_displayed_attributes_always_hold_the_primary_key():
    assert settings_payload(NEEDS)["displayedAttributes"] == ["id", "title", "summary"]
    every_field = IndexSettings(name="x", searchable=("title",))
    assert settings_payload(every_field)["displayedAttributes"] == ["*"]


def test_ranking_rules_put_an_explicit_sort_right_after_words():
    rules = settings_payload(NEEDS)["rankingRules"]
    assert rules[:2] == ["words", "sort"]
    assert set(rules) == {"words", "sort", "typo", "proximity", "attribute", "exactness"}


def test_typo_tolerance_follows_the_declared_word_sizes():
    custom = IndexSettings(
        name="x", searchable=("t",), min_word_size_one_typo=4, min_word_size_two_typos=8
    )
    assert settings_payload(NEEDS)["typoTolerance"] == {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
    }
    assert settings_payload(custom)["typoTolerance"]["minWordSizeForTypos"] == {
        "oneTypo": 4,
        "twoTypos": 8,
    }


def test_french_and_english_are_declared_as_locales():
    assert settings_payload(NEEDS)["localizedAttributes"] == [
        {"attributePatterns": ["*"], "locales": ["fra", "eng"]}
    ]
    no_language = IndexSettings(name="x", searchable=("t",), languages=())
    assert "localizedAttributes" not in settings_payload(no_language)


def test_totals_are_exact_well_past_the_default_thousand_hits():
    assert settings_payload(NEEDS)["pagination"]["maxTotalHits"] >= 100_000
    assert settings_payload(NEEDS, max_total_hits=5000)["pagination"] == {"maxTotalHits": 5000}


def test_market_synonyms_reach_meilisearch_both_ways():
    synonyms = settings_payload(NEEDS)["synonyms"]
    assert "intelligence artificielle" in synonyms["ia"]
    assert "ia" in synonyms["ai"]
    assert "cybersécurité" in synonyms["cyber"]
    assert "sovereign cloud" in synonyms["cloud souverain"]
    assert "cloud souverain" in synonyms["sovereign cloud"]
    assert all(word not in others for word, others in synonyms.items())


def test_one_way_synonyms_are_closed_into_groups():
    assert synonyms_payload({"IA": ("AI",), "ai": ("Artificial  Intelligence",)}) == {
        "ia": ["ai", "artificial intelligence"],
        "ai": ["ia", "artificial intelligence"],
        "artificial intelligence": ["ia", "ai"],
    }
    assert synonyms_payload({}) == {}


# --- filters ---------------------------------------------------------------------------


def engine_reads_quoted(text: str) -> tuple[str, str]:
    """How Meilisearch's filter parser reads a double-quoted value (filter-parser's
    value.rs: `quoted_by` skips the character after each backslash and unescapes \\",
    then the fragment is unescaped once more, \\\\ becoming one backslash)."""
    assert text[0] == '"'
    i, escaped_quote = 1, False
    while text[i] != '"':
        if text[i] == "\\":
            i += 1
            escaped_quote |= text[i] == '"'
        i += 1
    fragment, rest = text[1:i], text[i + 1 :]
    if escaped_quote:
        fragment = fragment.replace('\\"', '"')
    out, j = [], 0
    while j < len(fragment):
        if fragment[j] == "\\":
            j += 1
            out.append({"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t"}[fragment[j]])
        else:
            out.append(fragment[j])
        j += 1
    return "".join(out), rest


TRICKY = [
    "plain",
    "with spaces",
    'say "hello"',
    "back\\slash",
    "ends with a backslash\\",
    '\\"',
    '\\\\"both\\\\"',
    "l'État",
    "cybersécurité 🇫🇷 données",
    "",
    "a = b AND c OR NOT (d)",
    "IN [x, y]",
    "tab\tand\nnewline",
]


@pytest.mark.parametrize("value", TRICKY)
def test_quoted_strings_read_back_as_the_same_value(value):
    quoted = quote_value(value)
    assert engine_reads_quoted(quoted) == (value, "")


@pytest.mark.parametrize("value", TRICKY)
def test_a_quoted_value_cannot_end_the_expression_early(value):
    expr = translate_filter(And(Eq("title", value), Eq("visibility", "public")))
    read, rest = engine_reads_quoted(expr.removeprefix("title = "))
    assert read == value
    assert rest == ' AND visibility = "public"'


def test_scalars_are_written_as_the_engine_reads_them():
    assert quote_value(True) == "true"
    assert quote_value(False) == "false"
    assert quote_value(150_000) == "150000"
    assert quote_value(-3) == "-3"
    assert quote_value("true") == '"true"'
    with pytest.raises(SearchError):
        quote_value(None)
    with pytest.raises(SearchError):
        quote_value(float("nan"))


def test_field_names_are_bare_words_or_quoted():
    assert quote_field("deadline_at") == "deadline_at"
    assert quote_field("buyer.type") == "buyer.type"
    assert quote_field("NOT") == '"NOT"'
    assert quote_field("a field") == '"a field"'
    with pytest.raises(SearchError):
        quote_field("")


def test_equality_membership_and_existence():
    assert translate_filter(Eq("category", "cloud")) == 'category = "cloud"'
    assert translate_filter(Eq("sme_set_aside", True)) == "sme_set_aside = true"
    assert translate_filter(In("category", ["ia", "cyber", "ia"])) == 'category IN ["ia", "cyber"]'
    assert translate_filter(In("budget_max", (1, 2))) == "budget_max IN [1, 2]"
    assert (
        translate_filter(Exists("deadline_at"))
        == "deadline_at EXISTS AND deadline_at IS NOT NULL AND deadline_at IS NOT EMPTY"
    )


def test_ranges_use_comparisons():
    assert translate_filter(Range("budget_max", gte=100_000, lte=10_000_000)) == (
        "budget_max >= 100000 AND budget_max <= 10000000"
    )
    assert translate_filter(Range("deadline_at", gt=5)) == "deadline_at > 5"
    assert translate_filter(Range("deadline_at", lt=9)) == "deadline_at < 9"
    with pytest.raises(SearchError):
        translate_filter(Range("budget_max"))
    with pytest.raises(SearchError):
        translate_filter(Range("budget_max", gte="100"))


def test_boolean_trees_are_parenthesised_where_precedence_needs_it():
    flt = And(
        Eq("visibility", "public"),
        Or(Eq("category", "ia"), Not(Exists("deadline_at"))),
        Range("budget_max", gte=1, lte=5),
    )
    assert translate_filter(flt) == (
        'visibility = "public" AND (category = "ia" OR NOT (deadline_at EXISTS AND '
        "deadline_at IS NOT NULL AND deadline_at IS NOT EMPTY)) AND budget_max >= 1 AND budget_max <= 5"
    )
    assert translate_filter(Or(And(Eq("a", 1), Eq("b", 2)), Eq("c", 3))) == (
        "(a = 1 AND b = 2) OR c = 3"
    )
    assert translate_filter(Not(Eq("a", 1))) == "NOT a = 1"
    assert translate_filter(Not(Or(Eq("a", 1), Eq("b", 2)))) == "NOT (a = 1 OR b = 2)"


def test_nested_groups_of_one_kind_are_flattened():
    assert translate_filter(And(Eq("a", 1), And(Eq("b", 2), And(Eq("c", 3))))) == (
        "a = 1 AND b = 2 AND c = 3"
    )
    assert translate_filter(Or(Or(Eq("a", 1), Eq("b", 2)), Eq("c", 3))) == "a = 1 OR b = 2 OR c = 3"


def test_empty_groups_mean_everything_or_nothing():
    assert translate_filter(None) is True
    assert translate_filter(And()) is True
    assert translate_filter(Or()) is False
    assert translate_filter(In("category", [])) is False
    assert translate_filter(Not(In("category", []))) is True
    assert translate_filter(And(Eq("a", 1), Or())) is False
    assert translate_filter(Or(Eq("a", 1), And())) is True
    assert translate_filter(Or(Eq("a", 1), Or())) == "a = 1"
    assert translate_filter(And(Eq("a", 1), And())) == "a = 1"
    assert translate_filter(And(Eq("a", 1), Not(Or()))) == "a = 1"


def test_a_lone_compound_keeps_its_parentheses_under_not():
    assert translate_filter(Not(And(Or(), Eq("x", 1)))) is True
    assert translate_filter(Not(Or(Or(), And(Eq("a", 1), Eq("b", 2))))) == "NOT (a = 1 AND b = 2)"


# --- search parameters ------------------------------------------------------------------


def test_search_params_carry_filter_facets_sort_pages_and_marks():
    query = Query(
        text="cloud",
        filter=Eq("category", "cloud"),
        facets=("category", "sme_set_aside"),
        sort=(("deadline_at", "asc"), ("budget_max", "desc")),
        page=3,
        per_page=10,
        highlight=("title",),
    )
    assert search_params(query) == {
        "page": 3,
        "hitsPerPage": 10,
        "matchingStrategy": "last",
        "filter": 'category = "cloud"',
        "facets": ["category", "sme_set_aside"],
        "sort": ["deadline_at:asc", "budget_max:desc"],
        "attributesToHighlight": ["title"],
        "highlightPreTag": MARK_START,
        "highlightPostTag": MARK_END,
    }


def test_a_plain_query_sends_only_pagination():
    assert search_params(Query()) == {"page": 1, "hitsPerPage": 20, "matchingStrategy": "last"}
    assert "filter" not in search_params(Query(filter=And()))


def test_french_elisions_are_dropped_from_the_query_text():
    assert query_text("l'intelligence artificielle ") == "intelligence artificielle "
    assert query_text("Plateforme d’IA qu'elle") == "Plateforme IA elle"
    assert query_text("jusqu'au cloud") == "au cloud"
    assert query_text("aujourd'hui O'Reilly d' l'") == "aujourd'hui O'Reilly d' l'"
    assert query_text("cyberséc") == "cyberséc"


def test_a_filter_that_matches_nothing_needs_no_request():
    with pytest.raises(SearchError):
        search_params(Query(filter=Or()))


# --- results ---------------------------------------------------------------------------

RAW = {
    "hits": [
        {
            "id": 7,
            "title": "Cloud souverain",
            "summary": "Hébergement",
            "tags": ["cloud", "iaas"],
            "_rankingScore": 0.9,
            "_formatted": {
                "id": "7",
                "title": f"{MARK_START}Cloud{MARK_END} souverain",
                "summary": "Hébergement",
                "tags": [f"{MARK_START}cloud{MARK_END}", "iaas"],
            },
        },
        {"id": "b-2", "title": "Autre", "summary": "", "_geo": {"lat": 1, "lng": 2}},
    ],
    "page": 2,
    "hitsPerPage": 2,
    "totalHits": 57,
    "totalPages": 29,
    "facetDistribution": {
        "category": {"cloud": 40, "ia": 17},
        "sme_set_aside": {"true": 12, "false": 45},
    },
}


def test_hits_keep_their_rank_order_ids_and_documents():
    query = Query(text="cloud", page=2, per_page=2)
    result = map_result(RAW, query, "id")
    assert result.ids == ["7", "b-2"]
    assert result.hits[0].document == {
        "id": 7,
        "title": "Cloud souverain",
        "summary": "Hébergement",
        "tags": ["cloud", "iaas"],
    }
    assert result.hits[1].document["_geo"] == {"lat": 1, "lng": 2}
    assert (result.total, result.page, result.per_page, result.pages) == (57, 2, 2, 29)


def test_highlights_come_from_formatted_for_the_asked_fields_only():
    query = Query(text="cloud", highlight=("title", "tags"))
    hit = map_result(RAW, query, "id").hits[0]
    assert hit.highlights == {
        "title": f"{MARK_START}Cloud{MARK_END} souverain",
        "tags": f"{MARK_START}cloud{MARK_END}, iaas",
    }
    assert map_result(RAW, Query(text="cloud"), "id").hits[0].highlights == {}
    assert map_result(RAW, query, "id").hits[1].highlights == {}


def test_facet_counts_are_strings_to_ints_for_every_asked_facet():
    query = Query(facets=("category", "sme_set_aside", "region"))
    facets = map_result(RAW, query, "id").facets
    assert facets == {
        "category": {"cloud": 40, "ia": 17},
        "sme_set_aside": {"true": 12, "false": 45},
        "region": {},
    }


def test_documents_hold_the_displayed_fields_only():
    result = map_result(RAW, Query(), "id", displayed=("title", "summary"))
    assert result.ids == ["7", "b-2"]
    assert result.hits[0].document == {"title": "Cloud souverain", "summary": "Hébergement"}


def test_an_estimated_total_is_used_when_no_exact_one_came():
    raw = {"hits": [{"id": 1}], "estimatedTotalHits": 3}
    assert map_result(raw, Query(), "id").total == 3


def test_a_hit_without_its_primary_key_is_an_error():
    with pytest.raises(SearchError):
        map_result({"hits": [{"title": "x"}], "totalHits": 1}, Query(), "id")
