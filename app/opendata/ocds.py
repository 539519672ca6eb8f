"""OCDS 1.1 releases of a need: one per stage, built from what the database holds.

A published need is one contracting process, ``ocid = <OCDS_OCID_PREFIX>-<reference>``.
Its releases, oldest first (each id is stable: it names the stage, and changes when
the content of that stage can change):

``<ocid>-tender``
    at publication (tag ``tender``): buyer, tender (title, texts, items, budget,
    method, period, criteria). A need amended since is published as its latest
    state instead, ``<ocid>-tender-amendment-<n>`` (tag ``tenderAmendment``, dated at
    the n-th amendment): the earlier content is not kept.
``<ocid>-award-<award id>``
    at each award (tags ``award``, ``contract``, ``tenderUpdate``): the supplier, the
    award, its contract (``pending`` until its start day, else ``active``) and the
    tender ``complete`` with its number of tenderers.
``<ocid>-contract-<award id>-start`` / ``-end``
    on the contract's first day once it has come (``contractUpdate``: ``active``), and
    after its last day (``contractTermination``: ``terminated``).
``<ocid>-cancellation`` (``tenderCancellation``), ``<ocid>-unsuccessful`` (``tenderUpdate``).

Amounts are numbers of euros made from integer cents with Decimal; times are written in
UTC; a contract's days are its first and last seconds in Paris, written in UTC. What
may be shown of a need is decided by ``app.opendata.policy.disclosure``; the texts are
the buyer's own, in French, so ``language`` is ``fr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.bids.models import Award
from app.needs import taxonomy
from app.needs.doctrine import CRITERIA
from app.needs.models import Need, NeedStatus, Route, Visibility
from app.opendata import cpv, parties
from app.opendata.policy import Disclosure

PARIS = ZoneInfo("Europe/Paris")
CATEGORY_SCHEME = "x_tremplin"
CURRENCY = "EUR"
LANGUAGE = "fr"
RESTRICTED_TITLE = "Besoin à diffusion restreinte"

CRITERIA_FR = {
    "sovereignty": "souveraineté", "performance": "performance", "security": "sécurité",
    "maintenance": "maintenance", "availability": "disponibilité", "reversibility": "réversibilité",
    "interoperability": "interopérabilité", "durability": "durabilité", "cost": "coût",
}  # fmt: skip

METHOD = {Visibility.PUBLIC: "open", Visibility.RESTRICTED: "selective", Visibility.INVITATION: "limited"}
METHOD_DETAILS = {
    Visibility.PUBLIC: "Appel ouvert à toutes les entreprises sur Tremplin",
    Visibility.RESTRICTED: "Appel réservé aux fournisseurs vérifiés de Tremplin",
    Visibility.INVITATION: "Consultation des seuls fournisseurs invités",
}
ROUTE_DETAILS = {Route.PUBLIC: "commande publique", Route.PRIVATE: "achat privé d'un grand groupe"}


@dataclass
class NeedFacts:
    """A need and what hangs on it, loaded once for all its releases."""

    need: Need  # buyer loaded
    disclosure: Disclosure
    categories: list[str] = field(default_factory=list)  # category codes, in code order
    awards: list[Award] = field(default_factory=list)  # bid.supplier loaded
    amendments: list[tuple[int, datetime, str]] = field(default_factory=list)  # id, at, summary
    tenderers: int = 0  # bids submitted and not withdrawn


# --- values ------------------------------------------------------------------------------


def money(cents: int) -> int | float:
    """Integer cents as a JSON number of euros, exact: 15000000 -> 150000, 123456 -> 1234.56."""
    euros = Decimal(cents).scaleb(-2)
    if euros == euros.to_integral_value():
        return int(euros)
    return float(euros)  # two decimals below 10^13: the float's shortest text is the Decimal's


def value(cents: int) -> dict:
    return {"amount": money(cents), "currency": CURRENCY}


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), PARIS)


def day_end(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), PARIS)


def ocid(prefix: str, reference: str) -> str:
    return f"{prefix}-{reference}"


# --- tender --------------------------------------------------------------------------------


def _label(code: str) -> str:
    category = taxonomy.BY_CODE.get(code)
    return category.label_fr if category else code


def _items(need: Need, categories: list[str]) -> list[dict]:
    items = []
    for code in categories:
        cpv_code, label = cpv.cpv_for_category(code), _label(code)
        items.append({
            "id": code,
            "description": label,
            "classification": {"scheme": cpv.SCHEME, "id": cpv_code, "description": cpv.LABELS[cpv_code]},
            "additionalClassifications": [{"scheme": CATEGORY_SCHEME, "id": code, "description": label}],
        })
    own = cpv.eight_digits(need.cpv_code)
    if own and own not in {item["classification"]["id"] for item in items}:
        if items:  # the buyer's own code says more precisely what the first item is
            items[0]["additionalClassifications"].append({"scheme": cpv.SCHEME, "id": own})
        else:
            items.append({"id": "1", "classification": {"scheme": cpv.SCHEME, "id": own}})
    return items


def generic_title(categories: list[str]) -> str:
    """The title of a need whose own title is withheld: what it is about, by its categories."""
    labels = [_label(code) for code in categories]
    return f"{RESTRICTED_TITLE} : {', '.join(labels)}" if labels else RESTRICTED_TITLE


def _tender(facts: NeedFacts) -> dict:
    need, shown = facts.need, facts.disclosure
    tender: dict = {"id": need.reference}
    if shown.texts:
        tender["title"] = need.title
        text = "\n\n".join(part for part in (need.summary, need.description) if (part or "").strip())
        if text:
            tender["description"] = text
    else:
        tender["title"] = generic_title(facts.categories)
    tender["status"] = "active"
    items = _items(need, facts.categories)
    if items:
        tender["items"] = items
    if shown.amounts:
        tender["minValue"] = value(need.budget_min_cents)
        tender["value"] = value(need.budget_max_cents)
    tender["procurementMethod"] = METHOD[need.visibility]
    tender["procurementMethodDetails"] = f"{METHOD_DETAILS[need.visibility]} ({ROUTE_DETAILS[need.route]})"
    tender["awardCriteria"] = "ratedCriteria"
    weights = need.weights
    tender["awardCriteriaDetails"] = "Grille pondérée : " + ", ".join(
        f"{CRITERIA_FR[c]} {weights[c]} %" for c in CRITERIA if weights[c]
    )
    tender["submissionMethod"] = ["electronicSubmission"]
    tender["submissionMethodDetails"] = "Offres déposées sur la plateforme Tremplin"
    tender["tenderPeriod"] = {"startDate": timestamp(need.published_at), "endDate": timestamp(need.deadline_at)}
    if need.sme_set_aside:
        tender["eligibilityCriteria"] = "Réservé aux PME et startups établies dans l'Union européenne"
    if facts.amendments:
        tender["amendments"] = [
            {"id": str(number), "date": timestamp(at), **({"description": summary} if shown.texts else {})}
            for number, at, summary in facts.amendments
        ]
    return tender


def _buyer(facts: NeedFacts) -> tuple[dict, dict]:
    """The buyer's party and the reference to it."""
    need = facts.need
    if facts.disclosure.buyer:
        return parties.party(need.buyer, ["buyer"]), parties.reference(need.buyer)
    neutral = parties.undisclosed_buyer(need.anonymous_label)
    return neutral, {"id": neutral["id"], "name": neutral["name"]}


