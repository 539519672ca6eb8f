"""Explainable scores between a need and a supplier: the same rules for both directions.

A suggestion's score is a whole number from 0 to 100, the sum of five components, each
with the short reasons shown to the buyer (or to the supplier, in "needs for you"):

    text relevance   30  the need's key words (title, summary) found in the supplier's
                         profile and solutions: 80 % for coverage (half of the weighted
                         key words found is full marks; title words weigh 2, summary
                         words 1), 20 % for the position in the engine's text ranking
    categories       30  mean over the need's categories: same sub-category 1, same axis
                         only 1/2 (axis-level partial credit); an axis chosen by the need
                         is met by any sub-category of it
    sovereignty      20  the doctrine's three questions: capital and control in the EU 5,
                         no extraterritorial exposure 5 (foreign reach); documented exit
                         plan 4, open source 2 (reversibility); masters its technology 4
    budget fit       10  the need's maximum budget against what the supplier's size
                         usually carries: up to a ceiling (micro €500k, small €2M,
                         medium €10M, mid-size and large: none) 10; up to four times the
                         ceiling 5 ("large budget for its size"); beyond 0; size unknown 5
    labels           10  Next40 or French Tech 120: 6, French Tech 2030 or JEI: 4,
                         GreenTech: 3; summed, at most 10

Hard requirements are not points: a supplier that does not meet them is excluded, with
the reason (SecNumCloud when the need has sensitive data or requires it, hosting in the
EU when the data must stay in the EU, SME set-aside eligibility by the access policy).
Only verified suppliers are suggested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from flask_babel import lazy_gettext as _l

from app.accounts.models import SizeCategory
from app.matching.matching_words import QUERY_WORDS, SYNONYM_WORDS, informative, stem, stems_of
from app.needs import taxonomy
from app.needs.policy import Ineligible, Viewer, set_aside_refusal
from search.base import And, Eq, In, Not
from search.text import words

_WRITTEN = re.compile(r"[^\W_]+")

POINTS = {"text": 30, "categories": 30, "sovereignty": 20, "budget": 10, "labels": 10}
FULL_COVERAGE = 0.5  # share of the need's weighted key words found that earns all text points
# Euros a company of this size usually carries on one deal (None: no ceiling).
BUDGET_CEILINGS = {"micro": 500_000, "small": 2_000_000, "medium": 10_000_000, "mid": None, "large": None}
STRETCH = 4  # up to this many times the ceiling: a weaker fit, not none
LABEL_POINTS = {"next40": 6, "french_tech_120": 6, "french_tech_2030": 4, "jei": 4, "greentech": 3}
LABEL_NAMES = {"next40": "Next40", "french_tech_120": "French Tech 120", "french_tech_2030": "French Tech 2030",
               "jei": "JEI", "greentech": "GreenTech"}
SOVEREIGNTY_POINTS = {"eu_controlled": 5, "no_exposure": 5, "exit_plan": 4, "open_source": 2, "owns_technology": 4}


# --- reasons ---------------------------------------------------------------------------------


class CategoryNames:
    """Category labels joined, in the reader's language when shown (« Cybersécurité / SOC »)."""

    def __init__(self, codes: Iterable[str]):
        self.codes = tuple(codes)

    def __str__(self) -> str:
        from app.i18n import current_locale

        try:
            locale = current_locale()
        except RuntimeError:  # outside a request
            locale = "fr"
        names = []
        for code in self.codes:
            category = taxonomy.BY_CODE[code]
            if category.parent is None:
                names.append(category.label(locale))
            else:
                names.append(f"{taxonomy.BY_CODE[category.parent].label(locale)} / {category.label(locale)}")
        return ", ".join(names)


@dataclass(frozen=True)
class Reason:
    """One short sentence of why (tone "good") or what to weigh ("caution", "refusal")."""

    kind: str
    message: object  # a lazy string with %(name)s placeholders
    params: Mapping[str, object] = field(default_factory=dict)
    tone: str = "good"

    def __str__(self) -> str:
        text = str(self.message)
        return text % {k: str(v) for k, v in self.params.items()} if self.params else text


