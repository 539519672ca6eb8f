"""How a need's recorded values read on a page: the change log of amendments, publication problems."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from app.main.filters import euros, paris_time, percent
from app.needs.forms import category_label
from app.needs.messages import APPROACH_LABELS, FIELD_LABELS, message_for
from app.needs.regions import REGIONS
from app.needs.validation import NeedError


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def change_text(name: str, value) -> str:
    """A value of a change log ({field: {old, new}}) in the reader's words."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name.endswith("_cents") and isinstance(value, int):
        return euros(value)
    if name == "deadline_at":
        try:
            return paris_time(datetime.fromisoformat(str(value)), "short")
        except ValueError:
            return str(value)
    if name == "categories":
        return ", ".join(category_label(code) for code in value)
    if name == "region":
        return REGIONS.get(str(value), str(value))
    if name == "approach":
        return str(next((text for a, text in APPROACH_LABELS.items() if a.value == value), value))
    if name.startswith("weight_"):
        return percent(value)
    return str(value)


LONG_TEXT_FIELDS = ("description", "summary", "reuse_note", "off_the_shelf_note", "custom_justification")


# Problems whose message does not say which field it is about: the field's name comes first.
UNNAMED_FIELD_CODES = frozenset({
    "required", "too_long", "budget_required", "budget_positive", "budget_too_high", "weight_range",
})


def problem_text(problem: NeedError) -> str:
    """What stops a draft from being published, as its buyer reads it in the checklist."""
    text = message_for(problem.code, **problem.params)
    if problem.field in FIELD_LABELS and problem.code in UNNAMED_FIELD_CODES:
        return _("%(field)s: %(problem)s", field=field_label(problem.field), problem=text)
    return text