# --- releases ------------------------------------------------------------------------------


def _release(ocid_: str, suffix: str, moment: datetime, tags: list[str], **sections) -> dict:
    return {"ocid": ocid_, "id": f"{ocid_}-{suffix}", "date": timestamp(moment), "tag": tags,
            "initiationType": "tender", "language": LANGUAGE, **sections}


def _contract_status(award: Award, on: datetime) -> str:
    if award.contract_start_on and day_start(award.contract_start_on) > on:
        return "pending"
    return "active"


def _award_release(facts: NeedFacts, ocid_: str, award: Award) -> dict:
    supplier = award.bid.supplier
    shown = facts.disclosure
    award_block: dict = {"id": str(award.id), "status": "active", "date": timestamp(award.awarded_at)}
    if shown.amounts:
        award_block["value"] = value(award.amount_cents)
    award_block["suppliers"] = [parties.reference(supplier)]
    contract: dict = {"id": f"{award.id}-contract", "awardID": str(award.id),
                      "status": _contract_status(award, award.awarded_at)}
    period = {}
    if award.contract_start_on:
        period["startDate"] = timestamp(day_start(award.contract_start_on))
    if award.contract_end_on:
        period["endDate"] = timestamp(day_end(award.contract_end_on))
    if period:
        contract["period"] = period
    if shown.amounts:
        contract["value"] = value(award.amount_cents)
    tender = {"id": facts.need.reference, "status": "complete", "numberOfTenderers": facts.tenderers}
    return _release(ocid_, f"award-{award.id}", award.awarded_at, ["tenderUpdate", "award", "contract"],
                    parties=[parties.party(supplier, ["tenderer", "supplier"])], tender=tender,
                    awards=[award_block], contracts=[contract])