# --- the two sides -----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyWord:
    stem: str
    word: str  # folded
    shown: str  # as the need writes it
    weight: int
    synonyms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class NeedFacts:
    """What matching reads of a need."""

    title: str
    summary: str
    categories: tuple[str, ...]
    budget_max_eur: int
    sensitive_data: bool = False
    requires_secnumcloud: bool = False
    eu_data_residency: bool = False
    sme_set_aside: bool = False
    open_source_preferred: bool = False

    @classmethod
    def of(cls, need) -> NeedFacts:
        return cls(
            title=need.title or "", summary=need.summary or "",
            categories=tuple(c.code for c in need.categories), budget_max_eur=need.budget_max_cents // 100,
            sensitive_data=need.sensitive_data, requires_secnumcloud=need.requires_secnumcloud,
            eu_data_residency=need.eu_data_residency, sme_set_aside=need.sme_set_aside,
            open_source_preferred=need.open_source_preferred,
        )

    @property
    def needs_secnumcloud(self) -> bool:
        return self.sensitive_data or self.requires_secnumcloud

    @cached_property
    def key_words(self) -> list[KeyWord]:
        """Informative words of the title (weight 2) then of the summary (weight 1), once each."""
        found: dict[str, KeyWord] = {}
        for text, weight in ((self.title, 2), (self.summary, 1)):
            for match in _WRITTEN.finditer(text or ""):
                for word in words(match.group()):
                    key = stem(word)
                    if informative(word) and key not in found:
                        synonyms = frozenset(stem(s) for s in SYNONYM_WORDS.get(word, ()))
                        found[key] = KeyWord(key, word, match.group(), weight, synonyms)
        return list(found.values())

    def query_text(self, size: int = QUERY_WORDS) -> str:
        """The words to search with: the key words, title first, as the need writes them (folded)."""
        return " ".join(k.word for k in self.key_words[:size])


@dataclass(frozen=True)
class SupplierFacts:
    """What matching reads of a supplier: its search document (app.matching.documents), plus
    the two sovereignty answers the document does not carry (exit plan, technology)."""

    id: int
    name: str
    texts: tuple[str, ...]  # its own words: name, headline, solutions, description
    categories: frozenset[str]
    secnumcloud: bool = False
    hosting_eu: bool = False
    country: str = ""
    size: str = ""
    employees: int = 0
    labels: tuple[str, ...] = ()
    open_source: bool = False
    eu_controlled: bool = False
    extraterritorial_exposure: bool = False
    exit_plan: bool = False
    owns_technology: bool = False
    verified: bool = True

    @classmethod
    def of_document(cls, doc: Mapping, *, exit_plan: bool | None = None,
                    owns_technology: bool | None = None) -> SupplierFacts:
        # The supplier's own words; its category labels are left to the category component.
        texts = (doc.get("name", ""), doc.get("headline", ""), " ".join(doc.get("solution_names") or []),
                 doc.get("solution_text", ""), doc.get("description", ""))
        return cls(
            id=int(doc["id"]), name=doc.get("name", ""), texts=texts,
            categories=frozenset(doc.get("categories") or ()), secnumcloud=bool(doc.get("secnumcloud")),
            hosting_eu=bool(doc.get("hosting_eu")), country=doc.get("country") or "", size=doc.get("size") or "",
            employees=int(doc.get("employees") or 0), labels=tuple(doc.get("labels") or ()),
            open_source=bool(doc.get("open_source")), eu_controlled=bool(doc.get("eu_controlled")),
            extraterritorial_exposure=bool(doc.get("extraterritorial_exposure")),
            exit_plan=bool(doc.get("exit_plan") if exit_plan is None else exit_plan),
            owns_technology=bool(doc.get("owns_technology") if owns_technology is None else owns_technology),
            verified=bool(doc.get("verified", True)),
        )

    @cached_property
    def stems(self) -> frozenset[str]:
        """Computed when first read: matching reads it only for the candidates that may rank."""
        return stems_of(self.texts)

    @property
    def size_class(self) -> str:
        if self.size:
            return self.size
        if not self.employees:
            return ""
        return "micro" if self.employees < 10 else "small" if self.employees < 50 else \
            "medium" if self.employees < 250 else "mid"

    def as_viewer(self) -> Viewer:
        size = SizeCategory(self.size) if self.size in {s.value for s in SizeCategory} else None
        return Viewer(organisation_id=self.id, country=self.country, size=size, employees=self.employees or None)


# --- hard requirements -------------------------------------------------------------------------


