"""Refusals of the commitment tracker, in the user's words.

A refused operation raises CommitmentError: ``field`` names the input at fault (the form
field of the same name), ``message`` says what to do. When several inputs are wrong at
once, ``problems`` lists them all so that a form shows every message in one go.
"""

from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

MESSAGES = {
    # who
    "pledge_owners_only": _l("Only the organisation's owners record or revise its pledge."),
    "pledge_buyers_only": _l("Only administrations and large groups pledge purchases to the alliance."),
    "pledge_unverified": _l("The Tremplin team must verify your organisation before it joins the alliance."),
    "declare_members_only": _l("Only the owners and members of a buyer organisation declare its purchases."),
    "not_alliance_member": _l("Record your organisation's pledge first: declared purchases count towards it."),
    "change_not_allowed": _l("Only the person who declared this purchase, or an owner of the organisation, "
                             "may change or withdraw it."),
    "operator_only": _l("Only the Tremplin team verifies declared purchases."),
    # pledges
    "amount_required": _l("Enter an amount in euros, e.g. 25 000 000."),
    "amount_invalid": _l("Enter the amount in euros with digits only, e.g. 25 000 000 or 185 000,50."),
    "amount_not_positive": _l("The amount must be above 0 €."),
    "pledge_too_high": _l("A pledge above 10 billion euros is not plausible: check the amount."),
    "purchase_too_high": _l("A single purchase of 100 million euros or more is not plausible: check the amount."),
    "date_required": _l("Enter a date, e.g. 31/12/2027."),
    "date_invalid": _l("Enter a real date as day/month/year, e.g. 31/12/2027."),
    "period_reversed": _l("The end of the period comes before its start."),
    "period_before_programme": _l("The period ends before the programme starts (%(start)s): the pledge would "
                                  "count no purchase."),
    "period_too_long": _l("A pledge covers at most %(years)s years: shorten the period."),
    "pledge_unchanged": _l("This is already your pledge: change the amount or the period to revise it."),
    "note_too_long": _l("The note is too long: %(max)s characters at most."),
    # declarations
    "supplier_required": _l("Name the supplier: one on Tremplin (name or SIREN), or describe it below."),
    "supplier_not_found": _l("No verified supplier on Tremplin has this name, SIREN or VAT number. Check it, or "
                             "leave it empty and describe the supplier below."),
    "supplier_ambiguous": _l("Several suppliers on Tremplin have this name: enter its SIREN or VAT number."),
    "supplier_not_supplier": _l("This organisation is not a startup or SME registered as a supplier."),
    "supplier_both": _l("You chose a supplier on Tremplin: leave the fields for a supplier not on Tremplin "
                        "empty."),
    "supplier_name_required": _l("Enter the supplier's company name."),
    "supplier_name_too_long": _l("The name is too long: %(max)s characters at most."),
    "country_required": _l("Choose the country where the supplier is established."),
    "country_unknown": _l("Choose a country from the list."),
    "siren_required": _l("A French supplier is identified by its SIREN number (9 digits)."),
    "siren_format": _l("A SIREN number has 9 digits."),
    "siren_checksum": _l("This SIREN number is not valid: check the digits."),
    "siren_not_french": _l("A SIREN number identifies French companies only: for another country, leave it "
                           "empty (and give the VAT number in the EU)."),
    "vat_invalid": _l("This VAT number is not valid for the chosen country."),
    "vat_country_mismatch": _l("This VAT number belongs to another country than the one chosen."),
    "class_required": _l("Say what kind of company the supplier is: startup, SME, mid-size or large company."),
    "class_from_profile": _l("The size of a supplier on Tremplin comes from its profile: leave this empty."),
    "date_future": _l("The purchase date cannot be in the future: declare the purchase once it is ordered."),
    "date_before_programme": _l("This purchase is dated before the programme started (%(start)s): only "
                                "purchases made from then on count."),
    "date_after_programme": _l("This purchase is dated after the programme ended (%(end)s)."),
    "category_required": _l("Choose the category of what was bought."),
    "category_unknown": _l("Choose a category from the list."),
    "description_required": _l("Say in a few words what was bought."),
    "description_too_long": _l("The description is too long: %(max)s characters at most."),
    "evidence_required": _l("Attach the evidence: the signed order, contract or invoice."),
    "file_too_large": _l("This file is larger than 20 MB: send a smaller one."),
    "file_bad_type": _l("This type of file is not accepted: send a PDF, ODT, ODS, DOCX, XLSX, PNG or JPEG file."),
    "duplicate": _l("This purchase is already recorded (same supplier, amount and date)."),
    # verification
    "already_verified": _l("This purchase was already verified: a decision is not taken twice."),
    "already_rejected": _l("This purchase was already rejected: a decision is not taken twice."),
    "not_declared": _l("Only declared purchases await verification: a purchase awarded on Tremplin is verified "
                       "by its award."),
    "reason_required": _l("Say why the purchase is rejected: the organisation reads it to correct its "
                          "declaration."),
    "reason_too_long": _l("The reason is too long: %(max)s characters at most."),
    "decided": _l("This purchase is no longer awaiting verification: it cannot be changed or withdrawn."),
}


def message_for(code: str, **params) -> str:
    text = str(MESSAGES.get(code, code))
    shown = {k: format_date(v, "long") if isinstance(v, date) else v for k, v in params.items()}
    return text % shown if shown else text


class CommitmentError(ValueError):
    """A refused pledge, declaration or decision; nothing was changed.

    ``problems``: every (field, code, params) found, the first one also as ``field``/``code``.
    """

    def __init__(self, field: str, code: str, *, problems: list[tuple[str, str, dict]] | None = None, **params):
        self.field, self.code, self.params = field, code, params
        self.problems = problems or [(field, code, params)]
        super().__init__(f"{field}: {code}")

    @property
    def message(self) -> str:
        return message_for(self.code, **self.params)

    def messages(self) -> dict[str, str]:
        """field -> the first message about it, in the reader's language."""
        found: dict[str, str] = {}
        for field, code, params in self.problems:
            found.setdefault(field, message_for(code, **params))
        return found


class Problems:
    """Collects refusals while checking a form, then raises them together."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, dict]] = []

    def add(self, field: str, code: str, **params) -> None:
        self.items.append((field, code, params))

    def has(self, field: str) -> bool:
        return any(f == field for f, _, _ in self.items)

    def raise_any(self) -> None:
        if self.items:
            field, code, params = self.items[0]
            raise CommitmentError(field, code, problems=self.items, **params)
