"""Supplier forms: the profile and a solution, read into the values app.suppliers.services takes.

The services check everything (app.suppliers.services.clean_*_values) and refuse all the
problems at once; ``attach`` shows each one next to its field.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from app.accounts.models import Organisation, SizeCategory
from app.i18n import current_locale
from app.needs import taxonomy
from app.needs.regions import REGIONS
from app.suppliers.models import Deployment, Solution, SupplierProfile
from app.suppliers.services import PROFILE_FLAGS, SOLUTION_FIELDS, SupplierError

REFERENCE_ROWS = 3  # empty rows offered beyond those already filled, at least

DEPLOYMENT_LABELS = {
    Deployment.SAAS: _l("Software as a service (SaaS)"),
    Deployment.ON_PREMISE: _l("Installed on the buyer's premises"),
    Deployment.HYBRID: _l("Hybrid"),
    Deployment.SERVICE: _l("Service (consulting, integration, audit)"),
}

FLAG_HINTS = {
    "eu_controlled": _l("The company's capital and control are held in the European Union."),
    "extraterritorial_exposure": _l(
        "A foreign state could reach the company or its data through its own laws, such as the US Cloud Act."),
    "exit_plan": _l("Buyers can leave: open formats, data export and a written reversibility plan."),
    "owns_technology": _l("The company masters and owns the core of the technology it sells."),
}


class _Errors:
    """Refusals from the services shown next to their fields; others in ``other_errors``."""

    other_errors: list[str]

    def field_for(self, name: str | None):
        return getattr(self, name or "", None)

    def attach(self, exc: SupplierError) -> None:
        for error in getattr(exc, "errors", [exc]):
            field = self.field_for(error.field)
            if field is None:
                self.other_errors.append(error.message)
            elif not field.errors:
                field.errors = [error.message]

    def error_list(self) -> list[tuple[str, str, str]]:
        """(field id, label, first message) of every field in error, in the page's order."""
        found = []
        for field in self.visible_fields():
            if field.errors and isinstance(field.errors, list) and isinstance(field.errors[0], str):
                found.append((field.id, str(field.label.text), field.errors[0]))
        return found


class ReferenceRow(Form):
    client = StringField(_l("Client"))
    summary = TextAreaField(_l("What you did"), render_kw={"rows": 2})
    year = StringField(_l("Year"), render_kw={"inputmode": "numeric", "size": 4})


SIZE_LABELS = {
    SizeCategory.MICRO: _l("Micro company"), SizeCategory.SMALL: _l("Small company"),
    SizeCategory.MEDIUM: _l("Medium company"), SizeCategory.MID: _l("Mid-size company"),
    SizeCategory.LARGE: _l("Large company"),
}


