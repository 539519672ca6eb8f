"""The rules of a need's fields, as the services apply them (the forms use the same)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.accounts.models import OrganisationKind
from app.db import utcnow
from app.needs.validation import (
    InvalidNeed,
    NeedError,
    clean_need_values,
    normalise_cpv,
    parse_whole_euros,
)
from tests.needs.builders import count_needs, need_values

ADMINISTRATION = SimpleNamespace(kind=OrganisationKind.ADMINISTRATION)
CORPORATE = SimpleNamespace(kind=OrganisationKind.CORPORATE)
STARTUP = SimpleNamespace(kind=OrganisationKind.STARTUP)


@pytest.mark.parametrize("typed, cents", [
    ("150000", 15_000_000), ("150 000", 15_000_000), ("150 000 €", 15_000_000), ("€150,000", 15_000_000),
    ("150.000", 15_000_000), ("1 500 000 EUR", 150_000_000), ("150 000,00", 15_000_000),
    ("150000.0", 15_000_000), ("99 999 999", 9_999_999_900), (" 7 euros ", 700),
])
def test_amounts_are_read_in_whole_euros_without_floats(typed, cents):
    assert parse_whole_euros(typed) == cents


@pytest.mark.parametrize("typed, code", [
    ("", "budget_required"), ("€", "budget_required"), ("-150000", "budget_positive"),
    ("150 000,50", "budget_whole_euros"), ("1.5", "budget_whole_euros"), ("1e6", "budget_format"),
    ("150k", "budget_format"), ("15,00,000", "budget_format"), ("١٢٣", "budget_format"),
])
def test_unreadable_amounts_say_why(typed, code):
    with pytest.raises(NeedError) as refused:
        parse_whole_euros(typed)
    assert refused.value.code == code


def test_cpv_codes_have_eight_digits_and_an_optional_check_digit():
    assert normalise_cpv(" 72000000-5 ") == "72000000-5"
    assert normalise_cpv("72000000") == "72000000"
    assert normalise_cpv("") is None
    for bad in ("7200000", "72000000-55", "7200000A", "72000000/5"):
        with pytest.raises(NeedError):
            normalise_cpv(bad)


def codes(values, buyer=ADMINISTRATION) -> set[tuple[str, str]]:
    try:
        clean_need_values(values, buyer=buyer, now=utcnow())
    except InvalidNeed as exc:
        return {(e.field, e.code) for e in exc.errors}
    return set()


def test_valid_values_pass_and_are_normalised():
    clean = clean_need_values(need_values(title="  Titre  ", sensitive_data=True, categories=["ai.llm", "ai.llm"]),
                              buyer=ADMINISTRATION, now=utcnow())
    assert clean["title"] == "Titre" and clean["requires_secnumcloud"] and clean["categories"] == ["ai.llm"]
    assert clean["sealed_bids"] is True  # public route


@pytest.mark.parametrize("changes, buyer, expected", [
    ({"budget_max_cents": 100_000_000 * 100}, ADMINISTRATION, ("budget_max_cents", "budget_too_high")),
    ({"budget_min_cents": 5_00, "budget_max_cents": 4_00}, ADMINISTRATION, ("budget_min_cents", "budget_min_above_max")),
    ({"budget_min_cents": 0}, ADMINISTRATION, ("budget_min_cents", "budget_positive")),
    ({"budget_min_cents": None}, ADMINISTRATION, ("budget_min_cents", "budget_required")),
    ({"route": "private"}, ADMINISTRATION, ("route", "route_mismatch")),
    ({"route": "public"}, CORPORATE, ("route", "route_mismatch")),
    ({"route": "public"}, STARTUP, ("route", "not_a_buyer")),
    ({"route": "barter"}, ADMINISTRATION, ("route", "route_invalid")),
    ({"deadline_at": utcnow() - timedelta(minutes=1)}, ADMINISTRATION, ("deadline_at", "deadline_past")),
    ({"deadline_at": utcnow().replace(tzinfo=None) + timedelta(days=3)}, ADMINISTRATION,
     ("deadline_at", "deadline_required")),
    ({"weight_cost": 30}, ADMINISTRATION, ("weights", "weights_sum")),
    ({"weight_cost": -10, "weight_sovereignty": 40}, ADMINISTRATION, ("weight_cost", "weight_range")),
    ({"approach": "custom", "custom_justification": " "}, ADMINISTRATION, ("custom_justification", "custom_unjustified")),
    ({"anonymised": True, "anonymous_label": "x"}, ADMINISTRATION, ("anonymised", "anonymised_public")),
    ({"visibility": "invitation", "anonymised": True}, ADMINISTRATION, ("anonymous_label", "anonymous_label_required")),
    ({"categories": ["ai", "space"]}, ADMINISTRATION, ("categories", "category_unknown")),
    ({"region": "XX"}, ADMINISTRATION, ("region", "region_unknown")),
    ({"title": "x" * 201}, ADMINISTRATION, ("title", "too_long")),
], ids=["budget 100M", "min above max", "zero", "missing budget", "administration buying privately",
        "group buying publicly", "startup posting", "unknown route", "past deadline", "naive deadline",
        "weights 120", "negative weight", "custom unjustified", "anonymised public", "anonymised unlabelled",
        "unknown category", "unknown region", "long title"])
def test_each_rule_names_its_field_and_reason(changes, buyer, expected):
    route = {"route": "private"} if buyer is CORPORATE else {}
    assert expected in codes(need_values(**{**route, **changes}), buyer)


def test_the_sum_of_the_weights_is_told(app):
    from app.needs.messages import message_for

    with pytest.raises(InvalidNeed) as refused:
        clean_need_values(need_values(weight_cost=30), buyer=ADMINISTRATION, now=utcnow())
    error = next(e for e in refused.value.errors if e.code == "weights_sum")
    assert error.params == {"total": 120}
    with app.test_request_context("/?lang=en"):
        assert message_for(error.code, **error.params) == "The weights add up to 120; they must add up to 100."


def test_references_are_numbered_within_the_year(app_ctx):
    from app.events import commit
    from app.needs.services import create_need
    from tests.factories import make_org

    org, user = make_org("administration")
    first = create_need(buyer=org, by=user, values=need_values())
    second = create_need(buyer=org, by=user, values=need_values())
    commit()
    year = utcnow().year
    assert (first.reference, second.reference) == (f"TRP-{year}-0001", f"TRP-{year}-0002")
    assert count_needs() == 2
