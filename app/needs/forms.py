"""Need forms: what buyers type, read into the values the services take.

Amounts are typed in whole euros ("150 000 €") and read into integer cents; the deadline
is typed in Paris time and read into UTC. The need form runs the same checks as the
services (app.needs.validation), so every problem is shown at once, next to its field.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from app.i18n import current_locale
from app.needs import taxonomy
from app.needs.doctrine import CRITERIA, DEFAULT_WEIGHTS, Approach
from app.needs.messages import APPROACH_LABELS, CRITERION_LABELS, message_for
from app.needs.models import Need, NeedStatus
from app.needs.regions import REGIONS
from app.needs.services import check_need_values, need_values
from app.needs.validation import (
    FLAG_FIELDS,
    LOCKED_AFTER_PUBLICATION,
    TEXT_FIELDS,
    WEIGHT_FIELDS,
    InvalidNeed,
    NeedError,
    parse_whole_euros,
)

PARIS = ZoneInfo("Europe/Paris")
LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")

# Service field names -> form field names, where they differ.
FORM_FIELD_FOR = {
    "budget_min_cents": "budget_min",
    "budget_max_cents": "budget_max",
    "deadline_at": "deadline",
    "weights": "weights_total",
}


class EuroField(StringField):
    """Whole euros as people type them; ``data`` is integer cents (None when empty)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        if not (valuelist[0] or "").strip():
            return
        try:
            self.data = parse_whole_euros(valuelist[0])
        except NeedError as exc:
            raise ValueError(message_for(exc.code)) from exc

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data // 100:,}".replace(",", " ")