def requirement_filter(need: NeedFacts):
    """Engine filter on supplier documents: verified, and the need's hard requirements."""
    parts = [Eq("verified", True)]
    if need.needs_secnumcloud:
        parts.append(Eq("secnumcloud", True))
    if need.eu_data_residency:
        parts.append(Eq("hosting_eu", True))
    if need.sme_set_aside:
        parts += [Eq("eu", True), Not(In("size", (SizeCategory.MID.value, SizeCategory.LARGE.value)))]
    return And(*parts)


def requirements(need: NeedFacts, supplier: SupplierFacts) -> tuple[list[Reason], list[Reason]]:
    """(requirements met, refusals): a supplier with any refusal is not suggested.

    Verification is not a requirement of the need but of the platform: the engine
    filter and the final reload keep unverified suppliers out of suggestions."""
    met: list[Reason] = []
    refused: list[Reason] = []
    if need.needs_secnumcloud:
        if supplier.secnumcloud:
            met.append(Reason("requirement", _l("SecNumCloud qualified (required: sensitive data)")
                              if need.sensitive_data else _l("SecNumCloud qualified (required)")))
        else:
            refused.append(Reason("requirement", _l("Not SecNumCloud qualified: the need has sensitive data")
                                  if need.sensitive_data else _l("Not SecNumCloud qualified, which the need requires"),
                                  tone="refusal"))
    if need.eu_data_residency:
        if supplier.hosting_eu:
            met.append(Reason("requirement", _l("Hosting in the EU (required)")))
        else:
            refused.append(Reason("requirement", _l("No hosting in the EU, where the data must stay"),
                                  tone="refusal"))
    if need.sme_set_aside:
        refusal = set_aside_refusal(supplier.as_viewer())
        if refusal is None:
            met.append(Reason("requirement", _l("Eligible for the SME set-aside")))
        elif refusal == Ineligible.NOT_EU:
            refused.append(Reason("requirement", _l("Not established in the EU: the need is reserved for EU SMEs"),
                                  tone="refusal"))
        else:
            refused.append(Reason("requirement", _l("Too large for a need reserved for SMEs"), tone="refusal"))
    return met, refused


# --- the components --------------------------------------------------------------------------


@dataclass
class Score:
    total: int
    components: dict[str, int]
    reasons: list[Reason]
    refusals: list[Reason]

    @property
    def eligible(self) -> bool:
        return not self.refusals


def text_points(need: NeedFacts, supplier: SupplierFacts, rank: float) -> tuple[int, Reason | None]:
    keys = need.key_words
    if not keys:
        return 0, None
    found = [k for k in keys if k.stem in supplier.stems or k.synonyms & supplier.stems]
    coverage = sum(k.weight for k in found) / sum(k.weight for k in keys)
    points = round(POINTS["text"] * (0.8 * min(1.0, coverage / FULL_COVERAGE) + 0.2 * max(0.0, min(1.0, rank))))
    if not found:
        return points, None
    shown = ", ".join(k.shown for k in sorted(found, key=lambda k: -k.weight)[:4])
    return points, Reason("text", _l("Words in common: %(words)s"), {"words": shown})


def _category_credit(code: str, supplier_codes: frozenset[str], supplier_axes: frozenset[str]) -> float:
    category = taxonomy.BY_CODE.get(code)
    if category is None:
        return 0.0
    if category.parent is None:
        return 1.0 if category.code in supplier_axes else 0.0
    if code in supplier_codes:
        return 1.0
    return 0.5 if category.parent in supplier_axes else 0.0


def category_points(need: NeedFacts, supplier: SupplierFacts) -> tuple[int, list[Reason]]:
    codes = [c for c in need.categories if c in taxonomy.BY_CODE]
    # an axis chosen together with one of its sub-categories adds nothing
    codes = [c for c in codes if taxonomy.BY_CODE[c].parent is not None
             or not any(taxonomy.BY_CODE[o].parent == c for o in codes)]
    if not codes:
        return 0, []
    axes = frozenset(taxonomy.BY_CODE[c].axis for c in supplier.categories if c in taxonomy.BY_CODE)
    credits = {c: _category_credit(c, supplier.categories, axes) for c in codes}
    points = round(POINTS["categories"] * sum(credits.values()) / len(codes))
    reasons = []
    exact = [c for c, v in credits.items() if v == 1.0]
    near = sorted({taxonomy.BY_CODE[c].axis for c, v in credits.items() if v == 0.5})
    if exact:
        reasons.append(Reason("categories", _l("Categories: %(names)s"), {"names": CategoryNames(exact)}))
    if near:
        reasons.append(Reason("categories", _l("Same field: %(names)s"), {"names": CategoryNames(near)}))
    return points, reasons


