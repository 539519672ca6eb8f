"""Forms of the pledge, the declaration of a purchase and the operator's rejection.

The forms only carry the inputs (and the CSRF token); app.commitments.services checks
them with the domain's own messages, shown back on the fields of the same name.
"""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.accounts.identifiers import EU_COUNTRIES
from app.bids.money import format_euros_input
from app.commitments.declarations import COUNTRIES
from app.commitments.eligibility import CLASS_LABELS, SupplierClass
from app.commitments.queries import supplier_vat
from app.i18n import current_locale
from app.needs import taxonomy

DATE_INPUT = {"type": "date"}


class PledgeForm(FlaskForm):
    amount = StringField(_l("Amount pledged (€)"), render_kw={"inputmode": "decimal"},
                         description=_l("Purchases from startups and SMEs your organisation pledges over the "
                                        "period, e.g. 25 000 000."))
    period_start = StringField(_l("From"), render_kw=DATE_INPUT)
    period_end = StringField(_l("Until"), render_kw=DATE_INPUT)
    note = TextAreaField(_l("Note (optional)"), render_kw={"rows": 2},
                         description=_l("Why the pledge is set or changed, e.g. « Decided by the executive "
                                        "committee »."))

    def fill_from(self, commitment, *, programme_start, programme_end) -> None:
        if commitment is not None:
            self.amount.data = format_euros_input(commitment.amount_cents)
            self.period_start.data = commitment.period_start.isoformat()
            self.period_end.data = commitment.period_end.isoformat()
        else:
            self.period_start.data = programme_start.isoformat()
            self.period_end.data = programme_end.isoformat()


def country_choices() -> list[tuple[str, str]]:
    """France first, then the other EU states, then every other country, by name."""
    locale = get_locale() or Locale("fr")
    names = [(code, locale.territories.get(code, code)) for code in COUNTRIES]
    names.sort(key=lambda pair: (pair[0] != "FR", pair[0] not in EU_COUNTRIES, pair[1]))
    return [("", _l("Choose a country"))] + names


def class_choices() -> list[tuple[str, object]]:
    classes = (SupplierClass.STARTUP, SupplierClass.SME, SupplierClass.MID, SupplierClass.LARGE)
    return [("", _l("Choose"))] + [(c.value, CLASS_LABELS[c]) for c in classes]


def category_choices() -> list[SelectChoice]:
    """A first empty choice, then the sub-categories grouped by axis."""
    locale = current_locale()
    choices = [SelectChoice("", _l("Choose a category"))]
    for axis in taxonomy.AXES:
        choices += [SelectChoice(c.code, c.label(locale), optgroup=axis.label(locale))
                    for c in taxonomy.children(axis.code)]
    return choices


def secnumcloud_choices() -> list[tuple[str, object]]:
    return [("", _l("Not known, or no hosting involved")), ("yes", _l("Yes")), ("no", _l("No"))]


class DeclarationForm(FlaskForm):
    supplier = StringField(_l("Supplier on Tremplin"), render_kw={"autocomplete": "off"},
                           description=_l("Its name, SIREN or VAT number as registered on Tremplin. Leave empty "
                                          "if the supplier is not on Tremplin and describe it below."))
    supplier_name = StringField(_l("Company name"))
    supplier_country = SelectField(_l("Country"), default="", validate_choice=False)
    supplier_siren = StringField(_l("SIREN (France)"), render_kw={"inputmode": "numeric"},
                                 description=_l("9 digits, as on the Sirene register."))
    supplier_vat = StringField(_l("VAT number (elsewhere in the EU, optional)"),
                               description=_l("Intra-community VAT number, e.g. DE123456789."))
    declared_class = SelectField(_l("Kind of company"), default="", validate_choice=False,
                                 description=_l("As the supplier describes itself; the Tremplin team checks it."))
    declared_innovative = BooleanField(_l("The supplier holds an innovation label (JEI, French Tech 120 or 2030, "
                                          "Next40, GreenTech Innovation)"))
    amount = StringField(_l("Amount excluding VAT (€)"), render_kw={"inputmode": "decimal"},
                         description=_l("The amount ordered or contracted, e.g. 185 000."))
    purchased_on = StringField(_l("Date of the purchase"), render_kw=DATE_INPUT,
                               description=_l("The day the order or contract was signed."))
    category_code = SelectField(_l("Category"), default="", validate_choice=False)
    description = TextAreaField(_l("What was bought"), render_kw={"rows": 3},
                                description=_l("e.g. « Three-year licences of the document assistant, "
                                               "deployed in two departments »."))
    secnumcloud = SelectField(_l("Hosted on SecNumCloud-qualified hosting"), default="", validate_choice=False)
    disclose_amount = BooleanField(_l("The amount may be shown outside our organisation (public figures and "
                                      "open data)"))
    evidence = FileField(_l("Evidence"), description=_l("The signed order, contract or invoice: PDF, ODT, ODS, "
                                                        "DOCX, XLSX, PNG or JPEG, up to 20 MB."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.supplier_country.choices = country_choices()
        self.declared_class.choices = class_choices()
        self.category_code.choices = category_choices()
        self.secnumcloud.choices = secnumcloud_choices()

    def values(self) -> dict:
        """The inputs as the services take them."""
        return {
            "supplier_search": self.supplier.data, "supplier_name": self.supplier_name.data,
            "supplier_country": self.supplier_country.data, "supplier_siren": self.supplier_siren.data,
            "supplier_vat": self.supplier_vat.data, "declared_class": self.declared_class.data,
            "declared_innovative": self.declared_innovative.data, "amount_euros": self.amount.data,
            "purchased_on": self.purchased_on.data, "category_code": self.category_code.data,
            "description": self.description.data,
            "secnumcloud": {"yes": True, "no": False}.get(self.secnumcloud.data),
            "disclose_amount": self.disclose_amount.data,
        }

    def fill_from(self, purchase) -> None:
        on_platform = purchase.supplier_id is not None
        self.supplier.data = (purchase.supplier_siren or purchase.supplier_name) if on_platform else ""
        if not on_platform:
            self.supplier_name.data = purchase.supplier_name
            self.supplier_country.data = purchase.supplier_country or ""
            self.supplier_siren.data = purchase.supplier_siren or ""
            self.supplier_vat.data = supplier_vat(purchase) or ""
            self.declared_class.data = purchase.supplier_class if purchase.supplier_class != "unknown" else ""
            self.declared_innovative.data = purchase.supplier_innovative
        self.amount.data = format_euros_input(purchase.amount_cents)
        self.purchased_on.data = purchase.purchased_on.isoformat()
        self.category_code.data = purchase.category_code or ""
        self.description.data = purchase.description or ""
        self.secnumcloud.data = {True: "yes", False: "no"}.get(purchase.secnumcloud, "")
        self.disclose_amount.data = purchase.disclose_amount


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 4},
                           description=_l("The organisation reads it: say what is wrong and what would make the "
                                          "declaration acceptable."))
