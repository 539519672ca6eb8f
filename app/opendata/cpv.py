"""Our category taxonomy in the EU Common Procurement Vocabulary (CPV 2008).

Each axis and sub-category of ``app.needs.taxonomy`` maps to the closest real CPV 2008
code (Regulation (EC) No 213/2008), with its English label as the regulation words it.
The taxonomy is finer than CPV for AI, cloud or quantum: several categories share a
broader code where CPV has nothing closer.

Codes are given as the 8 digits, without the check digit, as eForms and TED do. The
check digit (the ninth, "72000000-5") follows no published algorithm that we could
verify against the regulation's list, so we never compute one; a buyer's own CPV code
is exported by its 8 digits too.
"""

from __future__ import annotations

import re

from app.needs import taxonomy

SCHEME = "CPV"

# CPV code -> English label (Regulation (EC) No 213/2008), for the codes used below.
LABELS: dict[str, str] = {
    "48000000": "Software package and information systems",
    "48325000": "Form-making software package",
    "48328000": "Image-processing software package",
    "48451000": "Enterprise resource planning software package",
    "48445000": "Customer Relation Management software package",
    "48462000": "Mathematical or forecasting software package",
    "48610000": "Database systems",
    "48730000": "Security software package",
    "48732000": "Data security software package",
    "48760000": "Virus protection software package",
    "48920000": "Office automation software package",
    "48921000": "Automation system",
    "48980000": "Programming languages and tools",
    "48983000": "Development software package",
    "72000000": "IT services: consulting, software development, Internet and support",
    "72212732": "Data security software development services",
    "72262000": "Software development services",
    "72300000": "Data services",
    "72316000": "Data analysis services",
    "72317000": "Data storage services",
    "72319000": "Data supply services",
    "72322000": "Data management services",
    "72330000": "Content or data standardization and classification services",
    "72400000": "Internet services",
    "72415000": "World wide web (www) site operation host services",
    "72416000": "Application service providers",
    "72500000": "Computer-related services",
    "72700000": "Computer network services",
    "72800000": "Computer audit and testing services",
    "73000000": "Research and development services and related consultancy services",
    "73100000": "Research and experimental development services",
    "73120000": "Experimental development services",
}

# Category code (app.needs.taxonomy) -> CPV code.
BY_CATEGORY: dict[str, str] = {
    "ai": "72000000",
    "ai.llm": "48000000",
    "ai.agents": "48921000",
    "ai.vision": "48328000",
    "ai.nlp": "72330000",
    "ai.ml": "48462000",
    "data": "72300000",
    "data.platform": "48610000",
    "data.analytics": "72316000",
    "data.governance": "72322000",
    "data.opendata": "72319000",
    "cloud": "72400000",
    "cloud.iaas": "72317000",
    "cloud.paas": "72416000",
    "cloud.hosting": "72415000",
    "cloud.edge": "72700000",
    "it": "72500000",
    "it.workplace": "48920000",
    "it.erp": "48451000",
    "it.citizen": "48445000",
    "it.devops": "72262000",
    "lowcode": "48980000",
    "lowcode.apps": "48983000",
    "lowcode.workflow": "48325000",
    "cyber": "48730000",
    "cyber.soc": "48760000",
    "cyber.identity": "48730000",
    "cyber.crypto": "48732000",
    "cyber.audit": "72800000",
    "quantum": "73000000",
    "quantum.computing": "73100000",
    "quantum.pqc": "72212732",
    "quantum.sensing": "73120000",
}

_CODE = re.compile(r"(\d{8})(?:-\d)?")


def cpv_for_category(code: str) -> str:
    """The CPV code of a category: its own, else its axis's, else the IT services division."""
    if code in BY_CATEGORY:
        return BY_CATEGORY[code]
    category = taxonomy.BY_CODE.get(code)
    return BY_CATEGORY.get(category.axis if category else code.split(".", 1)[0], "72000000")


def eight_digits(code: str | None) -> str | None:
    """A CPV code as 8 digits ("72000000-5" -> "72000000"); None when not a CPV code."""
    match = _CODE.fullmatch((code or "").strip())
    return match.group(1) if match else None
