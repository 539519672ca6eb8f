"""Bid forms, the words for the bid side's values, and the messages for refused operations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from app.bids.services import BidInput, country_codes
from app.needs.doctrine import CRITERIA, MAX_SCORE, Approach
from app.suppliers.models import CertificationKind

# Why a supplier may not bid (app.needs.policy.BidRefusal values), told as such.
REFUSAL_MESSAGES = {
    "not_supplier": _l("Only startups and SMEs registered as suppliers can bid."),
    "not_verified": _l("Your organisation is awaiting verification by the Tremplin team: "
                       "you can bid as soon as it is verified."),
    "not_open": _l("This need is not open for bids."),
    "deadline_passed": _l("The deadline has passed: bids can no longer be submitted, changed or withdrawn."),
    "set_aside_not_eu": _l("This need is reserved for EU SMEs and startups: "
                           "your organisation is not established in the European Union."),
    "set_aside_too_large": _l("This need is reserved for EU SMEs and startups: "
                              "your organisation has 250 employees or more."),
}

ERROR_MESSAGES = {
    **REFUSAL_MESSAGES,
    "required": _l("This field is required to submit the bid."),
    "too_long": _l("This text is too long."),
    "amount_required": _l("Enter an amount in euros, for example 185 000 or 185 000,50."),
    "amount_invalid": _l("This is not an amount in euros: write it like 185 000 or 185 000,50."),
    "amount_not_positive": _l("The amount must be greater than zero."),
    "amount_too_high": _l("The amount must stay below €100 million."),
    "approach_invalid": _l("Choose reuse, off-the-shelf or custom development."),
    "country_invalid": _l("Choose the hosting country from the list."),
    "certification_invalid": _l("Choose certifications from the list."),
    "solution_invalid": _l("Choose one of your organisation's solutions."),
    "secnumcloud_provider_required": _l("Name the SecNumCloud-qualified hosting provider."),
    "data_in_eu_contradiction": _l("The data cannot stay in the European Union with a hosting country "
                                   "outside it: correct one or the other."),
    "secnumcloud_required": _l("This need involves sensitive data: only an offer hosted by a "
                               "SecNumCloud-qualified provider can be submitted."),
    "eu_residency_required": _l("This need requires the data to stay in the European Union."),
    "not_found": _l("This bid does not exist or is not yours."),
    "bid_decided": _l("The buyer has already examined your bid: it can no longer be changed."),
    "already_submitted": _l("Your bid is already submitted: update it, or withdraw it."),
    "duplicate_bid": _l("Your organisation already has a bid on this need (perhaps sent by a colleague "
                        "a moment ago). Open it to make changes."),
    "changed_meanwhile": _l("Someone changed this at the same time. Reload the page and try again."),
    "bid_locked": _l("Files can only be added or removed while the bid may be changed, until the deadline."),
    "too_many_files": _l("A bid holds at most 10 files."),
    "file_empty": _l("Choose a file to send."),
    "file_too_large": _l("The file exceeds 20 MB."),
    "file_bad_type": _l("This type of file is not accepted: send a PDF, ODT, ODS, DOCX, XLSX, PNG or JPEG file."),
    "cannot_evaluate": _l("Bids are scored, shortlisted and rejected by the buyer's owners and members "
                          "once the deadline has passed."),
    "not_in_play": _l("This bid is no longer in the running (withdrawn, rejected or awarded)."),
    "already_shortlisted": _l("This bid is already shortlisted."),
    "score_required": _l("Give a score from 0 to 5."),
    "score_invalid": _l("A score is a whole number from 0 to 5."),
    "score_out_of_range": _l("A score is between 0 and 5."),
    "feedback_required": _l("Tell the supplier why the bid is not retained: feedback is required."),
    "cannot_award": _l("Only the buyer's owners and members can award, once the deadline has passed."),
    "before_deadline": _l("Bids are opened, scored and awarded only once the deadline has passed."),
    "not_awarded_yet": _l("Award at least one bid first."),
    "nothing_to_reject": _l("No other bid is waiting for a decision."),
    "choose_bid": _l("Choose at least one bid to award, with its contracted amount."),
    "bid_unknown": _l("This bid is not one of this need's bids."),
    "plan_limit": _l("Your plan's bids on private needs for this month are used. "
                     "Upgrade to bid without limit."),
}

# Codes that refuse the person rather than the input: answered with 403.
REFUSAL_CODES = {*REFUSAL_MESSAGES, "bid_decided", "bid_locked", "cannot_evaluate", "cannot_award", "not_found",
                 "before_deadline", "plan_limit"}

CRITERION_LABELS = {
    "sovereignty": _l("Sovereignty"),
    "performance": _l("Performance"),
    "security": _l("Security"),
    "maintenance": _l("Maintenance"),
    "availability": _l("Availability"),
    "reversibility": _l("Reversibility"),
    "interoperability": _l("Interoperability"),
    "durability": _l("Durability"),
    "cost": _l("Cost"),
}

APPROACH_LABELS = {
    Approach.REUSE.value: _l("Reuse of an existing solution"),
    Approach.OFF_THE_SHELF.value: _l("Off-the-shelf product"),
    Approach.CUSTOM.value: _l("Custom development"),
}

CERTIFICATION_LABELS = {
    CertificationKind.SECNUMCLOUD.value: "SecNumCloud",
    CertificationKind.HDS.value: _l("HDS (health data hosting)"),
    CertificationKind.ISO27001.value: "ISO/IEC 27001",
    CertificationKind.ISO9001.value: "ISO 9001",
    CertificationKind.PASSI.value: _l("PASSI (qualified security audit)"),
    CertificationKind.PDIS.value: _l("PDIS (qualified incident detection)"),
    CertificationKind.CSPN.value: "CSPN",
    CertificationKind.EUCS.value: "EUCS",
    CertificationKind.SOC2.value: "SOC 2",
    CertificationKind.RGS.value: "RGS",
}

SOVEREIGNTY_QUESTIONS = {
    "extraterritorial_answer": _l("Can a foreign state reach the solution or its data through "
                                  "extraterritorial law (e.g. the US Cloud Act)?"),
    "reversibility_answer": _l("Can the buyer leave easily: reversibility, open formats, exit plan?"),
    "mastery_answer": _l("Do you master the technology you offer (own development, key dependencies)?"),
}


def plan_limit_message(organisation) -> str:
    """Why a first bid on a private-route need is refused, with the plan's figures."""
    from app.billing import entitlements

    limit = entitlements.private_bid_allowance(organisation).limit or 0
    return ngettext("Your %(plan)s plan allows %(num)d bid a month on private needs; this month's is used. "
                    "Upgrade to %(upgrade)s to bid without limit.",
                    "Your %(plan)s plan allows %(num)d bids a month on private needs; this month's are used. "
                    "Upgrade to %(upgrade)s to bid without limit.",
                    limit, plan=entitlements.plan_name(organisation),
                    upgrade=entitlements.upgrade_plan_name("private_bids_per_month"))