def _contract_updates(ocid_: str, award: Award, now: datetime) -> list[dict]:
    releases = []
    contract = {"id": f"{award.id}-contract", "awardID": str(award.id)}
    start = award.contract_start_on and day_start(award.contract_start_on)
    if start and award.awarded_at < start <= now:
        releases.append(_release(ocid_, f"contract-{award.id}-start", start, ["contractUpdate"],
                                 contracts=[{**contract, "status": "active"}]))
    end = award.contract_end_on and day_end(award.contract_end_on)
    if end and end < now:
        releases.append(_release(ocid_, f"contract-{award.id}-end", max(end, award.awarded_at),
                                 ["contractTermination"], contracts=[{**contract, "status": "terminated"}]))
    return releases


def need_releases(facts: NeedFacts, *, prefix: str, now: datetime) -> list[dict]:
    """Every release of a published need, oldest first (ties: in stage order)."""
    need = facts.need
    ocid_ = ocid(prefix, need.reference)
    buyer_party, buyer_ref = _buyer(facts)
    if facts.amendments:
        count, (_number, last_at, _summary) = len(facts.amendments), facts.amendments[-1]
        suffix, moment, tags = f"tender-amendment-{count}", max(last_at, need.published_at), ["tenderAmendment"]
    else:
        suffix, moment, tags = "tender", need.published_at, ["tender"]
    releases = [_release(ocid_, suffix, moment, tags, parties=[buyer_party], buyer=buyer_ref,
                         tender=_tender(facts))]
    for award in facts.awards:
        releases.append(_award_release(facts, ocid_, award))
        releases.extend(_contract_updates(ocid_, award, now))
    if need.status == NeedStatus.AWARDED and not facts.awards and need.awarded_at:
        releases.append(_release(ocid_, "complete", need.awarded_at, ["tenderUpdate"],
                                 tender={"id": need.reference, "status": "complete"}))
    if need.status == NeedStatus.CANCELLED and need.cancelled_at:
        releases.append(_release(ocid_, "cancellation", max(need.cancelled_at, need.published_at),
                                 ["tenderCancellation"], tender={"id": need.reference, "status": "cancelled"}))
    if need.status == NeedStatus.UNSUCCESSFUL:
        releases.append(_release(
            ocid_, "unsuccessful", max(need.closed_at or need.deadline_at, need.published_at), ["tenderUpdate"],
            tender={"id": need.reference, "status": "unsuccessful", "numberOfTenderers": facts.tenderers},
        ))
    order = {release["id"]: n for n, release in enumerate(releases)}
    return sorted(releases, key=lambda r: (r["date"], order[r["id"]]))
