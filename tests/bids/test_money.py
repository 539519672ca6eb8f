"""Amounts typed by people become integer cents, never through a float."""

from __future__ import annotations

import pytest

from app.bids.money import AmountError, format_euros_input, parse_euros


@pytest.mark.parametrize(("typed", "cents"), [
    ("185000", 18_500_000),
    ("185 000", 18_500_000),
    ("185\u202f000\u00a0€", 18_500_000),
    ("185 000,50 €", 18_500_050),
    ("185 000,5", 18_500_050),
    ("185.000,50", 18_500_050),
    ("185,000.50", 18_500_050),
    ("1,5", 150),
    ("1.50", 150),
    ("1.500", 150_000),
    ("1 234 567,89 EUR", 123_456_789),
    ("0,01", 1),
    ("€2,500", 250_000),
    ("2 500 euros", 250_000),
    ("99 999 999,99", 9_999_999_999),
    (250, 25_000),
])
def test_amounts_are_read_as_people_write_them(typed, cents):
    assert parse_euros(typed) == cents


@pytest.mark.parametrize(("typed", "code"), [
    ("", "amount_required"),
    (None, "amount_required"),
    ("   €", "amount_required"),
    ("0", "amount_not_positive"),
    ("-1", "amount_not_positive"),
    ("−500", "amount_not_positive"),
    ("abc", "amount_invalid"),
    ("1e5", "amount_invalid"),
    ("12,345,67", "amount_invalid"),
    ("1.234.56", "amount_invalid"),
    ("1,234,5", "amount_invalid"),
    ("0.001", "amount_invalid"),
    ("100 000 000", "amount_too_high"),
])
def test_what_is_not_a_positive_amount_is_refused_with_a_reason(typed, code):
    with pytest.raises(AmountError) as caught:
        parse_euros(typed)
    assert caught.value.code == code


def test_cents_go_back_into_the_form_as_typed():
    assert format_euros_input(18_500_000) == "185 000"
    assert format_euros_input(18_500_050) == "185 000,50"
    assert parse_euros(format_euros_input(123_456_789)) == 123_456_789
