"""Company identifiers: SIREN/SIRET for France (checksums), VAT numbers for other EU states."""

from __future__ import annotations

from dataclasses import dataclass

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret

# EU member states (ISO 3166-1 alpha-2); Greece's VAT prefix is EL.
EU_COUNTRIES: tuple[str, ...] = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)  # fmt: skip
VAT_PREFIX = {"GR": "EL"}


class IdentifierError(ValueError):
    """An identifier is malformed; ``field`` names the form field, ``code`` the reason."""

    def __init__(self, field: str, code: str):
        self.field = field
        self.code = code
        super().__init__(f"{field}: {code}")


@dataclass(frozen=True)
class CompanyIds:
    country: str
    siren: str | None = None
    siret: str | None = None
    vat_number: str | None = None


def _digits(value: str) -> str:
    return "".join(ch for ch in value if not ch.isspace() and ch not in ".-")


def clean_siren(value: str) -> str:
    number = _digits(value)
    if not number.isdigit() or len(number) != 9:
        raise IdentifierError("siren", "siren_format")
    try:
        return fr_siren.validate(number)
    except ValidationError as exc:
        raise IdentifierError("siren", "siren_checksum") from exc


def clean_siret(value: str) -> str:
    number = _digits(value)
    if not number.isdigit() or len(number) != 14:
        raise IdentifierError("siret", "siret_format")
    try:
        return fr_siret.validate(number)
    except ValidationError as exc:  # stdnum also knows La Poste's own rule
        raise IdentifierError("siret", "siret_checksum") from exc


def clean_vat(value: str, country: str) -> str:
    number = _digits(value).upper()
    prefix = VAT_PREFIX.get(country, country)
    if not number.startswith(prefix):
        number = prefix + number
    try:
        number = eu_vat.validate(number)
    except ValidationError as exc:
        raise IdentifierError("vat_number", "vat_invalid") from exc
    if not number.startswith(prefix):
        raise IdentifierError("vat_number", "vat_country_mismatch")
    return number


def check_company_ids(country: str, *, siren: str = "", siret: str = "", vat_number: str = "") -> CompanyIds:
    """Validate an organisation's identifiers for its country; raise IdentifierError."""
    country = (country or "").upper()
    if country not in EU_COUNTRIES:
        raise IdentifierError("country", "country_not_eu")
    if country == "FR":
        if not siren and not siret:
            raise IdentifierError("siren", "siren_required")
        clean_siret_value = clean_siret(siret) if siret else None
        clean_siren_value = clean_siren(siren) if siren else clean_siret_value[:9]
        if clean_siret_value and clean_siret_value[:9] != clean_siren_value:
            raise IdentifierError("siret", "siret_not_in_siren")
        vat = clean_vat(vat_number, "FR") if vat_number else None
        return CompanyIds("FR", clean_siren_value, clean_siret_value, vat)
    if not vat_number:
        raise IdentifierError("vat_number", "vat_required")
    return CompanyIds(country, vat_number=clean_vat(vat_number, country))