def message_for(code: str) -> str:
    return str(ERROR_MESSAGES.get(code, code))


def country_choices():
    from babel import Locale
    from flask_babel import get_locale

    locale = get_locale() or Locale("fr")
    names = [(code, locale.territories.get(code, code)) for code in country_codes()]
    names.sort(key=lambda pair: (pair[0] != "FR", pair[1]))
    return [("", _l("Not hosted (installed at the buyer's)")), *names]


class BidForm(FlaskForm):
    summary = StringField(_l("Summary of the offer"), description=_l("One or two sentences, up to 500 characters."))
    proposal = TextAreaField(_l("Proposal"), description=_l("How you answer the need: scope, method, team."))
    price = StringField(_l("Price (euros, excl. VAT)"), description=_l("For example 185 000 or 185 000,50."))
    timeline = TextAreaField(_l("Timeline"), description=_l("Delivery plan and duration, from kick-off."))
    solution_id = SelectField(_l("Solution offered"), validate_choice=False)
    approach = SelectField(_l("Approach"), validate_choice=False)
    hosting_country = SelectField(_l("Hosting country"), validate_choice=False)
    hosting_provider = StringField(_l("Hosting provider"))
    secnumcloud_hosting = BooleanField(_l("Hosting qualified SecNumCloud by ANSSI"))
    data_in_eu = BooleanField(_l("The data stays in the European Union"), default=True)
    open_source = BooleanField(_l("The solution is open source"))
    certifications = SelectMultipleField(_l("Certifications held for this offer"), validate_choice=False,
                                         widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    extraterritorial_answer = TextAreaField(SOVEREIGNTY_QUESTIONS["extraterritorial_answer"])
    reversibility_answer = TextAreaField(SOVEREIGNTY_QUESTIONS["reversibility_answer"])
    mastery_answer = TextAreaField(SOVEREIGNTY_QUESTIONS["mastery_answer"])

    def __init__(self, *args, solutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.solution_id.choices = [("", _l("No particular solution")), *((str(s.id), s.name) for s in solutions)]
        self.approach.choices = list(APPROACH_LABELS.items())
        self.hosting_country.choices = country_choices()
        self.certifications.choices = list(CERTIFICATION_LABELS.items())

    def to_input(self) -> BidInput:
        return BidInput(**{name: self[name].data for name in BidInput.__dataclass_fields__})


def form_data(data: BidInput) -> dict:
    """A BidInput as the form's initial data."""
    values = {name: getattr(data, name) for name in BidInput.__dataclass_fields__}
    values["solution_id"] = "" if data.solution_id is None else str(data.solution_id)
    return values


class EvaluationForm(FlaskForm):
    comment = TextAreaField(_l("Comment (for the buyer's team only)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in CRITERIA:
            self[criterion].choices = score_choices()


def score_choices():
    return [("", "—"), *((str(n), str(n)) for n in range(MAX_SCORE + 1))]


for _criterion in CRITERIA:
    setattr(EvaluationForm, _criterion, SelectField(CRITERION_LABELS[_criterion], validate_choice=False))


class RejectForm(FlaskForm):
    feedback = TextAreaField(_l("Feedback to the supplier"),
                             description=_l("Why the bid is not retained; the supplier will read it."))


class AwardForm(FlaskForm):
    note = TextAreaField(_l("Note on the award (optional)"))


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"), description=_l("PDF, ODT, ODS, DOCX, XLSX, PNG or JPEG, up to 20 MB."))


def evaluation_form_data(evaluation) -> dict:
    """An evaluator's earlier scores, to refill the scoring form."""
    if evaluation is None:
        return {}
    return {"comment": evaluation.comment or "", **{c: str(s) for c, s in evaluation.scores.items()}}
