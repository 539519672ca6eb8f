"""Invented company identifiers that pass the real checksums.

French SIREN/SIRET numbers get a Luhn check digit (stdnum); other EU VAT numbers are
built from a random body and the first check suffix for which
``stdnum.eu.vat.is_valid`` holds. Each number is then cleaned by the application's own
rules (``app.accounts.identifiers``), so the demo never holds an identifier the
registration form would refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from random import Random

from stdnum import luhn
from stdnum.eu import vat as eu_vat

from app.accounts.identifiers import check_company_ids

_D = "0123456789"


def _digits(rng: Random, n: int) -> str:
    return "".join(rng.choice(_D) for _ in range(n))


def _nz(rng: Random) -> str:
    return str(rng.randint(1, 9))


_TENS = [str(d) for d in range(10)]
_HUNDREDS = [f"{d:02d}" for d in range(100)]

# country -> (VAT prefix, body maker, check suffix candidates)
VAT_FORMATS: dict[str, tuple[str, Callable[[Random], str], list[str]]] = {
    "DE": ("DE", lambda r: _nz(r) + _digits(r, 7), _TENS),
    "BE": ("BE", lambda r: "0" + str(r.randint(2, 9)) + _digits(r, 6), _HUNDREDS),
    "NL": ("NL", lambda r: _nz(r) + _digits(r, 7), [f"{d}B01" for d in range(10)]),
    "ES": ("ES", lambda r: "B" + _digits(r, 7), _TENS),
    "IT": ("IT", lambda r: _nz(r) + _digits(r, 6) + f"{r.randint(1, 99):03d}", _TENS),
    "PT": ("PT", lambda r: "5" + _digits(r, 7), _TENS),
    "EE": ("EE", lambda r: "10" + _digits(r, 6), _TENS),
    "FI": ("FI", lambda r: _nz(r) + _digits(r, 6), _TENS),
    "SE": ("SE", lambda r: "55" + _digits(r, 7), [f"{d}01" for d in range(10)]),
    "AT": ("AT", lambda r: "U" + _nz(r) + _digits(r, 6), _TENS),
    "PL": ("PL", lambda r: _nz(r) + _digits(r, 8), _TENS),
    "IE": ("IE", lambda r: _nz(r) + _digits(r, 6), list("ABCDEFGHIJKLMNOPQRSTUVW")),
    "LU": ("LU", lambda r: _nz(r) + _digits(r, 5), _HUNDREDS),
    "DK": ("DK", lambda r: _nz(r) + _digits(r, 6), _TENS),
    "CZ": ("CZ", lambda r: str(r.randint(1, 8)) + _digits(r, 6), _TENS),
}


class IdentifierFactory:
    """Hands out unique, valid identifiers from the demo's random source."""

    def __init__(self, rng: Random):
        self.rng = rng
        self._used: set[str] = set()

    def siren(self, *, public: bool = False) -> str:
        """A SIREN; public bodies' numbers start with 1 or 2, companies' with 3 to 9."""
        while True:
            first = str(self.rng.randint(1, 2)) if public else str(self.rng.randint(3, 9))
            body = first + _digits(self.rng, 7)
            number = body + luhn.calc_check_digit(body)
            if number not in self._used:
                self._used.add(number)
                return check_company_ids("FR", siren=number).siren

    def siret(self, siren: str) -> str:
        """The head office establishment of a SIREN (NIC 0001x, Luhn over 14 digits)."""
        body = siren + "0001"
        number = body + luhn.calc_check_digit(body)
        return check_company_ids("FR", siren=siren, siret=number).siret

    def vat(self, country: str) -> str:
        prefix, make_body, suffixes = VAT_FORMATS[country]
        while True:
            body = make_body(self.rng)
            for suffix in suffixes:
                number = prefix + body + suffix
                if number not in self._used and eu_vat.is_valid(number):
                    self._used.add(number)
                    return check_company_ids(country, vat_number=number).vat_number
