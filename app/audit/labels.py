"""Words for the audit log: a readable sentence for each action code, a name for each subject type.

An action missing here still shows, as its raw code: a new ``record_audit`` call never
disappears from the log because nobody wrote its sentence yet.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS: dict[str, object] = {
    # organisations and their members
    "organisation.registered": _l("Registered the organisation"),
    "organisation.verified": _l("Verified the organisation"),
    "membership.added": _l("Added a member"),
    "membership.role_changed": _l("Changed a member's role"),
    "membership.removed": _l("Removed a member"),
    # accounts
    "account.locked": _l("Account locked after repeated failed sign-ins"),
    "account.password_reset": _l("Reset their password with an emailed link"),
    "account.password_changed": _l("Changed their password, signing out their other sessions"),
    "account.signed_out_everywhere": _l("Signed out everywhere: every session of the account ended"),
    # needs
    "need.created": _l("Created a need"),
    "need.imported": _l("Imported a need"),
    "need.updated": _l("Updated a need"),
    "need.amended": _l("Amended a published need"),
    "need.published": _l("Published a need"),
    "need.cancelled": _l("Cancelled a need"),
    "need.discarded": _l("Discarded a draft need"),
    "need.closed": _l("Closed a need at its deadline"),
    "need.unsuccessful": _l("Declared a need unsuccessful"),
    "need.awarded": _l("Awarded a need"),
    "need.attachment_added": _l("Added an attachment to a need"),
    "need.attachment_removed": _l("Removed an attachment from a need"),
    "need.invitation": _l("Invited suppliers to a need"),
    "need.question_asked": _l("Asked a question on a need"),
    "need.answered": _l("Answered a question"),
    "need.followed": _l("Followed a need"),
    "need.unfollowed": _l("Stopped following a need"),
    # bids
    "bid.draft_saved": _l("Saved a draft bid"),
    "bid.draft_discarded": _l("Discarded a draft bid"),
    "bid.submitted": _l("Submitted a bid"),
    "bid.updated": _l("Updated a submitted bid"),
    "bid.withdrawn": _l("Withdrew a bid"),
    "bid.evaluated": _l("Scored a bid"),
    "bid.shortlisted": _l("Shortlisted a bid"),
    "bid.rejected": _l("Rejected a bid"),
    "bid.awarded": _l("Awarded a bid"),
    # supplier profile
    "supplier.profile_updated": _l("Updated the supplier profile"),
    "supplier.identity_updated": _l("Updated the organisation's identity"),
    "supplier.solution_created": _l("Added a solution"),
    "supplier.solution_updated": _l("Updated a solution"),
    "supplier.solution_deleted": _l("Deleted a solution"),
    "supplier.certification_added": _l("Added a certification"),
    "supplier.certification_updated": _l("Updated a certification"),
    "supplier.certification_deleted": _l("Deleted a certification"),
    # commitments and purchases
    "commitment.revised": _l("Revised the purchasing pledge"),
    "purchase.declared": _l("Declared a purchase"),
    "purchase.declaration_changed": _l("Changed a declared purchase"),
    "purchase.withdrawn": _l("Withdrew a declared purchase"),
    "purchase.verified": _l("Verified a declared purchase"),
    "purchase.rejected": _l("Rejected a declared purchase"),
    # billing
    "billing.customer_created": _l("Opened the billing account"),
    "billing.checkout_started": _l("Started a subscription checkout"),
    "billing.checkout_completed": _l("Completed a subscription checkout"),
    "billing.subscription_changed": _l("The subscription changed"),
    "billing.payment_failed": _l("A payment failed"),
    "billing.invoice_paid": _l("An invoice was paid"),
    "billing.downgraded": _l("The plan was downgraded"),
    # the API (creations made with an Idempotency-Key)
    "api.need_created": _l("Created a need through the API"),
    "api.needs_imported": _l("Imported needs through the API"),
    "api.bid_created": _l("Created a bid through the API"),
    "api.bids_awarded": _l("Awarded bids through the API"),
    "api.purchase_declared": _l("Declared a purchase through the API"),
    "api.solution_created": _l("Added a solution through the API"),
    "api.certification_created": _l("Added a certification through the API"),
    "api.question_asked": _l("Asked a question through the API"),
    "api.saved_search_created": _l("Saved a search through the API"),
    "api.supplier_invited": _l("Invited a supplier through the API"),
    # the operator's tools
    "demo.generated": _l("Generated the demo market"),
}

SUBJECT_LABELS: dict[str, object] = {
    "Need": _l("Need"),
    "Bid": _l("Bid"),
    "Question": _l("Question"),
    "Organisation": _l("Organisation"),
    "Membership": _l("Membership"),
    "SupplierProfile": _l("Supplier profile"),
    "Solution": _l("Solution"),
    "Certification": _l("Certification"),
    "Commitment": _l("Pledge"),
    "Purchase": _l("Purchase"),
    "BillingAccount": _l("Billing account"),
    "SavedSearch": _l("Saved search"),
    "User": _l("Account"),
}


def action_label(action: str) -> str:
    """The readable sentence for an action code, or the code itself when it has none."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def subject_label(subject_type: str | None) -> str:
    if not subject_type:
        return ""
    label = SUBJECT_LABELS.get(subject_type)
    return str(label) if label is not None else subject_type


def action_choices() -> list[tuple[str, str]]:
    """(code, sentence) of every known action, in the reader's alphabetical order of sentences."""
    return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda c: c[1].casefold())
