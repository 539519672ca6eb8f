"""Organisations as OCDS parties: identifiers, names, addresses.

Identifier schemes (org-id.guide and the OCDS organization identifier guidance):

- French organisations are identified by their SIREN in the register org-id.guide lists
  for it, ``FR-RCS`` (org-id.guide deprecated the narrower ``FR-INSEE`` list in its
  favour; there is no ``FR-SIRENE`` list). The same scheme is used by the French state's
  own OCDS publication of public procurement data.
- Other EU organisations are identified by their VAT number, with its country prefix as
  VIES writes it (``DE123456789``), under ``EU-VAT``: org-id.guide has no list for EU VAT
  numbers, so we name the scheme plainly and say so on the open data page. A French
  organisation's VAT number, when known, is an additional identifier.

A party's ``id`` is ``<scheme>-<identifier>``, stable across every process it takes part in.
An anonymised buyer is one neutral party with no identifier, no address and the same
``id`` in every process, so that nothing links two anonymised needs to one buyer.
"""

from __future__ import annotations

from functools import lru_cache

from app.accounts.models import Organisation

SIREN_SCHEME = "FR-RCS"
VAT_SCHEME = "EU-VAT"
UNDISCLOSED_BUYER_ID = "undisclosed-buyer"
UNDISCLOSED_BUYER_NAME = "Acheteur non divulgué"


@lru_cache(maxsize=64)
def country_name(code: str) -> str:
    """The country's name in French (the data's language), from the locale data Babel ships."""
    from babel import Locale

    return Locale("fr").territories.get(code.upper(), code.upper())


def identifiers(org: Organisation) -> list[dict]:
    """The organisation's identifiers, the primary one first."""
    found = []
    if org.siren:
        found.append({"scheme": SIREN_SCHEME, "id": org.siren, "legalName": org.name})
    if org.vat_number:
        found.append({"scheme": VAT_SCHEME, "id": org.vat_number, "legalName": org.name})
    return found


def party_id(org: Organisation) -> str:
    ids = identifiers(org)
    if ids:
        return f"{ids[0]['scheme']}-{ids[0]['id']}"
    return f"tremplin-organisation-{org.id}"  # the operator has no public identifier


def party(org: Organisation, roles: list[str]) -> dict:
    """The full party of a named organisation."""
    ids = identifiers(org)
    result: dict = {"id": party_id(org), "name": org.name}
    if ids:
        result["identifier"] = ids[0]
    if len(ids) > 1:
        result["additionalIdentifiers"] = ids[1:]
    address = {"countryName": country_name(org.country)}
    if org.city:
        address = {"locality": org.city, **address}
    result["address"] = address
    result["roles"] = roles
    return result


def reference(org: Organisation) -> dict:
    """An OrganizationReference to a named organisation's party."""
    return {"id": party_id(org), "name": org.name}


def undisclosed_buyer(label: str | None) -> dict:
    """The neutral party standing for a buyer that is not named."""
    name = (label or "").strip() or UNDISCLOSED_BUYER_NAME
    return {"id": UNDISCLOSED_BUYER_ID, "name": name, "roles": ["buyer"]}