class ProfileForm(_Errors, FlaskForm):
    website = StringField(_l("Website"), render_kw={"type": "url"}, description=_l("Starting with https://"))
    size = SelectField(_l("Size"), validate_choice=False)
    headline = StringField(_l("Headline"), description=_l("What you do, in one sentence (200 characters at most)."))
    description = TextAreaField(_l("Description"), render_kw={"rows": 8},
                                description=_l("Your company, your team, what sets you apart."))
    categories = SelectMultipleField(_l("Categories you work in"), validate_choice=False)
    regions_served = SelectMultipleField(_l("Regions served"), validate_choice=False)
    references = FieldList(FormField(ReferenceRow), label=_l("References"))
    eu_controlled = BooleanField(_l("Capital and control in the EU"), description=FLAG_HINTS["eu_controlled"])
    extraterritorial_exposure = BooleanField(_l("Exposed to extraterritorial law (e.g. US Cloud Act)"),
                                             description=FLAG_HINTS["extraterritorial_exposure"])
    exit_plan = BooleanField(_l("Documented exit plan"), description=FLAG_HINTS["exit_plan"])
    owns_technology = BooleanField(_l("Owns its technology"), description=FLAG_HINTS["owns_technology"])

    def __init__(self, *args, profile: SupplierProfile | None = None, organisation: Organisation | None = None,
                 **kwargs):
        if "data" not in kwargs:
            kwargs["data"] = self.data_of(profile)
            if organisation is not None:
                kwargs["data"].update(website=organisation.website or "",
                                      size=organisation.size.value if organisation.size else "")
        super().__init__(*args, **kwargs)
        self.other_errors = []
        self.size.choices = [("", _l("Not specified"))] + [(size.value, text) for size, text in SIZE_LABELS.items()]
        self.categories.choices = [(c.code, c.label(current_locale())) for c in taxonomy.ALL]
        self.regions_served.choices = list(REGIONS.items())
        while len(self.references.entries) < max(REFERENCE_ROWS, self._filled_rows() + 1):
            self.references.append_entry()
        self._sent_rows: list[int] = []

    @staticmethod
    def data_of(profile: SupplierProfile | None) -> dict:
        if profile is None:
            return {"eu_controlled": True, "extraterritorial_exposure": False, "exit_plan": False,
                    "owns_technology": True}
        data = {name: getattr(profile, name) for name in
                ("headline", "description", "categories", "regions_served", *PROFILE_FLAGS)}
        data["references"] = [{"client": r.get("client"), "summary": r.get("summary"),
                               "year": str(r["year"]) if r.get("year") is not None else ""}
                              for r in profile.references or []]
        return data

    def _filled_rows(self) -> int:
        return sum(1 for entry in self.references.entries if any((entry.form[n].data or "").strip()
                                                                  for n in ("client", "summary", "year")))

    def values(self) -> dict:
        references, self._sent_rows = [], []
        for index, entry in enumerate(self.references.entries):
            client, summary = entry.form.client.data or "", entry.form.summary.data or ""
            year_text = (entry.form.year.data or "").strip()
            if not (client.strip() or summary.strip() or year_text):
                continue
            reference: dict = {"client": client, "summary": summary}
            if year_text:
                reference["year"] = int(year_text) if year_text.isdigit() and year_text.isascii() else year_text
            references.append(reference)
            self._sent_rows.append(index)
        return {
            "headline": self.headline.data, "description": self.description.data,
            "categories": list(self.categories.data or []), "regions_served": list(self.regions_served.data or []),
            "references": references, **{name: bool(self[name].data) for name in PROFILE_FLAGS},
        }

    def identity_values(self) -> dict:
        """The organisation's website and size, for app.suppliers.services.update_identity."""
        return {"website": self.website.data, "size": self.size.data or None}

    def field_for(self, name: str | None):
        parts = (name or "").split(".")
        if len(parts) >= 2 and parts[0] == "references" and parts[1].isdigit():
            sent = int(parts[1])
            if sent >= len(self._sent_rows):
                return None
            row = self.references.entries[self._sent_rows[sent]].form
            return row[parts[2]] if len(parts) == 3 and parts[2] in row else row.client
        return super().field_for(name)

    def visible_fields(self):
        yield from (self.website, self.size, self.headline, self.description, self.categories, self.regions_served)
        for entry in self.references.entries:
            yield from (entry.form.client, entry.form.summary, entry.form.year)
        yield from (self[name] for name in PROFILE_FLAGS)


class SolutionForm(_Errors, FlaskForm):
    name = StringField(_l("Name"), description=_l("The product's name (160 characters at most)."))
    summary = TextAreaField(_l("Summary"), render_kw={"rows": 3},
                            description=_l("Two or three sentences shown in lists and search results."))
    description = TextAreaField(_l("Description"), render_kw={"rows": 8})
    category_code = SelectField(_l("Category"), validate_choice=False)
    open_source = BooleanField(_l("Open source"))
    license = StringField(_l("Licence"), description=_l("Required for open source, e.g. EUPL-1.2 or Apache-2.0."))
    hosting_country = StringField(_l("Hosting country"), render_kw={"size": 2, "maxlength": 2},
                                  description=_l("Two-letter ISO code, e.g. FR or DE."))
    hosting_provider = StringField(_l("Hosting provider"), description=_l("e.g. OVHcloud, Scaleway, Outscale."))
    secnumcloud = BooleanField(_l("SecNumCloud-qualified hosting"),
                               description=_l("Name the hosting provider and country as well."))
    deployment = SelectField(_l("Deployment"), default=Deployment.SAAS.value, validate_choice=False)
    shared = BooleanField(_l("Shared solution already run by the public sector, offered for reuse"))
    website = StringField(_l("Website"), render_kw={"type": "url"},
                          description=_l("Starting with https://"))

    def __init__(self, *args, solution: Solution | None = None, **kwargs):
        if solution is not None and "data" not in kwargs:
            kwargs["data"] = {name: getattr(solution, name) for name in SOLUTION_FIELDS}
            kwargs["data"]["deployment"] = solution.deployment.value
        super().__init__(*args, **kwargs)
        self.other_errors = []
        locale = current_locale()
        self.category_code.choices = [("", _l("Choose a category"))] + [
            choice for axis in taxonomy.AXES for choice in
            [(axis.code, axis.label(locale))] + [(c.code, "— " + c.label(locale)) for c in taxonomy.children(axis.code)]]
        self.deployment.choices = [(d.value, text) for d, text in DEPLOYMENT_LABELS.items()]

    def values(self) -> dict:
        values = {name: self[name].data for name in SOLUTION_FIELDS}
        for name in ("open_source", "secnumcloud", "shared"):
            values[name] = bool(values[name])
        return values

    def visible_fields(self):
        yield from (self[name] for name in ("name", "summary", "description", "category_code", "open_source",
                                            "license", "hosting_country", "hosting_provider", "secnumcloud",
                                            "deployment", "shared", "website"))
