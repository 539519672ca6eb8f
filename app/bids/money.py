"""Amounts in euros as people type them, read into integer cents without floats.

Accepted: "185000", "185 000", "185 000 €", "185 000,50 €", "185.000,50", "185,000.50",
"1,5" (1.50 €), "EUR 2 500". A group of exactly three digits after a separator is a
thousands group; one or two digits after the last separator are cents.
"""

from __future__ import annotations

import re

MAX_AMOUNT_CENTS = 100_000_000 * 100  # amounts stay below €100M, as budgets do

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_CURRENCY = re.compile(r"(€|eur(?:os?)?)", re.IGNORECASE)
_NUMBER = re.compile(
    r"(?P<int>[1-9]\d{0,2}(?P<sep>[.,])\d{3}(?:(?P=sep)\d{3})*|\d+)"
    r"(?:(?P<dec>[.,])(?P<frac>\d{1,2}))?"
)


class AmountError(ValueError):
    """``code``: amount_required, amount_invalid, amount_not_positive or amount_too_high."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


def parse_euros(text: str | int | None, *, max_cents: int = MAX_AMOUNT_CENTS) -> int:
    """Integer cents of an amount in euros typed by a person; AmountError when unusable.

    ``max_cents``: the first amount refused as too high (€100M unless the caller says
    otherwise, e.g. a pledge over several years).
    """
    if isinstance(text, int) and not isinstance(text, bool):
        cents = text * 100
    else:
        raw = _CURRENCY.sub("", _SPACES.sub("", str(text or "")))
        if not raw:
            raise AmountError("amount_required")
        negative = raw.startswith(("-", "\u2212"))
        if negative or raw.startswith("+"):
            raw = raw[1:]
        match = _NUMBER.fullmatch(raw)
        if match is None:
            raise AmountError("amount_invalid")
        if match["sep"] and match["dec"] == match["sep"]:
            raise AmountError("amount_invalid")  # "1.234.56": a separator used both ways
        whole = int(match["int"].replace(".", "").replace(",", ""))
        cents = whole * 100 + int((match["frac"] or "0").ljust(2, "0"))
        if negative:
            cents = -cents
    if cents <= 0:
        raise AmountError("amount_not_positive")
    if cents >= max_cents:
        raise AmountError("amount_too_high")
    return cents


def format_euros_input(cents: int | None) -> str:
    """Cents back into the form people type ("185 000,50"), to refill a form field."""
    if cents is None:
        return ""
    whole, rest = divmod(int(cents), 100)
    text = f"{whole:,}".replace(",", " ")
    return f"{text},{rest:02d}" if rest else text
