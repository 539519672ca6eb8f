import pytest

from app.accounts.identifiers import IdentifierError, check_company_ids


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"country": "FR", "siren": "732 829 320"}, {"siren": "732829320", "siret": None}),
        ({"country": "FR", "siret": "732 829 320 00074"}, {"siren": "732829320", "siret": "73282932000074"}),
        ({"country": "FR", "siren": "732829320", "siret": "73282932000074"}, {"siren": "732829320"}),
        ({"country": "DE", "vat_number": "DE136695976"}, {"vat_number": "DE136695976"}),
        ({"country": "BE", "vat_number": "0403.019.261"}, {"vat_number": "BE0403019261"}),
    ],
)
def test_valid_identifiers_are_cleaned(kwargs, expected):
    ids = check_company_ids(**kwargs)
    for key, value in expected.items():
        assert getattr(ids, key) == value


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"country": "FR"}, "siren", "siren_required"),
        ({"country": "FR", "siren": "73282932"}, "siren", "siren_format"),
        ({"country": "FR", "siren": "732829321"}, "siren", "siren_checksum"),
        ({"country": "FR", "siret": "73282932000075"}, "siret", "siret_checksum"),
        ({"country": "FR", "siren": "552100554", "siret": "73282932000074"}, "siret", "siret_not_in_siren"),
        ({"country": "DE"}, "vat_number", "vat_required"),
        ({"country": "DE", "vat_number": "DE136695977"}, "vat_number", "vat_invalid"),
        ({"country": "IT", "vat_number": "DE136695976"}, "vat_number", "vat_invalid"),
        ({"country": "US", "vat_number": "123"}, "country", "country_not_eu"),
    ],
)
def test_invalid_identifiers_name_the_field_and_reason(kwargs, field, code):
    with pytest.raises(IdentifierError) as info:
        check_company_ids(**kwargs)
    assert (info.value.field, info.value.code) == (field, code)
