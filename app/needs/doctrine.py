"""The state's purchasing doctrine, as data the models and forms share.

Sovereignty is an essential criterion beside eight others; together they form the
default evaluation grid. Weights are whole percentages that sum to 100.
"""

from __future__ import annotations

import enum

CRITERIA: tuple[str, ...] = (
    "sovereignty",
    "performance",
    "security",
    "maintenance",
    "availability",
    "reversibility",
    "interoperability",
    "durability",
    "cost",
)

DEFAULT_WEIGHTS: dict[str, int] = {
    "sovereignty": 20,
    "performance": 15,
    "security": 15,
    "maintenance": 10,
    "availability": 10,
    "reversibility": 10,
    "interoperability": 5,
    "durability": 5,
    "cost": 10,
}
assert sum(DEFAULT_WEIGHTS.values()) == 100

MAX_SCORE = 5  # each criterion is scored 0..5 by an evaluator


class Approach(enum.StrEnum):
    """Reuse first, off-the-shelf second, custom last."""

    REUSE = "reuse"
    OFF_THE_SHELF = "off_the_shelf"
    CUSTOM = "custom"