class ParisDateTimeField(StringField):
    """A ``datetime-local`` input read as Paris time; ``data`` is an aware UTC datetime."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {})["type"] = "datetime-local"
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        text = (valuelist[0] or "").strip()
        if not text:
            return
        for fmt in LOCAL_FORMATS:
            try:
                local = datetime.strptime(text, fmt)
            except ValueError:
                continue
            self.data = local.replace(tzinfo=PARIS).astimezone(UTC)
            return
        raise ValueError(message_for("deadline_format"))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return self.data.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


class ComputedField(IntegerField):
    """Shown to the reader, computed by the server: what the browser sends is ignored."""

    def process_formdata(self, valuelist):
        pass


class WeightField(IntegerField):
    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        self.data = None
        if not text.isdigit() or not text.isascii():
            raise ValueError(message_for("weight_range"))
        self.data = int(text)


def default_deadline(days: int = 30) -> datetime:
    """Noon in Paris, a month from now: a sensible first deadline to adjust."""
    day = datetime.now(PARIS).date() + timedelta(days=days)
    return datetime.combine(day, time(12, 0), tzinfo=PARIS).astimezone(UTC)


def category_groups() -> list[tuple[taxonomy.Category, list[taxonomy.Category]]]:
    return [(axis, taxonomy.children(axis.code)) for axis in taxonomy.AXES]


def category_label(code: str) -> str:
    category = taxonomy.BY_CODE.get(code)
    return category.label(current_locale()) if category else code


class NeedForm(FlaskForm):
    # Choices are checked by app.needs.validation, with the domain's own messages.
    title = StringField(_l("Title"), validators=[Length(max=200)],
                        description=_l("What you need, in a few words."))
    summary = TextAreaField(_l("Summary"), validators=[Length(max=500)],
                            description=_l("Two or three sentences shown in lists and alerts (500 characters at most)."))
    description = TextAreaField(_l("Description"), render_kw={"rows": 12},
                                description=_l("Context, scope, expected results, constraints."))
    categories = SelectMultipleField(_l("Categories"), validate_choice=False)
    cpv_code = StringField(_l("CPV code (optional)"), validators=[Length(max=20)],
                           description=_l("Common Procurement Vocabulary, e.g. 72000000-5."))
    budget_min = EuroField(_l("Minimum budget (€)"),
                           description=_l("In whole euros, e.g. 150 000."))
    budget_max = EuroField(_l("Maximum budget (€)"),
                           description=_l("Below €100M. Deals of €100k to €10M are flagged to suppliers."))
    route = SelectField(_l("Procurement route"), validate_choice=False, description=_l(
        "Administrations buy under public procurement rules; corporate groups make private purchases."))
    region = SelectField(_l("Region"), validate_choice=False)
    deadline = ParisDateTimeField(_l("Deadline for bids"), description=_l("Paris time."))
    visibility = SelectField(_l("Who may see the need"), validate_choice=False)
    anonymised = BooleanField(_l("Hide our name from suppliers (restricted or by invitation only)"))
    anonymous_label = StringField(_l("Label shown instead of our name"), validators=[Length(max=120)],
                                  description=_l("For example « une banque du CAC 40 »."))
    sensitive_data = BooleanField(_l("Sensitive data: SecNumCloud-qualified hosting is required"))
    requires_secnumcloud = BooleanField(_l("Require SecNumCloud-qualified hosting"))
    eu_data_residency = BooleanField(_l("Data must stay in the European Union"))
    open_source_preferred = BooleanField(_l("Open source preferred"))
    sme_set_aside = BooleanField(_l("Reserved for EU SMEs and startups (Small Business Act)"))
    sealed_bids = BooleanField(_l("Sealed bids: see only their number until the deadline"), default=True)
    reuse_checked = BooleanField(_l("We checked the shared solutions that already exist"))
    reuse_note = TextAreaField(_l("What we found among shared solutions"), render_kw={"rows": 3})
    off_the_shelf_sought = BooleanField(_l("We looked for off-the-shelf solutions"))
    off_the_shelf_note = TextAreaField(_l("What we found off the shelf"), render_kw={"rows": 3})
    approach = SelectField(_l("Approach"), default=Approach.OFF_THE_SHELF.value, validate_choice=False)
    custom_justification = TextAreaField(_l("Why a custom development"), render_kw={"rows": 3},
                                         description=_l("Required when the approach is custom development."))
    weights_total = ComputedField(_l("Total of the weights"), render_kw={"readonly": True},
                                 description=_l("Must be 100."))
    amendment_summary = TextAreaField(_l("What changes and why"), render_kw={"rows": 3},
                                      description=_l("Shown in the change log; followers and bidders are told."))
    version = HiddenField()

    def __init__(self, *args, buyer, need: Need | None = None, **kwargs):
        if need is not None and "data" not in kwargs:
            kwargs["data"] = self.data_of(need)
        super().__init__(*args, **kwargs)
        self.buyer, self.need = buyer, need
        self.other_errors: list[str] = []
        self.cleaned: dict | None = None
        self.categories.choices = [(c.code, c.label(current_locale())) for c in taxonomy.ALL]
        self.route.choices = [("public", _l("Public procurement")), ("private", _l("Private purchase"))]
        self.region.choices = [("", _l("Not specified"))] + list(REGIONS.items())
        self.visibility.choices = [
            ("public", _l("Public: anyone may read it")),
            ("restricted", _l("Verified suppliers only")),
            ("invitation", _l("Invited suppliers only")),
        ]
        self.approach.choices = [(a.value, text) for a, text in APPROACH_LABELS.items()]
        if not self.is_submitted():
            self.weights_total.data = sum(getattr(self, name).data or 0 for name in WEIGHT_FIELDS)
            if need is None and not self.route.data:
                self.route.data = "public" if buyer.kind.value == "administration" else "private"
            if need is None and self.deadline.data is None:
                self.deadline.data = default_deadline()

    @staticmethod
    def data_of(need: Need) -> dict:
        values = need_values(need)
        data = {name: values[name] for name in (*TEXT_FIELDS, *FLAG_FIELDS, *WEIGHT_FIELDS, "categories")}
        data.update(budget_min=values["budget_min_cents"], budget_max=values["budget_max_cents"],
                    deadline=values["deadline_at"], route=need.route.value, visibility=need.visibility.value,
                    approach=need.approach.value, region=need.region or "", version=str(need.version))
        return data

    @property
    def amending(self) -> bool:
        """Editing a published need: changes are recorded as an amendment."""
        return self.need is not None and self.need.status == NeedStatus.PUBLISHED

    def values(self) -> dict:
        values = {name: getattr(self, name).data for name in (*TEXT_FIELDS, *FLAG_FIELDS, *WEIGHT_FIELDS)}
        values.update(
            categories=list(self.categories.data or []),
            budget_min_cents=self.budget_min.data,
            budget_max_cents=self.budget_max.data,
            route=self.route.data,
            visibility=self.visibility.data,
            approach=self.approach.data,
            deadline_at=self.deadline.data,
        )
        if self.amending:
            for name in LOCKED_AFTER_PUBLICATION:
                values.pop(name)
        return values

    def expected_version(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.weights_total.data = sum(w for w in (getattr(self, n).data for n in WEIGHT_FIELDS) if isinstance(w, int))
        try:
            self.cleaned = check_need_values(self.values(), buyer=self.buyer, need=self.need)
        except InvalidNeed as exc:
            self.attach(exc)
            ok = False
        return ok

    def attach(self, exc: NeedError) -> None:
        """Show a refusal next to its field (the first message a field gets is kept)."""
        for error in getattr(exc, "errors", [exc]):
            field = getattr(self, FORM_FIELD_FOR.get(error.field, error.field or ""), None)
            message = message_for(error.code, **error.params)
            if field is None:
                self.other_errors.append(message)
            elif not field.errors:
                field.errors = [*field.errors, message]


def weight_fields(form: NeedForm) -> list[tuple[str, object]]:
    return [(c, getattr(form, f"weight_{c}")) for c in CRITERIA]


for _criterion in CRITERIA:
    setattr(NeedForm, f"weight_{_criterion}", WeightField(
        CRITERION_LABELS[_criterion], default=DEFAULT_WEIGHTS[_criterion],
        render_kw={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"}))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 3}, validators=[Optional()],
                           description=_l("Shown to suppliers who can see the need."))


class QuestionForm(FlaskForm):
    body = TextAreaField(_l("Your question"), render_kw={"rows": 4}, validators=[Optional()],
                         description=_l("The buyer's answer is shown to every supplier; your name never is."))


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Answer"), render_kw={"rows": 3}, validators=[Optional()],
                         description=_l("Shown to every supplier who can see the need."))


class InviteForm(FlaskForm):
    supplier_id = HiddenField()
    message = TextAreaField(_l("Message (optional)"), render_kw={"rows": 2}, validators=[Optional()])


class AttachmentForm(FlaskForm):
    file = FileField(_l("Document"), description=_l("PDF, ODT, ODS, DOCX, XLSX, PNG or JPEG, up to 20 MB."))
    note = StringField(_l("What this document is (optional)"), validators=[Optional(), Length(max=500)])
