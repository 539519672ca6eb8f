"""What people read when a need operation is refused, and the words for need fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.needs.doctrine import Approach

ERROR_MESSAGES = {
    "required": _l("This field is required."),
    "too_long": _l("This text is too long: %(max)s characters at most."),
    "text_required": _l("Write your text before sending."),
    # categories and classification
    "category_unknown": _l("Choose the categories from the list: one of those sent does not exist."),
    "categories_required": _l("Choose at least one category."),
    "cpv_format": _l("A CPV code has 8 digits, optionally followed by a check digit, such as 72000000-5."),
    "region_unknown": _l("Choose a region from the list."),
    # budget
    "budget_required": _l("Enter an amount in euros, such as 150 000."),
    "budget_format": _l("Enter a whole amount in euros, such as 150 000 or 150 000 €."),
    "budget_whole_euros": _l("Enter whole euros, without cents."),
    "budget_positive": _l("The amount must be greater than zero."),
    "budget_too_high": _l("Budgets stay below €100M: this amount is too high."),
    "budget_min_above_max": _l("The minimum budget is above the maximum: it must be less than or equal to it."),
    # buyer, route, visibility
    "route_invalid": _l("Choose the procurement route."),
    "route_mismatch": _l(
        "The procurement route follows the buyer: administrations buy under public procurement rules, "
        "corporate groups make private purchases."
    ),
    "not_a_buyer": _l("Only administrations and corporate groups post needs."),
    "visibility_invalid": _l("Choose who may see the need."),
    "anonymised_public": _l(
        "A public need shows its buyer: only a need restricted to verified suppliers or by invitation "
        "can be anonymised."
    ),
    "anonymous_label_required": _l("Give the label shown instead of your name, such as « une banque du CAC 40 »."),
    "locked_after_publication": _l("This setting cannot change once the need is published."),
    # deadline
    "deadline_required": _l("Enter the deadline: a date and a time."),
    "deadline_format": _l("Enter the deadline as a date and a time, Paris time."),
    "deadline_past": _l("The deadline must be in the future."),
    "deadline_shortened": _l("Once the need is published, its deadline may be extended but not brought forward."),
    # doctrine
    "approach_invalid": _l("Choose the approach."),
    "custom_unjustified": _l("Explain why a custom development is needed: nothing existing fits?"),
    "reuse_unchecked": _l("Check the shared solutions that already exist first: reuse comes before buying."),
    "reuse_note_required": _l("Note what you found among the existing shared solutions."),
    "off_the_shelf_unchecked": _l("Look for off-the-shelf solutions before publishing."),
    "weight_range": _l("Each weight is a whole percentage between 0 and 100."),
    "weights_sum": _l("The weights add up to %(total)s; they must add up to 100."),
    # lifecycle
    "amendment_summary_required": _l("Say what changes and why: bidders will read it."),
    "edited_meanwhile": _l("Someone changed this need meanwhile. Reload the page and make your changes again."),
    "not_editable": _l("This need can no longer be changed."),
    "not_draft": _l("Only a draft can be published."),
    "not_published": _l("This need is not published."),
    "not_cancellable": _l("This need can no longer be cancelled."),
    "not_discardable": _l("Only a draft can be deleted; a published need is cancelled instead."),
    "reason_required": _l("Give the reason: suppliers will read it."),
    "deadline_not_passed": _l("The deadline has not passed yet: bids are still open."),
    "not_closed": _l("Only a need whose bids are closed can be declared unsuccessful."),
    # suppliers around the need
    "invitations_closed": _l("Invitations are closed: bids are no longer open on this need."),
    "not_a_supplier": _l("Only startups and SMEs can be invited."),
    "supplier_unknown": _l("Choose a supplier from the search results."),
    "already_invited": _l("This supplier is already invited."),
    "questions_closed": _l("Questions are closed: bids are no longer open on this need."),
    "already_answered": _l("This question already has an answer."),
    # files
    "file_empty": _l("Choose a file to send."),
    "file_too_large": _l("This file is larger than 20 MB: send a smaller one."),
    "file_bad_type": _l("This type of file is not accepted: send a PDF, ODT, ODS, DOCX, XLSX, PNG or JPEG file."),
    "too_many_files": _l("A need holds at most %(max)s documents: gather some of them in one file."),
    "attachment_kept": _l("Documents of a published need stay available to bidders."),
}


def message_for(code: str, **params) -> str:
    text = str(ERROR_MESSAGES.get(code, code))
    return text % params if params else text


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
    Approach.REUSE: _l("Reuse an existing shared solution"),
    Approach.OFF_THE_SHELF: _l("Buy an off-the-shelf solution"),
    Approach.CUSTOM: _l("Custom development"),
}

# Words for the fields of a need, as shown in the change log of amendments.
FIELD_LABELS = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "description": _l("Description"),
    "categories": _l("Categories"),
    "cpv_code": _l("CPV code"),
    "budget_min_cents": _l("Minimum budget"),
    "budget_max_cents": _l("Maximum budget"),
    "region": _l("Region"),
    "deadline_at": _l("Deadline"),
    "sensitive_data": _l("Sensitive data"),
    "requires_secnumcloud": _l("SecNumCloud hosting required"),
    "eu_data_residency": _l("Data kept in the European Union"),
    "open_source_preferred": _l("Open source preferred"),
    "sme_set_aside": _l("Reserved for SMEs and startups"),
    "reuse_checked": _l("Existing shared solutions checked"),
    "reuse_note": _l("What was found among shared solutions"),
    "off_the_shelf_sought": _l("Off-the-shelf solutions sought"),
    "off_the_shelf_note": _l("What was found off the shelf"),
    "approach": _l("Approach"),
    "custom_justification": _l("Why custom development"),
    "attachments": _l("Documents"),
    **{f"weight_{c}": text for c, text in CRITERION_LABELS.items()},
}