def sovereignty_points(need: NeedFacts, supplier: SupplierFacts) -> tuple[int, list[Reason]]:
    p = SOVEREIGNTY_POINTS
    points, reasons = 0, []
    if supplier.eu_controlled:
        points += p["eu_controlled"]
        reasons.append(Reason("sovereignty", _l("Capital and control in the EU")))
    if supplier.extraterritorial_exposure:
        reasons.append(Reason("sovereignty", _l("Exposed to extraterritorial laws (e.g. US Cloud Act)"),
                              tone="caution"))
    else:
        points += p["no_exposure"]
        reasons.append(Reason("sovereignty", _l("Out of reach of extraterritorial laws")))
    if supplier.exit_plan:
        points += p["exit_plan"]
        reasons.append(Reason("sovereignty", _l("Documented exit plan (reversibility)")))
    if supplier.open_source:
        points += p["open_source"]
        reasons.append(Reason("sovereignty", _l("Open source, as the buyer prefers") if need.open_source_preferred
                              else _l("Open source solutions")))
    if supplier.owns_technology:
        points += p["owns_technology"]
        reasons.append(Reason("sovereignty", _l("Masters its own technology")))
    return points, reasons


def budget_points(need: NeedFacts, supplier: SupplierFacts) -> tuple[int, Reason | None]:
    size = supplier.size_class
    if size not in BUDGET_CEILINGS:
        return POINTS["budget"] // 2, None
    ceiling = BUDGET_CEILINGS[size]
    if ceiling is None or need.budget_max_eur <= ceiling:
        return POINTS["budget"], Reason("budget", _l("Size suited to the budget"))
    if need.budget_max_eur <= STRETCH * ceiling:
        return POINTS["budget"] // 2, Reason("budget", _l("Large budget for its size"), tone="caution")
    return 0, Reason("budget", _l("Budget very large for its size"), tone="caution")


def label_points(supplier: SupplierFacts) -> tuple[int, Reason | None]:
    known = [label for label in supplier.labels if label in LABEL_POINTS]
    if not known:
        return 0, None
    points = min(POINTS["labels"], sum(LABEL_POINTS[label] for label in known))
    names = ", ".join(LABEL_NAMES[label] for label in sorted(known, key=lambda k: -LABEL_POINTS[k]))
    return points, Reason("labels", _l("Labels: %(names)s"), {"names": names})


def text_ceiling(rank: float) -> int:
    """The most text points a supplier at this rank can get (every key word found)."""
    return round(POINTS["text"] * (0.8 + 0.2 * max(0.0, min(1.0, rank))))


def score_bound(need: NeedFacts, supplier: SupplierFacts, *, rank: float = 0.0) -> int:
    """An upper bound of score(): every component but text, plus the text ceiling. Cheap:
    it never reads the supplier's words."""
    return (category_points(need, supplier)[0] + sovereignty_points(need, supplier)[0]
            + budget_points(need, supplier)[0] + label_points(supplier)[0] + text_ceiling(rank))


def score(need: NeedFacts, supplier: SupplierFacts, *, rank: float = 0.0) -> Score:
    """The score of a supplier for a need; rank is its place in the engine's text ranking
    (1.0 first, 0.0 not found by text)."""
    met, refused = requirements(need, supplier)
    text, text_reason = text_points(need, supplier, rank)
    categories, category_reasons = category_points(need, supplier)
    sovereignty, sovereignty_reasons = sovereignty_points(need, supplier)
    budget, budget_reason = budget_points(need, supplier)
    labels, label_reason = label_points(supplier)
    components = {"text": text, "categories": categories, "sovereignty": sovereignty, "budget": budget,
                  "labels": labels}
    reasons = [*met, *category_reasons, *([text_reason] if text_reason else []), *sovereignty_reasons,
               *([budget_reason] if budget_reason else []), *([label_reason] if label_reason else [])]
    return Score(min(100, sum(components.values())), components, reasons, refused)
